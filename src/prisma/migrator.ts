import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mariadb';
import { poolConfigFromUrl } from './database-url';

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

export class MigrationError extends Error {}

// The bookkeeping table exactly as Prisma's MySQL connector creates it, so `prisma migrate`
// and this runner can take turns on the same database.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS \`_prisma_migrations\` (
    \`id\`                    VARCHAR(36) PRIMARY KEY NOT NULL,
    \`checksum\`              VARCHAR(64) NOT NULL,
    \`finished_at\`           DATETIME(3),
    \`migration_name\`        VARCHAR(255) NOT NULL,
    \`logs\`                  TEXT,
    \`rolled_back_at\`        DATETIME(3),
    \`started_at\`            DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    \`applied_steps_count\`   INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;

const LOCK_NAME = 'prisma_migrate';
const LOCK_TIMEOUT_SECONDS = 30;

/** SHA-256 of the script, as Prisma records it. */
export const checksumOf = (sql: string): string => createHash('sha256').update(sql).digest('hex');

// Prisma accepts a script whose line endings were changed by git (LF <-> CRLF).
const matchesChecksum = (sql: string, checksum: string): boolean =>
  [sql, sql.replace(/\r\n/g, '\n'), sql.replace(/\r?\n/g, '\r\n')].some((s) => checksumOf(s) === checksum);

/** The migrations of a Prisma migrations folder, in the order Prisma applies them (by folder name). */
export function readMigrations(dir: string): MigrationFile[] {
  if (!existsSync(dir)) throw new MigrationError(`Migrations folder not found: ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: checksumOf(sql) };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Applies pending migrations like `prisma migrate deploy`: creates the database when missing,
 * takes Prisma's advisory lock, records each migration in `_prisma_migrations`, and refuses to go
 * on when an applied migration's file changed or an earlier migration failed half-way.
 */
export async function migrate(databaseUrl: string, migrationsDir: string): Promise<MigrateResult> {
  const migrations = readMigrations(migrationsDir);
  const { database, ...server } = poolConfigFromUrl(databaseUrl);
  const conn = await createConnection({ ...server, multipleStatements: true });
  try {
    await conn.query(
      `CREATE DATABASE IF NOT EXISTS ${conn.escapeId(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    await conn.query(`USE ${conn.escapeId(database)}`);
    const [lock] = (await conn.query('SELECT GET_LOCK(?, ?) AS got', [LOCK_NAME, LOCK_TIMEOUT_SECONDS])) as {
      got: number;
    }[];
    if (Number(lock.got) !== 1)
      throw new MigrationError('Timed out waiting for the migration lock held by another process');
    try {
      return await applyPending(conn, migrations);
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]);
    }
  } finally {
    await conn.end();
  }
}

async function applyPending(conn: Connection, migrations: MigrationFile[]): Promise<MigrateResult> {
  await conn.query(CREATE_MIGRATIONS_TABLE);
  const rows = (await conn.query(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at',
  )) as AppliedRow[];

  const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
  if (failed) {
    throw new MigrationError(
      `Migration ${failed.migration_name} failed earlier and was not rolled back; fix the database and mark it resolved before migrating again`,
    );
  }
  const applied = new Map(rows.filter((r) => r.rolled_back_at === null).map((r) => [r.migration_name, r]));
  for (const migration of migrations) {
    const row = applied.get(migration.name);
    if (row && !matchesChecksum(migration.sql, row.checksum)) {
      throw new MigrationError(
        `Migration ${migration.name} was modified after it was applied (checksum mismatch)`,
      );
    }
  }

  const done: string[] = [];
  for (const migration of migrations.filter((m) => !applied.has(m.name))) {
    const id = randomUUID();
    await conn.query(
      'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, NOW(3), 0)',
      [id, migration.checksum, migration.name],
    );
    try {
      await conn.query(migration.sql);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await conn.query('UPDATE _prisma_migrations SET logs = ? WHERE id = ?', [message, id]);
      throw new MigrationError(`Migration ${migration.name} failed: ${message}`);
    }
    await conn.query(
      'UPDATE _prisma_migrations SET finished_at = NOW(3), applied_steps_count = 1 WHERE id = ?',
      [id],
    );
    done.push(migration.name);
  }
  return { applied: done, alreadyApplied: applied.size };
}

/** Drops a database (tests and benchmarks use it to clean up after themselves). */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const { database, ...server } = poolConfigFromUrl(databaseUrl);
  const conn = await createConnection(server);
  try {
    await conn.query(`DROP DATABASE IF EXISTS ${conn.escapeId(database)}`);
  } finally {
    await conn.end();
  }
}
