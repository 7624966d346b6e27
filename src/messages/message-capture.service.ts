import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DomainEvents, type MessageStatusValue, type StoredMessageEvent } from '../common/domain-events';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import type { OutboxEvent } from '../webhooks/webhook-events';
import { WebhookOutbox } from '../webhooks/webhook-outbox.service';
import { messagePayload, statusPayload } from './message-payloads';

export interface MessageToStore extends StoredMessageEvent {
  pushName: string | null;
  quotedId: string | null;
  mediaPath: string | null;
  mediaSize: number | null;
  status: MessageStatusValue;
  raw: Prisma.InputJsonValue | null;
}

export interface StatusToStore {
  sessionId: string;
  waMessageId: string;
  status: MessageStatusValue;
  errorCode: number | null;
}

type Job =
  | { kind: 'message'; item: MessageToStore; done: (stored: boolean) => void; fail: (e: unknown) => void }
  | { kind: 'status'; item: StatusToStore; done: (changed: boolean) => void; fail: (e: unknown) => void };

// Statuses only move forward: a late 'delivered' never overwrites 'read'.
const RANK: Record<MessageStatusValue, number> = {
  failed: 0,
  pending: 1,
  sent: 2,
  received: 2,
  delivered: 3,
  read: 4,
  played: 5,
};

const MAX_BATCH = 500;

/**
 * Stores captured messages and their delivery statuses. Writes are queued and flushed in batches:
 * one transaction inserts the new messages (duplicates dropped), their webhook outbox rows and the
 * status changes, in arrival order. Single-row inserts cap near 500/s; batches go far beyond.
 */
@Injectable()
export class MessageCapture implements BeforeApplicationShutdown {
  private readonly logger = new Logger(MessageCapture.name);
  private queue: Job[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: WebhookOutbox,
    private readonly events: DomainEvents,
  ) {}

  /** Resolves true when the message was stored now, false when it already was. */
  store(item: MessageToStore): Promise<boolean> {
    return new Promise((done, fail) => this.enqueue({ kind: 'message', item, done, fail }));
  }

  /** Resolves true when the stored message's status moved forward. */
  updateStatus(item: StatusToStore): Promise<boolean> {
    return new Promise((done, fail) => this.enqueue({ kind: 'status', item, done, fail }));
  }

  /** Waits until everything queued so far is written. */
  async drain(): Promise<void> {
    while (this.flushing || this.queue.length > 0) await (this.flushing ?? this.flush());
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  private enqueue(job: Job): void {
    this.queue.push(job);
    if (!this.flushing) this.flushing = this.flush();
  }

  private async flush(): Promise<void> {
    // Let the current burst of socket events queue up before writing (one tick).
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await this.writeBatch(batch);
        } catch (error) {
          this.logger.error({ err: error }, 'Could not store a batch of messages');
          for (const job of batch) job.fail(error);
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  private async writeBatch(batch: Job[]): Promise<void> {
    const messages = batch.filter((j): j is Extract<Job, { kind: 'message' }> => j.kind === 'message');
    const statuses = batch.filter((j): j is Extract<Job, { kind: 'status' }> => j.kind === 'status');
    const { fresh, changed } = await this.prisma.$transaction(async (tx) => {
      const fresh = await this.insertNew(tx, messages);
      const changed = await this.applyStatuses(tx, statuses);
      const outboxEvents: OutboxEvent[] = [
        ...fresh.map((m): OutboxEvent => ({
          event: m.direction === 'inbound' ? 'message.inbound' : 'message.outbound',
          sessionId: m.sessionId,
          payload: messagePayload(m, m.mediaPath !== null),
        })),
        ...changed.map((s): OutboxEvent => ({
          event: 'message.status',
          sessionId: s.sessionId,
          payload: statusPayload(s),
        })),
      ];
      await this.outbox.write(tx, outboxEvents);
      return { fresh, changed };
    });
    const freshSet = new Set(fresh);
    for (const job of messages) job.done(freshSet.has(job.item));
    const changedSet = new Set(changed.map((c) => c.job));
    for (const job of statuses) job.done(changedSet.has(job));
    for (const m of fresh) this.events.emit('message.stored', m);
    for (const c of changed) this.events.emit('message.status', c);
  }

  private async insertNew(
    tx: Prisma.TransactionClient,
    jobs: Extract<Job, { kind: 'message' }>[],
  ): Promise<MessageToStore[]> {
    if (jobs.length === 0) return [];
    const keyOf = (m: { sessionId: string; waMessageId: string; direction: string }) =>
      `${m.sessionId}\u0000${m.waMessageId}\u0000${m.direction}`;
    const bySession = new Map<string, string[]>();
    for (const { item } of jobs)
      bySession.set(item.sessionId, [...(bySession.get(item.sessionId) ?? []), item.waMessageId]);
    const existing = await tx.message.findMany({
      where: { OR: [...bySession].map(([sessionId, ids]) => ({ sessionId, waMessageId: { in: ids } })) },
      select: { sessionId: true, waMessageId: true, direction: true },
    });
    const seen = new Set(existing.map(keyOf));
    const fresh: MessageToStore[] = [];
    for (const { item } of jobs) {
      const key = keyOf(item);
      if (seen.has(key)) continue;
      seen.add(key);
      fresh.push(item);
    }
    if (fresh.length > 0) {
      await tx.message.createMany({
        data: fresh.map((m) => ({
          sessionId: m.sessionId,
          waMessageId: m.waMessageId,
          chatJid: m.chatJid,
          fromNumber: m.from,
          toNumber: m.to,
          direction: m.direction,
          type: m.type,
          text: m.text,
          fileName: m.fileName,
          mediaPath: m.mediaPath,
          mediaMime: m.mediaMime,
          mediaSize: m.mediaSize,
          quotedId: m.quotedId,
          pushName: m.pushName,
          waTimestamp: m.waTimestamp,
          status: m.status,
          raw: m.raw ?? undefined,
        })),
      });
    }
    return fresh;
  }

  /** Status changes of the batch: one read of the messages, then one update per resulting status. */
  private async applyStatuses(
    tx: Prisma.TransactionClient,
    jobs: Extract<Job, { kind: 'status' }>[],
  ): Promise<(StatusToStore & { job: Job; chatJid: string; at: Date })[]> {
    if (jobs.length === 0) return [];
    const idsBySession = new Map<string, string[]>();
    for (const { item } of jobs)
      idsBySession.set(item.sessionId, [...(idsBySession.get(item.sessionId) ?? []), item.waMessageId]);
    const rows = await tx.message.findMany({
      where: {
        direction: 'outbound',
        OR: [...idsBySession].map(([sessionId, ids]) => ({ sessionId, waMessageId: { in: ids } })),
      },
      select: { id: true, sessionId: true, waMessageId: true, status: true, chatJid: true },
    });
    const byKey = new Map(rows.map((r) => [`${r.sessionId}\u0000${r.waMessageId}`, r]));
    const changed: (StatusToStore & { job: Job; chatJid: string; at: Date })[] = [];
    const finalStatus = new Map<bigint, MessageStatusValue>();
    // In arrival order, so 'delivered' then 'read' in one batch both count and 'read' wins.
    for (const job of jobs) {
      const row = byKey.get(`${job.item.sessionId}\u0000${job.item.waMessageId}`);
      if (!row) continue;
      const { status } = job.item;
      const forward =
        status === 'failed'
          ? row.status === 'pending' || row.status === 'sent'
          : RANK[status] > RANK[row.status];
      if (!forward) continue;
      row.status = status;
      finalStatus.set(row.id, status);
      changed.push({ ...job.item, job, chatJid: row.chatJid, at: new Date() });
    }
    const idsByStatus = new Map<MessageStatusValue, bigint[]>();
    for (const [id, status] of finalStatus) idsByStatus.set(status, [...(idsByStatus.get(status) ?? []), id]);
    for (const [status, ids] of idsByStatus)
      await tx.message.updateMany({ where: { id: { in: ids } }, data: { status } });
    return changed;
  }
}
