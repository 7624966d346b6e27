import { Injectable } from '@nestjs/common';
import { Prisma, type CampaignRecipient } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';

export type RecipientStatus = CampaignRecipient['status'];
type Db = Prisma.TransactionClient;

export interface DueRecipient {
  id: number;
  phone: string;
  name: string | null;
  variables: unknown;
  attempts: number;
}

/** A recipient as a report shows it. */
export type RecipientOutcome = Pick<
  CampaignRecipient,
  | 'id'
  | 'phone'
  | 'name'
  | 'status'
  | 'attempts'
  | 'waMessageId'
  | 'error'
  | 'sentAt'
  | 'deliveredAt'
  | 'readAt'
> & { variables: unknown };

/** A row a crashed process left 'sending'. */
export interface InFlightRow {
  id: number;
  campaignId: number;
  sessionId: string;
  waMessageId: string;
}

/** What WhatsApp said about a message a campaign sent. */
export type Receipt =
  { status: 'sent' | 'delivered' | 'read'; at: Date } | { status: 'failed'; error: string };

const OUTCOME = {
  id: true,
  phone: true,
  name: true,
  variables: true,
  status: true,
  attempts: true,
  waMessageId: true,
  error: true,
  sentAt: true,
  deliveredAt: true,
  readAt: true,
} as const;

/**
 * The campaign_recipients table: each campaign's own copy of its recipients and what happened to
 * each. Every change of a row being sent is conditional on its status and WhatsApp message id, so a
 * late writer (a receipt, the recovery, a second process) can never move it backwards or clobber a
 * newer attempt.
 */
@Injectable()
export class CampaignRecipientStore {
  constructor(private readonly prisma: PrismaService) {}

  // --- The start: the snapshot of the lists ---

  /**
   * Copies the recipients of the campaign's lists into its own recipients (a phone in several lists
   * once, from the lowest list id), so later list edits do not change the campaign. Returns how many
   * recipients the campaign has then. One INSERT ... SELECT, inside the database: the one statement
   * that reads the recipients table outside src/recipients, because copying a 100,000-row list
   * through the app costs seconds.
   */
  async snapshot(tx: Db, campaignId: number): Promise<number> {
    // Counted afterwards: the insert's own count includes the phones found again in another list.
    await tx.$executeRaw`
      INSERT INTO campaign_recipients (campaign_id, phone, name, variables, status, attempts, next_attempt_at, created_at, updated_at)
      SELECT ${campaignId}, r.phone, r.name, r.variables, 'pending', 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)
      FROM campaign_lists cl JOIN recipients r ON r.list_id = cl.list_id
      WHERE cl.campaign_id = ${campaignId}
      ORDER BY cl.list_id, r.id
      ON DUPLICATE KEY UPDATE campaign_recipients.id = campaign_recipients.id`;
    return tx.campaignRecipient.count({ where: { campaignId } });
  }

  /** The campaign's recipients after `afterId`, in id order (`where` narrows them; `tx` reads in a transaction). */
  pageAfter(
    campaignId: number,
    afterId: number,
    take: number,
    where: Prisma.CampaignRecipientWhereInput = {},
    tx?: Db,
  ): Promise<{ id: number; phone: string; name: string | null; variables: unknown }[]> {
    return (tx ?? this.prisma).campaignRecipient.findMany({
      where: { ...where, campaignId, id: { gt: afterId } },
      orderBy: { id: 'asc' },
      take,
      select: { id: true, phone: true, name: true, variables: true },
    });
  }

  /** Marks these pending recipients skipped with the reason; returns how many. */
  async skip(tx: Db, ids: number[], reason: string): Promise<number> {
    const { count } = await tx.campaignRecipient.updateMany({
      where: { id: { in: ids }, status: 'pending' },
      data: { status: 'skipped', error: reason.slice(0, 512) },
    });
    return count;
  }

  // --- The sender ---

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

  /** How many recipients are pending or being sent (`tx`: inside a status change). */
  openCount(campaignId: number, tx?: Db): Promise<number> {
    return (tx ?? this.prisma).campaignRecipient.count({
      where: { campaignId, status: { in: ['pending', 'sending'] } },
    });
  }

  async lastSentAt(campaignId: number): Promise<Date | null> {
    const agg = await this.prisma.campaignRecipient.aggregate({
      where: { campaignId },
      _max: { sentAt: true },
    });
    return agg._max.sentAt;
  }

  sentSince(campaignId: number, since: Date, tx?: Db): Promise<number> {
    return (tx ?? this.prisma).campaignRecipient.count({ where: { campaignId, sentAt: { gte: since } } });
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
  async skipOne(id: number, reason: string): Promise<void> {
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

  // --- What WhatsApp says afterwards ---

  /** The campaign recipient a session's message was sent to, or null when no campaign sent it. */
  async findBySentMessage(
    sessionId: string,
    waMessageId: string,
  ): Promise<{ id: number; campaignId: number } | null> {
    const [row] = await this.prisma.$queryRaw<{ id: number; campaignId: number }[]>`
      SELECT cr.id, cr.campaign_id AS campaignId FROM campaign_recipients cr JOIN campaigns c ON c.id = cr.campaign_id
      WHERE cr.wa_message_id = ${waMessageId} AND c.session_id = ${sessionId} LIMIT 1`;
    return row ?? null;
  }

  /** Moves a recipient forward by a receipt (never back); false when it was already further. */
  async applyReceipt(id: number, receipt: Receipt): Promise<boolean> {
    let changed: number;
    switch (receipt.status) {
      case 'sent':
        changed = await this.prisma.$executeRaw`
          UPDATE campaign_recipients SET status = 'sent', sent_at = COALESCE(sent_at, ${receipt.at}), error = NULL, updated_at = UTC_TIMESTAMP(3)
          WHERE id = ${id} AND status IN ('sending', 'review')`;
        break;
      case 'delivered':
        changed = await this.prisma.$executeRaw`
          UPDATE campaign_recipients SET status = 'delivered', delivered_at = COALESCE(delivered_at, ${receipt.at}), sent_at = COALESCE(sent_at, ${receipt.at}),
            error = NULL, updated_at = UTC_TIMESTAMP(3)
          WHERE id = ${id} AND status IN ('sending', 'sent', 'review')`;
        break;
      case 'read':
        changed = await this.prisma.$executeRaw`
          UPDATE campaign_recipients SET status = 'read', read_at = COALESCE(read_at, ${receipt.at}), delivered_at = COALESCE(delivered_at, ${receipt.at}),
            sent_at = COALESCE(sent_at, ${receipt.at}), error = NULL, updated_at = UTC_TIMESTAMP(3)
          WHERE id = ${id} AND status IN ('sending', 'sent', 'delivered', 'review')`;
        break;
      case 'failed':
        changed = await this.prisma.$executeRaw`
          UPDATE campaign_recipients SET status = 'failed', error = ${receipt.error.slice(0, 512)}, updated_at = UTC_TIMESTAMP(3)
          WHERE id = ${id} AND status IN ('sending', 'sent', 'review')`;
        break;
    }
    return changed > 0;
  }

  // --- Crash recovery ---

  /** Rows left 'sending' in the campaigns of these sessions (up to 500). */
  inFlight(sessionIds: string[]): Promise<InFlightRow[]> {
    if (sessionIds.length === 0) return Promise.resolve([]);
    return this.prisma.$queryRaw<InFlightRow[]>`
      SELECT cr.id, cr.campaign_id AS campaignId, c.session_id AS sessionId, cr.wa_message_id AS waMessageId
      FROM campaigns c JOIN campaign_recipients cr ON cr.campaign_id = c.id AND cr.status = 'sending'
      WHERE c.session_id IN (${Prisma.join(sessionIds)}) LIMIT 500`;
  }

  /** The WhatsApp ids of a session's campaign rows being sent (by this process or one that died). */
  async sendingIds(sessionId: string): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ waMessageId: string }[]>`
      SELECT cr.wa_message_id AS waMessageId
      FROM campaigns c JOIN campaign_recipients cr ON cr.campaign_id = c.id AND cr.status = 'sending'
      WHERE c.session_id = ${sessionId} AND cr.wa_message_id IS NOT NULL LIMIT 500`;
    return rows.map((r) => r.waMessageId);
  }

  /** Settles a row a crash left 'sending': what its message says, or 'review'; false when it moved meanwhile. */
  async settleInFlight(
    row: InFlightRow,
    outcome: {
      status: 'sent' | 'delivered' | 'read' | 'failed' | 'review';
      sentAt: Date | null;
      error: string | null;
    },
  ): Promise<boolean> {
    const n = await this.prisma.$executeRaw`
      UPDATE campaign_recipients
      SET status = ${outcome.status}, sent_at = ${outcome.sentAt}, error = ${outcome.error}, updated_at = UTC_TIMESTAMP(3)
      WHERE id = ${row.id} AND status = 'sending' AND wa_message_id = ${row.waMessageId}`;
    return n > 0;
  }

  // --- People's moves ---

  /** A cancelled campaign's recipients not sent yet are skipped. */
  async skipPending(tx: Db, campaignId: number, reason: string): Promise<void> {
    await tx.campaignRecipient.updateMany({
      where: { campaignId, status: 'pending' },
      data: { status: 'skipped', error: reason },
    });
  }

  /** Recipients in these statuses go back in the queue with a fresh attempt budget; returns how many. */
  async requeue(tx: Db, campaignId: number, statuses: RecipientStatus[]): Promise<number> {
    const { count } = await tx.campaignRecipient.updateMany({
      where: { campaignId, status: { in: statuses } },
      data: {
        status: 'pending',
        attempts: 0,
        error: null,
        waMessageId: null,
        sentAt: null,
        nextAttemptAt: new Date(),
      },
    });
    return count;
  }

  // --- Reports ---

  /** How many recipients are in each status. */
  async countsByStatus(campaignId: number, tx?: Db): Promise<Partial<Record<RecipientStatus, number>>> {
    const groups = await (tx ?? this.prisma).campaignRecipient.groupBy({
      by: ['status'],
      where: { campaignId },
      _count: { _all: true },
    });
    return Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
  }

  async outcomes(
    campaignId: number,
    status: RecipientStatus | undefined,
    page: { skip: number; take: number },
  ): Promise<{ items: RecipientOutcome[]; total: number }> {
    const where: Prisma.CampaignRecipientWhereInput = { campaignId, status };
    const [items, total] = await Promise.all([
      this.prisma.campaignRecipient.findMany({ where, select: OUTCOME, orderBy: { id: 'asc' }, ...page }),
      this.prisma.campaignRecipient.count({ where }),
    ]);
    return { items, total };
  }

  outcomesAfter(campaignId: number, afterId: number, take: number): Promise<RecipientOutcome[]> {
    return this.prisma.campaignRecipient.findMany({
      where: { campaignId, id: { gt: afterId } },
      select: OUTCOME,
      orderBy: { id: 'asc' },
      take,
    });
  }
}
