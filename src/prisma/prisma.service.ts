import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { AppConfig } from '../config/app-config';
import { PrismaClient } from '../generated/prisma/client';
import { poolConfigFromUrl } from './database-url';

/** The one database client of the app: Prisma over the pure-JS MariaDB driver, closed on shutdown. */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(config: AppConfig) {
    super({
      adapter: new PrismaMariaDb(poolConfigFromUrl(config.DATABASE_URL)),
      // Bursts (many sessions reconnecting at once) can queue for a pool connection for a while.
      transactionOptions: { maxWait: 10_000, timeout: 20_000 },
    });
  }

  /** True when the database answers a trivial query within the time limit. */
  async isReachable(timeoutMs = 2000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const probe = this.$queryRaw`SELECT 1`.then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  // Last of all: modules close their sockets and flush their writes in onModuleDestroy /
  // beforeApplicationShutdown, which Nest runs before this.
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }
}
