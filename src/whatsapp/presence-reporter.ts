import { Injectable, Logger } from '@nestjs/common';
import { DomainEvents, type PresenceUpdateEvent, type PresenceValue } from '../common/domain-events';
import type { OutboxEvent } from '../outbox/event-names';
import { OutboxWriter } from '../outbox/outbox-writer';
import { Database } from '../prisma/database';
import { isLidUser, jidNormalizedUser } from './baileys';
import { LidMappings } from './lid-mappings';

/** Baileys' `presence.update`: the chat, and per person in it their presence. */
export interface PresenceUpdate {
  id: string;
  presences: Record<string, { lastKnownPresence: string; lastSeen?: number }>;
}

const PRESENCES: ReadonlySet<string> = new Set([
  'available',
  'unavailable',
  'composing',
  'recording',
  'paused',
]);

const userOf = (jid: string): string => jid.split('@')[0].split(':')[0];

/** The webhook body of a presence event (the session id, event name and delivery id are added by the outbox). */
export function presencePayload(event: PresenceUpdateEvent): Record<string, unknown> {
  return {
    chatJid: event.chatJid,
    phoneNumber: event.phoneNumber,
    presence: event.presence,
    ...(event.lastSeen ? { lastSeen: String(Math.floor(event.lastSeen.getTime() / 1000)) } : {}),
    timestamp: String(Math.floor(event.at.getTime() / 1000)),
  };
}

/**
 * Reports presence updates as `presence.update` events. Presence is not a message and is not kept:
 * outbox rows are written only for targets that asked for the event (a transaction only then), and
 * /ws hears of it either way. A row that cannot be written is given up with a warning: a stale
 * "typing" is worth nothing later.
 */
@Injectable()
export class PresenceReporter {
  private readonly logger = new Logger(PresenceReporter.name);
  /** One update at a time per session, so that "typing" then "paused" keep their order. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly database: Database,
    private readonly outbox: OutboxWriter,
    private readonly events: DomainEvents,
    private readonly lids: LidMappings,
  ) {}

  accept(sessionId: string, update: PresenceUpdate): void {
    const reports = this.eventsOf(sessionId, update);
    if (reports.length === 0) return;
    const previous = this.queues.get(sessionId) ?? Promise.resolve();
    const next = previous.then(() => this.report(sessionId, reports));
    this.queues.set(sessionId, next);
    void next.finally(() => {
      if (this.queues.get(sessionId) === next) this.queues.delete(sessionId);
    });
  }

  private async report(sessionId: string, reports: PresenceUpdateEvent[]): Promise<void> {
    try {
      const events: OutboxEvent[] = reports.map((r) => ({
        event: 'presence.update',
        sessionId,
        payload: presencePayload(r),
      }));
      const rows = await this.outbox.rowsFor(events);
      if (rows.length > 0) {
        const { sql, values } = this.outbox.insertStatement(rows);
        await this.database.transaction((tx) => tx.$executeRawUnsafe(sql, ...values));
      }
    } catch (error) {
      this.logger.warn({ err: error, sessionId }, 'Could not write the webhook rows of a presence update');
    }
    for (const r of reports) this.events.emit('presence.update', r);
  }

  private eventsOf(sessionId: string, update: PresenceUpdate): PresenceUpdateEvent[] {
    const at = new Date();
    const out: PresenceUpdateEvent[] = [];
    const phoneOf = (jid: string): string | null =>
      isLidUser(jid) ? (this.lids.phoneOf(sessionId, jid) ?? null) : userOf(jid) || null;
    for (const [participant, presence] of Object.entries(update.presences ?? {})) {
      if (!PRESENCES.has(presence?.lastKnownPresence)) continue;
      const phoneNumber = phoneOf(participant);
      // A direct chat named by its LID is shown under the phone number, like its messages.
      const chatJid =
        isLidUser(update.id) && phoneNumber ? `${phoneNumber}@s.whatsapp.net` : jidNormalizedUser(update.id);
      out.push({
        sessionId,
        chatJid,
        phoneNumber,
        presence: presence.lastKnownPresence as PresenceValue,
        lastSeen: presence.lastSeen ? new Date(presence.lastSeen * 1000) : null,
        at,
      });
    }
    return out;
  }
}
