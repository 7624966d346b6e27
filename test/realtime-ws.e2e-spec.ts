import request from 'supertest';
import { WS_CLOSE_UNAUTHORIZED } from '../src/realtime/realtime.gateway';
import { adminToken, baseUrl, eventually, GatewayFixture, MASTER_KEY } from './support/gateway-fixture';
import { RecordingWsClient } from './support/ws-client';

jest.setTimeout(120_000);

describe('/ws: authentication and what each role sees', () => {
  const fixture = new GatewayFixture();
  beforeAll(() => fixture.start('wagw_ws'));
  afterAll(() => fixture.close());

  it('refuses a missing, forged or API token with close code 4401, and keeps serving others', async () => {
    const app = await fixture.startApp();
    const ws = baseUrl(app).replace('http', 'ws');
    const admin = await adminToken(app);
    expect(await RecordingWsClient.closedWith(`${ws}/ws`)).toBe(WS_CLOSE_UNAUTHORIZED);
    expect(await RecordingWsClient.closedWith(`${ws}/ws?token=not.a.jwt`)).toBe(WS_CLOSE_UNAUTHORIZED);
    // An access token is not a WebSocket token (another audience).
    expect(await RecordingWsClient.closedWith(`${ws}/ws?token=${admin}`)).toBe(WS_CLOSE_UNAUTHORIZED);
    const wsToken = (
      await request(app.getHttpServer())
        .post('/api/v1/auth/ws-token')
        .set('authorization', `Bearer ${admin}`)
        .expect(200)
    ).body.data.token;
    const client = await RecordingWsClient.connect(`${ws}/ws?token=${wsToken}`);
    await eventually(() => client.of('ready').length === 1);
    client.close();
    await fixture.stopApp(app);
  });

  it('a viewer receives session status but never a QR; an operator receives both', async () => {
    const app = await fixture.startApp();
    const http = () => request(app.getHttpServer());
    const admin = await adminToken(app);
    const clientFor = async (role: 'viewer' | 'operator') => {
      const email = `${role}@example.com`;
      await http()
        .post('/api/v1/users')
        .set('authorization', `Bearer ${admin}`)
        .send({ email, password: 'a-long-password-1', role, mustChangePassword: false })
        .expect(201);
      const login = await http()
        .post('/api/v1/auth/login')
        .send({ email, password: 'a-long-password-1' })
        .expect(200);
      const token = (
        await http()
          .post('/api/v1/auth/ws-token')
          .set('authorization', `Bearer ${login.body.data.accessToken}`)
          .expect(200)
      ).body.data.token;
      return RecordingWsClient.connect(`${baseUrl(app).replace('http', 'ws')}/ws?token=${token}`);
    };
    const viewer = await clientFor('viewer');
    const operator = await clientFor('operator');
    await http()
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: 'watched', name: 'Watched' })
      .expect(201);
    await eventually(
      () =>
        operator.of('session.qr').length > 0 &&
        viewer.of('session.status').some((e) => e.data.status === 'qr_pending'),
    );
    expect(viewer.of('session.qr')).toEqual([]);
    viewer.close();
    operator.close();
  });
});
