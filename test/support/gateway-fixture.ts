import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import type { AppConfig } from '../../src/config/app-config';
import type { SocketOverrides } from '../../src/whatsapp/socket-settings';
import { disableSandboxBaileys, enableSandboxBaileys } from '../../src/sandbox/baileys-sandbox-switch';
import { WhatsAppSimulator } from '../../src/sandbox/simulator/whatsapp-simulator';
import { silenceLibsignalConsole } from './baileys-test-client';
import { createTestDatabase, type TestDatabase } from './test-database';
import { testConfig } from './test-app';

export const MASTER_KEY = 'master-key-for-tests-0123456789';
export const ADMIN = { email: 'admin@example.com', password: 'admin-password-for-tests' };

/** Logs in as the seeded admin and returns the access token. */
export async function adminToken(app: NestExpressApplication): Promise<string> {
  const res = await request(app.getHttpServer()).post('/api/v1/auth/login').send(ADMIN).expect(200);
  return res.body.data.accessToken as string;
}

/** The base URL of a listening app, e.g. http://127.0.0.1:40123. */
export function baseUrl(app: NestExpressApplication): string {
  const address = app.getHttpServer().address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

/** Polls until `check` returns a truthy value (or throws after the timeout). */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 15_000,
  everyMs = 100,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until)
      throw new Error(`Timed out after ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A database, the WhatsApp simulator (with the sandbox switch on) and gateway instances wired to it.
 * `close()` stops everything it started.
 */
export class GatewayFixture {
  readonly simulator = new WhatsAppSimulator({ qrRefCount: 6 });
  db!: TestDatabase;
  readonly apps: NestExpressApplication[] = [];
  private restoreConsole: (() => void) | undefined;

  async start(prefix = 'wagw_gw'): Promise<this> {
    this.restoreConsole = silenceLibsignalConsole();
    this.db = await createTestDatabase(prefix);
    await this.simulator.start();
    enableSandboxBaileys(this.simulator);
    return this;
  }

  config(overrides: Record<string, string> = {}): AppConfig {
    return testConfig(this.db.url, {
      MASTER_API_KEY: MASTER_KEY,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      ...overrides,
    });
  }

  /** A gateway process (a Nest app) on the shared database, its sockets pointed at the simulator. */
  async startApp(
    config: AppConfig = this.config(),
    baileys: SocketOverrides = {},
  ): Promise<NestExpressApplication> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.forRoot(config, {
          baileys: { ...this.simulator.socketConfig(), connectTimeoutMs: 10_000, ...baileys },
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false });
    configureApp(app, config);
    await app.listen(0, '127.0.0.1');
    this.apps.push(app);
    return app;
  }

  async stopApp(app: NestExpressApplication): Promise<void> {
    this.apps.splice(this.apps.indexOf(app), 1);
    await app.close();
  }

  async close(): Promise<void> {
    for (const app of [...this.apps].reverse()) await app.close().catch(() => undefined);
    disableSandboxBaileys();
    await this.simulator.stop().catch(() => undefined);
    await this.db?.drop();
    this.restoreConsole?.();
  }
}

/** Creates a session with the master key, waits for its QR, links it to `phoneNumber`, waits for `connected`. */
export async function linkSession(
  fixture: GatewayFixture,
  app: NestExpressApplication,
  id: string,
  phoneNumber: string,
): Promise<{ token: string; admin: string }> {
  const server = app.getHttpServer();
  const created = await request(server)
    .post('/api/v1/sessions')
    .set('x-master-key', MASTER_KEY)
    .send({ id, name: `Session ${id}` })
    .expect(201);
  const token: string = created.body.data.token;
  const admin = await adminToken(app);
  const qr = await eventually(async () => {
    const res = await request(server)
      .get(`/api/v1/sessions/${id}/qr`)
      .set('authorization', `Bearer ${admin}`);
    return res.status === 200 ? (res.body.data.qr as string) : null;
  });
  await fixture.simulator.linkDevice(qr, { phoneNumber });
  await eventually(async () => {
    const res = await request(server).get(`/api/v1/sessions/${id}`).set('authorization', `Bearer ${admin}`);
    return res.body.data?.status === 'connected';
  });
  return { token, admin };
}
