import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { Prisma, type Contact } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { decodeCursor, encodeCursor } from './page-cursor';
import { likeLiteral } from '../common/like-literal';
import { shutdownWait } from '../common/process-faults';

/** What the session learned about one person; a name left undefined keeps the stored one. */
export interface ContactEntry {
  /** The phone JID when the phone number is known, else the LID JID. */
  jid: string;
  phone: string | null;
  lid: string | null;
  pushName?: string;
  savedName?: string;
  verifiedName?: string;
}

export interface ContactView {
  phoneNumber: string | null;
  lid: string | null;
  jid: string;
  /** The saved name, else the push name, else null. */
  name: string | null;
  pushName: string | null;
  savedName: string | null;
  verifiedName: string | null;
  updatedAt: string;
}

export interface ContactPage {
  contacts: ContactView[];
  pagination: { limit: number; count: number; nextCursor: string | null };
}

/** New entries are written this long after the first of them arrived, together. */
const FLUSH_MS = 200;
const CHUNK = 500;
const SHUTDOWN_WAIT_MS = 1_500;
/** What was written lately, so the push name that comes with every message costs no write. */
const RECENT = 20_000;

const clip = (value: string | undefined, max = 120): string | null =>
  value === undefined || value === '' ? null : value.slice(0, max);

const isContactCursor = (key: unknown[]): key is [string] => key.length === 1 && typeof key[0] === 'string';

export const toContactView = (c: Contact): ContactView => ({
  phoneNumber: c.phone,
  lid: c.lid,
  jid: c.jid,
  name: c.savedName ?? c.pushName ?? null,
  pushName: c.pushName,
  savedName: c.savedName,
  verifiedName: c.verifiedName,
  updatedAt: c.updatedAt.toISOString(),
});

/**
 * The `contacts` table: who a session knows, with the names WhatsApp gave (Baileys' contacts events:
 * the phone's address book and the push name of every message). Entries are merged in memory and
 * written in batches shortly after (one upsert per chunk); an entry that changes nothing written
 * lately is dropped. A contact known only by its LID takes its phone number with its messages
 * (MessageChats.adoptPhones).
 */
@Injectable()
export class ContactBook implements OnModuleDestroy {
  private readonly logger = new Logger(ContactBook.name);
  private pending = new Map<string, Map<string, ContactEntry>>();
  private readonly recent = new LRUCache<string, string>({ max: RECENT });
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly prisma: PrismaService) {}

  record(sessionId: string, entries: ContactEntry[]): void {
    for (const entry of entries) {
      const key = `${sessionId}\u0000${entry.jid}`;
      if (this.recent.get(key) === JSON.stringify(entry)) continue;
      let queued = this.pending.get(sessionId);
      if (!queued) this.pending.set(sessionId, (queued = new Map()));
      const before = queued.get(entry.jid);
      queued.set(entry.jid, before ? merge(before, entry) : entry);
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

  async onModuleDestroy(): Promise<void> {
    await Promise.race([this.flush(), shutdownWait(SHUTDOWN_WAIT_MS)]);
  }

  async list(
    sessionId: string,
    search: string | undefined,
    page: { limit: number; cursor?: string },
  ): Promise<ContactPage> {
    const after = page.cursor ? decodeCursor(page.cursor, isContactCursor)[0] : undefined;
    const rows = await this.prisma.contact.findMany({
      where: {
        sessionId,
        ...(after !== undefined ? { jid: { gt: after } } : {}),
        ...(search
          ? {
              OR: [
                { jid: { contains: likeLiteral(search) } },
                { pushName: { contains: likeLiteral(search) } },
                { savedName: { contains: likeLiteral(search) } },
                { verifiedName: { contains: likeLiteral(search) } },
              ],
            }
          : {}),
      },
      orderBy: { jid: 'asc' },
      take: page.limit + 1,
    });
    const more = rows.length > page.limit;
    const contacts = rows.slice(0, page.limit).map(toContactView);
    return {
      contacts,
      pagination: {
        limit: page.limit,
        count: contacts.length,
        nextCursor: more ? encodeCursor([contacts[contacts.length - 1].jid]) : null,
      },
    };
  }

  /** The stored contact of a phone number (digits), or null. */
  async findByPhone(sessionId: string, phone: string): Promise<ContactView | null> {
    const row = await this.prisma.contact.findFirst({
      where: { sessionId, phone },
      orderBy: { jid: 'desc' },
    });
    return row ? toContactView(row) : null;
  }

  private async write(batch: Map<string, Map<string, ContactEntry>>): Promise<void> {
    for (const [sessionId, entries] of batch) {
      const list = [...entries.values()];
      try {
        for (let i = 0; i < list.length; i += CHUNK) {
          const now = new Date();
          const rows = list
            .slice(i, i + CHUNK)
            .map(
              (e) =>
                Prisma.sql`(${sessionId}, ${e.jid}, ${e.phone}, ${e.lid}, ${clip(e.pushName)}, ${clip(e.savedName)}, ${clip(e.verifiedName)}, ${now})`,
            );
          await this.prisma.$executeRaw`
            INSERT INTO contacts (session_id, jid, phone, lid, push_name, saved_name, verified_name, updated_at)
            VALUES ${Prisma.join(rows)}
            ON DUPLICATE KEY UPDATE
              phone = COALESCE(VALUES(phone), phone),
              lid = COALESCE(VALUES(lid), lid),
              push_name = COALESCE(VALUES(push_name), push_name),
              saved_name = COALESCE(VALUES(saved_name), saved_name),
              verified_name = COALESCE(VALUES(verified_name), verified_name),
              updated_at = VALUES(updated_at)`;
        }
        for (const e of list) this.recent.set(`${sessionId}\u0000${e.jid}`, JSON.stringify(e));
      } catch (error) {
        // A session deleted meanwhile (its foreign key), or the database down: learned again later.
        this.logger.warn({ err: error, sessionId, contacts: list.length }, 'Could not store contacts');
      }
    }
  }
}

/** Two entries of one contact: the later one's names win, the earlier ones stay where it has none. */
function merge(a: ContactEntry, b: ContactEntry): ContactEntry {
  return {
    jid: b.jid,
    phone: b.phone ?? a.phone,
    lid: b.lid ?? a.lid,
    pushName: b.pushName ?? a.pushName,
    savedName: b.savedName ?? a.savedName,
    verifiedName: b.verifiedName ?? a.verifiedName,
  };
}
