import { join } from 'node:path';
import { BeforeApplicationShutdown, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DomainEvents, type MessageStatusValue, type StoredMessageEvent } from '../common/domain-events';
import { AppConfig } from '../config/app-config';
import { Prisma } from '../generated/prisma/client';
import type { OutboxEvent } from '../outbox/event-names';
import { OutboxWriter } from '../outbox/outbox-writer';
import { Database } from '../prisma/database';
import { poolConfigFromUrl } from '../prisma/database-url';
import { PrismaService } from '../prisma/prisma.service';
import { sqlDateTime, type Statement } from '../prisma/statement';
import { CaptureConnection } from './capture-connection';
import { CaptureJournal } from './capture-journal';
import { chatsStatement } from './chat-touches';
import { messageEventOf, messagePayload, statusPayload } from './message-payloads';
import { shutdownWait } from '../common/process-faults';

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

/** `seq` orders every job of a run (journal replays sort by it); `journaled` once it is on disk. */
type Job = { seq: number; journaled?: boolean } & (
  | { kind: 'message'; item: MessageToStore; done: (stored: boolean) => void; fail: (e: unknown) => void }
  | { kind: 'status'; item: StatusToStore; done: (changed: boolean) => void; fail: (e: unknown) => void }
);

/** A job as a journal line. */
interface JournalEntry {
  s: number;
  k: 'm' | 's';
  v: MessageToStore | StatusToStore;
}

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
/**
 * The bound of the in-memory queue: jobs queued or in batches not yet written. Past it, and whenever
 * a batch fails with the database unreachable or takes longer than SLOW_BATCH_MS, the capture
 * switches to its journal (see the class comment): nothing more waits in memory. A database answer
 * is read only on the event loop's next turn, and under a flood at 50 sessions on a busy machine one
 * turn (seconds long) hands over more than 5,000 messages, all sent and most already committed: with
 * a bound of 5,000 such floods went to the journal (and were replayed) while the database answered
 * (docs/benchmarks.md, issue 22). Estimated at 2-3 KiB a message (its row, `raw`, its part of the
 * batch's JSON), the bound is about 50 MiB.
 */
const MAX_IN_MEMORY = 20_000;
const SLOW_BATCH_MS = 2_000;
/** While journaling, the database is probed this often; the backlog drains as soon as it answers. */
const PROBE_EVERY_MS = 1_000;
/** At shutdown, batches under way get this long to be written; what is not is journaled. */
const SHUTDOWN_GRACE_MS = 1_500;
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

/**
 * Rows go in by session (in the whatsapp_sessions key's order), each session's in arrival order: the
 * foreign key check share-locks each session's row as its first message goes in, and a lease renewal
 * (UPDATE whatsapp_sessions ... WHERE id IN (...)) locks the same rows in key order. Locked in
 * arrival order, the two deadlocked under load (seen at 50 sessions, 500 messages/s).
 */
const INSERT_MESSAGES = `
  INSERT INTO messages (session_id, wa_message_id, chat_jid, from_number, to_number, direction, type, text,
    file_name, media_path, media_mime, media_size, quoted_id, push_name, wa_timestamp, status, raw,
    chat_kind, participant, participant_lid, chat_lid, ptt, updated_at)
  SELECT session_id, wa_message_id, chat_jid, from_number, to_number, direction, type, text,
    file_name, media_path, media_mime, media_size, quoted_id, push_name, wa_timestamp, status, raw,
    chat_kind, participant, participant_lid, chat_lid, COALESCE(ptt, 0), ?
  FROM JSON_TABLE(?, '$[*]' COLUMNS (
    n FOR ORDINALITY,
    session_id LONGTEXT PATH '$[0]', wa_message_id LONGTEXT PATH '$[1]', chat_jid LONGTEXT PATH '$[2]',
    from_number LONGTEXT PATH '$[3]', to_number LONGTEXT PATH '$[4]', direction LONGTEXT PATH '$[5]',
    type LONGTEXT PATH '$[6]', text LONGTEXT PATH '$[7]', file_name LONGTEXT PATH '$[8]',
    media_path LONGTEXT PATH '$[9]', media_mime LONGTEXT PATH '$[10]', media_size BIGINT PATH '$[11]',
    quoted_id LONGTEXT PATH '$[12]', push_name LONGTEXT PATH '$[13]', wa_timestamp DATETIME(3) PATH '$[14]',
    status LONGTEXT PATH '$[15]', raw LONGTEXT PATH '$[16]', chat_kind LONGTEXT PATH '$[17]',
    participant LONGTEXT PATH '$[18]', participant_lid LONGTEXT PATH '$[19]', chat_lid LONGTEXT PATH '$[20]',
    ptt INT PATH '$[21]'
  )) AS batch
  ORDER BY session_id COLLATE utf8mb4_unicode_ci, n`;

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
  ptt: m.ptt === true,
  waTimestamp: m.waTimestamp,
  chatKind: m.chatKind ?? 'direct',
  participant: m.participant ?? null,
  participantLid: m.participantLid ?? null,
  chatLid: m.chatLid ?? null,
});

/** A message read back from the journal (its date was written as text). */
const revive = (m: MessageToStore): MessageToStore => ({ ...m, waTimestamp: new Date(m.waTimestamp) });

/**
 * Stores captured messages and their delivery statuses, in batches. A batch goes out as soon as it
 * is full, or at the end of the event loop's turn; batches are reported in the order they were
 * taken, and written in it too.
 * - The usual batch (new messages only) is one transaction, sent on the capture's own connection
 *   without waiting for the batches before it (CaptureConnection): the messages, their chats' rows
 *   (chat-touches.ts: last message, unread count) and their webhook outbox rows.
 * - A batch with statuses, or with a message seen before, takes the checked path once the batches
 *   before it are written: one Prisma transaction that drops the messages already stored, upserts
 *   the chats' rows of the new ones, applies the statuses and writes the outbox rows.
 * Single-row inserts cap near 500/s; batches go far beyond.
 *
 * Database outages: WhatsApp does not deliver a message twice, so what it delivered must survive
 * a crash even while the database cannot take it. The capture journals on local disk only when
 * the database fails or is slow (the normal path does no disk work): when a batch fails with the
 * database unreachable, when one is not written within SLOW_BATCH_MS, or when MAX_IN_MEMORY jobs
 * wait, it switches to the journal (CaptureJournal, JOURNAL_DIR): everything waiting in memory
 * and every new job is appended there (fsynced in groups) and resolved once on disk; nothing more
 * waits in memory. When the database answers again, the journal is replayed in the order received
 * (per session too), in batches of MAX_BATCH on the checked path (a message already stored is
 * skipped, so its outbox row is written once), then deleted; the capture goes back to memory
 * when nothing is left. At start a journal left by a crash is replayed before sessions connect.
 * The window that remains: Baileys acknowledges a message to WhatsApp before it emits
 * messages.upsert, and the capture holds a new message in memory for at most SLOW_BATCH_MS before
 * it is written or journaled; a crash in that window loses it.
 */
@Injectable()
export class MessageCapture implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(MessageCapture.name);
  private queue: Job[] = [];
  private queuedBytes = 0;
  private flushScheduled = false;
  /** Resolves when the last batch taken is on its way (sent, or written when checked). */
  private sent: Promise<void> = Promise.resolve();
  /** Resolves when the last batch taken is written (or journaled) and reported. */
  private settled: Promise<void> = Promise.resolve();
  /** Batches taken and not yet written or journaled, and how many jobs are in memory in all. */
  private readonly unsettled = new Set<Job[]>();
  private inMemory = 0;
  private nextSeq = Date.now() * 1000;
  /** True while new jobs go to the journal (the database failed), until the journal is replayed. */
  private journaling = false;
  private replaying: Promise<void> | null = null;
  /** Jobs the journal could not take (a disk error): kept in memory and written first. */
  private stranded: Job[] = [];
  private stopping = false;
  private wakeUp: (() => void) | null = null;
  private readonly recent = new LRUCache<string, true>({ max: RECENT_KEYS });
  private readonly journal: CaptureJournal;

  constructor(
    private readonly prisma: PrismaService,
    private readonly database: Database,
    private readonly connection: CaptureConnection,
    private readonly outbox: OutboxWriter,
    private readonly events: DomainEvents,
    config: AppConfig,
  ) {
    this.journal = new CaptureJournal(
      join(config.JOURNAL_DIR, poolConfigFromUrl(config.DATABASE_URL).database),
    );
  }

  /** Resolves true when the message was stored now (or journaled), false when it already was. */
  store(item: MessageToStore): Promise<boolean> {
    return new Promise((done, fail) => this.enqueue({ kind: 'message', item, done, fail, seq: 0 }));
  }

  /** Resolves true when the stored message's status moved forward (or it was journaled). */
  updateStatus(item: StatusToStore): Promise<boolean> {
    return new Promise((done, fail) => this.enqueue({ kind: 'status', item, done, fail, seq: 0 }));
  }

  /** Whether the capture is writing to its journal (the database failed) and how much is in memory. */
  state(): { journaling: boolean; inMemory: number } {
    return { journaling: this.journaling, inMemory: this.inMemory };
  }

  /**
   * Waits until what is queued now is written (or journaled); unlike `drain`, not what comes after,
   * so a steady flood of messages cannot hold the caller back.
   */
  written(): Promise<void> {
    this.takeBatch();
    return this.settled;
  }

  /** Waits until everything queued so far is written (or, while the database is down, journaled). */
  async drain(): Promise<void> {
    do {
      this.takeBatch();
      await this.settled;
    } while (this.queue.length > 0);
  }

  /**
   * A journal left by a crash is replayed before sessions connect (Nest runs every onModuleInit
   * before any onApplicationBootstrap); while the database does not answer, the capture starts in
   * journal mode and replays it when it does.
   */
  async onModuleInit(): Promise<void> {
    if ((await this.journal.segments()).length === 0) return;
    this.logger.warn('Replaying the message journal left by the last run');
    this.startJournaling('a journal was left by the last run');
    await this.replaying;
  }

  /**
   * First thing at shutdown (other parts' hooks may then wait for a database that is gone, until the
   * process's deadline): a copy of what is in memory goes to the journal. Written normally too, it
   * is a no-op at the next start's replay.
   */
  onModuleDestroy(): void {
    this.toJournal([...[...this.unsettled].flat(), ...this.queue]);
  }

  /**
   * Prompt even while the database is down: batches under way get SHUTDOWN_GRACE_MS, then what is
   * not written is journaled (replayed at the next start) and the replay loop stops.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    // Journaling already (the database is down): no batch is worth waiting for.
    if (this.journaling) this.toJournal(this.queue);
    else this.takeBatch();
    const grace = shutdownWait(SHUTDOWN_GRACE_MS).then(() => false);
    const written = !this.journaling && (await Promise.race([this.settled.then(() => true), grace]));
    if (!written || this.journaling) this.toJournal([...this.queue, ...[...this.unsettled].flat()]);
    this.queue = [];
    await Promise.race([this.replaying, shutdownWait(300)]);
    await this.journal.close();
  }

  private enqueue(job: Job): void {
    job.seq = this.nextSeq++;
    if (this.journaling) return this.toJournal([job]);
    this.queue.push(job);
    this.inMemory++;
    this.queuedBytes += jobBytes(job);
    if (this.inMemory >= MAX_IN_MEMORY) return this.startJournaling(`${this.inMemory} messages are waiting`);
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
    this.unsettled.add(batch);
    // Judged after the next poll phase: timers run before it, so after a turn of the event loop longer
    // than SLOW_BATCH_MS (a flood) the timer would fire before the answer that came meanwhile is read.
    const slow = setTimeout(
      () =>
        setImmediate(() => {
          if (this.unsettled.has(batch)) this.startJournaling('writing messages takes too long');
        }),
      SLOW_BATCH_MS,
    );
    slow.unref();
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
          this.report(batch, written);
        },
        async (error: unknown) => {
          await before;
          await this.recover(batch, error);
        },
      )
      .catch((error: unknown) => this.failed(batch, error))
      .finally(() => {
        clearTimeout(slow);
        if (this.unsettled.delete(batch)) this.inMemory -= batch.length;
      });
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
      // The chats' rows (last message, unread count) move in the same transaction as their messages.
      const chats = chatsStatement(fresh);
      if (chats) statements.push(chats);
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
   * A failed batch. With the database unreachable (or the capture already journaling) it goes to
   * the journal, and so does everything after it until the journal is replayed. When the database
   * answers, the batch is written job by job, so a row that cannot be stored costs only itself.
   */
  private async recover(batch: Job[], error: unknown): Promise<void> {
    if (this.journaling || this.stopping || !(await this.database.isReachable(PROBE_EVERY_MS))) {
      this.startJournaling('the database is unreachable', error);
      return this.toJournal(batch);
    }
    const written = await this.writeChecked(batch).then(
      (w) => w,
      () => null,
    );
    if (written) return this.report(batch, written);
    if (batch.length === 1) return this.failed(batch, error);
    this.logger.warn(
      { err: error, jobs: batch.length },
      'A batch of messages failed; writing them one by one',
    );
    for (const job of batch)
      await this.writeChecked([job]).then(
        (w) => this.report([job], w),
        (e: unknown) => this.failed([job], e),
      );
  }

  private failed(jobs: Job[], error: unknown): void {
    this.logger.error({ err: error, jobs: jobs.length }, 'Could not store messages');
    for (const job of jobs) job.fail(error);
  }

  /** Switches to the journal: what waits in memory goes there, and every new job until the replay. */
  private startJournaling(reason: string, error?: unknown): void {
    if (!this.journaling) {
      this.journaling = true;
      this.logger.warn(
        { err: error, reason },
        'Messages now go to the journal until the database takes them',
      );
      const queued = this.queue;
      this.queue = [];
      this.queuedBytes = 0;
      this.inMemory -= queued.length;
      // Older first: the batches under way (they may still be written too; the replay skips them then).
      this.toJournal([...[...this.unsettled].flat(), ...queued]);
    }
    this.replaying ??= this.replayLoop().finally(() => (this.replaying = null));
  }

  /** Appends jobs to the journal and resolves each once on disk; a job the disk refuses stays in memory. */
  private toJournal(jobs: Job[]): void {
    for (const job of jobs) {
      if (job.journaled) continue;
      job.journaled = true;
      const entry: JournalEntry = { s: job.seq, k: job.kind === 'message' ? 'm' : 's', v: job.item };
      this.journal.append(entry).then(
        () => job.done(true),
        (error: unknown) => {
          this.logger.error(
            { err: error },
            'Could not write the message journal; keeping the message in memory',
          );
          this.stranded.push(job);
        },
      );
    }
  }

  /**
   * While journaling: waits for the database, replays the journal, and goes back to memory once
   * nothing was appended during the last replay. Stops at shutdown (the journal stays for the next start).
   */
  private async replayLoop(): Promise<void> {
    let wait = false;
    while (!this.stopping) {
      if (wait) await this.pause(PROBE_EVERY_MS);
      wait = true;
      if (this.stopping || !(await this.database.isReachable(PROBE_EVERY_MS))) continue;
      await this.journal.rotate();
      if (!(await this.replayJournal())) continue;
      if (this.stranded.length > 0 && !(await this.writeStranded())) continue;
      // Synchronously with the check: a job enqueued from here on goes to memory again.
      if (!this.journal.hasOpenSegment && this.stranded.length === 0) {
        this.journaling = false;
        this.logger.log('The message journal is replayed; messages are written directly again');
        return;
      }
      wait = false; // more came in during the replay: on with it at once
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => (clearTimeout(timer), resolve());
    }).finally(() => (this.wakeUp = null));
  }

  /** Replays every closed segment, oldest first; false when the database failed (kept for later). */
  private async replayJournal(): Promise<boolean> {
    for (const path of await this.journal.segments()) {
      const entries = ((await this.journal.read(path)) as JournalEntry[]).sort((a, b) => a.s - b.s);
      const jobs = entries.map((e): Job => {
        const noop = () => undefined;
        return e.k === 'm'
          ? { kind: 'message', item: revive(e.v as MessageToStore), done: noop, fail: noop, seq: e.s }
          : { kind: 'status', item: e.v as StatusToStore, done: noop, fail: noop, seq: e.s };
      });
      if (!(await this.writeInBatches(jobs))) return false;
      await this.journal.remove(path);
    }
    return true;
  }

  private async writeStranded(): Promise<boolean> {
    const jobs = this.stranded.sort((a, b) => a.seq - b.seq);
    this.stranded = [];
    for (const job of jobs) job.journaled = false;
    if (await this.writeInBatches(jobs)) return true;
    this.stranded = [...jobs, ...this.stranded];
    return false;
  }

  /**
   * Writes jobs in order, MAX_BATCH (and MAX_BATCH_BYTES) at a time, on the checked path. False when
   * the database stopped answering; a batch it refuses while reachable is written job by job.
   */
  private async writeInBatches(jobs: Job[]): Promise<boolean> {
    let start = 0;
    while (start < jobs.length) {
      if (this.stopping) return false;
      let end = start;
      let bytes = 0;
      while (end < jobs.length && end - start < MAX_BATCH && bytes < MAX_BATCH_BYTES)
        bytes += jobBytes(jobs[end++]);
      const batch = jobs.slice(start, end);
      const written = await this.writeChecked(batch).catch(() => null);
      if (written) this.report(batch, written);
      else if (!(await this.database.isReachable(PROBE_EVERY_MS))) return false;
      else
        for (const job of batch)
          await this.writeChecked([job]).then(
            (w) => this.report([job], w),
            (e: unknown) => this.failed([job], e),
          );
      start = end;
    }
    return true;
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
    const events: OutboxEvent[] = [];
    for (const m of fresh) {
      const event = messageEventOf(m);
      if (event)
        events.push({ event, sessionId: m.sessionId, payload: messagePayload(m, m.mediaPath !== null) });
    }
    return events;
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
   * direction). Plain SQL: one SELECT of the batch's ids already stored, one INSERT of the rest,
   * one upsert of their chats' rows.
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
      const chats = chatsStatement(fresh);
      if (chats) await tx.$executeRawUnsafe(chats.sql, ...chats.values);
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
      m.chatKind ?? 'direct',
      m.participant ?? null,
      m.participantLid ?? null,
      m.chatLid ?? null,
      m.ptt ? 1 : 0,
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
