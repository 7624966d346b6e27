import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { adminToken, eventually, GatewayFixture, linkSession, MASTER_KEY } from './support/gateway-fixture';

jest.setTimeout(180_000);

const CONTACT = '6281100000071';
const PHONE = '6281200000071';
const PDF = Buffer.from('%PDF-1.4 fetched by url');

/**
 * A real HTTP server on every local address (IPv4 and IPv6), counting the requests that reach it:
 * a "private" target of the SSRF matrix. Every refusal must leave `hits` at 0.
 */
class Trap {
  hits: string[] = [];
  port = 0;
  handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/pdf' }).end(PDF);
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((req, res) => {
    this.hits.push(`${req.method} ${req.url}`);
    this.handle(req, res);
  });

  async start(): Promise<this> {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '::', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Every form of a loopback, private or metadata target the issue names, pointed at the trap where it can be. */
function matrix(port: number): string[] {
  return [
    `http://127.0.0.1:${port}/file.pdf`,
    `http://localhost:${port}/file.pdf`, // a name that resolves to 127.0.0.1
    `http://[::1]:${port}/file.pdf`,
    `http://0x7f000001:${port}/file.pdf`,
    `http://2130706433:${port}/file.pdf`,
    `http://[::ffff:127.0.0.1]:${port}/file.pdf`,
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://10.0.0.1/file.pdf',
    'http://100.64.0.1/file.pdf',
    'http://[fd00::1]/file.pdf',
  ];
}

const fieldsOf = (body: { details?: { field: string }[] }): string[] =>
  (body.details ?? []).map((d) => d.field);

describe("egress guard: no request on anyone's behalf reaches a private or metadata address unless allowed", () => {
  const fixture = new GatewayFixture();
  const trap = new Trap();
  const redirectTarget = new Trap();
  let prisma: PrismaService;

  beforeAll(async () => {
    await fixture.start('wagw_egress');
    fixture.simulator.createContact(CONTACT, { pushName: 'Eve' });
    await trap.start();
    await redirectTarget.start();
  });
  afterAll(async () => {
    await fixture.close();
    await trap.stop();
    await redirectTarget.stop();
  });

  describe('private targets not allowed (as in production by default)', () => {
    let app: NestExpressApplication;
    let token: string;
    let admin: string;
    const api = () => request(app.getHttpServer());

    beforeAll(async () => {
      // The environment's webhook URL is a loopback one: it is checked when used, not only when saved.
      app = await fixture.startApp(
        fixture.config({
          WEBHOOK_ALLOW_PRIVATE: 'false',
          MEDIA_URL_ALLOW_PRIVATE: 'false',
          WEBHOOK_URL: `http://localhost:${trap.port}/env-hook`,
          WEBHOOK_MAX_RETRIES: '0',
        }),
      );
      prisma = app.get(PrismaService);
      ({ token, admin } = await linkSession(fixture, app, 'egress', PHONE));
    });
    afterAll(async () => {
      await fixture.stopApp(app);
    });

    it('send-media-by-URL: every form of a private or metadata URL is a 400 on `url`, and nothing is fetched', async () => {
      for (const url of matrix(trap.port)) {
        const res = await api()
          .post('/api/v1/sessions/egress/messages/document')
          .set('authorization', `Bearer ${token}`)
          .send({ to: CONTACT, url, fileName: 'x.pdf' });
        expect({ url, status: res.status, code: res.body.code }).toEqual({
          url,
          status: 400,
          code: 'VALIDATION_ERROR',
        });
        expect(fieldsOf(res.body)).toEqual(['url']);
      }
      expect(trap.hits).toEqual([]);
    });

    it('webhook URLs: refused when saved (global, per session, at session creation, and the test route)', async () => {
      for (const url of matrix(trap.port)) {
        const global = await api()
          .put('/api/v1/webhooks/config')
          .set('authorization', `Bearer ${admin}`)
          .send({ url });
        expect({ url, status: global.status, fields: fieldsOf(global.body) }).toEqual({
          url,
          status: 400,
          fields: ['url'],
        });
        const session = await api()
          .put('/api/v1/sessions/egress/webhook')
          .set('authorization', `Bearer ${admin}`)
          .send({ webhookUrl: url });
        expect({ url, status: session.status, fields: fieldsOf(session.body) }).toEqual({
          url,
          status: 400,
          fields: ['webhookUrl'],
        });
        const tested = await api()
          .post('/api/v1/webhooks/test')
          .set('authorization', `Bearer ${admin}`)
          .send({ url });
        expect({ url, status: tested.status, fields: fieldsOf(tested.body) }).toEqual({
          url,
          status: 400,
          fields: ['url'],
        });
      }
      const created = await api()
        .post('/api/v1/sessions')
        .set('x-master-key', MASTER_KEY)
        .send({ id: 'hooked', name: 'Hooked', webhookUrl: `http://127.0.0.1:${trap.port}/hook` });
      expect(created.status).toBe(400);
      expect(fieldsOf(created.body)).toEqual(['webhookUrl']);
      expect(await prisma.whatsappSession.count({ where: { id: 'hooked' } })).toBe(0);
      expect(trap.hits).toEqual([]);
    });

    it('webhook delivery: a URL that is not allowed (here from the environment) is refused when used, recorded as such', async () => {
      const sent = await fixture.simulator.sendMessage(CONTACT, PHONE, { text: 'to a loopback hook' });
      const row = await eventually(() =>
        prisma.webhookOutbox.findFirst({ where: { messageId: sent, NOT: { lastError: null } } }),
      );
      expect(row.lastError).toBe('network error: refused: private or local address');
      expect(row.lastStatusCode).toBeNull();
      expect(trap.hits).toEqual([]);
    });
  });

  describe('private targets allowed by opt-in (WEBHOOK_ALLOW_PRIVATE, MEDIA_URL_ALLOW_PRIVATE)', () => {
    let app: NestExpressApplication;
    // Events queued above for the environment's webhook may now be delivered (their URL is allowed
    // here): those are left out of what this part checks.
    const fresh = () => trap.hits.filter((hit) => hit !== 'POST /env-hook');
    let token: string;
    let admin: string;
    const api = () => request(app.getHttpServer());

    beforeAll(async () => {
      trap.hits = [];
      app = await fixture.startApp(
        fixture.config({
          WEBHOOK_ALLOW_PRIVATE: 'true',
          MEDIA_URL_ALLOW_PRIVATE: 'true',
          WEBHOOK_MAX_RETRIES: '0',
        }),
      );
      admin = await adminToken(app);
      // The session linked above opens again with its saved credentials.
      await eventually(async () => {
        const res = await api().get('/api/v1/sessions/egress').set('authorization', `Bearer ${admin}`);
        return res.body.data?.status === 'connected';
      });
      const rotated = await api()
        .post('/api/v1/sessions/egress/tokens')
        .set('authorization', `Bearer ${admin}`)
        .send({ name: 'egress test' });
      token = rotated.body.data?.token;
      expect(token).toMatch(/^wag_/);
    });
    afterAll(async () => {
      await fixture.stopApp(app);
    });

    it('send-media-by-URL fetches a loopback URL under the opt-in, and the contact gets the file', async () => {
      const res = await api()
        .post('/api/v1/sessions/egress/messages/document')
        .set('authorization', `Bearer ${token}`)
        .send({ to: CONTACT, url: `http://localhost:${trap.port}/files/report.pdf` })
        .expect(201);
      const got = await fixture.simulator.waitForMessage(CONTACT, {
        match: (m) => m.id === res.body.data.messageId,
        sinceIndex: 0,
      });
      expect(got.message.documentMessage?.fileName).toBe('report.pdf');
      expect(await fixture.simulator.downloadMedia(got)).toEqual(PDF);
      expect(fresh()).toEqual(['GET /files/report.pdf']);
      // Served back as a download whatever its type, never as a page of the gateway's origin.
      const served = await eventually(async () => {
        const got = await api()
          .get(`/api/v1/sessions/egress/messages/${res.body.data.messageId}/media`)
          .set('authorization', `Bearer ${token}`);
        return got.status === 200 ? got : null;
      });
      expect(served.headers['content-disposition']).toBe('attachment; filename=report.pdf');
      expect(served.headers['x-content-type-options']).toBe('nosniff');
      expect(served.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
      expect(Buffer.from(served.body as Buffer)).toEqual(PDF);
    });

    it('metadata addresses stay refused, and a redirect is never followed (to anywhere)', async () => {
      const metadata = 'http://169.254.169.254/latest/meta-data/';
      const media = await api()
        .post('/api/v1/sessions/egress/messages/document')
        .set('authorization', `Bearer ${token}`)
        .send({ to: CONTACT, url: metadata });
      expect([media.status, fieldsOf(media.body)]).toEqual([400, ['url']]);
      const hook = await api()
        .put('/api/v1/webhooks/config')
        .set('authorization', `Bearer ${admin}`)
        .send({ url: metadata });
      expect([hook.status, fieldsOf(hook.body)]).toEqual([400, ['url']]);

      trap.hits = [];
      trap.handle = (_req, res) =>
        res.writeHead(302, { location: `http://127.0.0.1:${redirectTarget.port}/secret` }).end();
      const redirected = await api()
        .post('/api/v1/sessions/egress/messages/document')
        .set('authorization', `Bearer ${token}`)
        .send({ to: CONTACT, url: `http://127.0.0.1:${trap.port}/moved.pdf` });
      expect(redirected.status).toBe(400);
      expect(redirected.body).toMatchObject({
        code: 'MEDIA_FETCH_FAILED',
        message: 'The media URL could not be fetched',
      });
      expect(JSON.stringify(redirected.body)).not.toContain('302');

      const tested = await api()
        .post('/api/v1/webhooks/test')
        .set('authorization', `Bearer ${admin}`)
        .send({ url: `http://127.0.0.1:${trap.port}/hook` })
        .expect(200);
      expect(tested.body.data).toMatchObject({ success: false, statusCode: 302 });
      expect(fresh()).toEqual(['GET /moved.pdf', 'POST /hook']);
      expect(redirectTarget.hits).toEqual([]);
    });

    it('the session is checked before any fetch: a session that is not connected fetches nothing', async () => {
      await api()
        .post('/api/v1/sessions')
        .set('x-master-key', MASTER_KEY)
        .send({ id: 'unlinked', name: 'Unlinked' })
        .expect(201);
      const tokenRes = await api()
        .post('/api/v1/sessions/unlinked/tokens')
        .set('authorization', `Bearer ${admin}`)
        .send({ name: 'unlinked' })
        .expect(201);
      trap.hits = [];
      const res = await api()
        .post('/api/v1/sessions/unlinked/messages/document')
        .set('authorization', `Bearer ${tokenRes.body.data.token}`)
        .send({ to: CONTACT, url: `http://127.0.0.1:${trap.port}/exists.pdf` });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('SESSION_NOT_CONNECTED');
      expect(fresh()).toEqual([]);
    });
  });
});
