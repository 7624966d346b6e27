import type { Provider, Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { CommonModule } from '../../src/common/common.module';
import { DomainError, type ErrorCode } from '../../src/common/errors';
import type { AppConfig } from '../../src/config/app-config';
import { ConfigModule } from '../../src/config/config.module';
import type { Prisma } from '../../src/generated/prisma/client';
import { OutboxModule } from '../../src/outbox/outbox.module';
import { PrismaModule } from '../../src/prisma/prisma.module';
import { PrismaService } from '../../src/prisma/prisma.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-app';

/**
 * The integration tier of the table owners: the owner classes wired by Nest DI (config, Prisma,
 * domain events, outbox) against a real MariaDB database of their own. No HTTP, no Baileys.
 * Each `open()` is one gateway "process" (its own config, DI container and connection pool) on the
 * same database, so two of them stand for two processes competing for leases and outbox rows.
 */
export class OwnerFixture {
  private readonly modules: TestingModule[] = [];

  private constructor(readonly db: TestDatabase) {}

  /** A fresh database with every migration applied. */
  static async create(prefix: string): Promise<OwnerFixture> {
    return new OwnerFixture(await createTestDatabase(prefix));
  }

  /** One "process": the owners in `providers` (plus everything OutboxModule exports) on this database. */
  async open(
    providers: Provider[],
    overrides: Record<string, string> = {},
  ): Promise<{ moduleRef: TestingModule; config: AppConfig; get: <T>(type: Type<T>) => T }> {
    const config = testConfig(this.db.url, overrides);
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), PrismaModule, CommonModule, OutboxModule],
      providers,
    }).compile();
    this.modules.push(moduleRef);
    return { moduleRef, config, get: <T>(type: Type<T>) => moduleRef.get(type) };
  }

  /** Closes every module opened here (their pools), then drops the database. */
  async close(): Promise<void> {
    const modules = this.modules.splice(0);
    await Promise.allSettled(modules.map((m) => m.close()));
    await this.db.drop();
  }
}

/** The PrismaService of a module, for fixtures and checks on stored rows only. */
export const prismaOf = (moduleRef: TestingModule): PrismaService => moduleRef.get(PrismaService);

/** The DomainError `promise` rejects with; fails the test when it resolves or throws anything else. */
export async function domainErrorOf(promise: Promise<unknown>, code: ErrorCode): Promise<DomainError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
  return error as DomainError;
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How many transactions on this test's database are waiting for a row lock now. */
export async function lockWaits(prisma: PrismaService): Promise<number> {
  const [row] = await prisma.$queryRaw<{ n: bigint }[]>`
    SELECT COUNT(*) AS n FROM information_schema.innodb_trx t
    JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id
    WHERE t.trx_state = 'LOCK WAIT' AND p.db = DATABASE()`;
  return Number(row.n);
}

/**
 * Makes calls overlap deterministically: another transaction takes the row lock of `lock` (a
 * SELECT ... FOR UPDATE); the calls start one after the other, each once the previous one waits
 * for that lock (so everything a call reads before its first locking statement is read while the
 * others are in flight, and the lock is granted in this order); then the lock is let go. A call
 * that ends without waiting (it took no lock) does not hold up the others.
 */
export async function overlapOnRowLock<T>(
  prisma: PrismaService,
  lock: Prisma.Sql,
  calls: (() => Promise<T>)[],
): Promise<T[]> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const holder = prisma.$transaction(
    async (tx) => {
      await tx.$queryRaw(lock);
      holding();
      await released;
    },
    { timeout: 30_000 },
  );
  await Promise.race([held, holder]);
  const running: Promise<T>[] = [];
  try {
    for (const call of calls) {
      let settled = false;
      const started = call();
      // Awaited below; meanwhile neither an unhandled rejection nor a wait for a call that is done.
      started.then(
        () => (settled = true),
        () => (settled = true),
      );
      running.push(started);
      const deadline = Date.now() + 10_000;
      for (;;) {
        // INNODB_TRX is a cache that InnoDB refreshes only when it was not read for 0.1 s: read right
        // after the call started, it can still show the waits of calls that are long done (the test
        // before), and the next call would start before this one waits. Sleeping first makes what
        // is read newer than the call's start.
        await sleep(150);
        if (settled || (await lockWaits(prisma)) >= running.length) break;
        if (Date.now() > deadline) throw new Error(`call ${running.length} never waited for the row lock`);
      }
    }
  } finally {
    release();
    await holder;
  }
  return Promise.all(running);
}
