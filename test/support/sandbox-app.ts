import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { SandboxRuntime } from '../../src/sandbox/mode/sandbox-runtime';
import { silenceLibsignalConsole } from './baileys-test-client';
import { ADMIN, adminToken, MASTER_KEY } from './gateway-fixture';
import { testConfig } from './test-app';
import { createTestDatabase, type TestDatabase } from './test-database';

/**
 * The gateway in sandbox mode (its own in-process simulator, no demo session) on a fresh database,
 * listening on 127.0.0.1, with the first admin's access token: for tests of the sandbox routes.
 */
export class SandboxApp {
  db!: TestDatabase;
  runtime!: SandboxRuntime;
  app!: NestExpressApplication;
  admin!: string;
  private restoreConsole: (() => void) | undefined;

  async start(prefix: string): Promise<this> {
    this.restoreConsole = silenceLibsignalConsole();
    this.db = await createTestDatabase(prefix);
    this.runtime = await SandboxRuntime.start();
    const config = testConfig(this.db.url, {
      MASTER_API_KEY: MASTER_KEY,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
    });
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(config, { sandbox: { runtime: this.runtime, demo: false } })],
    }).compile();
    this.app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false });
    configureApp(this.app, config);
    await this.app.listen(0, '127.0.0.1');
    this.admin = await adminToken(this.app);
    return this;
  }

  async close(): Promise<void> {
    await this.app?.close();
    await this.runtime?.stop();
    await this.db?.drop();
    this.restoreConsole?.();
  }
}
