import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DomainEvents, type MessageStatusEvent, type SessionStatusEvent } from '../common/domain-events';
import { CampaignProgress } from './campaign-progress.service';
import { CampaignRecipientStore, type Receipt } from './campaign-recipient-store';
import { CampaignTransitions, PAUSE_REFUSED } from './campaign-transitions';
import { refusalReason } from './send-errors';

/** The receipt a message status stands for (pending and received say nothing about a send). */
function receiptOf(e: MessageStatusEvent): Receipt | null {
  switch (e.status) {
    case 'sent':
    case 'delivered':
    case 'read':
      return { status: e.status, at: e.at };
    case 'played':
      return { status: 'read', at: e.at };
    case 'failed':
      return {
        status: 'failed',
        error: e.errorCode
          ? `WhatsApp refused the message (error ${e.errorCode})`
          : 'WhatsApp refused the message (no error code reported)',
      };
    default:
      return null;
  }
}

/**
 * What WhatsApp tells the gateway, applied to campaigns: delivery and read receipts move their
 * recipients forward (never back); a send WhatsApp refuses (429 rate limit, 463 reach-out
 * restriction, 479 ...) fails its recipient and pauses the campaign until a person resumes it; a
 * session going away pauses its running campaigns and its return resumes them.
 */
@Injectable()
export class WhatsAppFeedback implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(WhatsAppFeedback.name);
  private readonly off: (() => void)[] = [];

  constructor(
    private readonly events: DomainEvents,
    private readonly recipients: CampaignRecipientStore,
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
    const receipt = receiptOf(e);
    if (!receipt) return;
    const row = await this.recipients.findBySentMessage(e.sessionId, e.waMessageId);
    if (!row || !(await this.recipients.applyReceipt(row.id, receipt))) return;
    if (receipt.status === 'failed') {
      await this.transitions.pauseBySystem(row.campaignId, PAUSE_REFUSED, refusalReason(e.errorCode), {
        errorCode: e.errorCode,
      });
    }
    this.progress.changed(row.campaignId);
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
