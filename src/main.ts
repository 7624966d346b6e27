import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { readEnvironment } from './config/env';
import { ConfigError, loadConfig } from './config/load-config';
import { migrate, MigrationError } from './prisma/migrator';
import { MIGRATIONS_DIR } from './prisma/paths';

async function bootstrap(): Promise<void> {
  const { config, warnings } = loadConfig(readEnvironment());
  for (const warning of warnings) console.warn(`WARNING: ${warning}`);
  if (config.MIGRATE_ON_START) await migrate(config.DATABASE_URL, MIGRATIONS_DIR);

  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  configureApp(app, config);
  await app.listen(config.PORT, config.HOST);
  console.log(
    `WhatsApp gateway listening on http://${config.HOST}:${config.PORT} (API docs at /api-documentation)`,
  );
}

bootstrap().catch((error: unknown) => {
  // Configuration and migration problems are one clear line; anything else keeps its stack for the operator.
  if (error instanceof ConfigError || error instanceof MigrationError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
