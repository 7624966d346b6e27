import type { NestExpressApplication } from '@nestjs/platform-express';
import { PrismaService } from '../src/prisma/prisma.service';
import type { OutboxEvent } from '../src/webhooks/webhook-events';
import { WebhookDispatcher } from '../src/webhooks/webhook-dispatcher';
import { WebhookHttp } from '../src/webhooks/webhook-http';
import { WebhookOutbox } from '../src/webhooks/webhook-outbox.service';
import { eventually } from './support/gateway-fixture';
import { startTestApp, testConfig } from './support/test-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { verifySignature, WebhookReceiver } from './support/webhook-receiver';

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
      WEBHOOK_RETRY_DELAY: '150',
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
    const outbox = target.get(WebhookOutbox);
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
    expect(first).toBeGreaterThanOrEqual(150 * 0.8 - 5);
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

  it('two dispatchers on one database never deliver a row twice', async () => {
    const second = await startTestApp(config());
    const posts = [jest.spyOn(app.get(WebhookHttp), 'post'), jest.spyOn(second.get(WebhookHttp), 'post')];
    try {
      const sessions = Array.from({ length: 20 }, (_, i) => `pair-${i}`);
      const ids = (await Promise.all(sessions.map((s, i) => emit(i % 2 ? second : app, s, 50)))).flat();
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
