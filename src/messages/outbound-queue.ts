import { Injectable } from '@nestjs/common';
import { DomainEvents } from '../common/domain-events';
import { Prisma, type OutboundMessage } from '../generated/prisma/client';
import { OutboxWriter } from '../outbox/outbox-writer';
import { PrismaService } from '../prisma/prisma.service';

/** A row of the outbound queue. */
export type OutboundRow = OutboundMessage;

export type OutboundState = OutboundRow['status'];

export interface NewOutbound {
  sessionId: string;
  waMessageId: string;
  toJid: string;
  content: Prisma.InputJsonValue;
  idempotencyKey: string | null;
  fingerprint: string;
  expiresAt: Date;
}

/** What a claim found at the head of a session's queue. */
export type Claim =
  | { kind: 'claimed'; row: OutboundRow }
  /** The head is a send already claimed (in flight here, or left by a process that died). */
  | { kind: 'in_flight'; row: OutboundRow }
  | { kind: 'none' };

/** Why a send failed, as the API and the `message.status` event show it. */
export const EXPIRED = 'expired';
export const UNKNOWN_AFTER_CRASH = 'unknown_after_crash';

const isDuplicateKey = (error: unknown): boolean =>
  (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') ||
  (error instanceof Error && /Duplicate entry|ER_DUP_ENTRY|1062/.test(error.message));

/**
 * The outbound_messages table: sends any gateway process accepted, drained in id order per session
 * by the process holding the session. A claim takes only the oldest unsettled row of a session and
 * only while the claimer holds the session's lease, so sends leave one at a time and in order. A
 * failure is written with its `message.status` (failed) outbox row in one transaction.
 */
@Injectable()
export class OutboundQueue {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxWriter,
    private readonly events: DomainEvents,
  ) {}

  /**
   * Inserts the send; a row with the same idempotency key (another request of the same client, on
   * any process) wins the race and is answered instead (`created: false`).
   */
  async insert(send: NewOutbound): Promise<{ row: OutboundRow; created: boolean }> {
    try {
      return { row: await this.prisma.outboundMessage.create({ data: send }), created: true };
    } catch (error) {
      if (!isDuplicateKey(error) || send.idempotencyKey === null) throw error;
      const existing = await this.byKey(send.sessionId, send.idempotencyKey);
      if (!existing) throw error;
      return { row: existing, created: false };
    }
  }

  byKey(sessionId: string, idempotencyKey: string): Promise<OutboundRow | null> {
    return this.prisma.outboundMessage.findUnique({
      where: { sessionId_idempotencyKey: { sessionId, idempotencyKey } },
    });
  }

  find(sessionId: string, waMessageId: string): Promise<OutboundRow | null> {
    return this.prisma.outboundMessage.findUnique({
      where: { sessionId_waMessageId: { sessionId, waMessageId } },
    });
  }

  /** Of these sessions, the ones with sends waiting (queued) or in flight (sending). */
  async sessionsWithWork(sessionIds: string[]): Promise<string[]> {
    if (sessionIds.length === 0) return [];
    const rows = await this.prisma.$queryRaw<{ session_id: string }[]>`
      SELECT DISTINCT session_id FROM outbound_messages
      WHERE status IN ('queued', 'sending') AND session_id IN (${Prisma.join(sessionIds)})`;
    return rows.map((r) => r.session_id);
  }

  /** The WhatsApp ids of the session's sends in flight (claimed, not settled). */
  async inFlightIds(sessionId: string): Promise<string[]> {
    const rows = await this.prisma.outboundMessage.findMany({
      where: { sessionId, status: 'sending' },
      select: { waMessageId: true },
    });
    return rows.map((r) => r.waMessageId);
  }

  /**
   * Claims the session's oldest unsettled send for `owner`, only while `owner` holds the session's
   * lease. A head already `sending` is answered as in flight (nothing behind it is taken).
   */
  async claimNext(sessionId: string, owner: string): Promise<Claim> {
    return this.prisma.$transaction(async (tx) => {
      const [lease] = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM whatsapp_sessions
        WHERE id = ${sessionId} AND lease_owner = ${owner} AND lease_expires_at > NOW(3)`;
      if (!lease) return { kind: 'none' };
      const [head] = await tx.$queryRaw<{ id: bigint }[]>`
        SELECT id FROM outbound_messages
        WHERE session_id = ${sessionId} AND status IN ('queued', 'sending')
        ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`;
      if (!head) return { kind: 'none' };
      // SKIP LOCKED may have passed over an older row someone holds locked: never overtake it.
      const [oldest] = await tx.$queryRaw<{ id: bigint | null }[]>`
        SELECT MIN(id) AS id FROM outbound_messages
        WHERE session_id = ${sessionId} AND status IN ('queued', 'sending')`;
      if (oldest?.id !== null && oldest?.id !== undefined && BigInt(oldest.id) !== BigInt(head.id))
        return { kind: 'none' };
      const row = await tx.outboundMessage.findUniqueOrThrow({ where: { id: head.id } });
      if (row.status === 'sending') return { kind: 'in_flight', row };
      const claimed = await tx.outboundMessage.update({
        where: { id: row.id },
        data: { status: 'sending', attempts: { increment: 1 }, claimedBy: owner, claimedAt: new Date() },
      });
      return { kind: 'claimed', row: claimed };
    });
  }

  /** WhatsApp took it (or answered for it). False when it was settled already. */
  async markSent(id: bigint, at = new Date()): Promise<boolean> {
    const { count } = await this.prisma.outboundMessage.updateMany({
      where: { id, status: { in: ['queued', 'sending'] } },
      data: { status: 'sent', sentAt: at, lastError: null },
    });
    return count === 1;
  }

  /** A receipt for a send in flight: it reached WhatsApp. */
  async markSentById(sessionId: string, waMessageId: string): Promise<boolean> {
    const { count } = await this.prisma.outboundMessage.updateMany({
      where: { sessionId, waMessageId, status: 'sending' },
      data: { status: 'sent', sentAt: new Date(), lastError: null },
    });
    return count === 1;
  }

  /** Back to the queue: it never reached WhatsApp (the session was not connected, or a retryable error). */
  async release(id: bigint, error: string | null, options: { undoAttempt: boolean }): Promise<void> {
    await this.prisma.outboundMessage.updateMany({
      where: { id, status: 'sending' },
      data: {
        status: 'queued',
        claimedBy: null,
        claimedAt: null,
        lastError: error?.slice(0, 255) ?? null,
        ...(options.undoAttempt ? { attempts: { decrement: 1 } } : {}),
      },
    });
  }

  /** Fails an unsettled send, with its `message.status` (failed) event in the same transaction. */
  async markFailed(row: OutboundRow, reason: string): Promise<boolean> {
    const failed = await this.prisma.$transaction(async (tx) => {
      const { count } = await tx.outboundMessage.updateMany({
        where: { id: row.id, status: { in: ['queued', 'sending'] } },
        data: { status: 'failed', lastError: reason.slice(0, 255) },
      });
      if (count === 1) await this.outbox.write(tx, [failedEvent(row, reason)]);
      return count === 1;
    });
    if (failed) this.announceFailed([row]);
    return failed;
  }

  /** The failures for /ws (after their transaction, like every stored status change). */
  private announceFailed(rows: OutboundRow[]): void {
    const at = new Date();
    for (const row of rows)
      this.events.emit('message.status', {
        sessionId: row.sessionId,
        waMessageId: row.waMessageId,
        chatJid: row.toJid,
        status: 'failed',
        errorCode: null,
        at,
      });
  }

  /** Deletes up to `limit` settled rows last changed before `cutoff`; returns how many went. */
  async pruneSettled(cutoff: Date, limit: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM outbound_messages
      WHERE status IN ('sent', 'failed') AND updated_at < ${cutoff}
      ORDER BY id LIMIT ${limit}`;
  }

  /**
   * Fails queued sends whose time to live ran out (their session could not send them in time), in
   * batches; any process may run it. Returns the rows failed.
   */
  async expire(limit = 200): Promise<OutboundRow[]> {
    // Run every second by every process: a plain indexed read first, a transaction only when due.
    const [due] = await this.prisma.$queryRaw<{ id: bigint }[]>`
      SELECT id FROM outbound_messages WHERE status = 'queued' AND expires_at < NOW(3) LIMIT 1`;
    if (!due) return [];
    const expired = await this.prisma.$transaction(async (tx) => {
      const due = await tx.$queryRaw<{ id: bigint }[]>`
        SELECT id FROM outbound_messages
        WHERE status = 'queued' AND expires_at < NOW(3)
        ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
      if (due.length === 0) return [];
      const ids = due.map((d) => d.id);
      const rows = await tx.outboundMessage.findMany({ where: { id: { in: ids } } });
      const reason = `${EXPIRED}: the session could not send it within its time to live`;
      await tx.outboundMessage.updateMany({
        where: { id: { in: ids } },
        data: { status: 'failed', lastError: reason },
      });
      await this.outbox.write(
        tx,
        rows.map((r) => failedEvent(r, reason)),
      );
      return rows.map((r) => ({ ...r, status: 'failed' as const, lastError: reason }));
    });
    this.announceFailed(expired);
    return expired;
  }

  /** Sends waiting (queued) and in flight (sending), with when the oldest of each was accepted (/metrics). */
  async backlog(): Promise<{ status: 'queued' | 'sending'; count: number; oldest: Date | null }[]> {
    // The (status, session_id, id) index bounds this to the unsettled rows, never the sent history.
    const rows = await this.prisma.$queryRaw<
      { status: 'queued' | 'sending'; n: bigint; oldest: Date | null }[]
    >`
      SELECT status, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbound_messages
      WHERE status IN ('queued', 'sending') GROUP BY status`;
    return rows.map((r) => ({ status: r.status, count: Number(r.n), oldest: r.oldest }));
  }
}

function failedEvent(row: OutboundRow, reason: string) {
  return {
    event: 'message.status' as const,
    sessionId: row.sessionId,
    payload: {
      messageId: row.waMessageId,
      chatJid: row.toJid,
      status: 'failed',
      reason,
      timestamp: String(Math.floor(Date.now() / 1000)),
    },
  };
}
