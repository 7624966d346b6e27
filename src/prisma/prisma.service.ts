import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { AppConfig } from '../config/app-config';
import { PrismaClient } from '../generated/prisma/client';
import { poolConfigFromUrl } from './database-url';

/**
 * The one database client of the app: Prisma over the pure-JS MariaDB driver, closed on shutdown.
 * Injected only by the owner of each table (its repository or owning service); others call them,
 * and use Database for transactions that span owners.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(config: AppConfig) {
    super({
      adapter: new PrismaMariaDb(poolConfigFromUrl(config.DATABASE_URL)),
      // Bursts (many sessions reconnecting at once) can queue for a pool connection for a while.
      transactionOptions: { maxWait: 10_000, timeout: 20_000 },
    });
  }

  // Last of all: modules close their sockets and flush their writes in onModuleDestroy /
  // beforeApplicationShutdown, which Nest runs before this.
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }
}
