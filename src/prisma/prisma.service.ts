import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import type { Pool } from 'mariadb';
import { AppConfig } from '../config/app-config';
import { PrismaClient } from '../generated/prisma/client';
import { poolConfigFromUrl } from './database-url';

/** What the connection pool is doing right now (for /metrics). */
export interface PoolUse {
  limit: number;
  total: number;
  active: number;
  idle: number;
  /** Requests waiting for a connection. */
  waiting: number;
}

/** The adapter factory, keeping a hand on the pool it creates so its use can be observed. */
class ObservedMariaDb extends PrismaMariaDb {
  pool: Pool | null = null;

  override async connect(): ReturnType<PrismaMariaDb['connect']> {
    const adapter = await super.connect();
    this.pool = adapter.underlyingDriver();
    return adapter;
  }
}

/**
 * The one database client of the app: Prisma over the pure-JS MariaDB driver, closed on shutdown.
 * Injected only by the owner of each table (its repository or owning service); others call them,
 * and use Database for transactions that span owners.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  private readonly driver: ObservedMariaDb;
  private readonly poolLimit: number;

  constructor(config: AppConfig) {
    const poolConfig = poolConfigFromUrl(config.DATABASE_URL);
    const driver = new ObservedMariaDb(poolConfig);
    super({
      adapter: driver,
      // Bursts (many sessions reconnecting at once) can queue for a pool connection for a while.
      transactionOptions: { maxWait: 10_000, timeout: 20_000 },
    });
    this.driver = driver;
    this.poolLimit = poolConfig.connectionLimit ?? 10;
  }

  /** The pool's connections now; null before the first query opened it. */
  poolUse(): PoolUse | null {
    const pool = this.driver.pool;
    if (!pool) return null;
    return {
      limit: this.poolLimit,
      total: pool.totalConnections(),
      active: pool.activeConnections(),
      idle: pool.idleConnections(),
      waiting: pool.taskQueueSize(),
    };
  }

  // Last of all: modules close their sockets and flush their writes in onModuleDestroy /
  // beforeApplicationShutdown, which Nest runs before this.
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }
}
