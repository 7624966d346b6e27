import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { WhatsAppSimulator } from '../src/sandbox/simulator/whatsapp-simulator';
import { silenceLibsignalConsole } from './support/baileys-test-client';
import { ADMIN, eventually } from './support/gateway-fixture';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { WebhookReceiver } from './support/webhook-receiver';

jest.setTimeout(240_000);

const root = join(__dirname, '..');
const media = join(root, 'media', `log-hygiene-test-${process.pid}`);
const KEY = '5e'.repeat(32);
const MASTER_KEY = 'master-key-for-log-hygiene-0123';
const WEBHOOK_SECRET = 'whsec_log-hygiene-secret-0123456789';
const URL_PASSWORD = 'url-password-in-userinfo-4242';
const URL_TOKEN = 'url-query-token-4242';

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const ACCOUNT = '6281400000001';
const ALICE = '6281400000002';

/**
 * The gateway as a real process in sandbox mode, attached to a simulator in this test (so the test
 * can make a message undecryptable), everything it prints captured: pairing, messages both ways, a
 * Signal session replaced after a retry (where libsignal prints the closed session, keys and all),
 * webhooks (a URL with credentials, a receiver that fails first), a logout. Then nothing printed may
 * hold key material, a token or a secret.
 */
describe('what the gateway prints during a full sandbox run', () => {
  let db: TestDatabase;
  let child: ChildProcess;
  let base: string;
  let output = '';
  let restoreConsole: () => void = () => undefined;
  const simulator = new WhatsAppSimulator({ qrRefCount: 6 });
  const receiver = new WebhookReceiver();
  const secrets: string[] = [KEY, MASTER_KEY, WEBHOOK_SECRET, URL_PASSWORD, URL_TOKEN, ADMIN.password];

  beforeAll(async () => {
    restoreConsole = silenceLibsignalConsole();
    db = await createTestDatabase('wagw_logs');
    const endpoints = await simulator.start();
    simulator.createContact(ALICE, { pushName: 'Alice' });
    await receiver.start();
    // The first attempt of every delivery fails, so deliveries are retried (and may be logged).
    receiver.respond = (_hook, nth) => (nth === 0 ? { status: 500, body: 'try again' } : { status: 200 });
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
        LOG_LEVEL: 'info',
        TOKEN_ENCRYPTION_KEY: KEY,
        MASTER_API_KEY: MASTER_KEY,
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        MEDIA_PATH: media,
        WEBHOOK_RETRY_DELAY: '100',
        SANDBOX_SIMULATOR_WS_URL: endpoints.webSocketUrl,
        SANDBOX_SIMULATOR_ROOT_KEY: simulator.rootPublicKey.toString('hex'),
        SANDBOX_SIMULATOR_CA: Buffer.from(simulator.tlsCertificate).toString('base64'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += String(d)));
    child.stderr!.on('data', (d) => (output += String(d)));
    await eventually(async () => (await request(base).get('/health')).status === 200, 120_000, 500);
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await receiver.stop();
    await simulator.stop().catch(() => undefined);
    await db?.drop();
    restoreConsole();
    rmSync(media, { recursive: true, force: true });
  });

  it('holds no privKey, rootKey, token, JWT or secret, and no error-level "stream errored out"', async () => {
    const login = await request(base).post('/api/v1/auth/login').send(ADMIN).expect(200);
    const admin = login.body.data.accessToken as string;
    secrets.push(admin, login.body.data.refreshToken as string);
    const auth = { authorization: `Bearer ${admin}` };

    const hookUrl = new URL(receiver.url);
    hookUrl.username = 'hookuser';
    hookUrl.password = URL_PASSWORD;
    hookUrl.searchParams.set('token', URL_TOKEN);
    await request(base)
      .put('/api/v1/webhooks/config')
      .set(auth)
      .send({ url: hookUrl.toString(), secret: WEBHOOK_SECRET })
      .expect(200);

    const created = await request(base)
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: 'logs', name: 'Logs' })
      .expect(201);
    const token = created.body.data.token as string;
    secrets.push(token);
    const qr = await eventually(async () => {
      const res = await request(base).get('/api/v1/sessions/logs/qr').set(auth);
      return res.status === 200 ? (res.body.data.qr as string) : null;
    });
    await simulator.linkDevice(qr, { phoneNumber: ACCOUNT });
    await eventually(async () => {
      const res = await request(base).get('/api/v1/sessions/logs').set(auth);
      return res.body.data?.status === 'connected';
    }, 60_000);

    const inbound = (text: string) =>
      eventually(async () => {
        const res = await request(base).get('/api/v1/sessions/logs/messages?direction=inbound').set(auth);
        return (res.body.data?.messages ?? []).some((m: { message: string }) => m.message === text);
      }, 30_000);
    // Messages both ways.
    await simulator.sendMessage(ALICE, ACCOUNT, { text: 'hello logs' });
    await inbound('hello logs');
    await request(base)
      .post('/api/v1/sessions/logs/messages/text')
      .set('authorization', `Bearer ${token}`)
      .send({ to: ALICE, text: 'ping logs' })
      .expect(201);
    await eventually(() =>
      simulator.receivedMessages(ALICE).some((m) => JSON.stringify(m.message).includes('ping logs')),
    );
    // A message the gateway cannot decrypt: Baileys asks again, Alice starts a fresh session, and
    // libsignal closes the old one (printing it, private keys included, to the console).
    simulator.faults.undecryptableInbound = 1;
    await simulator.sendMessage(ALICE, ACCOUNT, { text: 'after a retry' });
    await inbound('after a retry');
    await eventually(
      () => receiver.hooks.some((h) => JSON.stringify(h.body).includes('after a retry')),
      30_000,
    );

    await request(base).post('/api/v1/sessions/logs/logout').set(auth).expect(200);
    await eventually(async () => {
      const res = await request(base).get('/api/v1/sessions/logs').set(auth);
      return res.body.data?.status === 'logged_out';
    }, 30_000);
    // Let late lines (closing sockets, retries) reach the output.
    await new Promise((r) => setTimeout(r, 1500));

    expect(output.length).toBeGreaterThan(0);
    expect(output).not.toMatch(/privKey|rootKey|chainKey|SessionEntry/);
    expect(output).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
    expect(output).not.toMatch(/wag_[\w-]{20,}/);
    for (const secret of secrets) expect(output).not.toContain(secret);
    const loud = output
      .split('\n')
      .filter((line) => line.includes('stream errored out'))
      .filter((line) => !/"level":(10|20|30)\b/.test(line));
    expect(loud).toEqual([]);
  });
});
