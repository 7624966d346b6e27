import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DomainEvents, type SessionStatusEvent } from '../src/common/domain-events';
import { PrismaService } from '../src/prisma/prisma.service';
import { activityTableText, createUserAndLogin } from './support/auth-helpers';
import { adminToken, eventually, GatewayFixture, MASTER_KEY } from './support/gateway-fixture';
import { SandboxApp } from './support/sandbox-app';

jest.setTimeout(120_000);

const PHONE = '6281200000301';
const OTHER_PHONE = '6281200000302';
const CODE = /^[1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4}$/;

/** A code that differs from `code` in its first character (the phone cannot open the bundle with it). */
const wrongCode = (code: string): string => (code.startsWith('A') ? 'B' : 'A') + code.slice(1);

describe('pairing-code login (real Baileys against the simulator)', () => {
  const fixture = new GatewayFixture();
  let app: NestExpressApplication;
  let admin: string;
  const statuses: SessionStatusEvent[] = [];
  const qrs: string[] = [];

  const api = () => request(app.getHttpServer());
  const asAdmin = (req: request.Test) => req.set('authorization', `Bearer ${admin}`);
  const listen = () => {
    app.get(DomainEvents).on('session.status', (e) => statuses.push(e));
    app.get(DomainEvents).on('session.qr', (e) => qrs.push(e.sessionId));
  };
  const createSession = (id: string) =>
    api().post('/api/v1/sessions').set('x-master-key', MASTER_KEY).send({ id, name: id }).expect(201);
  const sessionOf = async (id: string) =>
    (await asAdmin(api().get(`/api/v1/sessions/${id}`)).expect(200)).body.data;

  beforeAll(async () => {
    await fixture.start('wagw_paircode');
    app = await fixture.startApp();
    admin = await adminToken(app);
    listen();
  });
  afterAll(() => fixture.close());

  it('links a new session with a pairing code and no QR scan', async () => {
    await createSession('pc');
    // Asked at once: the gateway waits for the socket to be ready to link (its first QR).
    const res = await asAdmin(api().post('/api/v1/sessions/pc/pairing-code'))
      .send({ phoneNumber: `+62 812-0000-0301` })
      .expect(200);
    const { code, phoneNumber, expiresInSeconds } = res.body.data;
    expect(code).toMatch(CODE);
    expect(phoneNumber).toBe(`+${PHONE}`);
    expect(expiresInSeconds).toBeGreaterThan(100);
    expect(expiresInSeconds).toBeLessThanOrEqual(120);

    const device = await fixture.simulator.enterPairingCode(PHONE, code);
    expect(device).toMatchObject({ phoneNumber: PHONE, deviceId: 1 });

    await eventually(async () => (await sessionOf('pc')).status === 'connected');
    expect(await sessionOf('pc')).toMatchObject({ status: 'connected', phoneNumber: PHONE });
    const mine = statuses.filter((e) => e.sessionId === 'pc').map((e) => e.status);
    expect(mine).toContain('qr_pending');
    expect(mine[mine.length - 1]).toBe('connected');
    expect(statuses.find((e) => e.sessionId === 'pc' && e.status === 'connected')?.phoneNumber).toBe(PHONE);
    expect(fixture.simulator.devices(PHONE)).toEqual([
      expect.objectContaining({ deviceId: 1, online: true }),
    ]);
    // The request is audited with the number; the code itself is not kept.
    const activity = await activityTableText(app);
    expect(activity).toContain('session.pairing_code_requested');
    expect(activity).not.toContain(code);
  });

  it('answers 409 SESSION_NOT_LINKING for a linked session and for one that is not connecting', async () => {
    const linked = await asAdmin(api().post('/api/v1/sessions/pc/pairing-code'))
      .send({ phoneNumber: `+${PHONE}` })
      .expect(409);
    expect(linked.body.code ?? linked.body.error?.code).toBe('SESSION_NOT_LINKING');
    expect(JSON.stringify(linked.body)).toMatch(/already linked/);

    await createSession('idle');
    await asAdmin(api().post('/api/v1/sessions/idle/disconnect')).expect(200);
    const idle = await asAdmin(api().post('/api/v1/sessions/idle/pairing-code'))
      .send({ phoneNumber: `+${OTHER_PHONE}` })
      .expect(409);
    expect(JSON.stringify(idle.body)).toMatch(/SESSION_NOT_LINKING/);
  });

  it('answers 400 naming phoneNumber for a bad or missing number, 403 to a viewer and a session token, 404 for no session', async () => {
    for (const body of [
      { phoneNumber: 'not a number' },
      { phoneNumber: '+1 2' },
      {},
      { phoneNumber: 12345678 },
    ]) {
      const res = await asAdmin(api().post('/api/v1/sessions/idle/pairing-code')).send(body).expect(400);
      expect(JSON.stringify(res.body)).toContain('phoneNumber');
    }
    const viewer = await createUserAndLogin(app, admin, {
      email: 'viewer@example.com',
      password: 'viewer-password-123',
      role: 'viewer',
    });
    await api()
      .post('/api/v1/sessions/idle/pairing-code')
      .set('authorization', `Bearer ${viewer.accessToken}`)
      .send({ phoneNumber: `+${OTHER_PHONE}` })
      .expect(403);
    // The session's own API token cannot link a phone to it either (like the QR: people only).
    const sessionToken = (await createSession('own')).body.data.token as string;
    await api()
      .post('/api/v1/sessions/own/pairing-code')
      .set('authorization', `Bearer ${sessionToken}`)
      .send({ phoneNumber: `+${OTHER_PHONE}` })
      .expect(403);
    await asAdmin(api().post('/api/v1/sessions/nope/pairing-code'))
      .send({ phoneNumber: `+${OTHER_PHONE}` })
      .expect(404);
  });

  it('links nothing on a wrong code; the next connect drops the half-registered creds and a new code links', async () => {
    await createSession('wrong');
    const first = (
      await asAdmin(api().post('/api/v1/sessions/wrong/pairing-code'))
        .send({ phoneNumber: `+${OTHER_PHONE}` })
        .expect(200)
    ).body.data.code as string;
    await expect(fixture.simulator.enterPairingCode(OTHER_PHONE, wrongCode(first))).rejects.toThrow(
      /could not open the key bundle/,
    );
    expect(fixture.simulator.devices(OTHER_PHONE)).toEqual([]);
    expect((await sessionOf('wrong')).status).toBe('qr_pending');

    // Baileys took the link as done (registered, me = the bare number); a reconnect with those
    // creds would get 401 from WhatsApp. The gateway starts over as a new device instead.
    await asAdmin(api().post('/api/v1/sessions/wrong/disconnect')).expect(200);
    await asAdmin(api().post('/api/v1/sessions/wrong/connect')).expect(200);
    const second = (
      await asAdmin(api().post('/api/v1/sessions/wrong/pairing-code'))
        .send({ phoneNumber: `+${OTHER_PHONE}` })
        .expect(200)
    ).body.data.code as string;
    await fixture.simulator.enterPairingCode(OTHER_PHONE, second);
    await eventually(async () => (await sessionOf('wrong')).status === 'connected');
    expect(await sessionOf('wrong')).toMatchObject({ phoneNumber: OTHER_PHONE });
    expect(statuses.some((e) => e.sessionId === 'wrong' && e.status === 'logged_out')).toBe(false);
  });

  it('comes back connected after a restart, with no code and no QR', async () => {
    await fixture.stopApp(app);
    statuses.length = 0;
    qrs.length = 0;
    app = await fixture.startApp();
    listen();
    const prisma = app.get(PrismaService);
    await eventually(
      async () => (await prisma.whatsappSession.findUnique({ where: { id: 'pc' } }))?.status === 'connected',
    );
    await eventually(async () => (await sessionOf('wrong')).status === 'connected');
    // ('own' was never linked: it shows a QR again, as it should.)
    expect(qrs.filter((id) => id === 'pc' || id === 'wrong')).toEqual([]);
    expect(await sessionOf('pc')).toMatchObject({ status: 'connected', phoneNumber: PHONE });
  });
});

describe('sandbox: typing the code on the simulated phone (POST /api/v1/sandbox/pairing-code)', () => {
  const PHONE_IN_SANDBOX = '6281299990301';
  const sandbox = new SandboxApp();
  let app: NestExpressApplication;
  let admin: string;
  const api = () => request(app.getHttpServer());
  const asAdmin = (req: request.Test) => req.set('authorization', `Bearer ${admin}`);

  beforeAll(async () => {
    ({ app, admin } = await sandbox.start('wagw_sbpaircode'));
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('refuses a wrong code (422), then links with the right one', async () => {
    await api()
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: 'sb', name: 'sb' })
      .expect(201);
    const none = await asAdmin(api().post('/api/v1/sandbox/pairing-code'))
      .send({ phoneNumber: PHONE_IN_SANDBOX, code: 'ABCD-EFGH' })
      .expect(409);
    expect(JSON.stringify(none.body)).toMatch(/waiting for a pairing code/);
    await asAdmin(api().post('/api/v1/sandbox/pairing-code'))
      .send({ phoneNumber: 'x', code: '12' })
      .expect(400);

    const code = (
      await asAdmin(api().post('/api/v1/sessions/sb/pairing-code'))
        .send({ phoneNumber: `+${PHONE_IN_SANDBOX}` })
        .expect(200)
    ).body.data.code as string;
    await asAdmin(api().post('/api/v1/sandbox/pairing-code'))
      .send({ phoneNumber: PHONE_IN_SANDBOX, code: wrongCode(code) })
      .expect(422);

    // One attempt per code: the operator asks for a new one.
    const again = (
      await asAdmin(api().post('/api/v1/sessions/sb/pairing-code'))
        .send({ phoneNumber: `+${PHONE_IN_SANDBOX}` })
        .expect(200)
    ).body.data.code as string;
    const linked = await asAdmin(api().post('/api/v1/sandbox/pairing-code'))
      .send({ phoneNumber: PHONE_IN_SANDBOX, code: again })
      .expect(201);
    expect(linked.body.data).toEqual({ phoneNumber: PHONE_IN_SANDBOX, deviceId: 1 });
    await eventually(
      async () => (await asAdmin(api().get('/api/v1/sessions/sb'))).body.data?.status === 'connected',
    );
  });
});
