import { Injectable } from '@nestjs/common';
import { DomainEvents } from '../common/domain-events';
import { DomainError } from '../common/errors';
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

/** Why a send failed, as the API and the `message.status` event show it. */
export const EXPIRED = 'expired';
export const UNKNOWN_AFTER_CRASH = 'unknown_after_crash';

/** outbound_messages as raw SQL reads it (the run of a session, the row an INSERT returns). */
interface OutboundRecord {
  id: bigint;
  session_id: string;
  wa_message_id: string;
  to_jid: string;
  content: unknown;
  idempotency_key: string | null;
  fingerprint: string;
  status: OutboundState;
  attempts: number;
  last_error: string | null;
  expires_at: Date;
  claimed_by: string | null;
  claimed_at: Date | null;
  sent_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = Prisma.sql`id, session_id, wa_message_id, to_jid, content, idempotency_key, fingerprint, status, attempts, last_error, expires_at, claimed_by, claimed_at, sent_at, created_at, updated_at`;

const rowOf = (r: OutboundRecord): OutboundRow => ({
  id: BigInt(r.id),
  sessionId: r.session_id,
  waMessageId: r.wa_message_id,
  toJid: r.to_jid,
  content: (typeof r.content === 'string' ? JSON.parse(r.content) : r.content) as OutboundRow['content'],
  idempotencyKey: r.idempotency_key,
  fingerprint: r.fingerprint,
  status: r.status,
  attempts: Number(r.attempts),
  lastError: r.last_error,
  expiresAt: r.expires_at,
  claimedBy: r.claimed_by,
  claimedAt: r.claimed_at,
  sentAt: r.sent_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The session's row is gone (deleted after the request read it): the foreign key refuses the row. */
const isMissingSession = (error: unknown): boolean =>
  error instanceof Error && /ER_NO_REFERENCED_ROW|foreign key constraint fails|\b1452\b/.test(error.message);

const isDuplicateKey = (error: unknown): boolean =>
  (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') ||
  (error instanceof Error && /Duplicate entry|ER_DUP_ENTRY|1062/.test(error.message));

/**
 * The outbound_messages table: sends any gateway process accepted, drained in id order per session
 * by the process holding the session. Its holder reads a run of the session's oldest unsettled rows
 * and claims them one at a time, each only while it is still queued and the claimer holds the
 * session's lease, so sends leave one at a time and in order. A failure is written with its `message.status` (failed) outbox row in one transaction.
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
      // One statement (RETURNING), where Prisma's create is a transaction of an INSERT and a SELECT.
      const now = new Date();
      const [row] = await this.prisma.$queryRaw<OutboundRecord[]>`
        INSERT INTO outbound_messages
          (session_id, wa_message_id, to_jid, content, idempotency_key, fingerprint, expires_at, created_at, updated_at)
        VALUES (${send.sessionId}, ${send.waMessageId}, ${send.toJid}, ${JSON.stringify(send.content)},
          ${send.idempotencyKey}, ${send.fingerprint}, ${send.expiresAt}, ${now}, ${now})
        RETURNING ${COLUMNS}`;
      return { row: rowOf(row), created: true };
    } catch (error) {
      if (isMissingSession(error)) throw new DomainError('SESSION_NOT_FOUND', 'Session not found');
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
   * The session's next unsettled sends, oldest first (at most `limit`), only while `owner` holds the
   * session's lease; nothing is locked or claimed. Each is claimed by `claim` when its turn comes, so
   * a send read here but never claimed stays `queued`: a crash or a lost lease leaves nothing to undo,
   * and only a `sending` row (the head) can be one that was in flight.
   */
  async nextRun(sessionId: string, owner: string, limit: number): Promise<OutboundRow[]> {
    // One statement: the (session_id, status, id) index, the lease checked in the same read.
    const rows = await this.prisma.$queryRaw<OutboundRecord[]>`
      SELECT ${COLUMNS} FROM outbound_messages
      WHERE session_id = ${sessionId} AND status IN ('queued', 'sending')
        AND EXISTS (SELECT 1 FROM whatsapp_sessions
          WHERE id = ${sessionId} AND lease_owner = ${owner} AND lease_expires_at > NOW(3))
      ORDER BY id LIMIT ${limit}`;
    return rows.map(rowOf);
  }

  /**
   * Claims a queued send for `owner`: one conditional UPDATE by primary key, only while it is still
   * `queued` and `owner` holds the session's lease. The caller claims a session's sends one at a
   * time, in id order, each once the one before it was settled here. Null when it was not claimed
   * (settled or claimed meanwhile, or the lease moved).
   */
  async claim(row: OutboundRow, owner: string): Promise<OutboundRow | null> {
    const claimedAt = new Date();
    const count = await this.prisma.$executeRaw`
      UPDATE outbound_messages
      SET status = 'sending', attempts = attempts + 1, claimed_by = ${owner}, claimed_at = ${claimedAt},
        updated_at = ${claimedAt}
      WHERE id = ${row.id} AND session_id = ${row.sessionId} AND status = 'queued'
        AND EXISTS (SELECT 1 FROM whatsapp_sessions
          WHERE id = ${row.sessionId} AND lease_owner = ${owner} AND lease_expires_at > NOW(3))`;
    if (count !== 1) return null;
    return {
      ...row,
      status: 'sending',
      attempts: row.attempts + 1,
      claimedBy: owner,
      claimedAt,
      updatedAt: claimedAt,
    };
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
