import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { shutdownWait } from '../common/process-faults';

const FLUSH_EVERY_MS = 100;
const SHUTDOWN_FLUSH_MS = 1_000;

type Pending = Map<string, { category: string; keyId: string; value: unknown }>;

const compare = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
/** Rows in the order of the table's primary key: session, category, key id. */
const inKeyOrder = (a: string[], b: string[]): number =>
  compare(a[0], b[0]) || compare(a[1], b[1]) || compare(a[2], b[2]);

/** One key of a session, as a map key (here and in the store's cache). */
export const keyOf = (category: string, keyId: string): string => `${category}\u0000${keyId}`;

/**
 * Write-behind for auth keys. Baileys rewrites a Signal session on every message it decrypts or
 * encrypts; writing each one at once caps a session at one database round trip per message. Key
 * writes are instead kept here (readers see them at once) and written every 100 ms, all sessions in
 * one transaction. A crash can lose at most that window of ratchet updates, which WhatsApp's own
 * retry receipts repair; credentials and deletes go through the same path and are flushed before
 * any load, clear or shutdown.
 */
@Injectable()
export class AuthKeyWriter implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AuthKeyWriter.name);
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly prisma: PrismaService) {}

  /** Queues writes (value) and deletes (null) of one session; `seal` encrypts a value at flush time. */
  queue(sessionId: string, entries: { category: string; keyId: string; value: unknown }[]): void {
    let forSession = this.pending.get(sessionId);
    if (!forSession) this.pending.set(sessionId, (forSession = new Map()));
    for (const entry of entries) forSession.set(keyOf(entry.category, entry.keyId), entry);
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
  }

  /** A queued value not yet written: `undefined` when none, `null` when a delete is queued. */
  peek(sessionId: string, category: string, keyId: string): unknown {
    const entry = this.pending.get(sessionId)?.get(keyOf(category, keyId));
    return entry === undefined ? undefined : entry.value;
  }

  /** Forgets what is queued for a session (its keys are about to be deleted). */
  discard(sessionId: string): void {
    this.pending.delete(sessionId);
  }

  /** Writes everything queued so far, and waits for it. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  /** A last write; while the database is down it gets SHUTDOWN_FLUSH_MS (the keys are then lost, as at a crash). */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.race([this.flush(), shutdownWait(SHUTDOWN_FLUSH_MS)]);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Set by the store: turns a value into the sealed bytes kept in the database. */
  seal: (value: unknown) => Buffer = () => {
    throw new Error('AuthKeyWriter.seal is not set');
  };

  private async write(batch: Map<string, Pending>): Promise<void> {
    if (batch.size === 0) return;
    const rows: [string, string, string, string][] = [];
    const deletes: Prisma.SessionAuthKeyWhereInput[] = [];
    for (const [sessionId, entries] of batch) {
      for (const { category, keyId, value } of entries.values()) {
        if (value === null || value === undefined) deletes.push({ sessionId, category, keyId });
        else rows.push([sessionId, category, keyId, this.seal(value).toString('base64')]);
      }
    }
    // In primary-key order, as lease renewals lock the sessions' rows: two statements that lock the
    // same rows in the same order cannot deadlock (each key's insert share-locks its session's row).
    rows.sort(inKeyOrder);
    const statements: Prisma.PrismaPromise<unknown>[] = [];
    if (rows.length > 0) {
      // The whole batch as ONE JSON parameter (Prisma's cost is per parameter; see MessageCapture).
      statements.push(this.prisma.$executeRaw`
        INSERT INTO session_auth_keys (session_id, category, key_id, value, updated_at)
        SELECT session_id, category, key_id, FROM_BASE64(value), ${new Date()}
        FROM JSON_TABLE(${JSON.stringify(rows)}, '$[*]' COLUMNS (
          session_id LONGTEXT PATH '$[0]', category LONGTEXT PATH '$[1]', key_id LONGTEXT PATH '$[2]',
          value LONGTEXT PATH '$[3]'
        )) AS batch
        ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = VALUES(updated_at)`);
    }
    if (deletes.length > 0)
      statements.push(this.prisma.sessionAuthKey.deleteMany({ where: { OR: deletes } }));
    try {
      await this.prisma.$transaction(statements);
    } catch (error) {
      this.logger.error({ err: error }, 'Could not write WhatsApp auth keys; retrying');
      // Put the batch back under anything newer that was queued meanwhile.
      for (const [sessionId, entries] of batch) {
        const newer = this.pending.get(sessionId) ?? new Map();
        this.pending.set(sessionId, new Map([...entries, ...newer]));
      }
      this.timer ??= setTimeout(() => void this.flush(), 1000);
    }
  }
}
