import { Injectable, Logger } from '@nestjs/common';
import { ActivityService } from '../activity/activity.service';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { CampaignProgress } from './campaign-progress.service';

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

interface StaleRow {
  id: number;
  campaignId: number;
  sessionId: string;
  waMessageId: string;
}

/**
 * Crash recovery. A row left 'sending' by a process that died was claimed with its WhatsApp id
 * before the send, so it is checked against the messages table: stored as an outbound message with
 * that id -> it went out ('sent', or what its receipts say). Not stored -> 'review': it may or may
 * not have reached WhatsApp, and it is never sent again without a person saying so.
 */
@Injectable()
export class CampaignRecovery {
  private readonly logger = new Logger(CampaignRecovery.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly activity: ActivityService,
    private readonly progress: CampaignProgress,
  ) {}

  /** Settles the 'sending' rows of these sessions' campaigns that this process is not sending now. */
  async recover(sessionIds: string[], inFlight: ReadonlySet<number>): Promise<void> {
    if (sessionIds.length === 0) return;
    const rows = await this.prisma.$queryRaw<StaleRow[]>`
      SELECT cr.id, cr.campaign_id AS campaignId, c.session_id AS sessionId, cr.wa_message_id AS waMessageId
      FROM campaigns c JOIN campaign_recipients cr ON cr.campaign_id = c.id AND cr.status = 'sending'
      WHERE c.session_id IN (${Prisma.join(sessionIds)}) LIMIT 500`;
    const stale = rows.filter((r) => !inFlight.has(r.id));
    if (stale.length === 0) return;
    const outcome = new Map<number, { sent: number; review: number }>();
    for (const row of stale) {
      const message = await this.prisma.message.findFirst({
        where: { sessionId: row.sessionId, waMessageId: row.waMessageId, direction: 'outbound' },
        select: { status: true, createdAt: true },
      });
      const status = message ? STATUS_OF_MESSAGE[message.status] : 'review';
      const n = await this.prisma.$executeRaw`
        UPDATE campaign_recipients
        SET status = ${status}, sent_at = ${message?.createdAt ?? null}, error = ${message ? null : REVIEW_REASON}, updated_at = UTC_TIMESTAMP(3)
        WHERE id = ${row.id} AND status = 'sending' AND wa_message_id = ${row.waMessageId}`;
      if (n === 0) continue;
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
