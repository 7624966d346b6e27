import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';

export interface DueRecipient {
  id: number;
  phone: string;
  name: string | null;
  variables: unknown;
  attempts: number;
}

/**
 * The sender's reads and writes of campaign recipients. Every change of a row being sent is
 * conditional on its status and WhatsApp message id, so a late writer (a receipt, the recovery, a
 * second process) can never move it backwards or clobber a newer attempt.
 */
@Injectable()
export class CampaignRecipientStore {
  constructor(private readonly prisma: PrismaService) {}

  /** The next pending recipient whose time has come (in snapshot order, retries after their backoff). */
  nextDue(campaignId: number): Promise<DueRecipient | null> {
    return this.prisma.campaignRecipient.findFirst({
      where: { campaignId, status: 'pending', nextAttemptAt: { lte: new Date() } },
      orderBy: [{ nextAttemptAt: 'asc' }, { id: 'asc' }],
      select: { id: true, phone: true, name: true, variables: true, attempts: true },
    });
  }

  /** When the earliest pending recipient is due, or null when none is pending or being sent. */
  async nextOpenAt(campaignId: number): Promise<Date | null> {
    const open = await this.prisma.campaignRecipient.findFirst({
      where: { campaignId, status: { in: ['pending', 'sending'] } },
      orderBy: { nextAttemptAt: 'asc' },
      select: { nextAttemptAt: true },
    });
    return open?.nextAttemptAt ?? null;
  }

  async lastSentAt(campaignId: number): Promise<Date | null> {
    const agg = await this.prisma.campaignRecipient.aggregate({
      where: { campaignId },
      _max: { sentAt: true },
    });
    return agg._max.sentAt;
  }

  sentSince(campaignId: number, since: Date): Promise<number> {
    return this.prisma.campaignRecipient.count({ where: { campaignId, sentAt: { gte: since } } });
  }

  /** The committed claim before a send: the row is 'sending' with the WhatsApp id chosen for it. */
  async markSending(id: number, waMessageId: string): Promise<boolean> {
    const n = await this.prisma.$executeRaw`
      UPDATE campaign_recipients
      SET status = 'sending', wa_message_id = ${waMessageId}, attempts = attempts + 1, error = NULL, updated_at = UTC_TIMESTAMP(3)
      WHERE id = ${id} AND status = 'pending'`;
    return n === 1;
  }

  /** After WhatsApp took the message; a receipt that already moved it further is kept. */
  async markSent(id: number, waMessageId: string, at: Date = new Date()): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE campaign_recipients
      SET status = IF(status = 'sending', 'sent', status), sent_at = COALESCE(sent_at, ${at}), error = NULL, updated_at = UTC_TIMESTAMP(3)
      WHERE id = ${id} AND wa_message_id = ${waMessageId} AND status IN ('sending', 'sent', 'delivered', 'read', 'review')`;
  }

  /** The send did not happen: back to pending (now or after a backoff). */
  async release(
    id: number,
    waMessageId: string,
    change: { undoAttempt: boolean; nextAttemptAt?: Date; error?: string },
  ): Promise<void> {
    const next = change.nextAttemptAt ?? new Date();
    const error = change.error?.slice(0, 512) ?? null;
    const undo = change.undoAttempt ? 1 : 0;
    await this.prisma.$executeRaw`
      UPDATE campaign_recipients
      SET status = 'pending', wa_message_id = NULL, attempts = GREATEST(0, attempts - ${undo}), next_attempt_at = ${next},
          error = ${error}, updated_at = UTC_TIMESTAMP(3)
      WHERE id = ${id} AND status = 'sending' AND wa_message_id = ${waMessageId}`;
  }

  /** A final outcome for a row being sent: 'failed' (gave up) or 'review' (cannot tell whether it went). */
  async settle(id: number, waMessageId: string, status: 'failed' | 'review', error: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE campaign_recipients SET status = ${status}, error = ${error.slice(0, 512)}, updated_at = UTC_TIMESTAMP(3)
      WHERE id = ${id} AND status = 'sending' AND wa_message_id = ${waMessageId}`;
  }

  /** Not sent and never will be (not on WhatsApp, ...). */
  async skip(id: number, reason: string): Promise<void> {
    await this.prisma.campaignRecipient.updateMany({
      where: { id, status: 'pending' },
      data: { status: 'skipped', error: reason.slice(0, 512) },
    });
  }

  /** A check before the send failed (e.g. the number lookup timed out): counted as an attempt, retried later. */
  async defer(id: number, nextAttemptAt: Date, error: string, giveUp: boolean): Promise<void> {
    await this.prisma.campaignRecipient.updateMany({
      where: { id, status: 'pending' },
      data: giveUp
        ? { status: 'failed', attempts: { increment: 1 }, error: error.slice(0, 512) }
        : { attempts: { increment: 1 }, nextAttemptAt, error: error.slice(0, 512) },
    });
  }
}
