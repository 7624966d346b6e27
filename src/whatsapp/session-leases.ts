import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { GatewayInstances } from './gateway-instances';

/**
 * Which gateway process holds which WhatsApp session: the lease columns of whatsapp_sessions. A lease
 * is a (owner, expiry) pair on the session row, taken with one conditional UPDATE so two processes can
 * never both win it, renewed while held, and free for anyone once it expires (the holder died).
 * Times are the database's own.
 *
 * A lease whose holder is proven dead (GatewayInstances: a process on this machine whose pid is gone,
 * its heartbeat row still of that boot) is free at once, so a process restarted on the same host
 * takes its sessions back without waiting out the old lease.
 */
@Injectable()
export class SessionLeases {
  readonly owner: string;
  private readonly seconds: number;

  constructor(
    private readonly prisma: PrismaService,
    config: AppConfig,
    private readonly instances: GatewayInstances,
  ) {
    this.owner = config.INSTANCE_ID!;
    this.seconds = config.SESSION_LEASE_SECONDS;
  }

  /**
   * True when this process now holds the session: it was free, expired or already ours, and it
   * wants to be connected. `want` marks it wanted in the same statement (a connect request), so no
   * other process can claim it in between; `db` is the transaction that creates the session.
   */
  async acquire(
    sessionId: string,
    options: { want?: boolean; db?: Prisma.TransactionClient } = {},
  ): Promise<boolean> {
    const db = options.db ?? this.prisma;
    const changed = await db.$executeRaw`
      UPDATE whatsapp_sessions
      SET lease_owner = ${this.owner}, lease_expires_at = NOW(3) + INTERVAL ${this.seconds} SECOND
        ${options.want ? Prisma.sql`, should_connect = 1` : Prisma.empty}
      WHERE id = ${sessionId}
        AND (lease_owner IS NULL OR lease_owner = ${this.owner} OR lease_expires_at < NOW(3)${this.deadHolder()})
        ${options.want ? Prisma.empty : Prisma.sql`AND should_connect = 1`}`;
    return changed === 1;
  }

  /** Extends the leases this process holds; returns the ids it still holds (others were taken). */
  async renew(sessionIds: string[]): Promise<Set<string>> {
    if (sessionIds.length === 0) return new Set();
    await this.prisma.$executeRaw`
      UPDATE whatsapp_sessions SET lease_expires_at = NOW(3) + INTERVAL ${this.seconds} SECOND
      WHERE lease_owner = ${this.owner} AND id IN (${Prisma.join(sessionIds)})`;
    const held = await this.prisma.whatsappSession.findMany({
      where: { id: { in: sessionIds }, leaseOwner: this.owner },
      select: { id: true },
    });
    return new Set(held.map((s) => s.id));
  }

  /**
   * Frees the lease. `wanted: false` marks the session unwanted in the same statement (stopped,
   * logged out, replaced), so no other process can claim it on its way out.
   */
  async release(sessionId: string, options: { wanted: boolean }): Promise<void> {
    await this.prisma.whatsappSession.updateMany({
      where: { id: sessionId, leaseOwner: this.owner },
      data: { leaseOwner: null, leaseExpiresAt: null, ...(options.wanted ? {} : { shouldConnect: false }) },
    });
  }

  async releaseAll(): Promise<void> {
    await this.prisma.whatsappSession.updateMany({
      where: { leaseOwner: this.owner },
      data: { leaseOwner: null, leaseExpiresAt: null },
    });
  }

  /** Sessions that want to be connected and that nobody holds (or whose holder's lease ran out). */
  async claimable(exclude: Iterable<string>): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT id FROM whatsapp_sessions
      WHERE should_connect = 1
        AND (lease_owner IS NULL OR lease_owner = ${this.owner} OR lease_expires_at < NOW(3)${this.deadHolder()})
      ORDER BY id`;
    const skip = new Set(exclude);
    return rows.map((r) => r.id).filter((id) => !skip.has(id));
  }

  /**
   * The other process holding the session under a lease that has not run out, with the session's
   * stored status; null when none does (nobody, or this process).
   */
  async heldElsewhere(sessionId: string): Promise<{ owner: string; status: string } | null> {
    const [row] = await this.prisma.$queryRaw<{ lease_owner: string; status: string }[]>`
      SELECT lease_owner, status FROM whatsapp_sessions
      WHERE id = ${sessionId} AND lease_owner IS NOT NULL AND lease_owner <> ${this.owner}
        AND lease_expires_at > NOW(3)`;
    return row ? { owner: row.lease_owner, status: row.status } : null;
  }

  /** How many sessions want to be connected (by whichever process). */
  async wantedCount(): Promise<number> {
    return this.prisma.whatsappSession.count({ where: { shouldConnect: true } });
  }

  /** `OR` the holder is proven dead: checked against its heartbeat row in the same statement. */
  private deadHolder(): Prisma.Sql {
    const boots = this.instances.provenDead();
    if (boots.length === 0) return Prisma.empty;
    return Prisma.sql` OR lease_owner IN (SELECT g.id FROM gateway_instances g WHERE g.boot_id IN (${Prisma.join(boots)}))`;
  }
}
