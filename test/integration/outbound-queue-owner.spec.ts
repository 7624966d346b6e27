import { OutboundQueue, type NewOutbound } from '../../src/messages/outbound-queue';
import type { PrismaService } from '../../src/prisma/prisma.service';
import { OwnerFixture, domainErrorOf, prismaOf } from './owner-fixture';

const MINUTE = 60_000;

/**
 * The owner of outbound_messages (OutboundQueue) on a real database, with two "processes" (proc-a
 * and proc-b): a holder reads a run of a session's queued sends without claiming them, then claims
 * each with one conditional UPDATE, only while it holds the session's lease.
 */
describe('outbound queue owner', () => {
  let fixture: OwnerFixture;
  let prisma: PrismaService;
  let queueA: OutboundQueue;
  let queueB: OutboundQueue;
  let serial = 0;

  /** A session whose lease `owner` holds (for a minute; an hour ago when `expired`). */
  const session = async (owner: string, expired = false): Promise<string> => {
    const id = `out-${++serial}`;
    await prisma.whatsappSession.create({
      data: {
        id,
        name: id,
        leaseOwner: owner,
        leaseExpiresAt: new Date(Date.now() + (expired ? -60 : 1) * MINUTE),
      },
    });
    return id;
  };

  const send = (sessionId: string, n: number, key: string | null = null): NewOutbound => ({
    sessionId,
    waMessageId: `WA-${sessionId}-${n}`,
    toJid: '15550001111@s.whatsapp.net',
    content: { kind: 'text', text: `message ${n}` },
    idempotencyKey: key,
    fingerprint: 'f'.repeat(64),
    expiresAt: new Date(Date.now() + 5 * MINUTE),
  });

  const queued = async (sessionId: string, count: number): Promise<bigint[]> => {
    const ids: bigint[] = [];
    for (let n = 1; n <= count; n++) ids.push((await queueA.insert(send(sessionId, n))).row.id);
    return ids;
  };

  const stored = (id: bigint) => prisma.outboundMessage.findUniqueOrThrow({ where: { id } });

  beforeAll(async () => {
    fixture = await OwnerFixture.create('wagw_it_outbound');
    const a = await fixture.open([OutboundQueue], { INSTANCE_ID: 'proc-a' });
    const b = await fixture.open([OutboundQueue], { INSTANCE_ID: 'proc-b' });
    prisma = prismaOf(a.moduleRef);
    queueA = a.get(OutboundQueue);
    queueB = b.get(OutboundQueue);
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('insert returns the stored row; the same Idempotency-Key answers the first row, not a second one', async () => {
    const id = await session('proc-a');
    const first = await queueA.insert(send(id, 1, 'key-1'));
    expect(first.created).toBe(true);
    expect(first.row).toEqual(await stored(first.row.id));
    expect(first.row).toMatchObject({
      status: 'queued',
      attempts: 0,
      content: { kind: 'text', text: 'message 1' },
    });
    const again = await queueB.insert(send(id, 2, 'key-1'));
    expect(again).toEqual({ row: first.row, created: false });
    expect(await prisma.outboundMessage.count({ where: { sessionId: id } })).toBe(1);
  });

  it('a send for a session deleted since the request read it is SESSION_NOT_FOUND', async () => {
    await domainErrorOf(queueA.insert(send('out-deleted', 1)), 'SESSION_NOT_FOUND');
  });

  it("nextRun reads the session's oldest unsettled sends in id order, for the lease holder only", async () => {
    const id = await session('proc-a');
    const ids = await queued(id, 4);
    await queueA.markSent(ids[0]);
    const run = await queueA.nextRun(id, 'proc-a', 2);
    expect(run.map((r) => r.id)).toEqual([ids[1], ids[2]]);
    expect(run[0]).toEqual(await stored(ids[1]));
    expect(await queueB.nextRun(id, 'proc-b', 10)).toEqual([]);
    const lapsed = await session('proc-a', true);
    await queued(lapsed, 1);
    expect(await queueA.nextRun(lapsed, 'proc-a', 10)).toEqual([]);
  });

  it('a run read but not claimed leaves its sends queued: after a crash the next holder sends them, none is taken for in flight', async () => {
    const id = await session('proc-a');
    const ids = await queued(id, 3);
    const run = await queueA.nextRun(id, 'proc-a', 10);
    const first = await queueA.claim(run[0], 'proc-a');
    expect(first).toMatchObject({ id: ids[0], status: 'sending', attempts: 1, claimedBy: 'proc-a' });
    expect(await stored(ids[0])).toMatchObject({ status: 'sending', attempts: 1, claimedBy: 'proc-a' });
    await queueA.markSent(ids[0]);
    // proc-a dies holding the rest of its run; proc-b takes the lease.
    await prisma.whatsappSession.update({
      where: { id },
      data: { leaseOwner: 'proc-b', leaseExpiresAt: new Date(Date.now() + MINUTE) },
    });
    expect(await queueB.inFlightIds(id)).toEqual([]);
    const next = await queueB.nextRun(id, 'proc-b', 10);
    expect(next.map((r) => [r.id, r.status])).toEqual([
      [ids[1], 'queued'],
      [ids[2], 'queued'],
    ]);
    // The dead holder's run can no longer be claimed by it.
    expect(await queueA.claim(run[1], 'proc-a')).toBeNull();
    expect(await queueB.claim(next[0], 'proc-b')).toMatchObject({ id: ids[1], claimedBy: 'proc-b' });
  });

  it('a send is claimed once: never twice, never when settled meanwhile, never without the lease', async () => {
    const id = await session('proc-a');
    const ids = await queued(id, 2);
    const [head, second] = await queueA.nextRun(id, 'proc-a', 10);
    const claims = await Promise.all([queueA.claim(head, 'proc-a'), queueA.claim(head, 'proc-a')]);
    expect(claims.filter((c) => c !== null)).toHaveLength(1);
    expect(await stored(ids[0])).toMatchObject({ status: 'sending', attempts: 1 });
    expect(await queueB.claim(second, 'proc-b')).toBeNull();
    await prisma.outboundMessage.update({ where: { id: ids[1] }, data: { status: 'failed' } });
    expect(await queueA.claim(second, 'proc-a')).toBeNull();
    expect(await stored(ids[1])).toMatchObject({ status: 'failed', attempts: 0, claimedBy: null });
  });
});
