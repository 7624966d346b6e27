import { randomUUID } from 'node:crypto';
import type { PrismaService } from '../../src/prisma/prisma.service';
import { SessionCommands } from '../../src/whatsapp/session-commands';
import { OwnerFixture, prismaOf } from './owner-fixture';

/**
 * The owner of session_commands (the command relay's table) on a real database, with two "processes"
 * racing for the same commands: a command is claimed once, never by two, never after it expired or
 * was withdrawn, and its answer reads back as it was written.
 */
describe('session commands (SessionCommands)', () => {
  let fixture: OwnerFixture;
  let prisma: PrismaService;
  let a: SessionCommands;
  let b: SessionCommands;

  const command = (sessionId = 'cmd-session', args: unknown[] = ['120363000000000001@g.us']) => ({
    id: randomUUID(),
    sessionId,
    target: 'groups',
    method: 'details',
    args,
    requestedBy: 'proc-requester',
  });

  beforeAll(async () => {
    fixture = await OwnerFixture.create('wagw_session_commands');
    const procA = await fixture.open([SessionCommands]);
    const procB = await fixture.open([SessionCommands]);
    prisma = prismaOf(procA.moduleRef);
    a = procA.get(SessionCommands);
    b = procB.get(SessionCommands);
  });
  afterAll(() => fixture?.close());

  it('twenty claims of one command from two processes at once: exactly one wins, with its arguments', async () => {
    const written = command('race', [{ subject: 'Team', announce: true }, ['628@s.whatsapp.net']]);
    await a.insert(written, 15);
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claim(written.id, i % 2 ? 'proc-a' : 'proc-b')),
    );
    const winners = claims.filter((c) => c !== null);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toEqual({
      id: written.id,
      sessionId: 'race',
      target: 'groups',
      method: 'details',
      args: [{ subject: 'Team', announce: true }, ['628@s.whatsapp.net']],
    });
    const row = await prisma.sessionCommand.findUniqueOrThrow({ where: { id: written.id } });
    expect(row.status).toBe('running');
    expect(row.claimedBy).toBe(claims.indexOf(winners[0]) % 2 ? 'proc-a' : 'proc-b');
    // Claimed once is claimed for good: no later claim takes it, nor does the pending list show it.
    expect(await b.claim(written.id, 'proc-b')).toBeNull();
    expect(await a.pendingFor(['race'])).toEqual([]);
  });

  it('lists the pending commands of the given sessions only, oldest first', async () => {
    const first = command('list-1');
    const second = command('list-2');
    const other = command('list-other');
    for (const c of [first, second, other]) {
      await a.insert(c, 15);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await b.pendingFor(['list-1', 'list-2'])).toEqual([first.id, second.id]);
    expect(await b.pendingFor([])).toEqual([]);
  });

  it('an expired command is neither listed nor claimed', async () => {
    const late = command('late');
    await a.insert(late, 15);
    await prisma.$executeRaw`UPDATE session_commands SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE id = ${late.id}`;
    expect(await b.pendingFor(['late'])).toEqual([]);
    expect(await b.claim(late.id, 'proc-b')).toBeNull();
    expect((await prisma.sessionCommand.findUniqueOrThrow({ where: { id: late.id } })).status).toBe(
      'pending',
    );
  });

  it('a withdrawn command is gone; a claimed one cannot be withdrawn', async () => {
    const unclaimed = command('withdraw');
    await a.insert(unclaimed, 15);
    expect(await a.withdraw(unclaimed.id)).toBe(true);
    expect(await b.claim(unclaimed.id, 'proc-b')).toBeNull();

    const claimed = command('withdraw');
    await a.insert(claimed, 15);
    expect(await b.claim(claimed.id, 'proc-b')).not.toBeNull();
    expect(await a.withdraw(claimed.id)).toBe(false);
    expect(await a.answer(claimed.id)).toEqual({ status: 'running' });
  });

  it('answers read back as written: a value (void as null), a DomainError with its fields', async () => {
    const done = command('answers');
    await a.insert(done, 15);
    expect(await a.answer(done.id)).toEqual({ status: 'pending' });
    await b.claim(done.id, 'proc-b');
    await b.finish(done.id, {
      id: '120363000000000001@g.us',
      participants: [{ phoneNumber: '628', role: 'admin' }],
    });
    expect(await a.answer(done.id)).toEqual({
      status: 'done',
      value: { id: '120363000000000001@g.us', participants: [{ phoneNumber: '628', role: 'admin' }] },
    });
    // A second write finds it settled and changes nothing.
    await b.fail(done.id, { code: 'GROUP_NOT_FOUND', message: 'late', details: null });
    expect((await a.answer(done.id))?.status).toBe('done');

    const nothing = command('answers');
    await a.insert(nothing, 15);
    await b.claim(nothing.id, 'proc-b');
    await b.finish(nothing.id, undefined);
    expect(await a.answer(nothing.id)).toEqual({ status: 'done', value: null });

    const failed = command('answers');
    await a.insert(failed, 15);
    await b.claim(failed.id, 'proc-b');
    const details = [{ field: 'groupId', errors: ['not a valid group id'] }];
    await b.fail(failed.id, { code: 'VALIDATION_ERROR', message: 'Validation failed', details });
    expect(await a.answer(failed.id)).toEqual({
      status: 'failed',
      error: { code: 'VALIDATION_ERROR', message: 'Validation failed', details },
    });
    await a.forget(failed.id);
    expect(await a.answer(failed.id)).toBeNull();
  });

  it('prunes commands expired for over a minute, and only those', async () => {
    const old = command('prune');
    const recent = command('prune');
    await a.insert(old, 15);
    await a.insert(recent, 15);
    await prisma.$executeRaw`UPDATE session_commands SET expires_at = NOW(3) - INTERVAL 61 SECOND WHERE id = ${old.id}`;
    await prisma.$executeRaw`UPDATE session_commands SET expires_at = NOW(3) - INTERVAL 30 SECOND WHERE id = ${recent.id}`;
    expect(await b.prune()).toBeGreaterThanOrEqual(1);
    expect(await a.answer(old.id)).toBeNull();
    expect(await a.answer(recent.id)).toEqual({ status: 'pending' });
  });
});
