import type { NestExpressApplication } from '@nestjs/platform-express';
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

  describe('access that ends or changes closes the sockets', () => {
    let app: NestExpressApplication;
    let other: NestExpressApplication;
    let admin: string;
    const http = (on = app) => request(on.getHttpServer());
    const wsUrl = (on: NestExpressApplication, token: string) =>
      `${baseUrl(on).replace('http', 'ws')}/ws?token=${token}`;

    beforeAll(async () => {
      app = await fixture.startApp();
      admin = await adminToken(app);
    });
    afterAll(async () => {
      await fixture.stopApp(app);
      if (other) await fixture.stopApp(other);
    });

    let users = 0;
    /** A new user of `role`, logged in: their id, access token, and a ws token. */
    const newUser = async (role: 'viewer' | 'operator') => {
      const email = `access-${++users}@example.com`;
      const created = await http()
        .post('/api/v1/users')
        .set('authorization', `Bearer ${admin}`)
        .send({ email, password: 'a-long-password-1', role, mustChangePassword: false })
        .expect(201);
      const login = await http()
        .post('/api/v1/auth/login')
        .send({ email, password: 'a-long-password-1' })
        .expect(200);
      const access: string = login.body.data.accessToken;
      return { id: created.body.data.id as number, access, wsToken: () => wsTokenOf(access) };
    };
    const wsTokenOf = async (access: string, on = app): Promise<string> =>
      (await http(on).post('/api/v1/auth/ws-token').set('authorization', `Bearer ${access}`).expect(200)).body
        .data.token;
    const closedWithin = (client: RecordingWsClient, ms: number) =>
      eventually(() => client.closeCode === WS_CLOSE_UNAUTHORIZED, ms);

    it('a ws token opens one socket, in any gateway process', async () => {
      const user = await newUser('operator');
      const token = await user.wsToken();
      const first = await RecordingWsClient.connect(wsUrl(app, token));
      await eventually(() => first.of('ready').length === 1);
      expect(await RecordingWsClient.closedWith(wsUrl(app, token))).toBe(WS_CLOSE_UNAUTHORIZED);
      other = await fixture.startApp();
      expect(await RecordingWsClient.closedWith(wsUrl(other, token))).toBe(WS_CLOSE_UNAUTHORIZED);
      expect(first.closeCode).toBeNull();
      first.close();
    });

    it('logout closes the sockets of that login only', async () => {
      const user = await newUser('operator');
      const mine = await RecordingWsClient.connect(wsUrl(app, await user.wsToken()));
      const second = await http()
        .post('/api/v1/auth/login')
        .send({ email: `access-${users}@example.com`, password: 'a-long-password-1' })
        .expect(200);
      const elsewhere = await RecordingWsClient.connect(
        wsUrl(app, await wsTokenOf(second.body.data.accessToken)),
      );
      await eventually(() => mine.of('ready').length === 1 && elsewhere.of('ready').length === 1);
      await http().post('/api/v1/auth/logout').set('authorization', `Bearer ${user.access}`).expect(200);
      await closedWithin(mine, 2_000);
      expect(elsewhere.closeCode).toBeNull();
      elsewhere.close();
    });

    it('deactivation and a password reset close every socket of the user at once', async () => {
      const deactivated = await newUser('operator');
      const reset = await newUser('viewer');
      const a = await RecordingWsClient.connect(wsUrl(app, await deactivated.wsToken()));
      const b = await RecordingWsClient.connect(wsUrl(app, await reset.wsToken()));
      await eventually(() => a.of('ready').length === 1 && b.of('ready').length === 1);
      await http()
        .patch(`/api/v1/users/${deactivated.id}`)
        .set('authorization', `Bearer ${admin}`)
        .send({ active: false })
        .expect(200);
      await closedWithin(a, 2_000);
      expect(b.closeCode).toBeNull();
      await http()
        .post(`/api/v1/users/${reset.id}/reset-password`)
        .set('authorization', `Bearer ${admin}`)
        .send({})
        .expect((res) => expect([200, 201]).toContain(res.status));
      await closedWithin(b, 2_000);
    });

    it('a demoted operator stops receiving QR codes: at once here, and by the next event in another process', async () => {
      const here = await newUser('operator');
      const there = await newUser('operator');
      const local = await RecordingWsClient.connect(wsUrl(app, await here.wsToken()));
      const remote = await RecordingWsClient.connect(wsUrl(other, await wsTokenOf(there.access, other)));
      await eventually(() => local.of('ready').length === 1 && remote.of('ready').length === 1);
      for (const user of [here, there]) {
        await http()
          .patch(`/api/v1/users/${user.id}`)
          .set('authorization', `Bearer ${admin}`)
          .send({ role: 'viewer' })
          .expect(200);
      }
      await closedWithin(local, 2_000);
      // The change was made through `app`: `other` learns of it when it next has something to send.
      await new Promise((r) => setTimeout(r, 2_100));
      await http(other)
        .post('/api/v1/sessions')
        .set('x-master-key', MASTER_KEY)
        .send({ id: 'demoted-watch', name: 'Demoted watch' })
        .expect(201);
      await closedWithin(remote, 10_000);
      expect(remote.of('session.qr')).toEqual([]);
      expect(local.of('session.qr')).toEqual([]);
      // A new socket of the demoted user has the viewer's view.
      const again = await RecordingWsClient.connect(wsUrl(app, await here.wsToken()));
      await eventually(() => again.of('ready').length === 1);
      expect(again.of('ready')[0].data).toEqual({ role: 'viewer' });
      again.close();
    });
  });
});
