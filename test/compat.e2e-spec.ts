import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { adminToken, eventually, GatewayFixture } from './support/gateway-fixture';
import { WebhookReceiver } from './support/webhook-receiver';

jest.setTimeout(120_000);

const CONTACT = '6289876543210';
const PHONE = '6281234567890';
const DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/=]+$/;

describe("the first seed's API (wa-server) on top of sessions, messages and webhooks", () => {
  const fixture = new GatewayFixture();
  const receiver = new WebhookReceiver();
  let app: NestExpressApplication;
  let admin: string;
  let viewer: string;
  const api = () => request(app.getHttpServer());
  const as = (token: string, r: request.Test) => r.set('authorization', `Bearer ${token}`);

  beforeAll(async () => {
    await receiver.start();
    await fixture.start('wagw_compat');
    app = await fixture.startApp(fixture.config({ WEBHOOK_URL: receiver.url }));
    admin = await adminToken(app);
    const viewerUser = {
      email: 'viewer@example.com',
      password: 'viewer-password-123',
      role: 'viewer',
      mustChangePassword: false,
    };
    await as(admin, api().post('/api/v1/users')).send(viewerUser).expect(201);
    const login = await api()
      .post('/api/v1/auth/login')
      .send({ email: viewerUser.email, password: viewerUser.password })
      .expect(200);
    viewer = login.body.data.accessToken;
    fixture.simulator.createContact(CONTACT, { pushName: 'Customer' });
  });
  afterAll(async () => {
    await fixture.close();
    await receiver.stop();
  });

  it('accounts: create with a QR, list, get, qr, link, messages in snake_case with webhook_sent', async () => {
    const created = await as(admin, api().post('/api/accounts'))
      .send({ id: 'account1', name: 'My WhatsApp Account' })
      .expect(201);
    expect(created.body).toMatchObject({ success: true, message: 'Account created successfully' });
    expect(created.body.data.account).toEqual({
      id: 'account1',
      name: 'My WhatsApp Account',
      status: 'qr_pending',
      created_at: expect.any(String),
    });
    expect(created.body.data.qrCode).toMatch(DATA_URL);
    await as(admin, api().post('/api/accounts')).send({ id: 'account1', name: 'again' }).expect(409);

    const list = await as(viewer, api().get('/api/accounts')).expect(200);
    expect(list.body.message).toBe('Accounts retrieved successfully');
    expect(Object.keys(list.body.data[0]).sort()).toEqual(
      [
        'created_at',
        'hasQrCode',
        'id',
        'name',
        'phone_number',
        'socketStatus',
        'status',
        'updated_at',
      ].sort(),
    );
    expect(list.body.data[0]).toMatchObject({
      id: 'account1',
      status: 'qr_pending',
      socketStatus: 'qr_pending',
      hasQrCode: true,
    });
    const qr = await as(admin, api().get('/api/accounts/account1/qr')).expect(200);
    expect(qr.body).toMatchObject({
      success: true,
      message: 'QR code retrieved successfully',
      data: { qrCode: expect.stringMatching(DATA_URL) },
    });

    const raw = await as(admin, api().get('/api/v1/sessions/account1/qr')).expect(200);
    await fixture.simulator.linkDevice(raw.body.data.qr, { phoneNumber: PHONE });
    const linked = await eventually(async () => {
      const res = await as(viewer, api().get('/api/accounts/account1'));
      return res.body.data?.status === 'connected' ? res.body.data : null;
    });
    expect(linked).toMatchObject({ phone_number: PHONE, socketStatus: 'connected', hasQrCode: false });

    await fixture.simulator.sendMessage(CONTACT, PHONE, { text: 'Hello, how can I help you?' });
    const message = await eventually(async () => {
      const res = await as(viewer, api().get('/api/accounts/account1/messages?limit=50&offset=0'));
      const first = res.body.data?.messages?.[0];
      return first?.webhook_sent ? res.body : null;
    });
    expect(message.message).toBe('Messages retrieved successfully');
    expect(message.data.pagination).toEqual({ limit: 50, offset: 0, count: 1 });
    expect(message.data.messages[0]).toEqual({
      id: expect.any(String),
      account_id: 'account1',
      from_number: CONTACT,
      to_number: PHONE,
      message: 'Hello, how can I help you?',
      timestamp: expect.stringMatching(/^\d{10}$/),
      type: 'text',
      direction: 'inbound',
      message_id: expect.any(String),
      webhook_sent: true,
      created_at: expect.any(String),
    });
    const paged = await as(viewer, api().get('/api/accounts/account1/messages?limit=1&offset=1')).expect(200);
    expect(paged.body.data).toEqual({ messages: [], pagination: { limit: 1, offset: 1, count: 0 } });

    // The contact edits, then deletes it: the seed's shape shows the current text and says so.
    const messageId = message.data.messages[0].message_id as string;
    await fixture.simulator.editMessage(CONTACT, PHONE, messageId, 'Hello, how can I help?');
    const edited = await eventually(async () => {
      const res = await as(viewer, api().get('/api/accounts/account1/messages'));
      const first = res.body.data?.messages?.[0];
      return first?.edited ? first : null;
    });
    expect(edited).toMatchObject({ message: 'Hello, how can I help?', edited: true, message_id: messageId });
    expect(edited).not.toHaveProperty('revoked');
    await fixture.simulator.revokeMessage(CONTACT, PHONE, messageId);
    const revoked = await eventually(async () => {
      const res = await as(viewer, api().get('/api/accounts/account1/messages'));
      const first = res.body.data?.messages?.[0];
      return first?.revoked ? first : null;
    });
    expect(revoked).toMatchObject({ edited: true, revoked: true, message_id: messageId });
  });

  it('dashboard: stats in the seed shape plus counts by type and direction and webhook success rate', async () => {
    const res = await as(viewer, api().get('/api/dashboard/stats')).expect(200);
    expect(res.body.message).toBe('System statistics retrieved successfully');
    const data = res.body.data;
    expect(data.whatsapp).toMatchObject({
      totalAccounts: 1,
      connectedAccounts: 1,
      disconnectedAccounts: 0,
      qrPendingAccounts: 0,
      isInitialized: true,
    });
    expect(data.database).toMatchObject({
      totalAccounts: 1,
      connectedAccounts: 1,
      totalMessages: 1,
      pendingWebhooks: expect.any(Number),
    });
    // Read by a viewer: the URL's origin only.
    expect(data.webhook).toEqual({
      url: `${new URL(receiver.url).origin}/***`,
      timeout: 10000,
      maxRetries: 3,
      retryDelay: 1000,
    });
    expect(data.uptime).toEqual(expect.any(Number));
    expect(Object.keys(data.memory)).toEqual(
      expect.arrayContaining(['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers']),
    );
    expect(data.messages).toEqual({
      total: 1,
      byType: { text: 1 },
      byDirection: { inbound: 1, outbound: 0 },
    });
    expect(data.webhookDeliveries).toMatchObject({ delivered: expect.any(Number), dead: 0, successRate: 1 });
    // No WEBHOOK_SECRET here: the first delivery generated one and stored it encrypted.
    const config = await as(admin, api().get('/api/v1/webhooks/config')).expect(200);
    expect(config.body.data.secret).toMatchObject({ source: 'stored', fingerprint: expect.any(String) });
    const stored = await app.get(PrismaService).setting.findUniqueOrThrow({ where: { key: 'webhook' } });
    expect(JSON.stringify(stored.value)).not.toContain('whsec_');
  });

  it('dashboard: webhook config GET/PUT in the seed shape, and the webhook test', async () => {
    const seedConfig = { url: receiver.url, timeout: 15000, maxRetries: 5, retryDelay: 2000 };
    const put = await as(admin, api().put('/api/dashboard/webhook/config')).send(seedConfig).expect(200);
    expect(put.body).toEqual({
      success: true,
      message: 'Webhook configuration updated successfully',
      data: seedConfig,
    });
    const got = await as(admin, api().get('/api/dashboard/webhook/config')).expect(200);
    expect(got.body.data).toEqual(seedConfig);
    // A viewer reads the settings but not the URL's path or query (where tokens usually are).
    const viewed = await as(viewer, api().get('/api/dashboard/webhook/config')).expect(200);
    expect(viewed.body.data).toEqual({ ...seedConfig, url: `${new URL(receiver.url).origin}/***` });
    const stats = await as(viewer, api().get('/api/dashboard/stats')).expect(200);
    expect(stats.body.data.webhook.url).toBe(`${new URL(receiver.url).origin}/***`);
    const test = await as(admin, api().post('/api/dashboard/webhook/test')).expect(200);
    expect(test.body).toMatchObject({
      success: true,
      message: 'Webhook test completed',
      data: { success: true, statusCode: 200 },
    });
    await as(viewer, api().put('/api/dashboard/webhook/config')).send(seedConfig).expect(403);
  });

  it('accounts: disconnect, connect, delete; auth is required and roles apply', async () => {
    const off = await as(admin, api().post('/api/accounts/account1/disconnect')).expect(200);
    expect(off.body.data).toMatchObject({
      id: 'account1',
      status: 'disconnected',
      socketStatus: 'disconnected',
    });
    const on = await as(admin, api().post('/api/accounts/account1/connect')).expect(200);
    expect(['connecting', 'connected']).toContain(on.body.data.status);
    await eventually(
      async () => (await as(admin, api().get('/api/accounts/account1'))).body.data.status === 'connected',
    );

    await api().get('/api/accounts').expect(401);
    await api().get('/api/dashboard/stats').expect(401);
    await as(viewer, api().post('/api/accounts')).send({ id: 'x', name: 'x' }).expect(403);
    await as(viewer, api().delete('/api/accounts/account1')).expect(403);

    const removed = await as(admin, api().delete('/api/accounts/account1')).expect(200);
    expect(removed.body).toMatchObject({ success: true, message: 'Account deleted successfully' });
    const missing = await as(admin, api().get('/api/accounts/account1')).expect(404);
    expect(missing.body).toMatchObject({
      success: false,
      code: expect.any(String),
      timestamp: expect.any(String),
    });
  });
});
