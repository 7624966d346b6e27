import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';

/** One outbox row as the dispatcher needs it. */
export interface ClaimedDelivery {
  id: bigint;
  deliveryId: string;
  sessionId: string | null;
  event: string;
  payload: string;
  targetUrl: string;
  /** 'webhook', or the kind of broker ('rabbitmq', 'nats'). */
  channel: string;
  /** Attempts made before this claim. */
  attempts: number;
  /** When the row was written. */
  createdAt: Date;
}

/** Rows are delivered in order per session and channel: a broker that is down never holds back webhooks. */
export interface LaneKey {
  sessionId: string | null;
  channel: string;
}

/**
 * A session's next rows of one channel, in id order, leased to this process until `leaseUntil`. The
 * lease value is also the fence: results are written only while the row still carries exactly this value.
 */
export interface Lane extends LaneKey {
  leaseUntil: Date;
  rows: ClaimedDelivery[];
}

interface HeadRow {
  id: bigint;
  session_id: string | null;
  channel: string;
}

interface LaneRow extends HeadRow {
  delivery_id: string;
  event: string;
  payload: string;
  target_url: string;
  attempts: number;
  next_attempt_at: Date;
  created_at: Date;
}

const COLUMNS = Prisma.sql`id, session_id, channel, delivery_id, event, payload, target_url, attempts, next_attempt_at, created_at`;
const JOINED_COLUMNS = Prisma.sql`o.id, o.session_id, o.channel, o.delivery_id, o.event, o.payload, o.target_url, o.attempts, o.next_attempt_at, o.created_at`;
const sameLane = (key: LaneKey) =>
  key.sessionId === null
    ? Prisma.sql`session_id IS NULL AND channel = ${key.channel}`
    : Prisma.sql`session_id = ${key.sessionId} AND channel = ${key.channel}`;
const keyOf = (key: LaneKey): string =>
  key.sessionId === null ? key.channel : `${key.channel}:${key.sessionId}`;

/**
 * The SQL of the dispatcher. Ordering rule: only the oldest pending row of a session's channel (its
 * head) can open a lane, and only when it is due. A leased or retry-waiting head is not due, so
 * nothing later of that session and channel is claimed by anyone until the head is delivered or dead.
 */
@Injectable()
export class OutboxClaims {
  constructor(private readonly prisma: PrismaService) {}

  /** Leases up to `maxLanes` lanes' next rows (up to `laneSize` each) for `leaseMs`. */
  async claim(maxLanes: number, laneSize: number, leaseMs: number): Promise<Lane[]> {
    const now = new Date();
    // Heads are found without locks (a loose index scan of (session_id, channel, status, id)); only the
    // chosen heads are then locked, SKIP LOCKED, so two dispatchers never wait on each other.
    const heads = await this.prisma.$queryRaw<HeadRow[]>`
      SELECT o.id, o.session_id, o.channel FROM webhook_outbox o
      JOIN (SELECT MIN(id) AS id FROM webhook_outbox WHERE status = 'pending' GROUP BY session_id, channel) h ON h.id = o.id
      WHERE o.next_attempt_at <= ${now}
      ORDER BY o.id LIMIT ${maxLanes * 2}`;
    if (heads.length === 0) return [];
    // Every locking statement below finds its rows by primary key, forced: with about as many ids as
    // due rows the optimizer may take the (status, next_attempt_at) index instead, and its next-key
    // locks cover the gap where message capture inserts new rows (capture then waited for the claim,
    // and could deadlock with it). By primary key InnoDB locks the records alone, no gaps.
    return this.prisma.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<LaneRow[]>`
        SELECT ${COLUMNS} FROM webhook_outbox FORCE INDEX (PRIMARY)
        WHERE id IN (${Prisma.join(heads.map((h) => h.id))}) AND status = 'pending' AND next_attempt_at <= ${now}
        ORDER BY id LIMIT ${maxLanes}
        FOR UPDATE SKIP LOCKED`;
      if (locked.length === 0) return [];
      const followers = laneSize > 1 ? await this.followers(tx, locked, laneSize - 1) : [];
      const keys = locked.map((head) => ({ sessionId: head.session_id, channel: head.channel }));
      const lanes = this.toLanes(keys, [...locked, ...followers], now, new Date(now.getTime() + leaseMs));
      await this.lease(tx, lanes, now);
      return lanes;
    });
  }

  /**
   * Inside the caller's transaction (a lane recording its results): leases the next rows of these
   * lanes, each from its oldest pending row, if that row is due. Nobody else can have claimed them:
   * while the caller's lease held the lane's oldest rows, the lane had no due head.
   */
  async leaseNext(
    tx: Prisma.TransactionClient,
    keys: LaneKey[],
    laneSize: number,
    leaseMs: number,
  ): Promise<Lane[]> {
    const now = new Date();
    const parts = keys.map(
      (key) => Prisma.sql`(SELECT id FROM webhook_outbox
        WHERE ${sameLane(key)} AND status = 'pending' ORDER BY id LIMIT ${laneSize})`,
    );
    const rows = await this.rowsOf(tx, parts);
    const lanes = this.toLanes(keys, rows, now, new Date(now.getTime() + leaseMs));
    await this.lease(tx, lanes, now);
    return lanes;
  }

  /** The rows after each head (up to `count`). */
  private followers(tx: Prisma.TransactionClient, heads: LaneRow[], count: number): Promise<LaneRow[]> {
    return this.rowsOf(
      tx,
      heads.map(
        (head) => Prisma.sql`(SELECT id FROM webhook_outbox
          WHERE ${sameLane({ sessionId: head.session_id, channel: head.channel })} AND status = 'pending' AND id > ${head.id}
          ORDER BY id LIMIT ${count})`,
      ),
    );
  }

  /**
   * Ids from the (session_id, channel, status, id) index alone (a derived table of ids, no temporary
   * table full of payloads), joined to their rows by primary key: one round trip.
   */
  private rowsOf(tx: Prisma.TransactionClient, idQueries: Prisma.Sql[]): Promise<LaneRow[]> {
    return tx.$queryRaw<LaneRow[]>`
      SELECT ${JOINED_COLUMNS} FROM (${Prisma.join(idQueries, ' UNION ALL ')}) ids
      JOIN webhook_outbox o FORCE INDEX (PRIMARY) ON o.id = ids.id
      WHERE o.status = 'pending'`;
  }

  private async lease(tx: Prisma.TransactionClient, lanes: Lane[], now: Date): Promise<void> {
    const ids = lanes.flatMap((lane) => lane.rows.map((row) => row.id));
    if (ids.length === 0) return;
    await tx.$executeRaw`
      UPDATE webhook_outbox FORCE INDEX (PRIMARY) SET next_attempt_at = ${lanes[0].leaseUntil}, updated_at = ${now}
      WHERE id IN (${Prisma.join(ids)}) AND status = 'pending'`;
  }

  /** One lane per key, in the given order: its rows by id, cut at the first one that is not due. */
  private toLanes(keys: LaneKey[], rows: LaneRow[], now: Date, leaseUntil: Date): Lane[] {
    const byLane = new Map<string, LaneRow[]>();
    for (const row of rows) {
      const key = keyOf({ sessionId: row.session_id, channel: row.channel });
      const list = byLane.get(key) ?? [];
      list.push(row);
      byLane.set(key, list);
    }
    const lanes: Lane[] = [];
    for (const { sessionId, channel } of keys) {
      const own = (byLane.get(keyOf({ sessionId, channel })) ?? []).sort((a, b) => (a.id < b.id ? -1 : 1));
      const cut = own.findIndex((row) => row.next_attempt_at > now);
      const due = cut === -1 ? own : own.slice(0, cut);
      if (due.length === 0) continue;
      lanes.push({
        sessionId,
        channel,
        leaseUntil,
        rows: due.map((row) => ({
          id: row.id,
          deliveryId: row.delivery_id,
          sessionId: row.session_id,
          event: row.event,
          payload: row.payload,
          targetUrl: row.target_url,
          channel: row.channel,
          attempts: Number(row.attempts),
          createdAt: row.created_at,
        })),
      });
    }
    return lanes;
  }
}
