import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import type { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';

/** A validated config for tests: quiet logs, a fixed encryption key, the given database. */
export function testConfig(databaseUrl: string, overrides: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    TOKEN_ENCRYPTION_KEY: '0f'.repeat(32),
    RATE_LIMIT_PER_MINUTE: '100000',
    ...overrides,
  }).config;
}

/** The whole gateway, configured exactly as main.ts does, listening on an ephemeral port. */
export async function startTestApp(config: AppConfig): Promise<NestExpressApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false });
  configureApp(app, config);
  await app.init();
  return app;
}
