import { createHmac } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { adminToken, eventually, GatewayFixture, linkSession } from './support/gateway-fixture';
import {
  verifySignature,
  verifyTimestampedSignature,
  WebhookReceiver,
  type ReceivedHook,
} from './support/webhook-receiver';

jest.setTimeout(120_000);

const CONTACT = '6281316088377';
const PHONE = '6285156808928';

describe('webhooks end to end: a real message, signatures, config, overrides, dead letters', () => {
  const fixture = new GatewayFixture();
  const receiver = new WebhookReceiver();
  const own = new WebhookReceiver();
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let admin: string;
  let secret: string;
  const api = () => request(app.getHttpServer());
  const auth = (r: request.Test) => r.set('authorization', `Bearer ${admin}`);
  const inboundOf = (r: WebhookReceiver, text: string): ReceivedHook | undefined =>
    r.hooks.find((h) => h.body.event === 'message.inbound' && h.body.message === text);

  beforeAll(async () => {
    await receiver.start();
    await own.start();
    await fixture.start('wagw_hooks_api');
    app = await fixture.startApp(
      fixture.config({ WEBHOOK_URL: receiver.url, WEBHOOK_RETRY_DELAY: '50', WEBHOOK_TIMEOUT: '1000' }),
    );
    prisma = app.get(PrismaService);
    admin = await adminToken(app);
    const rotated = await auth(api().put('/api/v1/webhooks/config'))
      .send({ url: receiver.url, rotateSecret: true })
      .expect(200);
    secret = rotated.body.data.newSecret;
    fixture.simulator.createContact(CONTACT, { pushName: 'Ann' });
    await linkSession(fixture, app, 'sales', PHONE);
  });
  afterAll(async () => {
    await fixture.close();
    await receiver.stop();
    await own.stop();
  });

  it('a message arrives -> one signed POST with the seed fields; the signature verifies', async () => {
    await fixture.simulator.sendMessage(CONTACT, PHONE, { text: 'Hello, how can I help you?' });
    const hook = await eventually(() => inboundOf(receiver, 'Hello, how can I help you?'));
    expect(hook.body).toMatchObject({
      from: CONTACT,
      to: PHONE,
      message: 'Hello, how can I help you?',
      timestamp: expect.stringMatching(/^\d{10}$/),
      type: 'text',
      event: 'message.inbound',
      sessionId: 'sales',
      direction: 'inbound',
      messageId: expect.any(String),
      deliveryId: hook.headers['x-delivery-id'],
    });
    expect(Object.keys(hook.body).slice(0, 5)).toEqual(['from', 'to', 'message', 'timestamp', 'type']);
    expect(hook.headers['x-webhook-event']).toBe('message.inbound');
    expect(hook.headers['x-signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(verifySignature(secret, hook)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.forDelivery(String(hook.headers['x-delivery-id']))).toHaveLength(1);
  });

  it('GET/PUT config: shows the secret only as a fingerprint; a bad URL or timeout is a 400', async () => {
    const config = await auth(api().get('/api/v1/webhooks/config')).expect(200);
    expect(config.body.data).toMatchObject({
      url: receiver.url,
      timeout: 1000,
      maxRetries: 3,
      retryDelay: 50,
      secret: { source: 'stored', fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/) },
    });
    expect(JSON.stringify(config.body)).not.toContain(secret);
    const bad = await auth(api().put('/api/v1/webhooks/config')).send({ url: 'not a url' }).expect(400);
    expect(bad.body).toMatchObject({ success: false, code: 'VALIDATION_ERROR' });
    expect(bad.body.details[0].field).toBe('url');
    await auth(api().put('/api/v1/webhooks/config')).send({ timeout: 5 }).expect(400);
    await auth(api().put('/api/v1/webhooks/config'))
      .send({ events: ['message.sent'] })
      .expect(400);
    await auth(api().put('/api/dashboard/webhook/config')).send({ url: 'ftp://x' }).expect(400);
    await api().get('/api/v1/webhooks/config').expect(401);
    const logged = await prisma.activityLog.findFirst({ where: { action: 'webhook.secret_rotated' } });
    expect(logged).not.toBeNull();
  });

  it("POST test sends a signed test event and reports status and latency, never the answer's body", async () => {
    const res = await auth(api().post('/api/v1/webhooks/test')).send({}).expect(200);
    expect(res.body.data).toMatchObject({
      url: receiver.url,
      success: true,
      statusCode: 200,
      error: null,
    });
    // The receiver's answer is not echoed: a test of an internal URL must not read it.
    expect(res.body.data).not.toHaveProperty('responseBody');
    expect(res.body.data.latencyMs).toBeGreaterThan(0);
    const hook = receiver.forDelivery(res.body.data.deliveryId)[0];
    expect(hook.body).toMatchObject({ event: 'webhook.test', test: true });
    expect(verifySignature(secret, hook)).toBe(true);
    // The timestamped signature: valid now, and a replay of the same bytes an hour later is refused.
    expect(verifyTimestampedSignature(secret, hook)).toBe(true);
    expect(hook.headers['x-webhook-signature']).toBe(
      `t=${String(hook.headers['x-timestamp'])},v1=${createHmac('sha256', secret)
        .update(`${String(hook.headers['x-timestamp'])}.${hook.raw}`)
        .digest('hex')}`,
    );
    expect(
      verifyTimestampedSignature(secret, { ...hook, raw: hook.raw.replace('webhook.test', 'webhook.tesT') }),
    ).toBe(false);
    const realNow = Date.now;
    Date.now = () => realNow() + 3_600_000;
    try {
      expect(verifyTimestampedSignature(secret, hook)).toBe(false);
    } finally {
      Date.now = realNow;
    }
    const down = await auth(api().post('/api/v1/webhooks/test'))
      .send({ url: 'http://127.0.0.1:9/nothing' })
      .expect(200);
    expect(down.body.data).toMatchObject({
      success: false,
      statusCode: null,
      error: expect.stringMatching(/^network/),
    });
  });

  it('a session with its own URL and event filter: only those events, signed with its own secret', async () => {
    await auth(api().put('/api/v1/sessions/sales/webhook'))
      .send({ webhookUrl: own.url, webhookEvents: ['message.inbound'] })
      .expect(200);
    const rotated = await auth(api().post('/api/v1/webhooks/sessions/sales/secret')).send({}).expect(200);
    const sessionSecret: string = rotated.body.data.newSecret;
    await fixture.simulator.sendMessage(CONTACT, PHONE, { text: 'to the override' });
    const hook = await eventually(() => inboundOf(own, 'to the override'));
    expect(verifySignature(sessionSecret, hook)).toBe(true);
    expect(verifySignature(secret, hook)).toBe(false);
    expect(inboundOf(receiver, 'to the override')).toBeUndefined();
    // outbound and status events of this session are filtered out: no rows for them at all
    await request(app.getHttpServer())
      .post('/api/v1/sessions/sales/disconnect')
      .set('authorization', `Bearer ${admin}`)
      .expect(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(own.hooks.filter((h) => h.body.event !== 'message.inbound')).toEqual([]);
    expect(
      await prisma.webhookOutbox.count({ where: { targetUrl: own.url, event: { not: 'message.inbound' } } }),
    ).toBe(0);
    // back to the global webhook, with a global event filter this time
    await auth(api().put('/api/v1/sessions/sales/webhook')).send({ webhookUrl: null }).expect(200);
    await auth(api().put('/api/v1/webhooks/config'))
      .send({ events: ['message.inbound', 'message.outbound'] })
      .expect(200);
    const statusRows = await prisma.webhookOutbox.count({ where: { event: 'session.status' } });
    await auth(api().post('/api/v1/sessions/sales/connect')).expect(200);
    await eventually(
      async () => (await auth(api().get('/api/v1/sessions/sales'))).body.data.status === 'connected',
    );
    expect(await prisma.webhookOutbox.count({ where: { event: 'session.status' } })).toBe(statusRows);
    await auth(api().put('/api/v1/webhooks/config')).send({ events: [] }).expect(200);
  });

  it('receiver down: dead after the maximum; listed, inspected, and retried by hand (one, then all)', async () => {
    await auth(api().put('/api/v1/webhooks/config')).send({ maxRetries: 1, retryDelay: 50 }).expect(200);
    await receiver.stop();
    await fixture.simulator.sendMessage(CONTACT, PHONE, { text: 'while down 1' });
    await fixture.simulator.sendMessage(CONTACT, PHONE, { text: 'while down 2' });
    const dead = await eventually(async () => {
      const res = await auth(
        api().get('/api/v1/webhooks/deliveries?status=dead&event=message.inbound&sessionId=sales'),
      );
      return res.body.data.deliveries.length === 2 ? res.body.data : null;
    });
    expect(dead.pagination).toMatchObject({ limit: 50, offset: 0, count: 2, total: 2 });
    const future = new Date(Date.now() + 60_000).toISOString();
    const none = await auth(api().get(`/api/v1/webhooks/deliveries?status=dead&from=${future}`)).expect(200);
    expect(none.body.data.pagination.total).toBe(0);
    const paged = await auth(
      api().get('/api/v1/webhooks/deliveries?status=dead&sessionId=sales&limit=1&offset=1'),
    ).expect(200);
    expect(paged.body.data.deliveries.map((d: { deliveryId: string }) => d.deliveryId)).toEqual([
      dead.deliveries[1].deliveryId,
    ]);
    await auth(api().get('/api/v1/webhooks/deliveries?status=lost')).expect(400);
    expect(dead.deliveries[0]).toMatchObject({
      status: 'dead',
      attempts: 2,
      lastStatusCode: null,
      lastError: expect.stringMatching(/^network error/),
    });
    const one = await auth(api().get(`/api/v1/webhooks/deliveries/${dead.deliveries[1].deliveryId}`)).expect(
      200,
    );
    expect(one.body.data.payload).toMatchObject({ message: 'while down 1', from: CONTACT });

    await receiver.start();
    await auth(api().post(`/api/v1/webhooks/deliveries/${dead.deliveries[1].deliveryId}/retry`)).expect(200);
    await eventually(() => inboundOf(receiver, 'while down 1'));
    await auth(api().post(`/api/v1/webhooks/deliveries/${dead.deliveries[1].deliveryId}/retry`)).expect(409);
    const all = await auth(api().post('/api/v1/webhooks/deliveries/retry-dead'))
      .send({ sessionId: 'sales' })
      .expect(200);
    expect(all.body.data.retried).toBeGreaterThanOrEqual(1);
    await eventually(() => inboundOf(receiver, 'while down 2'));
    const after = await auth(
      api().get('/api/v1/webhooks/deliveries?status=dead&sessionId=sales&event=message.inbound'),
    ).expect(200);
    expect(after.body.data.deliveries).toEqual([]);
    expect(await prisma.activityLog.count({ where: { action: 'webhook.retried' } })).toBe(2);
    await auth(api().get('/api/v1/webhooks/deliveries/00000000-0000-0000-0000-000000000000')).expect(404);
    await auth(api().put('/api/v1/webhooks/config')).send({ maxRetries: 3 }).expect(200);
  });

  it('the health details report the dispatcher backlog', async () => {
    const res = await auth(api().get('/api/v1/health/details')).expect(200);
    expect(res.body.data.webhooks).toMatchObject({
      pending: expect.any(Number),
      due: expect.any(Number),
      dead: expect.any(Number),
      activeLanes: expect.any(Number),
    });
  });
});
