import { cpSync, mkdtempSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mariadb';
import { newTestDatabaseUrl } from '../support/test-database';
import { poolConfigFromUrl } from '../../src/prisma/database-url';
import { checksumOf, dropDatabase, migrate, MigrationError, readMigrations } from '../../src/prisma/migrator';
import { MIGRATIONS_DIR } from '../../src/prisma/paths';

async function query<T>(url: string, sql: string): Promise<T[]> {
  const conn = await createConnection(poolConfigFromUrl(url));
  try {
    return (await conn.query(sql)) as T[];
  } finally {
    await conn.end();
  }
}

describe('migrate (the db:migrate runner)', () => {
  const { url } = newTestDatabaseUrl('wagw_migrate');
  afterAll(() => dropDatabase(url));

  it('creates the missing database, applies every migration, and a second run applies nothing', async () => {
    const files = readMigrations(MIGRATIONS_DIR);
    expect(files.length).toBeGreaterThan(0);

    const first = await migrate(url, MIGRATIONS_DIR);
    expect(first.applied).toEqual(files.map((f) => f.name));

    const second = await migrate(url, MIGRATIONS_DIR);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(files.length);

    const tables = await query<{ t: string }>(
      url,
      'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE()',
    );
    expect(tables.map((r) => r.t)).toEqual(
      expect.arrayContaining(['users', 'messages', 'webhook_outbox', 'campaign_recipients']),
    );
  });

  it('records migrations in _prisma_migrations exactly as prisma migrate deploy does', async () => {
    const files = readMigrations(MIGRATIONS_DIR);
    const rows = await query<Record<string, unknown>>(
      url,
      'SELECT * FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows).toHaveLength(files.length);
    rows.forEach((row, i) => {
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.migration_name).toBe(files[i].name);
      expect(row.checksum).toBe(checksumOf(files[i].sql));
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.started_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(Number(row.applied_steps_count)).toBe(1);
    });
    const columns = await query<{ c: string; type: string }>(
      url,
      "SELECT column_name AS c, column_type AS type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '_prisma_migrations' ORDER BY ordinal_position",
    );
    expect(columns.map((c) => `${c.c} ${c.type}`)).toEqual([
      'id varchar(36)',
      'checksum varchar(64)',
      'finished_at datetime(3)',
      'migration_name varchar(255)',
      'logs text',
      'rolled_back_at datetime(3)',
      'started_at datetime(3)',
      'applied_steps_count int(10) unsigned',
    ]);
  });

  it('refuses to go on when an applied migration file was changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wagw-migrations-'));
    const { url: otherUrl } = newTestDatabaseUrl('wagw_migrate_changed');
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      await migrate(otherUrl, dir);
      const [first] = readMigrations(dir);
      appendFileSync(join(dir, first.name, 'migration.sql'), '\n-- edited after it was applied\n');
      await expect(migrate(otherUrl, dir)).rejects.toThrow(MigrationError);
      await expect(migrate(otherUrl, dir)).rejects.toThrow(/modified after it was applied/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await dropDatabase(otherUrl);
    }
  });

  it('refuses to go on after a migration that failed half-way, and records its error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wagw-migrations-'));
    const { url: otherUrl } = newTestDatabaseUrl('wagw_migrate_failed');
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      cpSync(join(dir, readMigrations(dir)[0].name), join(dir, '99990101000000_broken'), { recursive: true });
      // Re-creating the same tables fails on the first statement.
      await expect(migrate(otherUrl, dir)).rejects.toThrow(/99990101000000_broken failed/);
      const [row] = await query<{ logs: string; finished_at: Date | null }>(
        otherUrl,
        "SELECT logs, finished_at FROM _prisma_migrations WHERE migration_name = '99990101000000_broken'",
      );
      expect(row.finished_at).toBeNull();
      expect(row.logs).toMatch(/already exists/);
      await expect(migrate(otherUrl, dir)).rejects.toThrow(/failed earlier/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await dropDatabase(otherUrl);
    }
  });
});
