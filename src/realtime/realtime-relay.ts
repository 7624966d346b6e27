import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PruneJob } from '../common/prune-job';
import { AppConfig } from '../config/app-config';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { ClusterPort } from '../whatsapp/whatsapp.port';
import { RelayCursor } from './relay-cursor';
import { shutdownWait } from '../common/process-faults';

/** Events published within this many ms go to the table in one INSERT. */
const FLUSH_MS = 10;
/** At most this many rows, and about this many bytes, per INSERT (well under max_allowed_packet). */
const BATCH_ROWS = 500;
const BATCH_BYTES = 4 * 1024 * 1024;
/** An event bigger than this is not relayed (a message's text is far smaller). */
const MAX_PAYLOAD_BYTES = 512 * 1024;
/** Events waiting for the database beyond this many are dropped, oldest first (it is down or slow). */
const MAX_WAITING = 20_000;
/** Rows read per query; a full read is followed by another at once. */
const READ_ROWS = 500;
const MAX_READS_PER_TICK = 20;
/** An id missing below one already read is asked for again this long (see RelayCursor). */
const HOLE_SETTLE_MS = 5_000;
/** Rows older than this are deleted, in rounds, every PRUNE_EVERY_MS by whichever process is in a cluster. */
const RETENTION_SECONDS = 60;
const PRUNE_EVERY_MS = 15_000;
const PRUNE_ROUND = 5_000;
/** Failures are logged at most this often. */
const WARN_EVERY_MS = 30_000;

/** `payload`: the event's data as JSON, as its process serialised it for its own clients. */
export type RelayedEventListener = (event: string, payload: string) => void;

interface Outgoing {
  event: string;
  sessionId: string | null;
  payload: string;
}

interface RelayRow {
  id: bigint;
  origin: string;
  event: string;
  payload: string;
}

/**
 * Carries /ws events between the gateway processes of a cluster through `realtime_events` (MySQL is
 * the one shared state). While the last heartbeat saw more than one live process (ClusterPort),
 * each process writes the events its /ws clients get (batched: one INSERT per FLUSH_MS, never one
 * per event) and reads the others' rows by id every REALTIME_RELAY_POLL_MS, handing them to its own
 * /ws clients only: nothing read here goes back onto the domain event bus (no webhooks, metrics or
 * capture run twice). A process alone writes and reads nothing. Delivery is best effort, like /ws
 * itself: events of a failed write are dropped; a read that fails is repeated from where it stood.
 */
@Injectable()
export class RealtimeRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RealtimeRelay.name);
  private readonly listeners = new Set<RelayedEventListener>();
  private readonly pruneJob = new PruneJob(this.logger, 'relayed /ws events');
  private waiting: Outgoing[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  /** Null while this process is alone (or the relay is off): nothing is read. */
  private cursor: RelayCursor | null = null;
  private lastPruneAt = 0;
  private lastWarnAt = 0;
  private dropped = 0;
  /** Shutting down: nothing more is queued (the pool is about to close). */
  private closed = false;

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
    private readonly cluster: ClusterPort,
  ) {}

  private get origin(): string {
    return this.config.INSTANCE_ID!;
  }

  /** Whether this process shares its /ws events with others now. */
  get active(): boolean {
    return this.config.REALTIME_RELAY && this.cluster.liveProcesses() > 1;
  }

  onApplicationBootstrap(): void {
    if (!this.config.REALTIME_RELAY) return;
    this.pollTimer = setInterval(() => void this.tick(), this.config.REALTIME_RELAY_POLL_MS);
    this.pollTimer.unref();
    // In a cluster already (the first heartbeat saw others): start reading before the first client.
    void this.tick();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    this.pruneJob.stop();
    // What was published last still goes out, unless the database keeps it waiting.
    const done = Promise.all([this.reading, this.writing ?? this.write()]);
    await Promise.race([done, shutdownWait(1_000)]);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  /** Listens to the other processes' events (the /ws gateway); returns the unsubscribe. */
  onRelayed(listener: RelayedEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Queues an event (its data as JSON) this process pushes to its /ws clients for the others (a no-op when alone). */
  publish(event: string, sessionId: string | null, payload: string): void {
    if (this.closed || !this.active) return;
    if (payload.length > MAX_PAYLOAD_BYTES) {
      this.warn(`A ${event} event of ${payload.length} bytes is too large to relay to other processes`);
      return;
    }
    if (this.waiting.length >= MAX_WAITING) {
      this.waiting.shift();
      this.dropped++;
    }
    this.waiting.push({ event, sessionId, payload });
    if (!this.flushTimer && !this.writing) this.flushTimer = setTimeout(() => void this.write(), FLUSH_MS);
  }

  /** Writes what waits, batch after batch; one writer at a time keeps this process's rows in order. */
  private write(): Promise<void> {
    this.flushTimer = null;
    this.writing ??= (async () => {
      try {
        while (this.waiting.length > 0) {
          const batch = this.nextBatch();
          await this.insert(batch).catch((error: unknown) =>
            this.warn(`Could not relay ${batch.length} /ws events to other processes: ${String(error)}`),
          );
        }
        if (this.dropped > 0) {
          this.warn(`Dropped ${this.dropped} /ws events for other processes (the database fell behind)`);
          this.dropped = 0;
        }
      } finally {
        this.writing = null;
      }
    })();
    return this.writing;
  }

  private nextBatch(): Outgoing[] {
    let bytes = 0;
    let count = 0;
    while (count < this.waiting.length && count < BATCH_ROWS && bytes < BATCH_BYTES)
      bytes += this.waiting[count++].payload.length;
    return this.waiting.splice(0, count);
  }

  private async insert(batch: Outgoing[]): Promise<void> {
    const rows = batch.map((e) => Prisma.sql`(${this.origin}, ${e.event}, ${e.sessionId}, ${e.payload})`);
    await this.prisma.$executeRaw`
      INSERT INTO realtime_events (origin, event, session_id, payload) VALUES ${Prisma.join(rows)}`;
  }

  /** One pass of the reader; a pass still running is not overlapped. */
  tick(): Promise<void> {
    this.reading ??= this.read()
      .catch((error: unknown) => this.warn(`Could not read other processes' /ws events: ${String(error)}`))
      .finally(() => (this.reading = null));
    return this.reading;
  }

  private async read(): Promise<void> {
    if (!this.active) {
      // Alone again: a later cluster starts reading from its own present.
      this.cursor = null;
      return;
    }
    if (!this.cursor) {
      const [{ high }] = await this.prisma.$queryRaw<{ high: bigint | null }[]>`
        SELECT MAX(id) AS high FROM realtime_events`;
      this.cursor = new RelayCursor(BigInt(high ?? 0), HOLE_SETTLE_MS);
    }
    const cursor = this.cursor;
    for (let round = 0; round < MAX_READS_PER_TICK; round++) {
      const holes = cursor.holes(Date.now());
      const rows = await this.prisma.$queryRaw<RelayRow[]>`
        SELECT id, origin, event, payload FROM realtime_events
        WHERE id > ${cursor.highest}${holes.length > 0 ? Prisma.sql` OR id IN (${Prisma.join(holes)})` : Prisma.empty}
        ORDER BY id LIMIT ${READ_ROWS}`;
      if (this.cursor !== cursor) return;
      const fresh = cursor.accept(
        rows.map((r) => BigInt(r.id)),
        Date.now(),
      );
      rows.forEach((row, i) => {
        if (fresh[i] && row.origin !== this.origin) this.deliver(row);
      });
      if (rows.length < READ_ROWS) break;
    }
    await this.prune();
  }

  private deliver(row: RelayRow): void {
    for (const listener of this.listeners) {
      try {
        listener(row.event, row.payload);
      } catch {
        // A listener's failure is its own business.
      }
    }
  }

  private async prune(): Promise<void> {
    if (Date.now() - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = Date.now();
    await this.pruneJob.run(() =>
      this.pruneJob.rounds(
        () => this.prisma.$executeRaw`
          DELETE FROM realtime_events
          WHERE created_at < NOW(3) - INTERVAL ${RETENTION_SECONDS} SECOND
          ORDER BY created_at LIMIT ${PRUNE_ROUND}`,
        PRUNE_ROUND,
      ),
    );
  }

  private warn(message: string): void {
    if (Date.now() - this.lastWarnAt < WARN_EVERY_MS) {
      this.logger.debug(message);
      return;
    }
    this.lastWarnAt = Date.now();
    this.logger.warn(message);
  }
}
