import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DomainEvents, type CampaignProgressEvent } from '../common/domain-events';
import { OutboxWriter } from '../outbox/outbox-writer';
import { Database, type Tx } from '../prisma/database';
import { CampaignRecipientStore } from './campaign-recipient-store';
import { campaignNotFound } from './campaign-rules';
import { CampaignRepository } from './campaign.repository';
import { drawGap } from './throttle';

const STATUSES = ['pending', 'sending', 'sent', 'delivered', 'read', 'failed', 'skipped', 'review'] as const;
export type RecipientCounts = Record<(typeof STATUSES)[number], number>;
const COALESCE_MS = 500;
const RATE_WINDOW_MS = 5 * 60_000;

export interface CampaignWait {
  reason: string;
  until: Date;
}

export interface ProgressView extends Omit<CampaignProgressEvent, 'counts'> {
  name: string;
  counts: RecipientCounts;
  waiting: CampaignWait | null;
  startedAt: Date | null;
  completedAt: Date | null;
}

/**
 * A campaign's progress: recipients per status (the source of truth; the counters on the campaign
 * row are refreshed from it), send rate over the last five minutes and an ETA. `publish` stores the
 * counters with a `campaign.progress` webhook row in one transaction, then pushes the event (/ws).
 * `changed` coalesces bursts (a receipt per recipient) into one push per half second.
 */
@Injectable()
export class CampaignProgress implements OnModuleDestroy {
  private readonly logger = new Logger(CampaignProgress.name);
  private readonly pending = new Map<number, NodeJS.Timeout>();
  /** What a running campaign's sender is waiting for (set by the sender in this process). */
  readonly waits = new Map<number, CampaignWait>();

  constructor(
    private readonly campaigns: CampaignRepository,
    private readonly recipients: CampaignRecipientStore,
    private readonly database: Database,
    private readonly outbox: OutboxWriter,
    private readonly events: DomainEvents,
  ) {}

  changed(campaignId: number): void {
    if (this.pending.has(campaignId)) return;
    const timer = setTimeout(() => {
      this.pending.delete(campaignId);
      this.publish(campaignId).catch((error: unknown) =>
        this.logger.error({ err: error, campaignId }, 'Could not publish campaign progress'),
      );
    }, COALESCE_MS);
    timer.unref();
    this.pending.set(campaignId, timer);
  }

  async publish(campaignId: number): Promise<void> {
    const event = await this.database.transaction(async (tx) => {
      const view = await this.compute(campaignId, tx);
      if (!view) return null;
      const { counts: c } = view;
      await this.campaigns.setCounters(
        campaignId,
        {
          totalCount: view.total,
          sentCount: c.sent + c.delivered + c.read,
          deliveredCount: c.delivered + c.read,
          readCount: c.read,
          failedCount: c.failed,
          skippedCount: c.skipped,
        },
        tx,
      );
      await this.outbox.write(tx, [
        {
          event: 'campaign.progress',
          sessionId: view.sessionId,
          payload: {
            campaignId,
            name: view.name,
            status: view.status,
            counts: view.counts,
            total: view.total,
            ratePerMinute: view.ratePerMinute,
            etaSeconds: view.etaSeconds,
            pauseReason: view.pauseReason,
            timestamp: String(Math.floor(view.at.getTime() / 1000)),
          },
        },
      ]);
      return view;
    });
    if (!event) return;
    const { name: _name, waiting: _waiting, startedAt: _s, completedAt: _c, ...progress } = event;
    this.events.emit('campaign.progress', progress);
  }

  async view(campaignId: number): Promise<ProgressView> {
    const view = await this.compute(campaignId);
    if (!view) throw campaignNotFound();
    return view;
  }

  onModuleDestroy(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  private async compute(campaignId: number, tx?: Tx): Promise<ProgressView | null> {
    const campaign = await this.campaigns.findRow(campaignId, tx);
    if (!campaign) return null;
    const stored = await this.recipients.countsByStatus(campaignId, tx);
    const counts = Object.fromEntries(STATUSES.map((s) => [s, stored[s] ?? 0])) as RecipientCounts;
    const total = STATUSES.reduce((sum, s) => sum + counts[s], 0);
    const at = new Date();
    let ratePerMinute: number | null = null;
    let etaSeconds: number | null = null;
    const remaining = counts.pending + counts.sending;
    if (campaign.startedAt && (campaign.status === 'running' || campaign.status === 'paused')) {
      const windowMs = Math.min(RATE_WINDOW_MS, Math.max(1, at.getTime() - campaign.startedAt.getTime()));
      const recent = await this.recipients.sentSince(campaignId, new Date(at.getTime() - windowMs), tx);
      ratePerMinute = Math.round((recent / windowMs) * 60_000 * 10) / 10;
      // Until there is a rate to go by, the throttle's average gap tells.
      const perMinute =
        ratePerMinute > 0 ? ratePerMinute : 60_000 / Math.max(1, drawGap(campaign, () => 0.5).gapMs);
      etaSeconds = campaign.status === 'running' ? Math.round((remaining / perMinute) * 60) : null;
    }
    return {
      campaignId,
      sessionId: campaign.sessionId,
      name: campaign.name,
      status: campaign.status,
      counts,
      total,
      ratePerMinute,
      etaSeconds,
      pauseReason: campaign.pauseReason,
      waiting: campaign.status === 'running' ? (this.waits.get(campaignId) ?? null) : null,
      startedAt: campaign.startedAt,
      completedAt: campaign.completedAt,
      at,
    };
  }
}
