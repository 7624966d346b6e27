import './logging/install-console-filter';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { installProcessGuards } from './common/process-faults';
import { readEnvironment } from './config/env';
import { ConfigError, loadConfig } from './config/load-config';
import { migrate, MigrationError } from './prisma/migrator';
import { MIGRATIONS_DIR } from './prisma/paths';
import type { SandboxRuntime as SandboxRuntimeClass } from './sandbox/mode/sandbox-runtime';

function loadSandboxRuntime(): typeof SandboxRuntimeClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded in sandbox mode only
  return (require('./sandbox/mode/sandbox-runtime') as typeof import('./sandbox/mode/sandbox-runtime'))
    .SandboxRuntime;
}

async function bootstrap(): Promise<void> {
  installProcessGuards();
  const { config, warnings } = loadConfig(readEnvironment());
  for (const warning of warnings) console.warn(`WARNING: ${warning}`);
  if (config.MIGRATE_ON_START) await migrate(config.DATABASE_URL, MIGRATIONS_DIR);

  // Sandbox mode: the WhatsApp simulator runs in this process and every session talks to it, or,
  // with SANDBOX_SIMULATOR_WS_URL, a simulator in another process that outlives this one does. The
  // simulator is loaded only then: outside sandbox mode its code would be memory spent for nothing.
  const SandboxRuntime = config.SANDBOX ? loadSandboxRuntime() : undefined;
  const attached =
    SandboxRuntime && config.SANDBOX_SIMULATOR_WS_URL
      ? SandboxRuntime.attach({
          webSocketUrl: config.SANDBOX_SIMULATOR_WS_URL,
          rootPublicKeyHex: config.SANDBOX_SIMULATOR_ROOT_KEY!,
          ca: config.SANDBOX_SIMULATOR_CA!,
        })
      : undefined;
  const sandbox =
    SandboxRuntime && !attached ? { runtime: await SandboxRuntime.start(config.SANDBOX_PORT) } : undefined;
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, { sandbox, baileys: attached?.socketConfig }),
    {
      bufferLogs: true,
      bodyParser: false,
    },
  );
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
