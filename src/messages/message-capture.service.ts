import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DomainEvents, type MessageStatusValue, type StoredMessageEvent } from '../common/domain-events';
import { Prisma } from '../generated/prisma/client';
import type { OutboxEvent } from '../outbox/event-names';
import { OutboxWriter } from '../outbox/outbox-writer';
import { Database } from '../prisma/database';
import { PrismaService } from '../prisma/prisma.service';
import { sqlDateTime, type Statement } from '../prisma/statement';
import { CaptureConnection } from './capture-connection';
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
 * A batch takes what queued since the last one went out, up to these limits. The byte limit keeps a
 * batch's query under MySQL's and MariaDB's default max_allowed_packet (16 MiB and more) when
 * messages are long: a text is in it twice (the message and its webhook row), as UTF-8 (up to 3
 * bytes a character) or escaped twice (JSON, then SQL: up to 4 bytes). (Batches of 5,000 gave no
 * measurable gain under a flood.)
 */
const MAX_BATCH = 500;
const MAX_BATCH_BYTES = 2 ** 20;
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
interface Written {
  fresh: MessageToStore[];
  changed: Changed[];
}

/** A message's identity: session, WhatsApp id and direction. */
const messageKey = (m: { sessionId: string; waMessageId: string; direction: string }): string =>
  `${m.sessionId}\u0000${m.waMessageId}\u0000${m.direction}`;

/** True for the database refusing a row that its unique key already holds (through Prisma or not). */
function isDuplicateKey(error: unknown): boolean {
  if ((error as { errno?: number }).errno === 1062) return true;
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2002') return true;
  const cause = (error.meta?.driverAdapterError as { cause?: { kind?: string } } | undefined)?.cause;
  return cause?.kind === 'UniqueConstraintViolation';
}

const INSERT_MESSAGES = `
  INSERT INTO messages (session_id, wa_message_id, chat_jid, from_number, to_number, direction, type, text,
    file_name, media_path, media_mime, media_size, quoted_id, push_name, wa_timestamp, status, raw, updated_at)
  SELECT session_id, wa_message_id, chat_jid, from_number, to_number, direction, type, text,
    file_name, media_path, media_mime, media_size, quoted_id, push_name, wa_timestamp, status, raw, ?
  FROM JSON_TABLE(?, '$[*]' COLUMNS (
    n FOR ORDINALITY,
    session_id LONGTEXT PATH '$[0]', wa_message_id LONGTEXT PATH '$[1]', chat_jid LONGTEXT PATH '$[2]',
    from_number LONGTEXT PATH '$[3]', to_number LONGTEXT PATH '$[4]', direction LONGTEXT PATH '$[5]',
    type LONGTEXT PATH '$[6]', text LONGTEXT PATH '$[7]', file_name LONGTEXT PATH '$[8]',
    media_path LONGTEXT PATH '$[9]', media_mime LONGTEXT PATH '$[10]', media_size BIGINT PATH '$[11]',
    quoted_id LONGTEXT PATH '$[12]', push_name LONGTEXT PATH '$[13]', wa_timestamp DATETIME(3) PATH '$[14]',
    status LONGTEXT PATH '$[15]', raw LONGTEXT PATH '$[16]'
  )) AS batch
  ORDER BY n`;

/** Roughly what a job adds to a batch's statements: its longest values and room for the rest. */
const jobBytes = (job: Job): number =>
  job.kind === 'message' ? (job.item.text?.length ?? 0) + (job.item.raw?.length ?? 0) + 300 : 100;

/** Free-form values a sender chooses, cut to their column's size rather than refused. */
const clip = (value: string | null, max: number): string | null =>
  value !== null && value.length > max ? value.slice(0, max) : value;

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
 * Stores captured messages and their delivery statuses, in batches. A batch goes out as soon as it
 * is full, or at the end of the event loop's turn; batches are reported in the order they were
 * taken, and written in it too (except one that fails and is retried: the batches sent behind it
 * may be committed first).
 * - The usual batch (new messages only) is one transaction, sent on the capture's own connection
 *   without waiting for the batches before it (CaptureConnection): the messages and their webhook
 *   outbox rows.
 * - A batch with statuses, or with a message seen before, takes the checked path once the batches
 *   before it are written: one Prisma transaction that drops the messages already stored, applies
 *   the statuses and writes the outbox rows.
 * Single-row inserts cap near 500/s; batches go far beyond.
 */
@Injectable()
export class MessageCapture implements BeforeApplicationShutdown {
  private readonly logger = new Logger(MessageCapture.name);
  private queue: Job[] = [];
  private queuedBytes = 0;
  private flushScheduled = false;
  /** Resolves when the last batch taken is on its way (sent, or written when checked). */
  private sent: Promise<void> = Promise.resolve();
  /** Resolves when the last batch taken is written (or given up) and reported. */
  private settled: Promise<void> = Promise.resolve();
  private retryMs = 0;
  private stopping = false;
  private wakeUp: (() => void) | null = null;
  private readonly recent = new LRUCache<string, true>({ max: RECENT_KEYS });

  constructor(
    private readonly prisma: PrismaService,
    private readonly database: Database,
    private readonly connection: CaptureConnection,
    private readonly outbox: OutboxWriter,
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
    do {
      this.takeBatch();
      await this.settled;
    } while (this.queue.length > 0);
  }

  /** At shutdown, a last attempt is made; what the database still cannot take is reported lost. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    await this.drain();
  }

  private enqueue(job: Job): void {
    this.queue.push(job);
    this.queuedBytes += jobBytes(job);
    if (this.queue.length >= MAX_BATCH || this.queuedBytes >= MAX_BATCH_BYTES) return this.takeBatch();
    if (this.flushScheduled) return;
    // The rest of this turn's socket events queue up first.
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.takeBatch();
    });
  }

  /** Takes what is queued as a batch: sent after the batches before it, reported after them too. */
  private takeBatch(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    const before = this.settled;
    const sending = this.sent.then(() => this.send(batch, before));
    this.sent = sending.then(
      () => undefined,
      () => undefined,
    );
    this.settled = sending
      .then(({ written }) => written)
      .then(
        async (written) => {
          await before;
          this.retryMs = 0;
          this.report(batch, written);
        },
        async (error: unknown) => {
          await before;
          await this.retry(batch, error);
        },
      )
      .catch((error: unknown) => this.failed(batch, error));
  }

  /**
   * Sends a batch. Resolves with its write (in a box: an async function would wait for a promise it
   * returns) as soon as the next batch may go out: at once for new messages, once written if checked.
   */
  private async send(batch: Job[], before: Promise<void>): Promise<{ written: Promise<Written> }> {
    const fresh = this.allNew(batch);
    if (fresh) {
      const rows = await this.outbox.rowsFor(this.messageEvents(fresh));
      const statements = [this.insertStatement(fresh)];
      if (rows.length > 0) statements.push(this.outbox.insertStatement(rows));
      const written = this.connection.transaction(statements).then(
        (): Written => ({ fresh, changed: [] }),
        (error: unknown) => {
          // A message the database already holds: the checked path finds out which ones are new.
          if (isDuplicateKey(error)) return before.then(() => this.writeChecked(batch));
          throw error;
        },
      );
      return { written };
    }
    // The checked path reads what the batches before it wrote.
    await before;
    const written = this.writeChecked(batch);
    await written.catch(() => undefined);
    return { written };
  }

  /** The batch's messages when it holds only messages, none of them seen lately or twice. */
  private allNew(batch: Job[]): MessageToStore[] | null {
    const keys = new Set<string>();
    const fresh: MessageToStore[] = [];
    for (const job of batch) {
      if (job.kind !== 'message') return null;
      const key = messageKey(job.item);
      if (keys.has(key) || this.recent.has(key)) return null;
      keys.add(key);
      fresh.push(job.item);
    }
    return fresh;
  }

  private report(batch: Job[], { fresh, changed }: Written): void {
    const freshSet = new Set(fresh);
    const changedSet = new Set(changed.map((c) => c.job));
    for (const job of batch) {
      if (job.kind === 'message') {
        this.recent.set(messageKey(job.item), true);
        job.done(freshSet.has(job.item));
      } else job.done(changedSet.has(job));
    }
    for (const m of fresh) this.events.emit('message.stored', storedEvent(m));
    for (const c of changed) this.events.emit('message.status', c);
  }

  /**
   * A failed batch. While the database cannot be reached, it is tried again with backoff (the
   * batches after it wait to be reported): WhatsApp does not send a message twice, so this is its
   * only copy. When the database answers, the batch is written job by job, so a row that cannot be
   * stored costs only itself.
   */
  private async retry(batch: Job[], error: unknown): Promise<void> {
    let reachable: boolean;
    while (!(reachable = await this.database.isReachable()) && !this.stopping) {
      this.retryMs = Math.min(MAX_RETRY_MS, Math.max(1_000, this.retryMs * 2));
      this.logger.warn(
        { err: error, jobs: batch.length, retryInMs: this.retryMs },
        'The database is unreachable; keeping messages in memory until it answers',
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.retryMs);
        this.wakeUp = () => (clearTimeout(timer), resolve());
      });
      this.wakeUp = null;
    }
    if (!reachable) return this.failed(batch, error);
    const attempt = await this.writeChecked(batch).then(
      (written) => ({ written }),
      (e: unknown) => ({ error: e }),
    );
    if ('written' in attempt) return this.report(batch, attempt.written);
    if (batch.length === 1) return this.failed(batch, attempt.error);
    this.logger.warn(
      { err: attempt.error, jobs: batch.length },
      'A batch of messages failed; writing them one by one',
    );
    for (const job of batch)
      await this.writeChecked([job]).then(
        (written) => this.report([job], written),
        (e: unknown) => this.failed([job], e),
      );
  }

  private failed(jobs: Job[], error: unknown): void {
    this.logger.error({ err: error, jobs: jobs.length }, 'Could not store messages');
    for (const job of jobs) job.fail(error);
  }

  /** The checked path: one Prisma transaction that stores what is new and moves statuses forward. */
  private writeChecked(batch: Job[]): Promise<Written> {
    const messages = batch.filter((j): j is MessageJob => j.kind === 'message');
    const statuses = batch.filter((j): j is StatusJob => j.kind === 'status');
    return this.prisma.$transaction(async (tx) => {
      const fresh = await this.insertNew(tx, messages);
      const changed = await this.applyStatuses(tx, statuses);
      await this.outbox.write(tx, [...this.messageEvents(fresh), ...this.statusEvents(changed)]);
      return { fresh, changed };
    }, CAPTURE_TRANSACTION);
  }

  private messageEvents(fresh: MessageToStore[]): OutboxEvent[] {
    return fresh.map((m) => ({
      event: m.direction === 'inbound' ? 'message.inbound' : 'message.outbound',
      sessionId: m.sessionId,
      payload: messagePayload(m, m.mediaPath !== null),
    }));
  }

  private statusEvents(changed: Changed[]): OutboxEvent[] {
    return changed.map((s) => ({
      event: 'message.status',
      sessionId: s.sessionId,
      payload: statusPayload(s),
    }));
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
    if (fresh.length > 0) {
      const { sql, values } = this.insertStatement(fresh);
      await tx.$executeRawUnsafe(sql, ...values);
    }
    return fresh;
  }

  /**
   * One INSERT of these messages (all new). The whole batch goes as ONE JSON parameter, unpacked by
   * JSON_TABLE (MariaDB 10.6+, MySQL 8): per-parameter costs made an 18-parameters-per-row VALUES
   * list the costliest step here. Text columns are read as LONGTEXT so the table's own limits apply
   * (strict mode refuses overlong values; the ones a sender chooses are clipped to fit first).
   */
  private insertStatement(fresh: MessageToStore[]): Statement {
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
    return { sql: INSERT_MESSAGES, values: [sqlDateTime(new Date()), JSON.stringify(rows)] };
  }

  /** Status changes of the batch: one read of the messages, then one update per resulting status. */
  private async applyStatuses(tx: Prisma.TransactionClient, jobs: StatusJob[]): Promise<Changed[]> {
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
