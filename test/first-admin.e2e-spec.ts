import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { DEFAULT_ADMIN_EMAIL } from '../src/users/first-admin.seeder';
import { activityTableText, nextIp, startAuthApp } from './support/auth-helpers';
import { testConfig } from './support/test-app';
import { createTestDatabase, newTestDatabaseUrl, type TestDatabase } from './support/test-database';
import { dropDatabase } from '../src/prisma/migrator';

const BANNER = /First admin created: (\S+)\nPassword \(shown only this once\): (\S+)\n/;

describe('first admin without ADMIN_EMAIL/ADMIN_PASSWORD', () => {
  let db: TestDatabase;
  const apps: NestExpressApplication[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('wagw_first');
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db?.drop();
  });

  /** Starts the app and returns what it wrote to stdout while starting. */
  const startCapturing = async (): Promise<{ app: NestExpressApplication; printed: string }> => {
    let printed = '';
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed += String(chunk);
      return true;
    });
    try {
      const app = await startAuthApp(testConfig(db.url));
      apps.push(app);
      return { app, printed };
    } finally {
      spy.mockRestore();
    }
  };

  it('generates a strong password, prints it once, and requires a change at first login', async () => {
    const { app, printed } = await startCapturing();
    const match = BANNER.exec(printed);
    expect(match).not.toBeNull();
    const [, email, password] = match!;
    expect(email).toBe(DEFAULT_ADMIN_EMAIL);
    expect(password).toMatch(/^[\w-]{24}$/);

    const users = await app.get(PrismaService).user.findMany();
    expect(users).toMatchObject([{ email: DEFAULT_ADMIN_EMAIL, role: 'admin', mustChangePassword: true }]);
    const activity = await activityTableText(app);
    expect(activity).toContain('user.created');
    expect(activity).not.toContain(password);

    const res = await request(app.getHttpServer())
      .post('/api/v1/auth/login')
      .set('x-forwarded-for', nextIp())
      .send({ email, password })
      .expect(200);
    expect(res.body.data.user.mustChangePassword).toBe(true);
    await request(app.getHttpServer())
      .get('/api/v1/users')
      .set('authorization', `Bearer ${res.body.data.accessToken}`)
      .expect(403);
  });

  it('a second start (or another process) finds a user and prints nothing', async () => {
    const { app, printed } = await startCapturing();
    expect(printed).toBe('');
    expect(await app.get(PrismaService).user.count()).toBe(1);
  });
});

describe('npm run db:seed (src/cli/seed.ts)', () => {
  const root = join(__dirname, '..');
  const seed = (databaseUrl: string, extra: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['-r', '@swc-node/register', join(root, 'src', 'cli', 'seed.ts')], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: databaseUrl,
        TOKEN_ENCRYPTION_KEY: '0f'.repeat(32),
        ...extra,
      },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('migrates, creates the admin from ADMIN_EMAIL/ADMIN_PASSWORD once, then does nothing', async () => {
    const { url } = newTestDatabaseUrl('wagw_seedcli');
    try {
      const env = { ADMIN_EMAIL: 'boss@example.com', ADMIN_PASSWORD: 'boss-password-1' };
      const first = seed(url, env);
      expect(first.stderr).toBe('');
      expect(first.status).toBe(0);
      expect(first.stdout.trim()).toBe('First admin created: boss@example.com');
      expect(first.stdout).not.toContain(env.ADMIN_PASSWORD);
      const second = seed(url, env);
      expect(second.status).toBe(0);
      expect(second.stdout.trim()).toBe('Users already exist; nothing to seed.');
    } finally {
      await dropDatabase(url);
    }
  });
});
