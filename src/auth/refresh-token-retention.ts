import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Interval, Timeout } from '@nestjs/schedule';
import { PruneJob } from '../common/prune-job';
import { RefreshTokensService } from './refresh-tokens.service';
import { WsTokenService } from './ws-token.service';

const EVERY_MS = 60 * 60 * 1000;
const LOGINS_PER_ROUND = 1_000;
const WS_TOKEN_USES_PER_ROUND = 1_000;

/**
 * Hourly: deletes the rows of logins that fully expired, a thousand logins at a time, and the
 * records of used WebSocket tokens that expired.
 */
@Injectable()
export class RefreshTokenRetention implements OnModuleDestroy {
  private readonly logger = new Logger(RefreshTokenRetention.name);
  private readonly job = new PruneJob(this.logger, 'expired refresh tokens');
  private readonly wsTokenUsesJob = new PruneJob(this.logger, 'used WebSocket tokens that expired');

  constructor(
    private readonly tokens: RefreshTokensService,
    private readonly wsTokens: WsTokenService,
  ) {}

  onModuleDestroy(): void {
    this.job.stop();
    this.wsTokenUsesJob.stop();
  }

  @Timeout(60_000)
  async afterStart(): Promise<void> {
    await this.tick();
  }

  @Interval(EVERY_MS)
  async tick(): Promise<void> {
    // A round counts tokens, at least one per login: fewer than a round's logins means none are left.
    await this.job.run(() =>
      this.job.rounds(() => this.tokens.pruneExpired(LOGINS_PER_ROUND), LOGINS_PER_ROUND),
    );
    await this.wsTokenUsesJob.run(() =>
      this.wsTokenUsesJob.rounds(
        () => this.wsTokens.pruneExpiredUses(WS_TOKEN_USES_PER_ROUND),
        WS_TOKEN_USES_PER_ROUND,
      ),
    );
  }
}
