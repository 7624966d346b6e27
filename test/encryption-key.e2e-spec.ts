import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { WebhookSecrets } from '../src/webhooks/webhook-secrets';
import { ADMIN, eventually, GatewayFixture, linkSession } from './support/gateway-fixture';
import { createTestDatabase, type TestDatabase } from './support/test-database';

jest.setTimeout(180_000);

const root = join(__dirname, '..');
const KEY_A = 'a1'.repeat(32);
const KEY_B = 'b2'.repeat(32);

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const gatewayEnv = (databaseUrl: string, key: string, port: number): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  DATABASE_URL: databaseUrl,
  TOKEN_ENCRYPTION_KEY: key,
  PORT: String(port),
  HOST: '127.0.0.1',
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
});
const mainArgs = ['-r', '@swc-node/register', join(root, 'src', 'main.ts')];

describe('the encryption key check: a gateway process started with another key', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('wagw_keycheck');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('refuses to start, with one line on stderr and exit code 1, after a first start stored the check value', async () => {
    const port = await freePort();
    const first = spawn(process.execPath, mainArgs, {
      cwd: root,
      env: gatewayEnv(db.url, KEY_A, port),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await eventually(
        async () => (await request(`http://127.0.0.1:${port}`).get('/health')).status === 200,
        90_000,
        300,
      );
    } finally {
      first.kill('SIGTERM');
      await new Promise((resolve) => first.once('exit', resolve));
    }

    const second = spawnSync(process.execPath, mainArgs, {
      cwd: root,
      env: gatewayEnv(db.url, KEY_B, await freePort()),
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(second.status).toBe(1);
    const lines = second.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^TOKEN_ENCRYPTION_KEY is not the key this database was set up with/);
    expect(second.stderr + second.stdout).not.toMatch(/ at |Error:/);
    expect(second.stderr + second.stdout).not.toContain(KEY_A);
    expect(second.stderr + second.stdout).not.toContain(KEY_B);
  });
});

describe('rotating the encryption key with TOKEN_ENCRYPTION_KEY_PREVIOUS', () => {
  const fixture = new GatewayFixture();
  beforeAll(() => fixture.start('wagw_rotate'));
  afterAll(() => fixture.close());

  it('re-encrypts the auth state and the webhook secrets: the session reconnects without a QR, secrets are unchanged', async () => {
    const before = await fixture.startApp(fixture.config({ TOKEN_ENCRYPTION_KEY: KEY_A }));
    await linkSession(fixture, before, 'rotated', '6281300000001');
    const secrets = before.get(WebhookSecrets);
    const globalSecret = await secrets.globalSecret();
    const sessionSecret = await secrets.sessionSecret('rotated');
    const prisma = before.get(PrismaService);
    const sealedBefore = await prisma.sessionAuthKey.findFirstOrThrow({
      where: { sessionId: 'rotated', category: 'creds' },
    });
    const checkBefore = await prisma.keyCheck.findUniqueOrThrow({ where: { name: 'token-encryption-key' } });
    // As a database from before the key check: its key is then told by the sealed data itself.
    await prisma.keyCheck.deleteMany();
    await fixture.stopApp(before);

    // Without the previous key, the new key is refused (and not recorded: the rotation below still
    // finds the data sealed under the old key).
    await expect(fixture.startApp(fixture.config({ TOKEN_ENCRYPTION_KEY: KEY_B }))).rejects.toThrow(
      /TOKEN_ENCRYPTION_KEY is not the key this database was set up with/,
    );

    const after = await fixture.startApp(
      fixture.config({ TOKEN_ENCRYPTION_KEY: KEY_B, TOKEN_ENCRYPTION_KEY_PREVIOUS: KEY_A }),
    );
    const prismaAfter = after.get(PrismaService);
    const checkAfter = await prismaAfter.keyCheck.findUniqueOrThrow({
      where: { name: 'token-encryption-key' },
    });
    expect(checkAfter.checkValue).not.toBe(checkBefore.checkValue);
    const sealedAfter = await prismaAfter.sessionAuthKey.findFirstOrThrow({
      where: { sessionId: 'rotated', category: 'creds' },
    });
    expect(Buffer.from(sealedAfter.value).equals(Buffer.from(sealedBefore.value))).toBe(false);
    expect(await after.get(WebhookSecrets).globalSecret()).toBe(globalSecret);
    expect(await after.get(WebhookSecrets).sessionSecret('rotated')).toBe(sessionSecret);

    // The session comes back from its re-encrypted auth state: connected, no new QR.
    const admin = (await request(after.getHttpServer()).post('/api/v1/auth/login').send(ADMIN).expect(200))
      .body.data.accessToken as string;
    await eventually(async () => {
      const res = await request(after.getHttpServer())
        .get('/api/v1/sessions/rotated')
        .set('authorization', `Bearer ${admin}`);
      return res.body.data?.status === 'connected';
    }, 30_000);
    await fixture.stopApp(after);

    // Once rotated, the old key alone is refused, and starting again with both keys is a no-op.
    await expect(fixture.startApp(fixture.config({ TOKEN_ENCRYPTION_KEY: KEY_A }))).rejects.toThrow(
      /TOKEN_ENCRYPTION_KEY is not the key/,
    );
    const again = await fixture.startApp(
      fixture.config({ TOKEN_ENCRYPTION_KEY: KEY_B, TOKEN_ENCRYPTION_KEY_PREVIOUS: KEY_A }),
    );
    expect(await again.get(WebhookSecrets).globalSecret()).toBe(globalSecret);
  });
});
