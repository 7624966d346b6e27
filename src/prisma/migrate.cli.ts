import { loadConfig } from '../config/load-config';
import { readEnvironment } from '../config/env';
import { migrate } from './migrator';
import { MIGRATIONS_DIR } from './paths';

/** `npm run db:migrate`: creates the database if needed and applies pending migrations. */
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
