import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { AppConfig } from '../src/config/app-config';
import { PrismaService } from '../src/prisma/prisma.service';
import { WhatsAppSimulator } from '../src/sandbox/simulator/whatsapp-simulator';
import { silenceLibsignalConsole } from './support/baileys-test-client';
import {
  ADMIN,
  adminToken,
  eventually,
  GatewayFixture,
  MASTER_KEY as MASTER_KEY_FIXTURE,
} from './support/gateway-fixture';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { testConfig } from './support/test-app';
import { TestProxy } from './support/test-proxies';

jest.setTimeout(240_000);

const root = join(__dirname, '..');
const media = join(root, 'media', `session-proxy-test-${process.pid}`);
const KEY = '6a'.repeat(32);
const MASTER_KEY = 'master-key-for-session-proxy-01';
const SOCKS_PASSWORD = 'socks-proxy-password-7781';
const HTTP_PASSWORD = 'http-proxy-password-9913';

const ACCOUNT = '6281500000001';
const ALICE = '6281500000002';
const PNG = Buffer.concat([
  Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'),
  Buffer.alloc(64, 7),
]);

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/**
 * Per-session proxies, on the gateway as a real process in sandbox mode (everything it prints
 * captured) attached to a simulator and to two small proxies of this test (SOCKS5 and HTTP CONNECT,
 * both with credentials) that count their tunnels: a session's socket, its inbound media and its
 * send-by-URL fetches go through its proxy; bad and unreachable proxies are refused; the password is
 * never in an answer, a log line or the database in clear.
 */
describe('per-session proxy', () => {
  let db: TestDatabase;
  let child: ChildProcess;
  let base: string;
  let output = '';
  let admin: string;
  /** The API token of the session the tests run through. */
  let token: string;
  let simulatorPort: number;
  let restoreConsole: () => void = () => undefined;
  const simulator = new WhatsAppSimulator({ qrRefCount: 6 });
  const socks = new TestProxy('socks5', { username: 'alice', password: SOCKS_PASSWORD });
  const http = new TestProxy('http', { username: 'bob', password: HTTP_PASSWORD });
  let files: HttpServer;
  let filesPort: number;
  const auth = () => ({ authorization: `Bearer ${admin}` });

  beforeAll(async () => {
    restoreConsole = silenceLibsignalConsole();
    db = await createTestDatabase('wagw_proxy');
    const endpoints = await simulator.start();
    simulatorPort = Number(new URL(endpoints.webSocketUrl).port);
    simulator.createContact(ALICE, { pushName: 'Alice' });
    await socks.start();
    await http.start();
    files = createHttpServer((req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    filesPort = (files.address() as { port: number }).port;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['-r', '@swc-node/register', join(root, 'src', 'main.ts')], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'development',
        SANDBOX: 'true',
        DATABASE_URL: db.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        // Everything the gateway logs, requests included, must still hold no proxy password.
        LOG_LEVEL: 'debug',
        TOKEN_ENCRYPTION_KEY: KEY,
        MASTER_API_KEY: MASTER_KEY,
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        MEDIA_PATH: media,
        MEDIA_URL_ALLOW_PRIVATE: 'true',
        SANDBOX_SIMULATOR_WS_URL: endpoints.webSocketUrl,
        SANDBOX_SIMULATOR_ROOT_KEY: simulator.rootPublicKey.toString('hex'),
        SANDBOX_SIMULATOR_CA: Buffer.from(simulator.tlsCertificate).toString('base64'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += String(d)));
    child.stderr!.on('data', (d) => (output += String(d)));
    await eventually(async () => (await request(base).get('/health')).status === 200, 120_000, 500);
    const login = await request(base).post('/api/v1/auth/login').send(ADMIN).expect(200);
    admin = login.body.data.accessToken as string;
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await socks.close();
    await http.close();
    await new Promise((r) => files?.close(r));
    await simulator.stop().catch(() => undefined);
    await db?.drop();
    restoreConsole();
    rmSync(media, { recursive: true, force: true });
  });

  const createSession = (body: Record<string, unknown>) =>
    request(base).post('/api/v1/sessions').set('x-master-key', MASTER_KEY).send(body);
  const patch = (id: string, body: Record<string, unknown>) =>
    request(base).patch(`/api/v1/sessions/${id}`).set(auth()).send(body);
  const statusOf = async (id: string) =>
    (await request(base).get(`/api/v1/sessions/${id}`).set(auth())).body.data?.status as string | undefined;
  const fieldsOf = (body: { details?: { field: string }[] }) => (body.details ?? []).map((d) => d.field);

  it('refuses a proxy URL that is not one with 400 naming the field, and creates nothing', async () => {
    for (const proxy of [
      'ftp://user:pass@127.0.0.1:21',
      'http://127.0.0.1',
      'socks5://user:pass@:1080',
      'http://127.0.0.1:3128/some/path',
      'http://127.0.0.1:99999',
      'not a url',
      '',
      12,
    ]) {
      const res = await createSession({ id: 'bad-proxy', name: 'Bad', proxy });
      expect({ proxy, status: res.status, code: res.body.code }).toEqual({
        proxy,
        status: 400,
        code: 'VALIDATION_ERROR',
      });
      expect(fieldsOf(res.body)).toEqual(['proxy']);
    }
    await request(base).get('/api/v1/sessions/bad-proxy').set(auth()).expect(404);
  });

  it('refuses a proxy that does not answer, or refuses the credentials, with 400 PROXY_UNREACHABLE', async () => {
    const closed = await freePort();
    const res = await createSession({
      id: 'unreachable',
      name: 'Unreachable',
      proxy: `socks5://alice:${SOCKS_PASSWORD}@127.0.0.1:${closed}`,
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('PROXY_UNREACHABLE');
    expect(res.body.message).toMatch(/did not open a connection to WhatsApp/);
    expect(fieldsOf(res.body)).toEqual(['proxy']);
    expect(JSON.stringify(res.body)).not.toContain(SOCKS_PASSWORD);
    await request(base).get('/api/v1/sessions/unreachable').set(auth()).expect(404);

    const refusedBefore = http.refused;
    const wrong = await createSession({
      id: 'unreachable',
      name: 'Unreachable',
      proxy: http.url('http', { username: 'bob', password: 'not-the-password' }),
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('PROXY_UNREACHABLE');
    expect(wrong.body.message).toMatch(/HTTP 407/);
    expect(http.refused).toBe(refusedBefore + 1);
  });

  it('connects a session through its SOCKS5 proxy, messages both ways, inbound media through it too', async () => {
    const created = await createSession({ id: 'viasocks', name: 'Via SOCKS', proxy: socks.url() });
    expect(created.status).toBe(201);
    token = created.body.data.token as string;
    expect(created.body.data.session).toMatchObject({
      proxy: `socks5://alice:***@127.0.0.1:${socks.port}`,
      hasProxy: true,
    });
    expect(JSON.stringify(created.body)).not.toContain(SOCKS_PASSWORD);

    // The socket's WebSocket upgrade went through the proxy's tunnel to the simulator.
    await eventually(() =>
      socks.tunnels.some((t) => t.port === simulatorPort && /^GET \/ws/.test(t.firstLine ?? '')),
    );
    const qr = await eventually(async () => {
      const res = await request(base).get('/api/v1/sessions/viasocks/qr').set(auth());
      return res.status === 200 ? (res.body.data.qr as string) : null;
    });
    await simulator.linkDevice(qr, { phoneNumber: ACCOUNT });
    await eventually(async () => (await statusOf('viasocks')) === 'connected', 60_000);

    // Cutting the proxy's connections cuts the session: its socket was in one of them. It comes back through it.
    const socketTunnels = () => socks.tunnels.filter((t) => /^GET \/ws/.test(t.firstLine ?? '')).length;
    const before = socketTunnels();
    socks.dropAll();
    await eventually(async () => (await statusOf('viasocks')) !== 'connected', 30_000);
    await eventually(async () => (await statusOf('viasocks')) === 'connected', 60_000);
    expect(socketTunnels()).toBeGreaterThan(before);

    await request(base)
      .post('/api/v1/sessions/viasocks/messages/text')
      .set('authorization', `Bearer ${token}`)
      .send({ to: ALICE, text: 'out through the proxy' })
      .expect(201);
    await eventually(() =>
      simulator
        .receivedMessages(ALICE)
        .some((m) => JSON.stringify(m.message).includes('out through the proxy')),
    );
    await simulator.sendMessage(ALICE, ACCOUNT, { text: 'in through the proxy' });
    await eventually(async () => {
      const res = await request(base)
        .get('/api/v1/sessions/viasocks/messages?direction=inbound')
        .set('authorization', `Bearer ${token}`);
      return (res.body.data?.messages ?? []).some(
        (m: { message: string }) => m.message === 'in through the proxy',
      );
    }, 30_000);

    // Inbound media: downloaded from the simulator's media host through the proxy.
    const mediaTunnels = () => socks.tunnels.filter((t) => /^GET \/(?!ws)/.test(t.firstLine ?? '')).length;
    const mediaBefore = mediaTunnels();
    const document = Buffer.from('%PDF-1.4 through the proxy '.repeat(100));
    const mediaId = await simulator.sendMessage(ALICE, ACCOUNT, {
      media: { kind: 'document', data: document, mimetype: 'application/pdf', fileName: 'p.pdf' },
    });
    const file = await eventually(async () => {
      const res = await request(base)
        .get(`/api/v1/sessions/viasocks/messages/${mediaId}/media`)
        .set('authorization', `Bearer ${token}`)
        .buffer(true)
        .parse((r, done) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => done(null, Buffer.concat(chunks)));
        });
      return res.status === 200 ? (res.body as Buffer) : null;
    }, 30_000);
    expect(file.equals(document)).toBe(true);
    expect(simulator.mediaRequests(mediaId)).toBe(1);
    expect(mediaTunnels()).toBe(mediaBefore + 1);

    // Send by URL: the gateway fetches the file through the proxy (to the address it checked itself),
    // and Baileys uploads it to the simulator through the proxy too.
    const fileTunnels = () => socks.tunnels.filter((t) => t.port === filesPort).length;
    await request(base)
      .post('/api/v1/sessions/viasocks/messages/image?wait=true')
      .set('authorization', `Bearer ${token}`)
      .send({ to: ALICE, url: `http://localhost:${filesPort}/picture.png` })
      .expect(201);
    expect(fileTunnels()).toBe(1);
    expect(socks.tunnels.find((t) => t.port === filesPort)).toMatchObject({ host: '127.0.0.1' });
    const uploaded = await eventually(() =>
      simulator.receivedMessages(ALICE).find((m) => m.message.imageMessage),
    );
    expect((await simulator.downloadMedia(uploaded)).equals(PNG)).toBe(true);
  });

  it('changes the proxy with PATCH (masked, checked), applies it at the next connect, and removes it', async () => {
    const changed = await patch('viasocks', { proxy: http.url() });
    expect(changed.status).toBe(200);
    expect(changed.body.data).toMatchObject({
      proxy: `http://bob:***@127.0.0.1:${http.port}`,
      hasProxy: true,
    });
    // A refused proxy changes nothing, not even the other settings of the same request.
    const bad = await patch('viasocks', { proxy: 'gopher://127.0.0.1:70', autoRead: true });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['proxy']);
    const unchanged = await request(base).get('/api/v1/sessions/viasocks').set(auth()).expect(200);
    expect(unchanged.body.data).toMatchObject({
      autoRead: false,
      proxy: `http://bob:***@127.0.0.1:${http.port}`,
    });

    // The connected socket keeps its way out until its next connect.
    const viaHttp = () => http.tunnels.filter((t) => /^GET \/ws/.test(t.firstLine ?? '')).length;
    expect(viaHttp()).toBe(0);
    await request(base).post('/api/v1/sessions/viasocks/disconnect').set(auth()).expect(200);
    await request(base).post('/api/v1/sessions/viasocks/connect').set(auth()).expect(200);
    await eventually(async () => (await statusOf('viasocks')) === 'connected', 60_000);
    expect(viaHttp()).toBe(1);

    // Media by URL through the HTTP proxy: the fetch, and Baileys' upload to the simulator (TLS through
    // the tunnel, verified against the simulator's certificate).
    const images = () => simulator.receivedMessages(ALICE).filter((m) => m.message.imageMessage);
    const imagesBefore = images().length;
    await request(base)
      .post('/api/v1/sessions/viasocks/messages/image?wait=true')
      .set('authorization', `Bearer ${token}`)
      .send({ to: ALICE, url: `http://localhost:${filesPort}/again.png` })
      .expect(201);
    expect(http.tunnels.filter((t) => t.port === filesPort)).toHaveLength(1);
    const uploaded = await eventually(() => images()[imagesBefore]);
    expect((await simulator.downloadMedia(uploaded)).equals(PNG)).toBe(true);

    const listed = await request(base).get('/api/v1/sessions').set(auth()).expect(200);
    const text = JSON.stringify(listed.body);
    expect(text).toContain(`http://bob:***@127.0.0.1:${http.port}`);
    expect(text).not.toContain(HTTP_PASSWORD);

    const removed = await patch('viasocks', { proxy: null });
    expect(removed.status).toBe(200);
    expect(removed.body.data).toMatchObject({ proxy: null, hasProxy: false });
  });

  it('keeps the password out of the database in clear and out of everything the gateway printed', async () => {
    await patch('viasocks', { proxy: socks.url() }).expect(200);
    const prisma = new PrismaService(testConfig(db.url));
    try {
      const rows = await prisma.$queryRaw<{ proxy_url: string }[]>`
        SELECT proxy_url FROM whatsapp_sessions WHERE id = 'viasocks'`;
      expect(rows[0].proxy_url).toBeTruthy();
      expect(rows[0].proxy_url).not.toContain(SOCKS_PASSWORD);
      expect(rows[0].proxy_url).not.toContain('socks5://');
    } finally {
      await prisma.$disconnect();
    }
    const activity = await request(base).get('/api/v1/activity').set(auth());
    expect(JSON.stringify(activity.body)).not.toContain(SOCKS_PASSWORD);
    expect(output.length).toBeGreaterThan(0);
    expect(output).not.toContain(SOCKS_PASSWORD);
    expect(output).not.toContain(HTTP_PASSWORD);
  });
});

/**
 * A key rotation (TOKEN_ENCRYPTION_KEY_PREVIOUS) re-encrypts each session's proxy URL with the rest:
 * after it, the session still shows its proxy and its socket still goes through it.
 */
describe('per-session proxy across a key rotation', () => {
  const fixture = new GatewayFixture();
  const proxy = new TestProxy('socks5', { username: 'carol', password: 'rotation-proxy-password-5150' });

  beforeAll(async () => {
    await fixture.start('wagw_proxyrot');
    await proxy.start();
  });
  afterAll(async () => {
    await fixture.close();
    await proxy.close();
  });

  it('re-encrypts the proxy under the new key; the session shows it and connects through it', async () => {
    const first = await fixture.startApp();
    const oldKey = first.get(AppConfig).TOKEN_ENCRYPTION_KEY!;
    await request(first.getHttpServer())
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY_FIXTURE)
      .send({ id: 'rotated', name: 'Rotated', proxy: proxy.url() })
      .expect(201);
    const socketTunnels = () => proxy.tunnels.filter((t) => /^GET \/ws/.test(t.firstLine ?? '')).length;
    await eventually(() => socketTunnels() >= 1);
    const sealedBefore = await sealedProxyOf(fixture, 'rotated');
    await fixture.stopApp(first);

    const before = socketTunnels();
    const second = await fixture.startApp(
      fixture.config({ TOKEN_ENCRYPTION_KEY: '7b'.repeat(32), TOKEN_ENCRYPTION_KEY_PREVIOUS: oldKey }),
    );
    expect(await sealedProxyOf(fixture, 'rotated')).not.toBe(sealedBefore);
    const admin = await adminToken(second);
    const res = await request(second.getHttpServer())
      .get('/api/v1/sessions/rotated')
      .set('authorization', `Bearer ${admin}`)
      .expect(200);
    expect(res.body.data).toMatchObject({
      proxy: `socks5://carol:***@127.0.0.1:${proxy.port}`,
      hasProxy: true,
    });
    // The session was wanted: the new process opens it again, through the proxy.
    await eventually(() => socketTunnels() > before, 30_000);
  });
});

async function sealedProxyOf(fixture: GatewayFixture, id: string): Promise<string | null> {
  const prisma = new PrismaService(fixture.config());
  try {
    const row = await prisma.whatsappSession.findUnique({ where: { id }, select: { proxyUrl: true } });
    return row?.proxyUrl ?? null;
  } finally {
    await prisma.$disconnect();
  }
}
