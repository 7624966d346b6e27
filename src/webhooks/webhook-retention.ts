import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Interval, Timeout } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';

const BATCH = 1_000;
const PAUSE_MS = 20;
const EVERY_MS = 10 * 60 * 1000;

/**
 * Deletes delivered and dead outbox rows older than WEBHOOK_RETENTION_DAYS (pending rows are never
 * pruned). Small batches under READ COMMITTED with a pause between them, so pruning a large table
 * never holds locks that would make message capture wait.
 */
@Injectable()
export class WebhookRetention implements OnModuleDestroy {
  private readonly logger = new Logger(WebhookRetention.name);
  private running = false;
  private stopped = false;

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
  ) {}

  onModuleDestroy(): void {
    this.stopped = true;
  }

  @Timeout(60_000)
  async afterStart(): Promise<void> {
    await this.tick();
  }

  @Interval(EVERY_MS)
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const removed = await this.prune();
      if (removed > 0) this.logger.log({ removed }, 'Pruned old webhook deliveries');
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not prune old webhook deliveries');
    } finally {
      this.running = false;
    }
  }

  /** Deletes what is past retention at `now`; returns how many rows went. */
  async prune(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.WEBHOOK_RETENTION_DAYS * 24 * 60 * 60 * 1000);
    let total = 0;
    while (!this.stopped) {
      const removed = await this.prisma.$transaction(
        (tx) => tx.$executeRaw`
          DELETE FROM webhook_outbox WHERE created_at < ${cutoff} AND status IN ('delivered', 'dead')
          ORDER BY created_at LIMIT ${BATCH}`,
        { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted },
      );
      total += removed;
      if (removed < BATCH) break;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
    return total;
  }
}
