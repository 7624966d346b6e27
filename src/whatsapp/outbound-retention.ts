import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Interval, Timeout } from '@nestjs/schedule';
import { PruneJob } from '../common/prune-job';
import { AppConfig } from '../config/app-config';
import { OutboundQueue } from '../messages/outbound-queue';

const BATCH = 1_000;
const EVERY_MS = 10 * 60 * 1000;

/**
 * Deletes settled (sent or failed) rows of the outbound queue older than OUTBOUND_RETENTION_DAYS, in
 * small batches; queued and sending rows are never pruned. Their Idempotency-Keys go with them: a
 * retry after that long is a new send. The sent messages themselves stay in `messages`.
 */
@Injectable()
export class OutboundRetention implements OnModuleDestroy {
  private readonly job = new PruneJob(new Logger(OutboundRetention.name), 'old outbound queue rows');

  constructor(
    private readonly queue: OutboundQueue,
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
    const cutoff = new Date(now.getTime() - this.config.OUTBOUND_RETENTION_DAYS * 24 * 60 * 60 * 1000);
    return this.job.rounds(() => this.queue.pruneSettled(cutoff, BATCH), BATCH);
  }
}
