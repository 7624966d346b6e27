import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DomainError } from '../common/errors';
import { isLidUser, isPnUser, jidNormalizedUser } from './baileys';
import { ConnectionRegistry } from './connection-registry';
import { LidMappings } from './lid-mappings';
import { ContactsPort, type BlockedContact, type ContactProfile } from './whatsapp.port';

/** How long a live profile question may take, and how long its answer is kept. */
const LIVE_TIMEOUT_MS = 5_000;
const CACHE_TTL_MS = 60_000;

/** WhatsApp's answer when there is no picture (404) or it is not shown to this account (401). */
const isNone = (error: unknown): boolean => [401, 404].includes((error as { data?: number }).data ?? 0);

const userOf = (jid: string): string => jid.split('@')[0].split(':')[0];

/**
 * Contacts through the session's socket: profile pictures and about texts (asked live, kept
 * CACHE_TTL_MS), and the block list. (The contact book is fed by ContactUpdates.)
 */
@Injectable()
export class WhatsAppContacts extends ContactsPort {
  private readonly logger = new Logger(WhatsAppContacts.name);
  private readonly cache = new LRUCache<string, { value: string | null; setAt?: string | null }>({
    max: 10_000,
    ttl: CACHE_TTL_MS,
  });

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly lids: LidMappings,
  ) {
    super();
  }

  async profile(sessionId: string, jid: string): Promise<ContactProfile> {
    const [profilePictureUrl, about] = await Promise.all([
      this.profilePictureUrl(sessionId, jid),
      this.about(sessionId, jid),
    ]);
    return { profilePictureUrl, about: about.value, aboutSetAt: about.setAt ?? null };
  }

  async profilePictureUrl(sessionId: string, jid: string): Promise<string | null> {
    const key = `${sessionId}\u0000picture\u0000${jid}`;
    const cached = this.cache.get(key);
    if (cached) return cached.value;
    const socket = this.registry.connectedSocket(sessionId);
    try {
      const url = (await socket.profilePictureUrl(jid, 'image', LIVE_TIMEOUT_MS)) ?? null;
      this.cache.set(key, { value: url });
      return url;
    } catch (error) {
      if (isNone(error)) {
        this.cache.set(key, { value: null });
        return null;
      }
      // A timeout or a refusal: unknown for now, asked again next time.
      this.logger.warn({ err: error, sessionId }, 'Could not fetch a profile picture');
      return null;
    }
  }

  private async about(
    sessionId: string,
    jid: string,
  ): Promise<{ value: string | null; setAt?: string | null }> {
    const key = `${sessionId}\u0000about\u0000${jid}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const socket = this.registry.connectedSocket(sessionId);
    try {
      const list = await withTimeout(socket.fetchStatus(jid), LIVE_TIMEOUT_MS);
      const found = (list?.[0] as { status?: { status?: string | null; setAt?: Date } | null } | undefined)
        ?.status;
      // An empty text is WhatsApp's answer for an about that is not shown to this account.
      const value = found?.status ? found.status : null;
      const setAt = value && found?.setAt && found.setAt.getTime() > 0 ? found.setAt.toISOString() : null;
      const answer = { value, setAt };
      this.cache.set(key, answer);
      return answer;
    } catch (error) {
      this.logger.warn({ err: error, sessionId }, 'Could not fetch an about text');
      return { value: null, setAt: null };
    }
  }

  async setBlocked(sessionId: string, jid: string, blocked: boolean): Promise<void> {
    const socket = this.registry.connectedSocket(sessionId);
    try {
      await socket.updateBlockStatus(jid, blocked ? 'block' : 'unblock');
    } catch (error) {
      // Baileys blocks by LID: a number WhatsApp has no LID for is not on WhatsApp.
      if ((error as { output?: { statusCode?: number } }).output?.statusCode === 400)
        throw new DomainError('CONTACT_NOT_FOUND', `${userOf(jid)} is not on WhatsApp`);
      throw error;
    }
  }

  async blocklist(sessionId: string): Promise<BlockedContact[]> {
    const socket = this.registry.connectedSocket(sessionId);
    const jids = await socket.fetchBlocklist();
    const out: BlockedContact[] = [];
    for (const raw of jids) {
      if (!raw) continue;
      const jid = jidNormalizedUser(raw);
      if (isPnUser(jid)) {
        out.push({ phoneNumber: userOf(jid), lid: null });
        continue;
      }
      if (!isLidUser(jid)) continue;
      const phone =
        this.lids.phoneOf(sessionId, jid) ??
        (await socket.signalRepository.lidMapping.getPNForLID(jid).then(
          (pn) => (pn ? userOf(pn) : undefined),
          () => undefined,
        ));
      out.push({ phoneNumber: phone ?? null, lid: jid });
    }
    return out;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
