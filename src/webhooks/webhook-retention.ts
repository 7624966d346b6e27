import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Interval, Timeout } from '@nestjs/schedule';
import { PruneJob } from '../common/prune-job';
import { AppConfig } from '../config/app-config';
import { WebhookDeliveries } from '../outbox/webhook-deliveries';

const BATCH = 1_000;
const EVERY_MS = 10 * 60 * 1000;

/**
 * Deletes delivered and dead outbox rows older than WEBHOOK_RETENTION_DAYS (pending rows are never
 * pruned), in small batches with a pause between them, so pruning a large table never holds locks
 * that would make message capture wait.
 */
@Injectable()
export class WebhookRetention implements OnModuleDestroy {
  private readonly job = new PruneJob(new Logger(WebhookRetention.name), 'old webhook deliveries');

  constructor(
    private readonly deliveries: WebhookDeliveries,
    private readonly config: AppConfig,
  ) {}

  onModuleDestroy(): void {
    this.job.stop();
  }

  @Timeout(60_000)
  async afterStart(): Promise<void> {
    await this.tick();
  }

  @Interval(EVERY_MS)
  tick(): Promise<void> {
    return this.job.run(() => this.prune());
  }

  /** Deletes what is past retention at `now`; returns how many rows went. */
  prune(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.WEBHOOK_RETENTION_DAYS * 24 * 60 * 60 * 1000);
    return this.job.rounds(() => this.deliveries.pruneFinished(cutoff, BATCH), BATCH);
  }
}
