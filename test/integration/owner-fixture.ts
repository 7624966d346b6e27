import type { Provider, Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { CommonModule } from '../../src/common/common.module';
import { DomainError, type ErrorCode } from '../../src/common/errors';
import type { AppConfig } from '../../src/config/app-config';
import { ConfigModule } from '../../src/config/config.module';
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
