import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Prisma } from '../generated/prisma/client';
import { sqlDateTime, type Statement } from '../prisma/statement';
import { BrokerOutputs, brokerTargetRef, eventsOf, type ResolvedBrokerOutput } from './broker-outputs';
import type { OutboxEvent } from './event-names';
import { WebhookTargets, type WebhookTarget } from './webhook-targets';

export type OutboxRow = Prisma.WebhookOutboxCreateManyInput;

/** Events about one stored message: their rows name it (`message_id`), for the seed's webhook_sent. */
const isMessageEvent = (event: string): boolean =>
  event.startsWith('message.') || event === 'status.inbound' || event === 'newsletter.inbound';

/**
 * Turns facts into outbox rows. Callers insert the rows in the same transaction as the fact, so
 * a stored message (or status change) without its webhook rows cannot exist.
 */
@Injectable()
export class OutboxWriter {
  constructor(
    private readonly targets: WebhookTargets,
    private readonly brokers: BrokerOutputs,
  ) {}

  /** The rows to insert for these events (none for events no target subscribes to). */
  async rowsFor(events: OutboxEvent[], client?: Prisma.TransactionClient): Promise<OutboxRow[]> {
    const rows: OutboxRow[] = [];
    const now = new Date();
    // One lookup per session of the batch, not one per event.
    const targets = new Map<string | null, WebhookTarget | null>();
    const brokers = new Map<string | null, ResolvedBrokerOutput[]>();
    for (const event of events) {
      let target = targets.get(event.sessionId);
      if (target === undefined) {
        target = await this.targets.forSession(event.sessionId, client);
        targets.set(event.sessionId, target);
      }
      let outputs = brokers.get(event.sessionId);
      if (outputs === undefined) {
        outputs = await this.brokers.forSession(event.sessionId, client);
        brokers.set(event.sessionId, outputs);
      }
      const messageId = isMessageEvent(event.event) ? event.payload.messageId : undefined;
      // The same body for every channel; each row has its own delivery id (the receiver's dedup key).
      const row = (channel: string, targetUrl: string): OutboxRow => {
        const deliveryId = randomUUID();
        return {
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
          targetUrl,
          channel,
          nextAttemptAt: now,
        };
      };
      if (target && target.events.includes(event.event)) rows.push(row('webhook', target.url));
      for (const output of outputs) {
        if (eventsOf(output).includes(event.event)) rows.push(row(output.kind, brokerTargetRef(output)));
      }
    }
    return rows;
  }

  /** Inserts the rows for these events with the given transaction client. */
  async write(tx: Prisma.TransactionClient, events: OutboxEvent[]): Promise<number> {
    const rows = await this.rowsFor(events, tx);
    if (rows.length === 0) return 0;
    const { sql, values } = this.insertStatement(rows);
    await tx.$executeRawUnsafe(sql, ...values);
    return rows.length;
  }

  /**
   * One INSERT of rows made by rowsFor (at least one), for the caller to run in the transaction of
   * their fact. Plain SQL: Prisma's createMany costs far more CPU per row on this hot path.
   */
  insertStatement(rows: OutboxRow[]): Statement {
    const now = sqlDateTime(new Date());
    const values: unknown[] = [];
    for (const r of rows) {
      const due = r.nextAttemptAt === undefined ? now : sqlDateTime(new Date(r.nextAttemptAt));
      values.push(
        r.deliveryId,
        r.sessionId ?? null,
        r.event,
        r.messageId ?? null,
        r.payload,
        r.targetUrl,
        r.channel ?? 'webhook',
        due,
        now,
      );
    }
    return {
      sql: `INSERT INTO webhook_outbox
        (delivery_id, session_id, event, message_id, payload, target_url, channel, next_attempt_at, updated_at)
      VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      values,
    };
  }
}
