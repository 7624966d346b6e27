import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { adminToken, GatewayFixture, linkSession, MASTER_KEY } from './support/gateway-fixture';

jest.setTimeout(120_000);

describe('session API: tokens, master key, limits and input validation', () => {
  const fixture = new GatewayFixture();
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let admin: string;
  let tokenA: string;
  let tokenB: string;

  beforeAll(async () => {
    await fixture.start('wagw_session_api');
    fixture.simulator.createContact('6281100000001');
    app = await fixture.startApp(fixture.config({ MAX_SESSIONS: '3' }));
    prisma = app.get(PrismaService);
    admin = await adminToken(app);
    tokenA = (await linkSession(fixture, app, 'alpha', '6281200000011')).token;
    tokenB = (await linkSession(fixture, app, 'beta', '6281200000012')).token;
  });
  afterAll(() => fixture.close());

  const http = () => request(app.getHttpServer());

  it("a session token opens only its own session: another session's id is 404, none 401", async () => {
    await http().get('/api/v1/sessions/alpha/messages').set('authorization', `Bearer ${tokenA}`).expect(200);
    const other = await http()
      .get('/api/v1/sessions/beta/messages')
      .set('authorization', `Bearer ${tokenA}`)
      .expect(404);
    expect(other.body).toMatchObject({ success: false, message: 'Session not found' });
    await http()
      .post('/api/v1/sessions/beta/messages/text')
      .set('authorization', `Bearer ${tokenA}`)
      .send({ to: '6281100000001', text: 'x' })
      .expect(404);
    await http().get('/api/v1/sessions/alpha/messages').expect(401);
    await http()
      .get('/api/v1/sessions/alpha/messages')
      .set('authorization', 'Bearer wag_not-a-real-token')
      .expect(401);
    // A session token is not a user login.
    await http().get('/api/v1/sessions').set('authorization', `Bearer ${tokenB}`).expect(403);
  });

  it('revoked, rotated and expired tokens stop working', async () => {
    const created = await http()
      .post('/api/v1/sessions/alpha/tokens')
      .set('authorization', `Bearer ${admin}`)
      .send({ name: 'ci' })
      .expect(201);
    const { token, id } = created.body.data;
    await http().get('/api/v1/sessions/alpha/messages').set('authorization', `Bearer ${token}`).expect(200);
    const listed = await http()
      .get('/api/v1/sessions/alpha/tokens')
      .set('authorization', `Bearer ${admin}`)
      .expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(token);

    const rotated = await http()
      .post(`/api/v1/sessions/alpha/tokens/${id}/rotate`)
      .set('authorization', `Bearer ${admin}`)
      .expect(201);
    await http().get('/api/v1/sessions/alpha/messages').set('authorization', `Bearer ${token}`).expect(401);
    await http()
      .get('/api/v1/sessions/alpha/messages')
      .set('authorization', `Bearer ${rotated.body.data.token}`)
      .expect(200);

    await http()
      .delete(`/api/v1/sessions/alpha/tokens/${rotated.body.data.id}`)
      .set('authorization', `Bearer ${admin}`)
      .expect(200);
    await http()
      .get('/api/v1/sessions/alpha/messages')
      .set('authorization', `Bearer ${rotated.body.data.token}`)
      .expect(401);

    const expiring = await http()
      .post('/api/v1/sessions/alpha/tokens')
      .set('authorization', `Bearer ${admin}`)
      .send({ name: 'short', expiresAt: new Date(Date.now() + 1500).toISOString() })
      .expect(201);
    await new Promise((r) => setTimeout(r, 2000));
    await http()
      .get('/api/v1/sessions/alpha/messages')
      .set('authorization', `Bearer ${expiring.body.data.token}`)
      .expect(401);
    await http()
      .post('/api/v1/sessions/alpha/tokens')
      .set('authorization', `Bearer ${admin}`)
      .send({ name: 'past', expiresAt: '2001-01-01T00:00:00Z' })
      .expect(400);
  });

  it('creates with the master key only when it matches, and enforces MAX_SESSIONS with a 409', async () => {
    await http()
      .post('/api/v1/sessions')
      .set('x-master-key', 'wrong-key-wrong-key-wrong')
      .send({ name: 'Nope' })
      .expect(401);
    await http()
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: 'gamma', name: 'Gamma' })
      .expect(201);
    const full = await http()
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: 'delta', name: 'Delta' })
      .expect(409);
    expect(full.body).toMatchObject({
      code: 'SESSION_LIMIT',
      message: expect.stringContaining('MAX_SESSIONS (3)'),
    });
    await http()
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: 'alpha', name: 'Again' })
      .expect(409);
    await http().delete('/api/v1/sessions/gamma').set('authorization', `Bearer ${admin}`).expect(200);
    expect(await prisma.whatsappSession.findUnique({ where: { id: 'gamma' } })).toBeNull();
  });

  it('bad numbers and bad payloads are 400 with the fields, and nothing is stored', async () => {
    const before = await prisma.message.count();
    const badNumber = await http()
      .post('/api/v1/sessions/alpha/messages/text')
      .set('authorization', `Bearer ${tokenA}`)
      .send({ to: 'call-me-maybe', text: 'hi' })
      .expect(400);
    expect(badNumber.body.details).toEqual([
      { field: 'to', errors: [expect.stringContaining('not a valid phone number')] },
    ]);
    const missing = await http()
      .post('/api/v1/sessions/alpha/messages/text')
      .set('authorization', `Bearer ${tokenA}`)
      .send({ to: '6281100000001' })
      .expect(400);
    expect(missing.body.details.map((d: { field: string }) => d.field)).toEqual(['text']);
    const extra = await http()
      .post('/api/v1/sessions/alpha/location')
      .set('authorization', `Bearer ${tokenA}`)
      .send({ to: '6281100000001', latitude: 200, longitude: 0, evil: 1 })
      .expect(400);
    expect(extra.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['evil', 'latitude']);
    const noFile = await http()
      .post('/api/v1/sessions/alpha/messages/image')
      .set('authorization', `Bearer ${tokenA}`)
      .send({ to: '6281100000001' })
      .expect(400);
    expect(noFile.body.details[0].field).toBe('file');
    const wrongType = await http()
      .post('/api/v1/sessions/alpha/messages/image')
      .set('authorization', `Bearer ${tokenA}`)
      .field('to', '6281100000001')
      .attach('file', Buffer.from('not an image'), { filename: 'x.txt', contentType: 'text/plain' })
      .expect(400);
    expect(wrongType.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    await http()
      .post('/api/v1/sessions/alpha/messages/gif')
      .set('authorization', `Bearer ${tokenA}`)
      .send({ to: '6281100000001' })
      .expect(400);
    await http()
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: 'Bad Id!', name: '' })
      .expect(400);
    expect(await prisma.message.count()).toBe(before);
  });

  it('checks which numbers are on WhatsApp', async () => {
    const res = await http()
      .post('/api/v1/sessions/alpha/check-numbers')
      .set('authorization', `Bearer ${tokenA}`)
      .send({ numbers: ['+62 811 0000 0001', '6289999999999'] })
      .expect(200);
    expect(res.body.data).toEqual([
      { input: '+62 811 0000 0001', jid: '6281100000001@s.whatsapp.net', exists: true },
      { input: '6289999999999', jid: '6289999999999@s.whatsapp.net', exists: false },
    ]);
  });
});
