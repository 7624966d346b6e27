import { readEnvironment } from '../config/env';
import { loadConfig } from '../config/load-config';
import { migrate } from '../prisma/migrator';
import { MIGRATIONS_DIR } from '../prisma/paths';

/**
 * `npm run db:migrate`: creates the database if needed and applies pending migrations. It needs
 * nothing but the database URL, so it starts no Nest context (`db:seed` does).
 */
async function main(): Promise<void> {
  const { config } = loadConfig(readEnvironment());
  const result = await migrate(config.DATABASE_URL, MIGRATIONS_DIR);
  const summary = result.applied.length ? `applied ${result.applied.join(', ')}` : 'nothing to apply';
  console.log(`Database is up to date (${summary}; ${result.alreadyApplied} already applied).`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
