import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import type { OutboxEvent } from './webhook-events';
import { WebhookTargets, type WebhookTarget } from './webhook-targets';

export type OutboxRow = Prisma.WebhookOutboxCreateManyInput;

/**
 * Turns facts into outbox rows. Callers insert the rows in the same transaction as the fact, so
 * a stored message (or status change) without its webhook rows cannot exist.
 */
@Injectable()
export class WebhookOutbox {
  constructor(private readonly targets: WebhookTargets) {}

  /** The rows to insert for these events (none for events no target subscribes to). */
  async rowsFor(events: OutboxEvent[], client?: Prisma.TransactionClient): Promise<OutboxRow[]> {
    const rows: OutboxRow[] = [];
    const now = new Date();
    // One lookup per session of the batch, not one per event.
    const targets = new Map<string | null, WebhookTarget | null>();
    for (const event of events) {
      let target = targets.get(event.sessionId);
      if (target === undefined) {
        target = await this.targets.forSession(event.sessionId, client);
        targets.set(event.sessionId, target);
      }
      if (!target || !target.events.includes(event.event)) continue;
      const deliveryId = randomUUID();
      const messageId = event.event.startsWith('message.') ? event.payload.messageId : undefined;
      rows.push({
        deliveryId,
        sessionId: event.sessionId,
        event: event.event,
        messageId: typeof messageId === 'string' ? messageId.slice(0, 128) : null,
        payload: JSON.stringify({
          ...event.payload,
          event: event.event,
          sessionId: event.sessionId,
          deliveryId,
        }),
        targetUrl: target.url,
        nextAttemptAt: now,
      });
    }
    return rows;
  }

  /** Inserts the rows for these events with the given transaction client. */
  async write(tx: Prisma.TransactionClient, events: OutboxEvent[]): Promise<number> {
    const rows = await this.rowsFor(events, tx);
    await this.insert(tx, rows);
    return rows.length;
  }

  /** Inserts rows made by rowsFor (the caller's transaction keeps them with their fact). */
  async insert(tx: Prisma.TransactionClient, rows: OutboxRow[]): Promise<void> {
    if (rows.length === 0) return;
    // Plain SQL: Prisma's createMany costs far more CPU per row on this hot path.
    const now = new Date();
    const values = rows.map(
      (r) => Prisma.sql`(${r.deliveryId}, ${r.sessionId ?? null}, ${r.event}, ${r.messageId ?? null},
        ${r.payload}, ${r.targetUrl}, ${r.nextAttemptAt ?? now}, ${now})`,
    );
    await tx.$executeRaw`
      INSERT INTO webhook_outbox
        (delivery_id, session_id, event, message_id, payload, target_url, next_attempt_at, updated_at)
      VALUES ${Prisma.join(values)}`;
  }
}
