import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DomainEvents } from '../common/domain-events';
import { AppConfig } from '../config/app-config';
import { MediaStore } from '../media/media-store';
import { MessageQueries } from '../messages/message-queries.service';
import { ChatStatePort, WhatsAppPort } from '../whatsapp/whatsapp.port';
import { CampaignProgress } from './campaign-progress.service';
import { CampaignRecipientStore } from './campaign-recipient-store';
import { CampaignRecovery } from './campaign-recovery';
import { CampaignRun, type RunContext } from './campaign-run';
import { CampaignTransitions } from './campaign-transitions';
import { CampaignRepository } from './campaign.repository';
import { shutdownWait } from '../common/process-faults';

/**
 * Runs the campaigns of the sessions this process holds: on every tick it settles rows a crash
 * left 'sending', then starts a CampaignRun for each running campaign whose session is connected
 * here. A session is held by one process at a time, so a campaign is sent by one process at a time.
 */
@Injectable()
export class CampaignSender implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CampaignSender.name);
  private readonly runs = new Map<number, { run: CampaignRun; done: Promise<void> }>();
  private readonly inFlight = new Set<number>();
  private readonly ctx: RunContext;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopping = false;
  private again = false;
  private off: (() => void) | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly campaigns: CampaignRepository,
    private readonly whatsapp: WhatsAppPort,
    private readonly recovery: CampaignRecovery,
    private readonly events: DomainEvents,
    messages: MessageQueries,
    media: MediaStore,
    store: CampaignRecipientStore,
    progress: CampaignProgress,
    transitions: CampaignTransitions,
    chatState: ChatStatePort,
  ) {
    this.ctx = {
      config,
      campaigns,
      whatsapp,
      chatState,
      messages,
      media,
      store,
      progress,
      transitions,
      inFlight: this.inFlight,
    };
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.CAMPAIGN_TICK_MS);
    this.timer.unref();
    // A campaign that starts or resumes in this process is picked up at once, not at the next tick.
    this.off = this.events.on('campaign.progress', (e) => {
      if (e.status === 'running' && !this.runs.has(e.campaignId) && this.whatsapp.isHeld(e.sessionId))
        void this.tick();
    });
  }

  /** One pass; a call during a pass makes it run once more afterwards (it may have missed the news). */
  tick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      do {
        this.again = false;
        await this.pass().catch((error: unknown) =>
          this.logger.error({ err: error }, 'Campaign sender pass failed'),
        );
      } while (this.again && !this.stopping);
    })().finally(() => (this.ticking = null));
    return this.ticking;
  }

  /** Stops every run after its current send and waits for them (before the database closes). */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.off?.();
    if (this.timer) clearInterval(this.timer);
    // A pass waits for the database; while it is down, shutdown waits 1 s at most (a database outage).
    await Promise.race([this.ticking, shutdownWait(1_000)]);
    for (const { run } of this.runs.values()) run.stop();
    await Promise.allSettled([...this.runs.values()].map((r) => r.done));
  }

  private async pass(): Promise<void> {
    const held = this.whatsapp.heldSessionIds();
    if (this.stopping || held.length === 0) return;
    const connected = held.filter((id) => this.whatsapp.statusOf(id) === 'connected');
    await this.recovery.recover(held, this.inFlight, connected);
    if (connected.length === 0) return;
    const running = await this.campaigns.ofSessions(connected, { status: 'running' });
    for (const { id } of running) {
      if (this.runs.has(id) || this.stopping) continue;
      const run = new CampaignRun(id, this.ctx);
      const done = run
        .run()
        .catch((error: unknown) => this.logger.error({ err: error, campaignId: id }, 'Campaign run failed'))
        .finally(() => this.runs.delete(id));
      this.runs.set(id, { run, done });
    }
  }
}
