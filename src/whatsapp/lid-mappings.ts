import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { MessageChats } from '../messages/message-chats';
import { PrismaService } from '../prisma/prisma.service';
import { sqlDateTime } from '../prisma/statement';
import { jidDecode } from './baileys';
import type { LidPair } from './chat-addressing';
import { shutdownWait } from '../common/process-faults';

/** New pairs are written this long after the first of them arrived, together. */
const FLUSH_MS = 200;
const CHUNK = 500;
const SHUTDOWN_WAIT_MS = 1_500;

/**
 * The `lid_mappings` table: the LID <-> phone number pairs WhatsApp gave each session (Baileys 7's
 * `lid-mapping.update`, the `...Alt` and `sender_pn` fields of every message, group participants).
 * Baileys keeps its own copy, sealed in the auth state (`lid-mapping` keys), and reads it itself;
 * this one is in plain columns so the gateway can answer with phone numbers and merge chats.
 *
 * A session's pairs are all held in memory from its connect on (`load`), so the message hot path
 * asks synchronously (`phoneOf`) and only pairs not known yet are written: in batches, after which
 * the messages stored under those LIDs take the phone number (MessageChats).
 */
@Injectable()
export class LidMappings implements OnModuleDestroy {
  private readonly logger = new Logger(LidMappings.name);
  /** Per session: LID user -> phone digits. */
  private readonly known = new Map<string, Map<string, string>>();
  private pending = new Map<string, Map<string, string>>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly prisma: PrismaService,
    private readonly chats: MessageChats,
  ) {}

  /** Reads a session's stored pairs into memory (before its socket opens). Never throws. */
  async load(sessionId: string): Promise<void> {
    try {
      const rows = await this.prisma.lidMapping.findMany({
        where: { sessionId },
        select: { lid: true, phone: true },
      });
      const map = this.sessionMap(sessionId);
      for (const r of rows) if (!map.has(r.lid)) map.set(r.lid, r.phone);
    } catch (error) {
      this.logger.warn({ err: error, sessionId }, 'Could not read the LID mappings; learning them again');
    }
  }

  /** The phone digits of a LID (its user part, or a LID JID), when this session knows them. */
  phoneOf(sessionId: string, lid: string): string | undefined {
    return this.known.get(sessionId)?.get(lidUser(lid));
  }

  /** The LID user of a phone number (digits or JID), when known; a scan, for rare lookups. */
  lidOf(sessionId: string, phone: string): string | undefined {
    const digits = lidUser(phone);
    for (const [lid, p] of this.known.get(sessionId) ?? []) if (p === digits) return lid;
    return undefined;
  }

  /**
   * Records pairs (LID user or JID, phone digits or JID). Known ones cost a map lookup; new or
   * changed ones are written shortly after, in one batch, and earlier messages adopt the phone.
   */
  record(sessionId: string, pairs: LidPair[]): void {
    const map = this.sessionMap(sessionId);
    for (const pair of pairs) {
      const lid = lidUser(pair.lid);
      const phone = lidUser(pair.phone);
      if (!/^\d{1,32}$/.test(phone) || !lid || lid.length > 64 || map.get(lid) === phone) continue;
      map.set(lid, phone);
      let queued = this.pending.get(sessionId);
      if (!queued) this.pending.set(sessionId, (queued = new Map()));
      queued.set(lid, phone);
    }
    if (this.pending.size > 0 && !this.timer) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes what is pending (and waits for writes under way); tests and shutdown call it. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  /** A session logged out or deleted: its pairs leave memory (the rows go with the session). */
  forget(sessionId: string): void {
    this.known.delete(sessionId);
    this.pending.delete(sessionId);
  }

  /** Pairs learned in the last moments are written; a database that does not answer is not waited for. */
  async onModuleDestroy(): Promise<void> {
    await Promise.race([this.flush(), shutdownWait(SHUTDOWN_WAIT_MS)]);
  }

  private sessionMap(sessionId: string): Map<string, string> {
    let map = this.known.get(sessionId);
    if (!map) this.known.set(sessionId, (map = new Map()));
    return map;
  }

  private async write(batch: Map<string, Map<string, string>>): Promise<void> {
    for (const [sessionId, pairs] of batch) {
      const list = [...pairs].map(([lid, phone]) => ({ lid, phone }));
      try {
        for (let i = 0; i < list.length; i += CHUNK) {
          const now = sqlDateTime(new Date());
          const rows = list
            .slice(i, i + CHUNK)
            .map((p) => Prisma.sql`(${sessionId}, ${p.lid}, ${p.phone}, ${now})`);
          await this.prisma.$executeRaw`
            INSERT INTO lid_mappings (session_id, lid, phone, updated_at) VALUES ${Prisma.join(rows)}
            ON DUPLICATE KEY UPDATE phone = VALUES(phone), updated_at = VALUES(updated_at)`;
        }
        await this.chats.adoptPhones(sessionId, list);
      } catch (error) {
        // A session deleted meanwhile (its foreign key), or the database down: learned again later.
        for (const { lid } of list) this.known.get(sessionId)?.delete(lid);
        this.logger.warn({ err: error, sessionId, pairs: list.length }, 'Could not store LID mappings');
      }
    }
  }
}

/** The user part of a JID ('123:4@lid' -> '123'), or the value itself when it is not one. */
function lidUser(value: string): string {
  return value.includes('@') ? (jidDecode(value)?.user ?? value.split('@')[0]) : value;
}
