import { Injectable } from '@nestjs/common';
import { DomainEvents, type OutboxRecordedEvent } from '../common/domain-events';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { withConflictRetries } from './lock-conflicts';
import { OutboxClaims, type Lane } from './outbox-claims';

export interface LaneResult {
  delivered: { id: bigint; statusCode: number }[];
  dead: { id: bigint; statusCode: number | null; error: string }[];
  retry: { id: bigint; statusCode: number | null; error: string; nextAttemptAt: Date } | null;
  /** Claimed but not attempted (an earlier row of the lane must be retried first, or shutdown). */
  released: bigint[];
}

/** Ask for the session's next rows in the same transaction (the lane goes on without a new claim). */
export interface Continuation {
  laneSize: number;
  leaseMs: number;
}

interface Pending {
  lane: Lane;
  result: LaneResult;
  next: Continuation | null;
  done: (next: Lane | null) => void;
  fail: (error: unknown) => void;
}

/**
 * Writes lane results. Every row is updated only while it still carries its lane's lease value
 * (the fence), so a process whose lease ran out cannot overwrite a newer claim. Results of lanes
 * finishing together share one transaction (group commit), which also leases the next rows of
 * sessions that have more: a busy session keeps going without waiting for a claim round.
 */
@Injectable()
export class OutboxResults {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly prisma: PrismaService,
    private readonly claims: OutboxClaims,
    private readonly events: DomainEvents,
  ) {}

  /** Resolves with the session's next lane when `next` was asked for and there is one. */
  record(lane: Lane, result: LaneResult, next: Continuation | null = null): Promise<Lane | null> {
    return new Promise((done, fail) => {
      this.queue.push({ lane, result, next, done, fail });
      if (!this.flushing) this.flushing = this.flush();
    });
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          // Rows are found by primary key only (forced; the fence alone would pick the status index,
          // whose next-key locks made capture's inserts wait for this transaction). A transaction
          // rolled back for a lock conflict is run again as a whole (its updates are fenced).
          const next = await withConflictRetries(this.events, 'record', () =>
            this.prisma.$transaction(async (tx) => {
              for (const statement of this.statements(batch)) await tx.$executeRaw(statement);
              return this.continueLanes(tx, batch);
            }),
          );
          for (const item of batch) item.done(next.get(item) ?? null);
          const attempts = recorded(batch);
          if (attempts.deliveries.length > 0) this.events.emit('outbox.recorded', attempts);
        } catch (error) {
          for (const item of batch) item.fail(error);
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  private async continueLanes(tx: Prisma.TransactionClient, batch: Pending[]): Promise<Map<Pending, Lane>> {
    const next = new Map<Pending, Lane>();
    const wanting = batch.filter((item) => item.next);
    for (const leaseMs of new Set(wanting.map((item) => item.next!.leaseMs))) {
      const items = wanting.filter((item) => item.next!.leaseMs === leaseMs);
      const laneSize = Math.max(...items.map((item) => item.next!.laneSize));
      const lanes = await this.claims.leaseNext(
        tx,
        items.map(({ lane }) => ({ sessionId: lane.sessionId, channel: lane.channel })),
        laneSize,
        leaseMs,
      );
      for (const lane of lanes)
        next.set(
          items.find((item) => item.lane.sessionId === lane.sessionId && item.lane.channel === lane.channel)!,
          lane,
        );
    }
    return next;
  }

  private statements(batch: Pending[]): Prisma.Sql[] {
    const now = new Date();
    const fence = (lease: Date) => Prisma.sql`status = 'pending' AND next_attempt_at = ${lease}`;
    const statements: Prisma.Sql[] = [];
    // Delivered rows of lanes with the same lease and status code go in one statement.
    const delivered = new Map<string, { lease: Date; code: number; ids: bigint[] }>();
    const released = new Map<number, { lease: Date; ids: bigint[] }>();
    for (const { lane, result } of batch) {
      const lease = lane.leaseUntil;
      for (const d of result.delivered) {
        const key = `${lease.getTime()}:${d.statusCode}`;
        const group = delivered.get(key) ?? { lease, code: d.statusCode, ids: [] };
        group.ids.push(d.id);
        delivered.set(key, group);
      }
      if (result.released.length > 0) {
        const group = released.get(lease.getTime()) ?? { lease, ids: [] };
        group.ids.push(...result.released);
        released.set(lease.getTime(), group);
      }
      for (const d of result.dead) {
        statements.push(Prisma.sql`
          UPDATE webhook_outbox FORCE INDEX (PRIMARY) SET status = 'dead', attempts = attempts + 1, last_status_code = ${d.statusCode},
            last_error = ${d.error.slice(0, 512)}, next_attempt_at = ${now}, updated_at = ${now}
          WHERE id = ${d.id} AND ${fence(lease)}`);
      }
      const retry = result.retry;
      if (retry) {
        statements.push(Prisma.sql`
          UPDATE webhook_outbox FORCE INDEX (PRIMARY) SET attempts = attempts + 1, last_status_code = ${retry.statusCode},
            last_error = ${retry.error.slice(0, 512)}, next_attempt_at = ${retry.nextAttemptAt}, updated_at = ${now}
          WHERE id = ${retry.id} AND ${fence(lease)}`);
      }
    }
    for (const { lease, code, ids } of delivered.values()) {
      statements.push(Prisma.sql`
        UPDATE webhook_outbox FORCE INDEX (PRIMARY) SET status = 'delivered', attempts = attempts + 1, delivered_at = ${now},
          last_status_code = ${code}, last_error = NULL, next_attempt_at = ${now}, updated_at = ${now}
        WHERE id IN (${Prisma.join(ids)}) AND ${fence(lease)}`);
    }
    for (const { lease, ids } of released.values()) {
      statements.push(Prisma.sql`
        UPDATE webhook_outbox FORCE INDEX (PRIMARY) SET next_attempt_at = ${now}, updated_at = ${now}
        WHERE id IN (${Prisma.join(ids)}) AND ${fence(lease)}`);
    }
    return statements;
  }
}

/** What a committed batch did, row by row (for /metrics). */
function recorded(batch: Pending[]): OutboxRecordedEvent {
  const deliveries: OutboxRecordedEvent['deliveries'] = [];
  for (const { lane, result } of batch) {
    const createdAt = new Map(lane.rows.map((row) => [row.id, row.createdAt]));
    const add = (id: bigint, outcome: 'delivered' | 'dead' | 'retry') =>
      deliveries.push({ channel: lane.channel, outcome, createdAt: createdAt.get(id)! });
    for (const d of result.delivered) add(d.id, 'delivered');
    for (const d of result.dead) add(d.id, 'dead');
    if (result.retry) add(result.retry.id, 'retry');
  }
  return { deliveries, at: new Date() };
}
