import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Interval, Timeout } from '@nestjs/schedule';
import { PruneJob } from '../common/prune-job';
import { RefreshTokensService } from './refresh-tokens.service';

const EVERY_MS = 60 * 60 * 1000;
const LOGINS_PER_ROUND = 1_000;

/** Deletes the rows of logins that fully expired, hourly, a thousand logins at a time. */
@Injectable()
export class RefreshTokenRetention implements OnModuleDestroy {
  private readonly job = new PruneJob(new Logger(RefreshTokenRetention.name), 'expired refresh tokens');

  constructor(private readonly tokens: RefreshTokensService) {}

  onModuleDestroy(): void {
    this.job.stop();
  }

  @Timeout(60_000)
  async afterStart(): Promise<void> {
    await this.tick();
  }

  @Interval(EVERY_MS)
  tick(): Promise<void> {
    // A round counts tokens, at least one per login: fewer than a round's logins means none are left.
    return this.job.run(() =>
      this.job.rounds(() => this.tokens.pruneExpired(LOGINS_PER_ROUND), LOGINS_PER_ROUND),
    );
  }
}
