import { randomUUID } from 'node:crypto';
import { DomainEvents, type OutboxConflictEvent } from '../../src/common/domain-events';
import { OutboxClaims, type Lane } from '../../src/outbox/outbox-claims';
import { OutboxResults } from '../../src/outbox/outbox-results';
import { OutboxWriter } from '../../src/outbox/outbox-writer';
import type { PrismaService } from '../../src/prisma/prisma.service';
import { OwnerFixture, lockWaits, prismaOf, sleep } from './owner-fixture';

const URL = 'http://global.test/hooks';
const MINUTE = 60_000;

/**
 * The dispatcher's transactions (claims, lane results) against message capture's inserts of outbox
 * rows, on a real database: the dispatcher takes no gap locks, so an insert never waits for it (it
 * used to wait, for as long as a result write stayed open, and could deadlock with a claim), and a
 * transaction the database rolls back for a deadlock is run again and counted.
 */
describe('outbox locks', () => {
  let fixture: OwnerFixture;
  let prisma: PrismaService;
  let capturePrisma: PrismaService;
  let claims: OutboxClaims;
  let results: OutboxResults;
  let writer: OutboxWriter;
  const conflicts: OutboxConflictEvent[] = [];

  const insertRows = async (sessionId: string, count: number, due = new Date(Date.now() - 1000)) => {
    const deliveryIds = Array.from({ length: count }, () => randomUUID());
    await prisma.webhookOutbox.createMany({
      data: deliveryIds.map((deliveryId, n) => ({
        deliveryId,
        sessionId,
        event: 'message.inbound',
        payload: JSON.stringify({ n }),
        targetUrl: URL,
        nextAttemptAt: due,
      })),
    });
    const rows = await prisma.webhookOutbox.findMany({
      where: { deliveryId: { in: deliveryIds } },
      select: { id: true },
      orderBy: { id: 'asc' },
    });
    return rows.map((r) => r.id);
  };

  /**
   * The next dispatcher transaction of `prisma` stops after its last statement, before its commit,
   * until the returned release() is called; `paused` resolves once it got there.
   */
  const pauseNextTransaction = () => {
    const original = prisma.$transaction.bind(prisma) as (...args: unknown[]) => Promise<unknown>;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const paused = new Promise<void>((resolve) => (reached = resolve));
    const spy = jest.spyOn(prisma, '$transaction').mockImplementationOnce(((
      work: (tx: unknown) => Promise<unknown>,
      options?: unknown,
    ) =>
      original(async (tx: unknown) => {
        const value = await work(tx);
        reached();
        await released;
        return value;
      }, options)) as never);
    return { paused, release: () => (release(), spy.mockRestore()) };
  };

  /**
   * What message capture does: one INSERT of new outbox rows, giving up after 1 s of lock wait. The
   * dispatcher's transaction stays open until released, so an insert that waits for any of its locks
   * fails with 1205 (lock wait timeout); one that resolves took none. (How long it took is not the
   * check: a busy machine made a lock-free insert take 1.5 s in CI.)
   */
  const captureInsert = async (sessionId: string): Promise<number> => {
    const rows = await writer.rowsFor([
      { sessionId, event: 'message.inbound', payload: { messageId: randomUUID() } },
    ]);
    const { sql, values } = writer.insertStatement(rows);
    const started = Date.now();
    await capturePrisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('SET SESSION innodb_lock_wait_timeout = 1');
      await tx.$executeRawUnsafe(sql, ...values);
      await tx.$executeRawUnsafe('SET SESSION innodb_lock_wait_timeout = DEFAULT');
    });
    return Date.now() - started;
  };

  beforeAll(async () => {
    fixture = await OwnerFixture.create('wagw_it_outbox_locks');
    const a = await fixture.open([], { INSTANCE_ID: 'proc-a', WEBHOOK_URL: URL });
    const capture = await fixture.open([], { INSTANCE_ID: 'capture', WEBHOOK_URL: URL });
    prisma = prismaOf(a.moduleRef);
    capturePrisma = prismaOf(capture.moduleRef);
    claims = a.get(OutboxClaims);
    results = a.get(OutboxResults);
    writer = capture.get(OutboxWriter);
    a.get(DomainEvents).on('outbox.conflict', (c) => conflicts.push(c));
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it("capture's insert does not wait while a lane's results are being written (no gap lock on the status index)", async () => {
    const ids = await insertRows('results-open', 3);
    const [lane] = await claims.claim(10, 3, MINUTE);
    expect(lane.rows.map((r) => r.id)).toEqual(ids);
    const { paused, release } = pauseNextTransaction();
    const recording = results.record(lane, {
      delivered: ids.map((id) => ({ id, statusCode: 200 })),
      dead: [],
      retry: null,
      released: [],
    });
    await paused;
    try {
      await expect(captureInsert('results-open')).resolves.toEqual(expect.any(Number));
    } finally {
      release();
    }
    await recording;
    const stored = await prisma.webhookOutbox.findMany({ where: { id: { in: ids } } });
    expect(stored.map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it("capture's insert does not wait while a claim is open (lanes of many sessions, few due rows)", async () => {
    for (let s = 0; s < 20; s++) await insertRows(`claim-open-${s}`, 2);
    // Rows waiting for a retry: pending but not due, beside the due heads in the status index.
    await insertRows('claim-waiting', 5, new Date(Date.now() + MINUTE));
    const { paused, release } = pauseNextTransaction();
    const claiming = claims.claim(32, 100, MINUTE);
    await paused;
    try {
      await expect(captureInsert('claim-open-0')).resolves.toEqual(expect.any(Number));
    } finally {
      release();
    }
    const lanes: Lane[] = await claiming;
    const opened = lanes.map((lane) => lane.sessionId).filter((id) => id?.startsWith('claim-open-'));
    expect(opened).toHaveLength(20);
  });

  it('a result write that loses a deadlock is run again and counted; its rows are recorded once', async () => {
    const [r1, r2] = await insertRows('deadlock', 2);
    const ballast = await insertRows('ballast', 40);
    const [lane] = await claims.claim(10, 2, MINUTE);
    expect(lane.rows.map((r) => r.id)).toEqual([r1, r2]);
    conflicts.length = 0;
    // Another transaction locks r2, then (once the result write holds r1 and waits for r2) asks for
    // r1: a deadlock. It changed more rows, so InnoDB rolls back the result write.
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    let proceed!: () => void;
    const go = new Promise<void>((resolve) => (proceed = resolve));
    const other = capturePrisma.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(
          `UPDATE webhook_outbox FORCE INDEX (PRIMARY) SET updated_at = NOW(3) WHERE id IN (${ballast.join(',')})`,
        );
        await tx.$executeRaw`UPDATE webhook_outbox SET updated_at = NOW(3) WHERE id = ${r2}`;
        holding();
        await go;
        await tx.$executeRaw`UPDATE webhook_outbox SET updated_at = NOW(3) WHERE id = ${r1}`;
      },
      { timeout: 30_000 },
    );
    await held;
    const recording = results.record(lane, {
      delivered: [
        { id: r1, statusCode: 200 },
        { id: r2, statusCode: 200 },
      ],
      dead: [],
      retry: null,
      released: [],
    });
    const deadline = Date.now() + 10_000;
    // INNODB_TRX is refreshed at most every 0.1 s: sleeping first makes what is read newer than the call.
    for (;;) {
      await sleep(150);
      if ((await lockWaits(prisma)) >= 1) break;
      if (Date.now() > deadline) throw new Error('the result write never waited for r2');
    }
    proceed();
    await other;
    await recording;
    expect(conflicts).toEqual([{ operation: 'record', kind: 'deadlock' }]);
    const stored = await prisma.webhookOutbox.findMany({ where: { id: { in: [r1, r2] } } });
    expect(stored.map((r) => [r.status, r.attempts])).toEqual([
      ['delivered', 1],
      ['delivered', 1],
    ]);
  });
});
