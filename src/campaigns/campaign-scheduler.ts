import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ActivityService } from '../activity/activity.service';
import { isDomainError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { WhatsAppPort } from '../whatsapp/whatsapp.port';
import { CampaignLifecycle } from './campaign-lifecycle.service';
import { CampaignTransitions, PAUSE_SESSION } from './campaign-transitions';
import { CampaignRepository } from './campaign.repository';
import { errorText } from './send-errors';
import { shutdownWait } from '../common/process-faults';

const INTERVAL_NAME = 'campaign-scheduler';
const BATCH = 20;

export interface ScheduledCheck {
  checkedAt: Date;
  started: number[];
  failed: { id: number; reason: string }[];
}

/**
 * The scheduler tick (@nestjs/schedule): starts scheduled campaigns whose time has come (the start
 * locks the row, so two processes never both start one), and keeps campaigns in step with the
 * sessions this process holds in case a status event was missed.
 */
@Injectable()
export class CampaignScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CampaignScheduler.name);
  private checking: Promise<ScheduledCheck> | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly schedule: SchedulerRegistry,
    private readonly campaigns: CampaignRepository,
    private readonly lifecycle: CampaignLifecycle,
    private readonly transitions: CampaignTransitions,
    private readonly whatsapp: WhatsAppPort,
    private readonly activity: ActivityService,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.tick(), this.config.CAMPAIGN_SCHEDULE_CHECK_MS);
    timer.unref();
    this.schedule.addInterval(INTERVAL_NAME, timer);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.schedule.doesExist('interval', INTERVAL_NAME)) this.schedule.deleteInterval(INTERVAL_NAME);
    // A check waits for the database; while it is down, shutdown waits 1 s at most.
    await Promise.race([this.checking?.catch(() => undefined), shutdownWait(1_000)]);
  }

  /** Starts every due scheduled campaign now; concurrent calls share the check in progress. */
  checkScheduled(): Promise<ScheduledCheck> {
    this.checking ??= this.startDue().finally(() => (this.checking = null));
    return this.checking;
  }

  private async tick(): Promise<void> {
    try {
      await this.checkScheduled();
      await this.followSessions();
    } catch (error) {
      this.logger.error({ err: error }, 'Campaign scheduler tick failed');
    }
  }

  private async startDue(): Promise<ScheduledCheck> {
    const result: ScheduledCheck = { checkedAt: new Date(), started: [], failed: [] };
    const due = await this.campaigns.dueScheduled(result.checkedAt, BATCH);
    for (const id of due) {
      try {
        await this.lifecycle.start(id, {}, null);
        result.started.push(id);
      } catch (error) {
        // Another process started it first: nothing to do.
        if (isDomainError(error, 'CAMPAIGN_STATE')) continue;
        const reason = isDomainError(error) ? errorText(error) : 'internal error';
        if (!isDomainError(error))
          this.logger.error({ err: error, campaignId: id }, 'Scheduled campaign could not start');
        await this.backToDraft(id, reason);
        result.failed.push({ id, reason });
      }
    }
    return result;
  }

  /** A scheduled campaign that cannot start goes back to draft, saying why, instead of being retried every tick. */
  private async backToDraft(id: number, reason: string): Promise<void> {
    if (await this.campaigns.unscheduleWithReason(id, `Not started at its scheduled time: ${reason}`))
      await this.activity.record({
        action: 'campaign.start_failed',
        actorLabel: 'system',
        targetType: 'campaign',
        targetId: id,
        metadata: { reason },
      });
  }

  /** Sessions held here: running campaigns of a session not connected pause; waiting ones of a connected session resume. */
  private async followSessions(): Promise<void> {
    const held = this.whatsapp.heldSessionIds();
    if (held.length === 0) return;
    const campaigns = await this.campaigns.ofSessions(held, {
      OR: [{ status: 'running' }, { status: 'paused', pauseCode: PAUSE_SESSION }],
    });
    for (const sessionId of new Set(campaigns.map((c) => c.sessionId))) {
      const connected = this.whatsapp.statusOf(sessionId) === 'connected';
      const mine = campaigns.filter((c) => c.sessionId === sessionId);
      if (connected && mine.some((c) => c.status === 'paused'))
        await this.transitions.resumeForSession(sessionId);
      if (!connected && mine.some((c) => c.status === 'running')) {
        await this.transitions.pauseForSession(
          sessionId,
          `Session ${sessionId} is not connected; resumes when it is connected again`,
        );
      }
    }
  }
}
