import type { NestExpressApplication } from '@nestjs/platform-express';
import { CaptureConnection } from '../src/messages/capture-connection';
import { MessageCapture, type MessageToStore } from '../src/messages/message-capture.service';
import { Database } from '../src/prisma/database';
import { PrismaService } from '../src/prisma/prisma.service';
import { eventually, GatewayFixture } from './support/gateway-fixture';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const SESSION = 'capture';

/** An inbound text as the ingest hands it to the store. */
function inbound(waMessageId: string, text = `text of ${waMessageId}`): MessageToStore {
  return {
    sessionId: SESSION,
    waMessageId,
    direction: 'inbound',
    type: 'text',
    chatJid: '6281100000031@s.whatsapp.net',
    from: '6281100000031',
    to: '6281200000031',
    text,
    fileName: null,
    mediaMime: null,
    hasMedia: false,
    waTimestamp: new Date(),
    pushName: 'Capture',
    quotedId: null,
    mediaPath: null,
    mediaSize: null,
    status: 'received',
    raw: null,
  };
}

describe('message capture: pipelined batches for new messages, the checked path for the rest (real MariaDB)', () => {
  const fixture = new GatewayFixture();
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let capture: MessageCapture;

  /** Stored rows and webhook outbox rows of these WhatsApp ids. */
  async function counts(ids: string[]) {
    const stored = await prisma.message.groupBy({
      by: ['waMessageId'],
      where: { sessionId: SESSION, waMessageId: { in: ids } },
      _count: true,
    });
    const outbox = await prisma.webhookOutbox.groupBy({
      by: ['messageId'],
      where: { sessionId: SESSION, messageId: { in: ids } },
      _count: true,
    });
    return {
      stored: Object.fromEntries(stored.map((r) => [r.waMessageId, r._count])),
      outbox: Object.fromEntries(outbox.map((r) => [r.messageId, r._count])),
    };
  }

  beforeAll(async () => {
    await fixture.start('wagw_capture');
    // A webhook that no one answers: deliveries fail and stay, so their rows can be counted.
    app = await fixture.startApp(fixture.config({ WEBHOOK_URL: 'http://127.0.0.1:9/hook' }));
    prisma = app.get(PrismaService);
    capture = app.get(MessageCapture);
    await prisma.whatsappSession.create({ data: { id: SESSION, name: 'Capture' } });
  });
  afterAll(() => fixture.close());

  it('stores a batch of new messages once each, in order, with one webhook row each', async () => {
    const ids = ['new-1', 'new-2', 'new-3'];
    // Queued in one tick, so they are written as one batch.
    const results = await Promise.all(ids.map((id) => capture.store(inbound(id))));
    expect(results).toEqual([true, true, true]);
    expect(await counts(ids)).toEqual({
      stored: { 'new-1': 1, 'new-2': 1, 'new-3': 1 },
      outbox: { 'new-1': 1, 'new-2': 1, 'new-3': 1 },
    });
    const rows = await prisma.message.findMany({
      where: { sessionId: SESSION, waMessageId: { in: ids } },
      orderBy: { id: 'asc' },
      select: { waMessageId: true, text: true },
    });
    expect(rows).toEqual(ids.map((id) => ({ waMessageId: id, text: `text of ${id}` })));
  });

  it('a message an earlier process stored is refused by the unique key; the checked path stores the rest of its batch', async () => {
    // As if stored before a restart: this process has not seen it.
    const earlier = inbound('earlier-1');
    await prisma.message.create({
      data: {
        sessionId: SESSION,
        waMessageId: earlier.waMessageId,
        chatJid: earlier.chatJid,
        fromNumber: earlier.from,
        toNumber: earlier.to,
        direction: 'inbound',
        type: 'text',
        text: 'stored earlier',
        waTimestamp: earlier.waTimestamp,
        status: 'received',
      },
    });
    // The refusal is expected, not a failure: the batch is not retried row by row (which first asks
    // whether the database is reachable).
    const probe = jest.spyOn(app.get(Database), 'isReachable');
    const results = await Promise.all([
      capture.store(inbound('before-it')),
      capture.store(earlier),
      capture.store(inbound('after-it')),
    ]);
    expect(results).toEqual([true, false, true]);
    expect(probe).not.toHaveBeenCalled();
    probe.mockRestore();
    expect(await counts(['before-it', 'earlier-1', 'after-it'])).toEqual({
      stored: { 'before-it': 1, 'earlier-1': 1, 'after-it': 1 },
      outbox: { 'before-it': 1, 'after-it': 1 },
    });
    const kept = await prisma.message.findFirstOrThrow({
      where: { sessionId: SESSION, waMessageId: 'earlier-1' },
    });
    expect(kept.text).toBe('stored earlier');
  });

  it('a message seen again (twice in one batch, or again later) is stored once', async () => {
    const first = await Promise.all([capture.store(inbound('again-1')), capture.store(inbound('again-1'))]);
    expect(first).toEqual([true, false]);
    const later = await Promise.all([capture.store(inbound('again-1')), capture.store(inbound('again-2'))]);
    expect(later).toEqual([false, true]);
    expect(await counts(['again-1', 'again-2'])).toEqual({
      stored: { 'again-1': 1, 'again-2': 1 },
      outbox: { 'again-1': 1, 'again-2': 1 },
    });
  });

  it('sends full batches without waiting for the ones before, and stores them in the order taken', async () => {
    const connection = app.get(CaptureConnection);
    const send = connection.transaction.bind(connection);
    let inFlight = 0;
    let mostInFlight = 0;
    const spy = jest.spyOn(connection, 'transaction').mockImplementation((statements) => {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      return send(statements).finally(() => inFlight--);
    });
    // 1,600 messages queued in one tick: three full batches go out at once, the rest at the tick's end.
    const ids = Array.from({ length: 1600 }, (_, i) => `flood-${String(i).padStart(4, '0')}`);
    const results = await Promise.all(ids.map((id) => capture.store(inbound(id))));
    spy.mockRestore();
    expect(results.every((r) => r === true)).toBe(true);
    expect(mostInFlight).toBeGreaterThanOrEqual(3);
    const rows = await prisma.message.findMany({
      where: { sessionId: SESSION, waMessageId: { startsWith: 'flood-' } },
      orderBy: { id: 'asc' },
      select: { waMessageId: true },
    });
    expect(rows.map((r) => r.waMessageId)).toEqual(ids);
    expect(
      await prisma.webhookOutbox.count({
        where: { sessionId: SESSION, messageId: { startsWith: 'flood-' } },
      }),
    ).toBe(ids.length);
  });

  it('long texts that escape badly still go in batches the server accepts (max_allowed_packet)', async () => {
    const connection = app.get(CaptureConnection);
    const send = connection.transaction.bind(connection);
    const batches: Promise<void>[] = [];
    const spy = jest.spyOn(connection, 'transaction').mockImplementation((statements) => {
      const sent = send(statements);
      batches.push(sent);
      return sent;
    });
    // 60,000 characters that JSON and then SQL escape to 4 bytes each, in the message and in its
    // webhook row: about 57 MB as one query, far over the server's 16 MiB.
    const text = '"\\'.repeat(30_000);
    const ids = Array.from({ length: 120 }, (_, i) => `long-${i}`);
    const results = await Promise.all(ids.map((id) => capture.store(inbound(id, text))));
    spy.mockRestore();
    expect(results.every((r) => r === true)).toBe(true);
    expect(batches.length).toBeGreaterThan(1);
    // A batch may still be in flight when store() answered (it answers once journaled, see below).
    const outcomes = await Promise.allSettled(batches);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    // store() answers once a message is durable: on a busy machine a batch of these may take longer
    // than the capture waits before it journals (SLOW_BATCH_MS), and the journal is then written
    // to the database in the background. Every message ends up stored, whole.
    const stored = await eventually(async () => {
      const rows = await prisma.message.findMany({
        where: { sessionId: SESSION, waMessageId: { startsWith: 'long-' } },
        select: { text: true },
      });
      return rows.length === ids.length && rows;
    }, 60_000);
    expect(stored).toHaveLength(ids.length);
    await eventually(() => !capture.state().journaling, 30_000);
    expect(stored.every((m) => m.text === text)).toBe(true);
  });

  it("a batch share-locks its sessions' rows in key order, as a lease renewal locks them: the two never deadlock", async () => {
    await prisma.whatsappSession.createMany({
      data: [
        { id: 'lock-a', name: 'A' },
        { id: 'lock-b', name: 'B' },
      ],
    });
    const message = (sessionId: string, waMessageId: string): MessageToStore => ({
      ...inbound(waMessageId),
      sessionId,
    });
    const connection = app.get(CaptureConnection);
    const send = connection.transaction.bind(connection);
    const failures: unknown[] = [];
    const spy = jest.spyOn(connection, 'transaction').mockImplementation((statements) =>
      send(statements).catch((error: unknown) => {
        failures.push(error);
        throw error;
      }),
    );
    const lockWaits = async () => {
      const [row] = await prisma.$queryRaw<{ n: bigint }[]>`
        SELECT COUNT(*) AS n FROM information_schema.innodb_trx t
        JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id
        WHERE t.trx_state = 'LOCK WAIT' AND p.db = DATABASE()`;
      return Number(row.n);
    };
    // A renewal has locked lock-a and goes on to lock-b (key order). The batch arrives with lock-b's
    // message first: taken in arrival order, its foreign-key check would hold lock-b while waiting
    // for lock-a, and the renewal's lock-b would close the cycle.
    let proceed!: () => void;
    const go = new Promise<void>((resolve) => (proceed = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const renewal = prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`UPDATE whatsapp_sessions SET updated_at = NOW(3) WHERE id = 'lock-a'`;
        holding();
        await go;
        await tx.$executeRaw`UPDATE whatsapp_sessions SET updated_at = NOW(3) WHERE id = 'lock-b'`;
      },
      { timeout: 30_000 },
    );
    await held;
    const stored = Promise.all([
      capture.store(message('lock-b', 'order-b')),
      capture.store(message('lock-a', 'order-a')),
    ]);
    // INNODB_TRX is refreshed at most every 0.1 s: sleeping first makes what is read newer.
    for (let i = 0; ; i++) {
      await sleep(150);
      if ((await lockWaits()) >= 1) break;
      if (i > 60) throw new Error('the batch never waited for the renewal');
    }
    proceed();
    await expect(renewal).resolves.toBeUndefined();
    expect(await stored).toEqual([true, true]);
    spy.mockRestore();
    expect(failures).toEqual([]);
  });

  it("the capture connection's transaction commits all of its statements or none, and the next one is not caught in a failed one", async () => {
    const connection = app.get(CaptureConnection);
    await prisma.$executeRawUnsafe('CREATE TABLE capture_probe (id INT PRIMARY KEY)');
    const insert = (id: number) => ({ sql: 'INSERT INTO capture_probe (id) VALUES (?)', values: [id] });
    // Sent back to back: the first fails at its second statement (the same key twice), which leaves
    // its transaction open on the server with the row 1 in it; the second must neither commit that
    // row nor lose its own.
    const [failed, next] = await Promise.allSettled([
      connection.transaction([insert(1), insert(1)]),
      connection.transaction([insert(2)]),
    ]);
    expect(failed).toMatchObject({ status: 'rejected', reason: { errno: 1062 } });
    expect(next.status).toBe('fulfilled');
    const ids = await prisma.$queryRawUnsafe<{ id: number }[]>('SELECT id FROM capture_probe ORDER BY id');
    expect(ids.map((r) => Number(r.id))).toEqual([2]);
  });

  it("the app's connections and the capture's work in UTC, so dates the server fills in match the ones Prisma writes", async () => {
    const [session] = await prisma.$queryRawUnsafe<{ tz: string }[]>('SELECT @@session.time_zone AS tz');
    expect(session.tz).toBe('+00:00');
    await prisma.$executeRawUnsafe('CREATE TABLE tz_probe (tz VARCHAR(64))');
    await app
      .get(CaptureConnection)
      .transaction([{ sql: 'INSERT INTO tz_probe SELECT @@session.time_zone', values: [] }]);
    const [capture] = await prisma.$queryRawUnsafe<{ tz: string }[]>('SELECT tz FROM tz_probe');
    expect(capture.tz).toBe('+00:00');
  });
});
