import { Injectable } from '@nestjs/common';
import { DomainEvents, type SessionStatusValue } from '../common/domain-events';
import { PrismaService } from '../prisma/prisma.service';
import { WebhookOutbox } from '../webhooks/webhook-outbox.service';

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

/**
 * Persists a session's connection state. Each change is one transaction with its webhook outbox
 * row, then a domain event (WebSocket, activity log).
 */
@Injectable()
export class SessionStateRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: WebhookOutbox,
    private readonly events: DomainEvents,
  ) {}

  async setStatus(sessionId: string, change: StatusChange): Promise<void> {
    const at = new Date();
    const result = await this.prisma.$transaction(async (tx) => {
      const before = await tx.whatsappSession.findUnique({
        where: { id: sessionId },
        select: { status: true, phoneNumber: true },
      });
      if (!before) return null;
      const connected = change.status === 'connected';
      const after = await tx.whatsappSession.update({
        where: { id: sessionId },
        data: {
          status: change.status,
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
    await this.prisma.$transaction((tx) =>
      this.outbox.write(tx, [
        {
          event: 'session.qr',
          sessionId,
          payload: { qr, timestamp: String(Math.floor(at.getTime() / 1000)) },
        },
      ]),
    );
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
