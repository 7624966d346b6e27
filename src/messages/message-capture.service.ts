import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DomainEvents, type MessageStatusValue, type StoredMessageEvent } from '../common/domain-events';
import { Prisma } from '../generated/prisma/client';
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
  /** Baileys' message as JSON text (see raw-message.ts), kept for retries, quotes and reactions. */
  raw: string | null;
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

/**
 * A batch takes what queued while the last one was written, up to these limits; the byte limit keeps
 * the statement well under MySQL's and MariaDB's default max_allowed_packet (16 MiB and more) when
 * messages are long. (Batches of 5,000 gave no measurable gain under a flood.)
 */
const MAX_BATCH = 500;
const MAX_BATCH_BYTES = 4 * 2 ** 20;
const MAX_RETRY_MS = 30_000;
/**
 * Every statement waits for a turn of the event loop, and a flood of inbound messages (many sessions
 * catching up at once) makes a turn last seconds; the usual transaction limits would cut a write off.
 */
const CAPTURE_TRANSACTION = { maxWait: 60_000, timeout: 120_000 };
/** Messages stored lately (their keys): a batch holding one again takes the checked path at once. */
const RECENT_KEYS = 20_000;

type MessageJob = Extract<Job, { kind: 'message' }>;
type StatusJob = Extract<Job, { kind: 'status' }>;
type Changed = StatusToStore & { job: Job; chatJid: string; at: Date };

/** A message's identity: session, WhatsApp id and direction. */
const messageKey = (m: { sessionId: string; waMessageId: string; direction: string }): string =>
  `${m.sessionId}\u0000${m.waMessageId}\u0000${m.direction}`;

/** True for the database refusing a row that its unique key already holds. */
function isDuplicateKey(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2002') return true;
  const cause = (error.meta?.driverAdapterError as { cause?: { kind?: string } } | undefined)?.cause;
  return cause?.kind === 'UniqueConstraintViolation';
}

/** Free-form values a sender chooses, cut to their column's size rather than refused. */
const clip = (value: string | null, max: number): string | null =>
  value !== null && value.length > max ? value.slice(0, max) : value;

/** A DATETIME(3) literal in UTC, as Prisma stores dates. */
const sqlDateTime = (date: Date): string => date.toISOString().slice(0, 23).replace('T', ' ');

/** The event of a stored message: what listeners may see (not the raw message or the file path). */
const storedEvent = (m: MessageToStore): StoredMessageEvent => ({
  sessionId: m.sessionId,
  waMessageId: m.waMessageId,
  direction: m.direction,
  type: m.type,
  chatJid: m.chatJid,
  from: m.from,
  to: m.to,
  text: m.text,
  fileName: m.fileName,
  mediaMime: m.mediaMime,
  hasMedia: m.hasMedia,
  waTimestamp: m.waTimestamp,
});

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
  private retryMs = 0;
  private stopping = false;
  private wakeUp: (() => void) | null = null;
  private readonly recent = new LRUCache<string, true>({ max: RECENT_KEYS });

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

  /** At shutdown, a last attempt is made; what the database still cannot take is reported lost. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
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
        const batch = this.queue.splice(0, this.batchSize());
        await this.writeBatch(batch).then(
          () => (this.retryMs = 0),
          (error: unknown) => this.recover(batch, error),
        );
      }
    } finally {
      this.flushing = null;
    }
  }

  /** How many queued jobs the next batch takes (at least one). */
  private batchSize(): number {
    let bytes = 0;
    let count = 0;
    for (const job of this.queue) {
      if (count === MAX_BATCH) break;
      // Roughly what the job adds to the statement: its longest values and room for the rest.
      if (job.kind === 'message') bytes += (job.item.text?.length ?? 0) + (job.item.raw?.length ?? 0) + 300;
      if (count > 0 && bytes > MAX_BATCH_BYTES) break;
      count++;
    }
    return count;
  }

  /**
   * A failed batch. While the database cannot be reached, it goes back to the head of the queue
   * and is tried again with backoff: WhatsApp does not send a message twice, so this queue is its
   * only copy. When the database answers, the batch is written row by row, so a row that cannot be
   * stored costs only itself.
   */
  private async recover(batch: Job[], error: unknown): Promise<void> {
    const reachable = await this.prisma.isReachable();
    if (!reachable && !this.stopping) {
      this.queue.unshift(...batch);
      this.retryMs = Math.min(MAX_RETRY_MS, Math.max(1_000, this.retryMs * 2));
      this.logger.warn(
        { err: error, queued: this.queue.length, retryInMs: this.retryMs },
        'The database is unreachable; keeping messages in memory until it answers',
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.retryMs);
        this.wakeUp = () => (clearTimeout(timer), resolve());
      });
      this.wakeUp = null;
      return;
    }
    if (!reachable || batch.length === 1) return this.failed(batch, error);
    this.logger.warn(
      { err: error, jobs: batch.length },
      'A batch of messages failed; writing them one by one',
    );
    for (const job of batch) await this.writeBatch([job]).catch((e: unknown) => this.failed([job], e));
  }

  private failed(jobs: Job[], error: unknown): void {
    this.logger.error({ err: error, jobs: jobs.length }, 'Could not store messages');
    for (const job of jobs) job.fail(error);
  }

  private async writeBatch(batch: Job[]): Promise<void> {
    const messages = batch.filter((j): j is MessageJob => j.kind === 'message');
    const statuses = batch.filter((j): j is StatusJob => j.kind === 'status');
    const { fresh, changed } =
      (statuses.length === 0 ? await this.insertIfAllNew(messages) : null) ??
      (await this.prisma.$transaction(async (tx) => {
        const fresh = await this.insertNew(tx, messages);
        const changed = await this.applyStatuses(tx, statuses);
        await this.outbox.write(tx, [...this.messageEvents(fresh), ...this.statusEvents(changed)]);
        return { fresh, changed };
      }, CAPTURE_TRANSACTION));
    for (const { item } of messages) this.recent.set(messageKey(item), true);
    const freshSet = new Set(fresh);
    for (const job of messages) job.done(freshSet.has(job.item));
    const changedSet = new Set(changed.map((c) => c.job));
    for (const job of statuses) job.done(changedSet.has(job));
    for (const m of fresh) this.events.emit('message.stored', storedEvent(m));
    for (const c of changed) this.events.emit('message.status', c);
  }

  /**
   * The usual batch: messages only, none of them stored before. Then the write is one INSERT, in a
   * transaction with its outbox rows only when a webhook wants them (each statement waits for a turn
   * of the event loop, so under a flood fewer statements is what keeps storing up). Null, having
   * written nothing, when a message of the batch was stored lately or the unique key refuses one:
   * the checked path then finds out which are new.
   */
  private async insertIfAllNew(
    jobs: MessageJob[],
  ): Promise<{ fresh: MessageToStore[]; changed: Changed[] } | null> {
    const keys = new Set<string>();
    for (const { item } of jobs) {
      const key = messageKey(item);
      if (keys.has(key) || this.recent.has(key)) return null;
      keys.add(key);
    }
    const fresh = jobs.map((job) => job.item);
    const rows = await this.outbox.rowsFor(this.messageEvents(fresh));
    try {
      if (rows.length === 0) await this.insertRows(this.prisma, fresh);
      else
        await this.prisma.$transaction(async (tx) => {
          await this.insertRows(tx, fresh);
          await this.outbox.insert(tx, rows);
        }, CAPTURE_TRANSACTION);
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
    return { fresh, changed: [] };
  }

  private messageEvents(fresh: MessageToStore[]): OutboxEvent[] {
    return fresh.map((m) => ({
      event: m.direction === 'inbound' ? 'message.inbound' : 'message.outbound',
      sessionId: m.sessionId,
      payload: messagePayload(m, m.mediaPath !== null),
    }));
  }

  private statusEvents(changed: Changed[]): OutboxEvent[] {
    return changed.map((s) => ({ event: 'message.status', sessionId: s.sessionId, payload: statusPayload(s) }));
  }

  /**
   * Inserts the messages not stored yet (a message is identified by session, WhatsApp id and
   * direction). Plain SQL: one SELECT of the batch's ids already stored, one INSERT of the rest.
   */
  private async insertNew(tx: Prisma.TransactionClient, jobs: MessageJob[]): Promise<MessageToStore[]> {
    if (jobs.length === 0) return [];
    const bySession = new Map<string, string[]>();
    for (const { item } of jobs) {
      const ids = bySession.get(item.sessionId);
      if (ids) ids.push(item.waMessageId);
      else bySession.set(item.sessionId, [item.waMessageId]);
    }
    const existing = await tx.$queryRaw<{ session_id: string; wa_message_id: string; direction: string }[]>`
      SELECT session_id, wa_message_id, direction FROM messages WHERE ${Prisma.join(
        [...bySession].map(
          ([sessionId, ids]) =>
            Prisma.sql`(session_id = ${sessionId} AND wa_message_id IN (${Prisma.join(ids)}))`,
        ),
        ' OR ',
      )}`;
    const seen = new Set(
      existing.map((r) =>
        messageKey({ sessionId: r.session_id, waMessageId: r.wa_message_id, direction: r.direction }),
      ),
    );
    const fresh: MessageToStore[] = [];
    for (const { item } of jobs) {
      const key = messageKey(item);
      if (seen.has(key)) continue;
      seen.add(key);
      fresh.push(item);
    }
    await this.insertRows(tx, fresh);
    return fresh;
  }

  /** One INSERT of these messages (all new). */
  private async insertRows(client: Prisma.TransactionClient, fresh: MessageToStore[]): Promise<void> {
    if (fresh.length === 0) return;
    // The whole batch goes as ONE JSON parameter, unpacked by JSON_TABLE (MariaDB 10.6+, MySQL 8):
    // Prisma's per-parameter cost made an 18-parameters-per-row VALUES list the costliest step here.
    // Text columns are read as LONGTEXT so the table's own limits apply (strict mode refuses overlong
    // values; the ones a sender chooses are clipped to fit first).
    const rows = fresh.map((m) => [
      m.sessionId,
      m.waMessageId,
      m.chatJid,
      m.from,
      m.to,
      m.direction,
      m.type,
      m.text,
      clip(m.fileName, 255),
      m.mediaPath,
      clip(m.mediaMime, 128),
      m.mediaSize,
      m.quotedId,
      clip(m.pushName, 120),
      sqlDateTime(m.waTimestamp),
      m.status,
      m.raw,
    ]);
    await client.$executeRaw`
      INSERT INTO messages (session_id, wa_message_id, chat_jid, from_number, to_number, direction, type, text,
        file_name, media_path, media_mime, media_size, quoted_id, push_name, wa_timestamp, status, raw, updated_at)
      SELECT session_id, wa_message_id, chat_jid, from_number, to_number, direction, type, text,
        file_name, media_path, media_mime, media_size, quoted_id, push_name, wa_timestamp, status, raw,
        ${sqlDateTime(new Date())}
      FROM JSON_TABLE(${JSON.stringify(rows)}, '$[*]' COLUMNS (
        n FOR ORDINALITY,
        session_id LONGTEXT PATH '$[0]', wa_message_id LONGTEXT PATH '$[1]', chat_jid LONGTEXT PATH '$[2]',
        from_number LONGTEXT PATH '$[3]', to_number LONGTEXT PATH '$[4]', direction LONGTEXT PATH '$[5]',
        type LONGTEXT PATH '$[6]', text LONGTEXT PATH '$[7]', file_name LONGTEXT PATH '$[8]',
        media_path LONGTEXT PATH '$[9]', media_mime LONGTEXT PATH '$[10]', media_size BIGINT PATH '$[11]',
        quoted_id LONGTEXT PATH '$[12]', push_name LONGTEXT PATH '$[13]', wa_timestamp DATETIME(3) PATH '$[14]',
        status LONGTEXT PATH '$[15]', raw LONGTEXT PATH '$[16]'
      )) AS batch
      ORDER BY n`;
  }

  /** Status changes of the batch: one read of the messages, then one update per resulting status. */
  private async applyStatuses(
    tx: Prisma.TransactionClient,
    jobs: StatusJob[],
  ): Promise<Changed[]> {
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
    const changed: Changed[] = [];
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
