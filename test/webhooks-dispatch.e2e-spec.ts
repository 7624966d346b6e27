import { randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig } from '../src/config/app-config';
import { Prisma } from '../src/generated/prisma/client';
import { PrismaService } from '../src/prisma/prisma.service';
import type { OutboxEvent } from '../src/outbox/event-names';
import { OutboxClaims } from '../src/outbox/outbox-claims';
import { OutboxResults } from '../src/outbox/outbox-results';
import { OutboxWriter } from '../src/outbox/outbox-writer';
import { WebhookDispatcher } from '../src/webhooks/webhook-dispatcher';
import { WebhookHttp } from '../src/webhooks/webhook-http';
import { WebhookRetention } from '../src/webhooks/webhook-retention';
import { eventually } from './support/gateway-fixture';
import { startTestApp, testConfig } from './support/test-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { verifySignature, WebhookReceiver, verifyTimestampedSignature } from './support/webhook-receiver';

jest.setTimeout(60_000);

const SECRET = 'global-secret-for-tests-0123456789';

describe('webhook dispatcher: retries, dead letters, ordering, two dispatchers', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let prisma: PrismaService;
  const receiver = new WebhookReceiver();
  let seq = 0;

  const config = () =>
    testConfig(db.url, {
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_TIMEOUT: '1000',
      WEBHOOK_RETRY_DELAY: '300',
      WEBHOOK_MAX_RETRIES: '3',
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: 'admin-password-for-tests',
    });

  /** Writes message events through the real outbox path and wakes the dispatcher. */
  async function emit(target: NestExpressApplication, sessionId: string, count = 1): Promise<string[]> {
    const events: OutboxEvent[] = Array.from({ length: count }, () => {
      seq++;
      return {
        event: 'message.inbound',
        sessionId,
        payload: {
          from: '6281',
          to: '6282',
          message: `m${seq}`,
          timestamp: '1754889300',
          type: 'text',
          messageId: `M${seq}`,
        },
      };
    });
    const outbox = target.get(OutboxWriter);
    await target.get(PrismaService).$transaction((tx) => outbox.write(tx, events));
    target.get(WebhookDispatcher).wake();
    const rows = await prisma.webhookOutbox.findMany({
      where: { messageId: { in: events.map((e) => String(e.payload.messageId)) } },
      orderBy: { id: 'asc' },
    });
    return rows.map((r) => r.deliveryId);
  }

  const row = (deliveryId: string) => prisma.webhookOutbox.findUniqueOrThrow({ where: { deliveryId } });

  beforeAll(async () => {
    await receiver.start();
    db = await createTestDatabase('wagw_hooks');
    app = await startTestApp(config());
    prisma = app.get(PrismaService);
  });
  afterAll(async () => {
    await app?.close();
    await receiver.stop();
    await db?.drop();
  });
  beforeEach(() => {
    receiver.clear();
    receiver.respond = () => ({ status: 200, body: 'ok' });
  });

  it('posts one signed request with the seed fields and the delivery headers', async () => {
    const [id] = await emit(app, 'sales');
    const hook = await eventually(() => receiver.forDelivery(id)[0]);
    expect(hook.body).toMatchObject({
      from: '6281',
      to: '6282',
      message: expect.stringMatching(/^m\d+$/),
      timestamp: '1754889300',
      type: 'text',
      event: 'message.inbound',
      sessionId: 'sales',
      deliveryId: id,
    });
    expect(hook.headers['x-webhook-event']).toBe('message.inbound');
    expect(hook.headers['content-type']).toBe('application/json');
    expect(verifySignature(SECRET, hook)).toBe(true);
    expect(verifyTimestampedSignature(SECRET, hook)).toBe(true);
    expect(await eventually(async () => (await row(id)).status === 'delivered' && row(id))).toMatchObject({
      attempts: 1,
      lastStatusCode: 200,
    });
  });

  it('500, 500, 200: delivered on attempt 3 after growing waits', async () => {
    receiver.respond = (_hook, n) => (n < 2 ? { status: 500, body: 'down' } : { status: 200 });
    const [id] = await emit(app, 'retry-500');
    const delivered = await eventually(async () => ((await row(id)).status === 'delivered' ? row(id) : null));
    expect(delivered.attempts).toBe(3);
    const times = receiver.forDelivery(id).map((h) => h.at);
    expect(times).toHaveLength(3);
    expect(receiver.forDelivery(id).map((h) => h.headers['x-webhook-attempt'])).toEqual(['1', '2', '3']);
    const [first, second] = [times[1] - times[0], times[2] - times[1]];
    expect(first).toBeGreaterThanOrEqual(300 * 0.8 - 5);
    expect(second).toBeGreaterThan(first);
  });

  it('400: no retry, dead at once with the status and body kept', async () => {
    receiver.respond = () => ({ status: 400, body: 'bad payload' });
    const [id] = await emit(app, 'reject-400');
    const dead = await eventually(async () => ((await row(id)).status === 'dead' ? row(id) : null));
    expect(dead).toMatchObject({ attempts: 1, lastStatusCode: 400, lastError: 'HTTP 400: bad payload' });
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.forDelivery(id)).toHaveLength(1);
  });

  it('429 with Retry-After: 1 is retried after a second', async () => {
    receiver.respond = (_hook, n) =>
      n === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 };
    const [id] = await emit(app, 'rate-429');
    await eventually(async () => (await row(id)).status === 'delivered');
    const [a, b] = receiver.forDelivery(id).map((h) => h.at);
    expect(b - a).toBeGreaterThanOrEqual(990);
  });

  it('keeps per-session order: later rows wait while an earlier one is retried', async () => {
    receiver.respond = (hook, n) =>
      hook.body.message === `m${seq - 3}` && n < 2 ? { status: 503 } : { status: 200 };
    const ids = await emit(app, 'ordered', 4);
    await eventually(
      async () =>
        (await prisma.webhookOutbox.count({ where: { deliveryId: { in: ids }, status: 'delivered' } })) === 4,
    );
    const arrivals = receiver.hooks.filter((h) => ids.includes(String(h.headers['x-delivery-id'])));
    expect(arrivals.map((h) => h.headers['x-delivery-id'])).toEqual([
      ids[0],
      ids[0],
      ids[0],
      ids[1],
      ids[2],
      ids[3],
    ]);
  });

  it('a busy session keeps its lane going past 100 rows (continuation), in order, each row once', async () => {
    const continued = jest.spyOn(app.get(OutboxClaims), 'leaseNext');
    try {
      const first = await emit(app, 'busy', 250);
      const more = await emit(app, 'busy', 100);
      const ids = [...first, ...more];
      await eventually(
        async () =>
          (await prisma.webhookOutbox.count({ where: { deliveryId: { in: ids }, status: 'delivered' } })) ===
          ids.length,
        20_000,
      );
      const arrived = receiver.hooks
        .filter((h) => h.body.sessionId === 'busy')
        .map((h) => String(h.headers['x-delivery-id']));
      expect(arrived).toEqual(ids);
      expect(continued.mock.calls.length).toBeGreaterThanOrEqual(2);
    } finally {
      continued.mockRestore();
    }
  });

  it('a claim whose holder died is due again when its lease runs out; the stale holder is fenced off', async () => {
    // The running dispatcher is held back while the rows are written and claimed "by a process
    // that then crashes" (a second OutboxClaims on the same database that never records a result).
    const paused = jest.spyOn(app.get(OutboxClaims), 'claim').mockResolvedValue([]);
    const events: OutboxEvent[] = [1, 2, 3].map((i) => ({
      event: 'message.inbound',
      sessionId: 'crashed-lane',
      payload: {
        from: '6281',
        to: '6282',
        message: `lease ${i}`,
        timestamp: '1754889300',
        type: 'text',
        messageId: `L${i}`,
      },
    }));
    await prisma.$transaction((tx) => app.get(OutboxWriter).write(tx, events));
    const claimedAt = Date.now();
    const lanes = await new OutboxClaims(prisma).claim(100, 50, 1_500);
    paused.mockRestore();
    const lane = lanes.find((l) => l.sessionId === 'crashed-lane');
    expect(lane?.rows.map((r) => JSON.parse(r.payload).message)).toEqual(['lease 1', 'lease 2', 'lease 3']);
    const ids = lane!.rows.map((r) => r.deliveryId);
    await eventually(
      async () =>
        (await prisma.webhookOutbox.count({ where: { deliveryId: { in: ids }, status: 'delivered' } })) === 3,
      10_000,
    );
    const first = Math.min(...ids.map((id) => receiver.forDelivery(id)[0].at));
    expect(first - claimedAt).toBeGreaterThanOrEqual(1_400);
    // The dead holder's late result changes nothing.
    await app.get(OutboxResults).record(lane!, {
      delivered: [],
      dead: lane!.rows.map((r) => ({ id: r.id, statusCode: 500, error: 'late' })),
      retry: null,
      released: [],
    });
    expect(
      await prisma.webhookOutbox.count({
        where: { deliveryId: { in: ids }, status: 'delivered', attempts: 1 },
      }),
    ).toBe(3);
    expect(ids.map((id) => receiver.forDelivery(id).length)).toEqual([1, 1, 1]);
  });

  it('prunes delivered and dead rows past retention in batches, never pending ones, without stalling writers', async () => {
    const old = new Date(Date.now() - 8 * 24 * 60 * 60 * 1000);
    const later = new Date(Date.now() + 60 * 60 * 1000);
    const values = Array.from({ length: 2_520 }, (_, i) => {
      const status = i < 2_500 ? 'delivered' : i < 2_510 ? 'dead' : 'pending';
      return Prisma.sql`(${randomUUID()}, 'retention', 'message.inbound', '{}', ${receiver.url}, ${status}, 1, ${later}, ${old}, ${old})`;
    });
    await prisma.$executeRaw`INSERT INTO webhook_outbox
      (delivery_id, session_id, event, payload, target_url, status, attempts, next_attempt_at, created_at, updated_at)
      VALUES ${Prisma.join(values)}`;
    const writes = Array.from({ length: 10 }, async () => {
      const t0 = Date.now();
      await emit(app, 'during-prune');
      return Date.now() - t0;
    });
    const [removed, ...writeMs] = await Promise.all([app.get(WebhookRetention).prune(), ...writes]);
    expect(removed).toBe(2_510);
    expect(Math.max(...writeMs)).toBeLessThan(2_000);
    expect(await prisma.webhookOutbox.count({ where: { sessionId: 'retention' } })).toBe(10);
    expect(
      await prisma.webhookOutbox.count({ where: { sessionId: 'retention', status: { not: 'pending' } } }),
    ).toBe(0);
    await prisma.webhookOutbox.deleteMany({ where: { sessionId: 'retention' } });
  });

  it('two dispatchers on one database never deliver a row twice', async () => {
    const second = await startTestApp(config());
    const posts = [jest.spyOn(app.get(WebhookHttp), 'post'), jest.spyOn(second.get(WebhookHttp), 'post')];
    try {
      // More sessions than one process runs lanes at once (twice WEBHOOK_CONCURRENCY), written by
      // both, then both started at the same moment.
      const held = [app, second].map((a) => jest.spyOn(a.get(OutboxClaims), 'claim').mockResolvedValue([]));
      const sessions = Array.from(
        { length: 2 * app.get(AppConfig).WEBHOOK_CONCURRENCY },
        (_, i) => `pair-${i}`,
      );
      const ids = (await Promise.all(sessions.map((s, i) => emit(i % 2 ? second : app, s, 10)))).flat();
      held.forEach((h) => h.mockRestore());
      app.get(WebhookDispatcher).wake();
      second.get(WebhookDispatcher).wake();
      await eventually(
        async () =>
          (await prisma.webhookOutbox.count({ where: { deliveryId: { in: ids }, status: 'delivered' } })) ===
          ids.length,
        30_000,
      );
      const counts = new Map<string, number>();
      for (const h of receiver.hooks)
        counts.set(
          String(h.headers['x-delivery-id']),
          (counts.get(String(h.headers['x-delivery-id'])) ?? 0) + 1,
        );
      expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
      // both processes took part
      expect(posts.map((p) => p.mock.calls.length).every((n) => n > 0)).toBe(true);
      // each session's rows arrived in the order they were written
      for (const s of sessions) {
        const got = receiver.hooks
          .filter((h) => h.body.sessionId === s)
          .map((h) => Number(String(h.body.messageId).slice(1)));
        expect(got).toEqual([...got].sort((x, y) => x - y));
      }
    } finally {
      posts.forEach((p) => p.mockRestore());
      await second.close();
    }
  });
});
