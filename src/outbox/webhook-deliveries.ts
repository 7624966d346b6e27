import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors';
import { Prisma, type WebhookOutbox as OutboxRecord } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface DeliveryFilter {
  status?: DeliveryStatus;
  event?: string;
  sessionId?: string;
  /** 'webhook', 'rabbitmq' or 'nats'. */
  channel?: string;
  from?: Date;
  to?: Date;
}

/** A delivery as the API shows it (the payload only on the single-delivery view). */
export interface DeliveryView {
  id: number;
  deliveryId: string;
  sessionId: string | null;
  event: string;
  messageId: string | null;
  targetUrl: string;
  channel: string;
  status: string;
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  payload?: unknown;
}

export const toDeliveryView = (row: OutboxRecord, withPayload = false): DeliveryView => ({
  id: Number(row.id),
  deliveryId: row.deliveryId,
  sessionId: row.sessionId,
  event: row.event,
  messageId: row.messageId,
  targetUrl: row.targetUrl,
  channel: row.channel,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt : null,
  lastStatusCode: row.lastStatusCode,
  lastError: row.lastError,
  deliveredAt: row.deliveredAt,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
  ...(withPayload ? { payload: parseOrRaw(row.payload) } : {}),
});

const RETRY_BATCH = 5_000;

/**
 * The outbox for people and housekeeping: deliveries, dead letters and the backlog; dead rows sent
 * again by hand; finished rows pruned. (OutboxWriter adds rows; OutboxClaims and OutboxResults are
 * the dispatcher's; together they are the owner of webhook_outbox.)
 */
@Injectable()
export class WebhookDeliveries {
  constructor(private readonly prisma: PrismaService) {}

  async list(filter: DeliveryFilter, page: { limit: number; offset: number }) {
    const where = this.where(filter);
    const [rows, total] = await Promise.all([
      this.prisma.webhookOutbox.findMany({
        where,
        orderBy: { id: 'desc' },
        take: page.limit,
        skip: page.offset,
      }),
      this.prisma.webhookOutbox.count({ where }),
    ]);
    return {
      deliveries: rows.map((row) => toDeliveryView(row)),
      pagination: { limit: page.limit, offset: page.offset, count: rows.length, total },
    };
  }

  async get(ref: string): Promise<DeliveryView> {
    return toDeliveryView(await this.row(ref), true);
  }

  /** Sends a dead row again with a fresh retry budget (same delivery id, so receivers can dedupe). */
  async retryOne(ref: string): Promise<DeliveryView> {
    const row = await this.row(ref);
    if (row.status !== 'dead') {
      throw new DomainError(
        'DELIVERY_NOT_DEAD',
        `Delivery is ${row.status}; only dead deliveries can be retried`,
      );
    }
    await this.prisma.webhookOutbox.updateMany({
      where: { id: row.id, status: 'dead' },
      data: { status: 'pending', attempts: 0, nextAttemptAt: new Date() },
    });
    return this.get(String(row.id));
  }

  /** Every dead row (optionally of one session or event) back to pending; returns how many. */
  async retryDead(filter: { sessionId?: string; event?: string }): Promise<number> {
    const conditions = [Prisma.sql`status = 'dead'`];
    if (filter.sessionId) conditions.push(Prisma.sql`session_id = ${filter.sessionId}`);
    if (filter.event) conditions.push(Prisma.sql`event = ${filter.event}`);
    let total = 0;
    // In slices under READ COMMITTED (no gap locks), so a large dead-letter set never holds locks
    // that would make message capture or the dispatcher wait.
    for (;;) {
      const now = new Date();
      const changed = await this.prisma.$transaction(
        (tx) => tx.$executeRaw`
          UPDATE webhook_outbox SET status = 'pending', attempts = 0, next_attempt_at = ${now}, updated_at = ${now}
          WHERE ${Prisma.join(conditions, ' AND ')} ORDER BY id LIMIT ${RETRY_BATCH}`,
        { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted },
      );
      total += changed;
      if (changed < RETRY_BATCH) return total;
    }
  }

  /** The dispatcher's backlog for /health. */
  async backlog(): Promise<{
    pending: number;
    due: number;
    dead: number;
    oldestPendingSeconds: number | null;
  }> {
    const now = new Date();
    const [row] = await this.prisma.$queryRaw<
      { pending: bigint | null; due: bigint | null; dead: bigint | null; oldest: Date | null }[]
    >`
      SELECT SUM(status = 'pending') AS pending, SUM(status = 'pending' AND next_attempt_at <= ${now}) AS due,
        SUM(status = 'dead') AS dead, MIN(CASE WHEN status = 'pending' THEN created_at END) AS oldest
      FROM webhook_outbox WHERE status IN ('pending', 'dead')`;
    return {
      pending: Number(row?.pending ?? 0),
      due: Number(row?.due ?? 0),
      dead: Number(row?.dead ?? 0),
      oldestPendingSeconds: row?.oldest
        ? Math.max(0, Math.round((now.getTime() - row.oldest.getTime()) / 1000))
        : null,
    };
  }

  /** Counts by status over the retained rows, and the share of finished deliveries that succeeded. */
  async summary(): Promise<{ pending: number; delivered: number; dead: number; successRate: number | null }> {
    const groups = await this.prisma.webhookOutbox.groupBy({ by: ['status'], _count: { _all: true } });
    const count = (status: DeliveryStatus) => groups.find((g) => g.status === status)?._count._all ?? 0;
    const delivered = count('delivered');
    const dead = count('dead');
    const finished = delivered + dead;
    return {
      pending: count('pending'),
      delivered,
      dead,
      successRate: finished === 0 ? null : Math.round((delivered / finished) * 10_000) / 10_000,
    };
  }

  /** Which of these messages of a session have had a webhook delivered (the seed's webhook_sent). */
  async deliveredMessageIds(sessionId: string, messageIds: string[]): Promise<Set<string>> {
    if (messageIds.length === 0) return new Set();
    const rows = await this.prisma.webhookOutbox.findMany({
      where: {
        sessionId,
        messageId: { in: messageIds },
        status: 'delivered',
        channel: 'webhook',
        event: { startsWith: 'message.' },
      },
      select: { messageId: true },
    });
    return new Set(rows.map((r) => r.messageId).filter((id): id is string => id !== null));
  }

  /**
   * Deletes up to `limit` delivered and dead rows created before `cutoff` (pending rows are never
   * pruned), under READ COMMITTED so that pruning never holds locks message capture would wait for.
   */
  pruneFinished(cutoff: Date, limit: number): Promise<number> {
    return this.prisma.$transaction(
      (tx) => tx.$executeRaw`
        DELETE FROM webhook_outbox WHERE created_at < ${cutoff} AND status IN ('delivered', 'dead')
        ORDER BY created_at LIMIT ${limit}`,
      { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted },
    );
  }

  private where(filter: DeliveryFilter): Prisma.WebhookOutboxWhereInput {
    return {
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.event ? { event: filter.event } : {}),
      ...(filter.sessionId ? { sessionId: filter.sessionId } : {}),
      ...(filter.channel ? { channel: filter.channel } : {}),
      ...(filter.from || filter.to ? { createdAt: { gte: filter.from, lte: filter.to } } : {}),
    };
  }

  /** By numeric id or by delivery id (UUID). */
  private async row(ref: string): Promise<OutboxRecord> {
    const row = /^\d+$/.test(ref)
      ? await this.prisma.webhookOutbox.findUnique({ where: { id: BigInt(ref) } })
      : await this.prisma.webhookOutbox.findUnique({ where: { deliveryId: ref } });
    if (!row) throw new DomainError('DELIVERY_NOT_FOUND', 'Delivery not found');
    return row;
  }
}

function parseOrRaw(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}
