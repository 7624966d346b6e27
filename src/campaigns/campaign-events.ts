import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DomainEvents, type MessageStatusEvent, type SessionStatusEvent } from '../common/domain-events';
import { PrismaService } from '../prisma/prisma.service';
import { CampaignProgress } from './campaign-progress.service';
import { CampaignTransitions, PAUSE_REFUSED } from './campaign-transitions';
import { refusalReason } from './send-errors';

/**
 * What WhatsApp tells the gateway, applied to campaigns: delivery and read receipts move their
 * recipients forward (never back); a send WhatsApp refuses (429 rate limit, 463 reach-out
 * restriction, 479 ...) fails its recipient and pauses the campaign until a person resumes it; a session going
 * away pauses its running campaigns and its return resumes them.
 */
@Injectable()
export class CampaignEvents implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CampaignEvents.name);
  private readonly off: (() => void)[] = [];

  constructor(
    private readonly events: DomainEvents,
    private readonly prisma: PrismaService,
    private readonly progress: CampaignProgress,
    private readonly transitions: CampaignTransitions,
  ) {}

  onModuleInit(): void {
    this.off.push(
      this.events.on(
        'message.status',
        (e) => void this.onMessageStatus(e).catch((error: unknown) => this.fail(error)),
      ),
    );
    this.off.push(
      this.events.on(
        'session.status',
        (e) => void this.onSessionStatus(e).catch((error: unknown) => this.fail(error)),
      ),
    );
  }

  onModuleDestroy(): void {
    for (const off of this.off.splice(0)) off();
  }

  async onMessageStatus(e: MessageStatusEvent): Promise<void> {
    if (e.status === 'pending' || e.status === 'received') return;
    const [row] = await this.prisma.$queryRaw<{ id: number; campaignId: number }[]>`
      SELECT cr.id, cr.campaign_id AS campaignId FROM campaign_recipients cr JOIN campaigns c ON c.id = cr.campaign_id
      WHERE cr.wa_message_id = ${e.waMessageId} AND c.session_id = ${e.sessionId} LIMIT 1`;
    if (!row) return;
    const at = e.at;
    let changed: number;
    switch (e.status) {
      case 'sent':
        changed = await this.prisma.$executeRaw`
          UPDATE campaign_recipients SET status = 'sent', sent_at = COALESCE(sent_at, ${at}), error = NULL, updated_at = UTC_TIMESTAMP(3)
          WHERE id = ${row.id} AND status IN ('sending', 'review')`;
        break;
      case 'delivered':
        changed = await this.prisma.$executeRaw`
          UPDATE campaign_recipients SET status = 'delivered', delivered_at = COALESCE(delivered_at, ${at}), sent_at = COALESCE(sent_at, ${at}),
            error = NULL, updated_at = UTC_TIMESTAMP(3)
          WHERE id = ${row.id} AND status IN ('sending', 'sent', 'review')`;
        break;
      case 'read':
      case 'played':
        changed = await this.prisma.$executeRaw`
          UPDATE campaign_recipients SET status = 'read', read_at = COALESCE(read_at, ${at}), delivered_at = COALESCE(delivered_at, ${at}),
            sent_at = COALESCE(sent_at, ${at}), error = NULL, updated_at = UTC_TIMESTAMP(3)
          WHERE id = ${row.id} AND status IN ('sending', 'sent', 'delivered', 'review')`;
        break;
      case 'failed': {
        const error = e.errorCode
          ? `WhatsApp refused the message (error ${e.errorCode})`
          : 'WhatsApp refused the message (no error code reported)';
        changed = await this.prisma.$executeRaw`
          UPDATE campaign_recipients SET status = 'failed', error = ${error}, updated_at = UTC_TIMESTAMP(3)
          WHERE id = ${row.id} AND status IN ('sending', 'sent', 'review')`;
        if (changed > 0) {
          await this.transitions.pauseBySystem(row.campaignId, PAUSE_REFUSED, refusalReason(e.errorCode), {
            errorCode: e.errorCode,
          });
        }
        break;
      }
    }
    if (changed > 0) this.progress.changed(row.campaignId);
  }

  async onSessionStatus(e: SessionStatusEvent): Promise<void> {
    if (e.status === 'connected') await this.transitions.resumeForSession(e.sessionId);
    else {
      const why = e.reason ? `: ${e.reason}` : '';
      await this.transitions.pauseForSession(
        e.sessionId,
        `Session ${e.sessionId} is ${e.status.replace('_', ' ')}${why}; resumes when it is connected again`,
      );
    }
  }

  private fail(error: unknown): void {
    this.logger.error({ err: error }, 'Could not apply a WhatsApp event to campaigns');
  }
}
