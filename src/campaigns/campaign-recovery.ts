import { Injectable, Logger } from '@nestjs/common';
import { ActivityService } from '../activity/activity.service';
import { MessageQueries } from '../messages/message-queries.service';
import { CampaignProgress } from './campaign-progress.service';
import { CampaignRecipientStore } from './campaign-recipient-store';

export const REVIEW_REASON =
  'in flight when the gateway stopped and not found among the sent messages: check the chat before resending (retry with includeReview)';

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
 * before the send, so it is checked against the stored messages: stored as an outbound message with
 * that id -> it went out ('sent', or what its receipts say). Not stored -> 'review': it may or may
 * not have reached WhatsApp, and it is never sent again without a person saying so.
 */
@Injectable()
export class CampaignRecovery {
  private readonly logger = new Logger(CampaignRecovery.name);

  constructor(
    private readonly recipients: CampaignRecipientStore,
    private readonly messages: MessageQueries,
    private readonly activity: ActivityService,
    private readonly progress: CampaignProgress,
  ) {}

  /** Settles the 'sending' rows of these sessions' campaigns that this process is not sending now. */
  async recover(sessionIds: string[], inFlight: ReadonlySet<number>): Promise<void> {
    const stale = (await this.recipients.inFlight(sessionIds)).filter((r) => !inFlight.has(r.id));
    if (stale.length === 0) return;
    const outcome = new Map<number, { sent: number; review: number }>();
    for (const row of stale) {
      const message = await this.messages.findOutbound(row.sessionId, row.waMessageId);
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
