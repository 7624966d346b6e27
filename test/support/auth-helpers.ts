import type { ModuleMetadata } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { Clock } from '../../src/auth/clock';
import type { AppConfig } from '../../src/config/app-config';
import type { UserRole } from '../../src/generated/prisma/enums';
import { PrismaService } from '../../src/prisma/prisma.service';
import { testConfig } from './test-app';

export const TEST_ADMIN = { email: 'root@example.com', password: 'first-admin-password' };
export const TEST_MASTER_KEY = 'master-key-used-in-auth-tests';

/** A clock the test moves forward; it starts at the real time. */
export class FakeClock extends Clock {
  private offsetMs = 0;

  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** testConfig with a known first admin and master key, and login limits out of the way unless overridden. */
export function authTestConfig(databaseUrl: string, overrides: Record<string, string> = {}): AppConfig {
  return testConfig(databaseUrl, {
    ADMIN_EMAIL: TEST_ADMIN.email,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    MASTER_API_KEY: TEST_MASTER_KEY,
    LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
    ...overrides,
  });
}

/** The whole gateway with an optional fake clock and extra (test-only) modules. */
export async function startAuthApp(
  config: AppConfig,
  options: { clock?: Clock; imports?: ModuleMetadata['imports'] } = {},
): Promise<NestExpressApplication> {
  let builder = Test.createTestingModule({
    imports: [AppModule.forRoot(config), ...(options.imports ?? [])],
  });
  if (options.clock) builder = builder.overrideProvider(Clock).useValue(options.clock);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false });
  configureApp(app, config);
  await app.init();
  return app;
}

let ipCounter = 0;
/** A fresh client address (sent as X-Forwarded-For, which the app trusts from loopback). */
export const nextIp = (): string => {
  ipCounter += 1;
  return `198.51.${Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`;
};

export interface LoginAnswer {
  accessToken: string;
  refreshToken: string;
  user: { id: number; email: string; role: UserRole; mustChangePassword: boolean };
}

export async function login(
  app: NestExpressApplication,
  credentials: { email: string; password: string },
): Promise<LoginAnswer> {
  const res = await request(app.getHttpServer())
    .post('/api/v1/auth/login')
    .set('x-forwarded-for', nextIp())
    .send(credentials);
  if (res.status !== 200) throw new Error(`login of ${credentials.email} answered ${res.status}`);
  return res.body.data as LoginAnswer;
}

/** Creates a user through the API (as the given admin) and logs them in. */
export async function createUserAndLogin(
  app: NestExpressApplication,
  adminToken: string,
  user: { email: string; password: string; role: UserRole },
): Promise<LoginAnswer> {
  const res = await request(app.getHttpServer())
    .post('/api/v1/users')
    .set('authorization', `Bearer ${adminToken}`)
    .send({ ...user, mustChangePassword: false });
  if (res.status !== 201) throw new Error(`creating ${user.email} answered ${res.status}`);
  return login(app, { email: user.email, password: user.password });
}

/** Every activity row as text, to search it for secrets. */
export async function activityTableText(app: NestExpressApplication): Promise<string> {
  const rows = await app.get(PrismaService).activityLog.findMany();
  return JSON.stringify(rows, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}

/** The activity rows written while `action` ran, oldest first. */
export async function activityDuring(
  app: NestExpressApplication,
  action: () => Promise<unknown>,
): Promise<
  {
    action: string;
    actorId: number | null;
    actorLabel: string;
    targetType: string | null;
    targetId: string | null;
    metadata: unknown;
    ip: string | null;
  }[]
> {
  const prisma = app.get(PrismaService);
  const last = await prisma.activityLog.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
  await action();
  return prisma.activityLog.findMany({
    where: { id: { gt: last?.id ?? 0n } },
    orderBy: { id: 'asc' },
    select: {
      action: true,
      actorId: true,
      actorLabel: true,
      targetType: true,
      targetId: true,
      metadata: true,
      ip: true,
    },
  });
}
