import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ActivityService } from '../activity/activity.service';
import { DomainEvents } from '../common/domain-events';
import { AppConfig } from '../config/app-config';
import { MessageQueries } from '../messages/message-queries.service';
import { SendReceiptsPort, type InFlightSends, type SendReceipt } from '../whatsapp/whatsapp.port';
import { CampaignProgress } from './campaign-progress.service';
import { CampaignRecipientStore } from './campaign-recipient-store';

export const REVIEW_REASON =
  'in flight when the gateway stopped, and neither stored as sent nor confirmed by WhatsApp: check the chat before resending (retry with includeReview)';

const STATUS_OF_MESSAGE: Record<string, 'sent' | 'delivered' | 'read' | 'failed'> = {
  pending: 'sent',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  played: 'read',
  failed: 'failed',
};

/**
 * Crash recovery. A row left 'sending' by a process that died was claimed with its WhatsApp id
 * before the send, so WhatsApp's own answer for that id settles it: the message stored as outbound
 * with that id (the send was recorded, or the account's own echo of it came back) -> it went out
 * ('sent', or what its receipts say); a receipt for the id (WhatsApp keeps them for the device while
 * no process holds it) -> sent, delivered or read. With neither within OUTBOUND_SETTLE_SECONDS of the
 * session being connected here -> 'review': it may or may not have reached WhatsApp, and it is never
 * sent again without a person saying so (a receipt that comes later still moves it forward).
 */
@Injectable()
export class CampaignRecovery implements InFlightSends, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CampaignRecovery.name);
  /** When each session was last seen connected here (the settle bound runs from there). */
  private readonly connectedSince = new Map<string, number>();
  private off: (() => void) | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly recipients: CampaignRecipientStore,
    private readonly messages: MessageQueries,
    private readonly activity: ActivityService,
    private readonly progress: CampaignProgress,
    private readonly receipts: SendReceiptsPort,
    private readonly events: DomainEvents,
  ) {}

  onModuleInit(): void {
    this.receipts.register(this);
    this.off = this.events.on('session.status', (e) => {
      if (e.status === 'connected') this.connectedSince.set(e.sessionId, Date.now());
      else this.connectedSince.delete(e.sessionId);
    });
  }

  onModuleDestroy(): void {
    this.off?.();
  }

  inFlightIds(sessionId: string): Promise<string[]> {
    return this.recipients.sendingIds(sessionId);
  }

  /** A receipt for a campaign message whose send a crash interrupted. */
  async settle(sessionId: string, waMessageId: string, receipt: SendReceipt): Promise<boolean> {
    const row = await this.recipients.findBySentMessage(sessionId, waMessageId);
    if (!row) return true;
    if (await this.recipients.applyReceipt(row.id, { status: receipt, at: new Date() })) {
      this.logger.log(`Campaign ${row.campaignId}: a send in flight at a crash was confirmed by WhatsApp`);
      await this.progress.publish(row.campaignId);
    }
    return receipt === 'read';
  }

  /**
   * Settles the 'sending' rows of these sessions' campaigns that this process is not sending now.
   * `connected`: the sessions connected here now.
   */
  async recover(sessionIds: string[], inFlight: ReadonlySet<number>, connected: string[]): Promise<void> {
    const stale = (await this.recipients.inFlight(sessionIds)).filter((r) => !inFlight.has(r.id));
    if (stale.length === 0) return;
    for (const id of connected) if (!this.connectedSince.has(id)) this.connectedSince.set(id, Date.now());
    const outcome = new Map<number, { sent: number; review: number }>();
    for (const row of stale) {
      const message = await this.messages.findOutbound(row.sessionId, row.waMessageId);
      if (!message) {
        // WhatsApp may still answer: its receipts come once the session is connected here.
        const since = this.connectedSince.get(row.sessionId);
        this.receipts.watch(row.sessionId, row.waMessageId, this);
        if (since === undefined || Date.now() - since < this.config.OUTBOUND_SETTLE_SECONDS * 1000) continue;
      }
      const settled = await this.recipients.settleInFlight(
        row,
        message
          ? { status: STATUS_OF_MESSAGE[message.status], sentAt: message.createdAt, error: null }
          : { status: 'review', sentAt: null, error: REVIEW_REASON },
      );
      if (!settled) continue;
      const counts = outcome.get(row.campaignId) ?? { sent: 0, review: 0 };
      if (message) counts.sent += 1;
      else counts.review += 1;
      outcome.set(row.campaignId, counts);
    }
    for (const [campaignId, counts] of outcome) {
      this.logger.warn(
        `Campaign ${campaignId}: recovered ${counts.sent} in-flight sends as sent, ${counts.review} marked for review`,
      );
      await this.activity.record({
        action: 'campaign.recovered',
        actorLabel: 'system',
        targetType: 'campaign',
        targetId: campaignId,
        metadata: counts,
      });
      await this.progress.publish(campaignId);
    }
  }
}
