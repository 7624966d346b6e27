import { NestFactory } from '@nestjs/core';
import { readEnvironment } from '../config/env';
import { loadConfig } from '../config/load-config';
import { migrate } from '../prisma/migrator';
import { MIGRATIONS_DIR } from '../prisma/paths';
import { FirstAdminSeeder } from '../users/first-admin.seeder';
import { CliModule } from './cli.module';

/** `npm run db:seed`: creates the first admin when the database has no user (the gateway does it at start too). */
async function main(): Promise<void> {
  const { config } = loadConfig(readEnvironment());
  if (config.MIGRATE_ON_START) await migrate(config.DATABASE_URL, MIGRATIONS_DIR);
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: false });
  try {
    const result = await app.get(FirstAdminSeeder).ensureFirstAdmin();
    if (!result.created) console.log('Users already exist; nothing to seed.');
    else if (!result.generatedPassword) console.log(`First admin created: ${result.email}`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
