import { randomBytes } from 'node:crypto';
import { withDatabase } from '../../src/prisma/database-url';
import { dropDatabase, migrate } from '../../src/prisma/migrator';
import { MIGRATIONS_DIR } from '../../src/prisma/paths';

/** The MariaDB server tests use; each test file gets its own database on it. */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database name (not created yet). */
export function newTestDatabaseUrl(prefix = 'wagw_test'): { name: string; url: string } {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  return { name, url: withDatabase(TEST_SERVER_URL, name) };
}

/** Creates a database with every migration applied; drop() removes it. */
export async function createTestDatabase(prefix?: string): Promise<TestDatabase> {
  const { name, url } = newTestDatabaseUrl(prefix);
  await migrate(url, MIGRATIONS_DIR);
  return { name, url, drop: () => dropDatabase(url) };
}
