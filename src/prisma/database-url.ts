import type { PoolConfig } from 'mariadb';

const seconds = (value: string | null, fallback: number): number => {
  const n = Number(value ?? fallback);
  return (Number.isFinite(n) && n > 0 ? n : fallback) * 1000;
};

/**
 * Turns DATABASE_URL into mariadb pool settings. Prisma's URL parameters are honoured:
 * connection_limit (default 10), pool_timeout and connect_timeout (seconds). Every connection
 * works in UTC.
 */
export function poolConfigFromUrl(databaseUrl: string): PoolConfig & { database: string } {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database)
    throw new Error('DATABASE_URL must name a database, e.g. mysql://root@127.0.0.1:3306/wa_gateway');
  const limit = Number(url.searchParams.get('connection_limit') ?? 10);
  return {
    host: url.hostname || '127.0.0.1',
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database,
    connectionLimit: Number.isFinite(limit) && limit > 0 ? limit : 10,
    connectTimeout: seconds(url.searchParams.get('connect_timeout'), 5),
    acquireTimeout: seconds(url.searchParams.get('pool_timeout'), 10),
    // Dates are stored in UTC (as Prisma writes them); so are the ones the server fills in itself
    // (CURRENT_TIMESTAMP defaults of rows inserted with plain SQL), whatever its own time zone.
    initSql: "SET time_zone = '+00:00'",
  };
}

/** The same URL pointing at another database (tests and the migrate command use it). */
export function withDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
