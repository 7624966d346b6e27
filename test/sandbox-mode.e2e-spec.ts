import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { ADMIN, adminToken, eventually, GatewayFixture } from './support/gateway-fixture';

jest.setTimeout(240_000);

const root = join(__dirname, '..');
const media = join(root, 'media', `sandbox-test-${process.pid}`);

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('sandbox mode: `npm run sandbox`', () => {
  let db: TestDatabase;
  let child: ChildProcess;
  let base: string;
  let output = '';

  beforeAll(async () => {
    db = await createTestDatabase('wagw_sandbox');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn('npm', ['run', 'sandbox'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'development',
        DATABASE_URL: db.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        TOKEN_ENCRYPTION_KEY: '1f'.repeat(32),
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        MEDIA_PATH: media,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout!.on('data', (d) => (output += String(d)));
    child.stderr!.on('data', (d) => (output += String(d)));
    await eventually(async () => (await request(base).get('/health')).status === 200, 120_000, 500);
  });
  afterAll(async () => {
    if (child?.pid) {
      process.kill(-child.pid, 'SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await db?.drop();
    rmSync(media, { recursive: true, force: true });
  });

  it('announces itself, and the demo session links itself and shows inbound messages with no human step', async () => {
    const health = await request(base).get('/health').expect(200);
    expect(health.body.data.sandbox).toMatchObject({ enabled: true });
    expect(output).toMatch(/SANDBOX MODE/);

    const login = await request(base).post('/api/v1/auth/login').send(ADMIN).expect(200);
    const admin = login.body.data.accessToken as string;
    await eventually(async () => {
      const res = await request(base).get('/api/v1/sessions/demo').set('authorization', `Bearer ${admin}`);
      return res.body.data?.status === 'connected';
    }, 60_000);
    const messages = await eventually(async () => {
      const res = await request(base)
        .get('/api/v1/sessions/demo/messages?direction=inbound')
        .set('authorization', `Bearer ${admin}`);
      return res.body.data?.messages.length >= 3 ? res.body.data.messages : null;
    }, 30_000);
    expect(messages.map((m: { from: string }) => m.from).sort()).toEqual([
      '6281100000001',
      '6281100000002',
      '6281100000003',
    ]);

    // The control API: a contact writes, and what the gateway sends reaches the contact (who answers back).
    await request(base)
      .post('/api/v1/sandbox/contacts/6281100000002/messages')
      .set('authorization', `Bearer ${admin}`)
      .send({ sessionId: 'demo', text: 'scripted hello' })
      .expect(201);
    await eventually(async () => {
      const res = await request(base)
        .get('/api/v1/sessions/demo/messages?direction=inbound')
        .set('authorization', `Bearer ${admin}`);
      return res.body.data.messages.some((m: { message: string }) => m.message === 'scripted hello');
    });
    await request(base)
      .post('/api/v1/sessions/demo/messages/text')
      .set('authorization', `Bearer ${admin}`)
      .send({ to: '6281100000001', text: 'ping' })
      .expect(201);
    await eventually(async () => {
      const res = await request(base)
        .get('/api/v1/sandbox/contacts/6281100000001/messages')
        .set('authorization', `Bearer ${admin}`);
      return res.body.data.some((m: { text: string }) => m.text === 'ping');
    });
    // Alice answers back (echo).
    await eventually(async () => {
      const res = await request(base)
        .get('/api/v1/sessions/demo/messages?direction=inbound&chat=6281100000001')
        .set('authorization', `Bearer ${admin}`);
      return res.body.data.messages.some((m: { message: string }) => m.message.includes('ping'));
    });
  });
});

describe('outside sandbox mode', () => {
  const fixture = new GatewayFixture();
  beforeAll(() => fixture.start('wagw_nosandbox'));
  afterAll(() => fixture.close());

  it('the sandbox routes do not exist (404), even for an admin', async () => {
    const app = await fixture.startApp();
    const admin = await adminToken(app);
    for (const path of ['/api/v1/sandbox/contacts', '/api/v1/sandbox/contacts/6281100000001/messages']) {
      await request(app.getHttpServer()).get(path).set('authorization', `Bearer ${admin}`).expect(404);
    }
    await request(app.getHttpServer())
      .post('/api/v1/sandbox/contacts')
      .set('authorization', `Bearer ${admin}`)
      .send({})
      .expect(404);
  });
});
