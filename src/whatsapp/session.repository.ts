import { Injectable } from '@nestjs/common';
import { DomainEvents, type SessionStatusValue } from '../common/domain-events';
import type { Prisma, WhatsappSession } from '../generated/prisma/client';
import { OutboxWriter } from '../outbox/outbox-writer';
import { RefreshingCache } from '../outbox/refreshing-cache';
import { PrismaService } from '../prisma/prisma.service';
import { SessionLeases } from './session-leases';

/** A session as stored. */
export type SessionRecord = WhatsappSession;

export interface StatusChange {
  status: SessionStatusValue;
  code?: number | null;
  reason?: string | null;
  phoneNumber?: string | null;
  jid?: string | null;
  lid?: string | null;
  pushName?: string | null;
  shouldConnect?: boolean;
}

type Db = Prisma.TransactionClient;

/** How long a process keeps a session's auto-read setting before reading it again. */
const AUTO_READ_TTL_MS = 5_000;

/**
 * The whatsapp_sessions table (with SessionLeases, which keeps its lease columns): the session
 * records, and their connection state. Each state change is one transaction with its webhook outbox
 * row, then a domain event (WebSocket, activity log, campaigns).
 */
@Injectable()
export class SessionRepository {
  private readonly autoRead = new RefreshingCache<string, boolean>(AUTO_READ_TTL_MS);

  constructor(
    private readonly prisma: PrismaService,
    private readonly leases: SessionLeases,
    private readonly outbox: OutboxWriter,
    private readonly events: DomainEvents,
  ) {}

  find(id: string): Promise<SessionRecord | null> {
    return this.prisma.whatsappSession.findUnique({ where: { id } });
  }

  async exists(id: string, tx?: Db): Promise<boolean> {
    return (await (tx ?? this.prisma).whatsappSession.count({ where: { id } })) > 0;
  }

  list(): Promise<SessionRecord[]> {
    return this.prisma.whatsappSession.findMany({ orderBy: { createdAt: 'asc' } });
  }

  count(tx?: Db): Promise<number> {
    return (tx ?? this.prisma).whatsappSession.count();
  }

  /**
   * A new session, wanted (to be connected) and held by this process from the start, so that no
   * other process's supervisor opens it before this one does.
   */
  async createHeld(data: { id: string; name: string; createdById: number | null }, tx: Db): Promise<void> {
    await tx.whatsappSession.create({ data: { ...data, shouldConnect: true } });
    await this.leases.acquire(data.id, { db: tx });
  }

  /** Deletes the session with everything that belongs to it (keys, tokens, messages, campaigns). */
  async delete(id: string): Promise<void> {
    await this.prisma.whatsappSession.delete({ where: { id } });
  }

  /** Turns automatic read receipts on or off (read again by other processes within AUTO_READ_TTL_MS). */
  async setAutoRead(id: string, on: boolean): Promise<void> {
    await this.prisma.whatsappSession.update({ where: { id }, data: { autoRead: on } });
    this.autoRead.set(id, on);
  }

  /** Whether the session marks inbound messages read as they arrive; cached, it is asked per message. */
  autoReadOf(id: string): Promise<boolean> {
    return this.autoRead.get(id, () => this.loadAutoRead(id));
  }

  /** The cached auto-read setting at once (no promise per message), or undefined before it is loaded. */
  autoReadCached(id: string): boolean | undefined {
    return this.autoRead.peek(id, () => this.loadAutoRead(id));
  }

  private async loadAutoRead(id: string): Promise<boolean> {
    const row = await this.prisma.whatsappSession.findUnique({ where: { id }, select: { autoRead: true } });
    return row?.autoRead ?? false;
  }

  /**
   * Asks the process holding the session (another one) to log its device out: written on the row,
   * applied at the holder's next supervision pass (`stopRequests`). Unwanted from now on.
   */
  async requestLogout(id: string): Promise<void> {
    await this.prisma.whatsappSession.update({
      where: { id },
      data: { logoutRequestedAt: new Date(), shouldConnect: false },
    });
  }

  /**
   * Of these sessions (held here), the ones another process asked to stop: disconnected there (no
   * longer wanted) or to be logged out.
   */
  stopRequests(ids: string[]): Promise<{ id: string; logoutRequestedAt: Date | null }[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.prisma.whatsappSession.findMany({
      where: { id: { in: ids }, OR: [{ shouldConnect: false }, { logoutRequestedAt: { not: null } }] },
      select: { id: true, logoutRequestedAt: true },
    });
  }

  /** Marks the session to be connected by whichever process holds it (or claims it next). */
  async setWanted(id: string): Promise<void> {
    await this.prisma.whatsappSession.update({ where: { id }, data: { shouldConnect: true } });
  }

  /** Of these sessions, the ones with no WhatsApp traffic since `before`. */
  async idleSince(ids: string[], before: Date): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.prisma.whatsappSession.findMany({
      where: { id: { in: ids }, lastSeenAt: { lt: before } },
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }

  /** Every session's stored status. */
  statuses(): Promise<{ id: string; status: SessionStatusValue }[]> {
    return this.prisma.whatsappSession.findMany({ select: { id: true, status: true } });
  }

  /** How many sessions there are by stored status and live holder (the lease owner; null: none). */
  async holderCounts(): Promise<{ status: SessionStatusValue; holder: string | null; count: number }[]> {
    const now = new Date();
    const rows = await this.prisma.$queryRaw<
      { status: SessionStatusValue; holder: string | null; n: bigint }[]
    >`
      SELECT status, CASE WHEN lease_expires_at > ${now} THEN lease_owner END AS holder, COUNT(*) AS n
      FROM whatsapp_sessions GROUP BY status, holder`;
    return rows.map((r) => ({ status: r.status, holder: r.holder, count: Number(r.n) }));
  }

  /** How many sessions there are, in all and by stored status. */
  async statusCounts(): Promise<Record<string, number>> {
    const groups = await this.prisma.whatsappSession.groupBy({ by: ['status'], _count: { _all: true } });
    const summary: Record<string, number> = { total: 0 };
    for (const group of groups) {
      summary[group.status] = group._count._all;
      summary.total += group._count._all;
    }
    return summary;
  }

  /** `committed` runs once the change is stored, before anyone hears of it (the registry's live status). */
  async setStatus(
    sessionId: string,
    change: StatusChange,
    options: { committed?: () => void } = {},
  ): Promise<void> {
    const at = new Date();
    const result = await this.prisma.$transaction(async (tx) => {
      // Locked: overlapping changes of one session (a close right after an open) must each compare
      // with the status the one before them left, or a change goes unreported.
      const [before] = await tx.$queryRaw<{ status: SessionStatusValue }[]>`
        SELECT status FROM whatsapp_sessions WHERE id = ${sessionId} FOR UPDATE`;
      if (!before) return null;
      const connected = change.status === 'connected';
      const after = await tx.whatsappSession.update({
        where: { id: sessionId },
        data: {
          status: change.status,
          // The QR is kept only while the session shows one (GET /qr on any process reads it).
          ...(change.status === 'qr_pending' ? {} : { qr: null }),
          ...(change.status === 'logged_out' ? { logoutRequestedAt: null } : {}),
          ...(change.shouldConnect !== undefined ? { shouldConnect: change.shouldConnect } : {}),
          ...(change.phoneNumber !== undefined ? { phoneNumber: change.phoneNumber } : {}),
          ...(change.jid !== undefined ? { jid: change.jid } : {}),
          ...(change.lid !== undefined ? { lid: change.lid } : {}),
          ...(change.pushName !== undefined ? { pushName: change.pushName } : {}),
          ...(connected ? { lastConnectedAt: at, lastSeenAt: at } : {}),
          ...(change.code !== undefined || change.reason !== undefined
            ? { lastDisconnectCode: change.code ?? null, lastDisconnectReason: change.reason ?? null }
            : {}),
        },
        select: { phoneNumber: true },
      });
      if (before.status === change.status) return null;
      await this.outbox.write(tx, [
        {
          event: 'session.status',
          sessionId,
          payload: {
            status: change.status,
            previous: before.status,
            phoneNumber: after.phoneNumber,
            code: change.code ?? null,
            reason: change.reason ?? null,
            timestamp: String(Math.floor(at.getTime() / 1000)),
          },
        },
      ]);
      return { previous: before.status, phoneNumber: after.phoneNumber };
    });
    options.committed?.();
    if (!result) return;
    this.events.emit('session.status', {
      sessionId,
      status: change.status,
      previous: result.previous,
      phoneNumber: result.phoneNumber,
      code: change.code ?? null,
      reason: change.reason ?? null,
      at,
    });
  }

  async recordQr(sessionId: string, qr: string): Promise<void> {
    const at = new Date();
    await this.prisma.$transaction(async (tx) => {
      await tx.whatsappSession.updateMany({ where: { id: sessionId }, data: { qr } });
      await this.outbox.write(tx, [
        {
          event: 'session.qr',
          sessionId,
          payload: { qr, timestamp: String(Math.floor(at.getTime() / 1000)) },
        },
      ]);
    });
    this.events.emit('session.qr', { sessionId, qr, at });
  }

  /** Marks traffic on a session (SESSION_TIMEOUT_HOURS counts from here). */
  async touch(sessionId: string): Promise<void> {
    await this.prisma.whatsappSession.updateMany({
      where: { id: sessionId },
      data: { lastSeenAt: new Date() },
    });
  }
}
