import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { SealedData, type Reseal } from '../crypto/sealed-data';
import { SecretBox } from '../crypto/secret-box';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { AuthKeyWriter, keyOf } from './auth-key-writer';
import {
  baileys,
  BufferJSON,
  initAuthCreds,
  type AuthenticationCreds,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
} from './baileys';

const PURPOSE = 'auth-state';
const CREDS = { category: 'creds', keyId: 'creds' } as const;
const RESEAL_BATCH = 500;
/**
 * Signal keys a session keeps decoded in memory (a few per contact it talks to). No TTL: an entry
 * stays true while this process holds the lease (see below), and lru-cache would not free a stale
 * entry before it is touched anyway; its TTL bookkeeping cost every read and write.
 */
const CACHED_KEYS_PER_SESSION = 2_000;

/** A known key value; `null` records that the key does not exist. */
type Cached = { value: unknown };

export interface SessionAuthState {
  creds: AuthenticationCreds;
  keys: SignalKeyStore;
  /** True when creds were loaded (the session was linked before) rather than freshly made. */
  restored: boolean;
  saveCreds(): Promise<void>;
}

/**
 * Baileys auth state in MySQL: one row per key (`creds`, then one per signal key), each value
 * JSON-encoded with Baileys' BufferJSON and sealed with AES-256-GCM. Writes go through the
 * AuthKeyWriter, which batches them across sessions into one transaction.
 *
 * Reads are served from a per-session LRU of decoded values, absent keys included: only the process
 * holding a session's lease writes its keys, so what it wrote (or found missing) stays true until
 * it writes again. The database is read only for keys not seen for a while.
 */
@Injectable()
export class AuthStateStore {
  constructor(
    private readonly prisma: PrismaService,
    private readonly box: SecretBox,
    private readonly writer: AuthKeyWriter,
    sealed: SealedData,
  ) {
    writer.seal = (value) => this.box.encrypt(JSON.stringify(value, BufferJSON.replacer), PURPOSE);
    sealed.register({
      name: 'session_auth_keys',
      resealAll: (tx, reseal) => this.resealAll(tx, reseal),
      sample: async () => {
        const row = await this.prisma.sessionAuthKey.findFirst({ select: { value: true } });
        return row ? { sealed: row.value, purpose: PURPOSE } : null;
      },
    });
  }

  /** Re-encrypts every stored key (a key rotation at start, before any session opens), in batches. */
  private async resealAll(tx: Prisma.TransactionClient, reseal: Reseal): Promise<number> {
    let count = 0;
    let after: Prisma.SessionAuthKeySessionIdCategoryKeyIdCompoundUniqueInput | undefined;
    for (;;) {
      const rows = await tx.sessionAuthKey.findMany({
        orderBy: [{ sessionId: 'asc' }, { category: 'asc' }, { keyId: 'asc' }],
        take: RESEAL_BATCH,
        ...(after ? { cursor: { sessionId_category_keyId: after }, skip: 1 } : {}),
      });
      for (const { sessionId, category, keyId, value } of rows) {
        await tx.sessionAuthKey.update({
          where: { sessionId_category_keyId: { sessionId, category, keyId } },
          data: { value: new Uint8Array(reseal(value, PURPOSE)) },
        });
      }
      count += rows.length;
      if (rows.length < RESEAL_BATCH) return count;
      const last = rows[rows.length - 1];
      after = { sessionId: last.sessionId, category: last.category, keyId: last.keyId };
    }
  }

  async load(sessionId: string): Promise<SessionAuthState> {
    await this.writer.flush();
    // Credentials whose write failed (and waits for its retry) are newer than the stored ones: a
    // session reopening right after pairing (WhatsApp's 515 restart) must not fall back to a new QR.
    const queued = this.writer.peek(sessionId, CREDS.category, CREDS.keyId) as AuthenticationCreds | null;
    const row = queued
      ? null
      : await this.prisma.sessionAuthKey.findUnique({
          where: { sessionId_category_keyId: { sessionId, ...CREDS } },
        });
    const creds = queued ?? (row ? this.open<AuthenticationCreds>(row.value) : initAuthCreds());
    const cache = new LRUCache<string, Cached>({ max: CACHED_KEYS_PER_SESSION });
    // Reads answer in the order they were asked, as an in-memory store would: Baileys looks keys up
    // for each incoming message before its own per-message lock, so a slow database read must not let
    // a later message overtake an earlier one. With no database read under way, a read the cache can
    // answer is answered at once (the usual case: every message looks up keys it used just before).
    let reads: Promise<unknown> = Promise.resolve();
    let readsUnderWay = 0;
    const keys: SignalKeyStore = {
      get: (type, ids) => {
        if (readsUnderWay === 0) {
          const known = this.fromMemory(sessionId, cache, type, ids);
          if (known) return known;
        }
        readsUnderWay++;
        const read = reads.then(() => this.getKeys(sessionId, cache, type, ids));
        reads = read.catch(() => undefined).finally(() => readsUnderWay--);
        return read;
      },
      set: (data) => this.setKeys(sessionId, cache, data),
      clear: async () => {
        cache.clear();
        await this.clear(sessionId);
      },
    };
    return {
      creds,
      keys,
      restored: Boolean(queued) || row !== null,
      saveCreds: async () => this.writer.queue(sessionId, [{ ...CREDS, value: creds }]),
    };
  }

  /** Forgets everything WhatsApp knows about this session (after a logout). */
  async clear(sessionId: string): Promise<void> {
    this.writer.discard(sessionId);
    await this.writer.flush();
    await this.prisma.sessionAuthKey.deleteMany({ where: { sessionId } });
  }

  /** Waits until every queued key write is in the database. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** The values of these keys from the cache or the write queue, or null when one must be read. */
  private fromMemory<T extends keyof SignalDataTypeMap>(
    sessionId: string,
    cache: LRUCache<string, Cached>,
    type: T,
    ids: string[],
    missing?: string[],
  ): { [id: string]: SignalDataTypeMap[T] } | null {
    const result: { [id: string]: SignalDataTypeMap[T] } = {};
    for (const id of ids) {
      const known = cache.get(keyOf(type, id));
      const value = known ? known.value : this.writer.peek(sessionId, type, id);
      if (value === undefined) {
        if (!missing) return null;
        missing.push(id);
      } else if (value !== null) result[id] = value as SignalDataTypeMap[T];
    }
    return result;
  }

  private async getKeys<T extends keyof SignalDataTypeMap>(
    sessionId: string,
    cache: LRUCache<string, Cached>,
    type: T,
    ids: string[],
  ): Promise<{ [id: string]: SignalDataTypeMap[T] }> {
    const missing: string[] = [];
    const result = this.fromMemory(sessionId, cache, type, ids, missing)!;
    if (missing.length === 0) return result;
    const rows = await this.prisma.sessionAuthKey.findMany({
      where: { sessionId, category: type, keyId: { in: missing } },
      select: { keyId: true, value: true },
    });
    const found = new Map(rows.map((row) => [row.keyId, row.value]));
    for (const id of missing) {
      const sealed = found.get(id);
      let value: SignalDataTypeMap[T] | null = null;
      if (sealed) {
        const opened = this.open<SignalDataTypeMap[T]>(sealed);
        // Baileys expects this one key type as a protobuf object, as its own file store returns it.
        value =
          type === 'app-state-sync-key'
            ? (baileys().proto.Message.AppStateSyncKeyData.fromObject(
                opened as object,
              ) as unknown as SignalDataTypeMap[T])
            : opened;
        result[id] = value;
      }
      // A write made during the read is newer than what was read.
      const key = keyOf(type, id);
      if (!cache.has(key) && this.writer.peek(sessionId, type, id) === undefined) cache.set(key, { value });
    }
    return result;
  }

  private setKeys(sessionId: string, cache: LRUCache<string, Cached>, data: SignalDataSet): Promise<void> {
    const entries: { category: string; keyId: string; value: unknown }[] = [];
    for (const [category, values] of Object.entries(data)) {
      // New prekeys (812 at a first login) are read at most once each, when a contact starts a
      // session: not kept decoded for the session's lifetime (the write queue answers until written).
      const keep = category !== 'pre-key';
      for (const [keyId, value] of Object.entries(values ?? {})) {
        entries.push({ category, keyId, value: value ?? null });
        if (keep || !value) cache.set(keyOf(category, keyId), { value: value ?? null });
        else cache.delete(keyOf(category, keyId));
      }
    }
    this.writer.queue(sessionId, entries);
    return Promise.resolve();
  }

  private open<T>(sealed: Uint8Array): T {
    return JSON.parse(this.box.decrypt(sealed, PURPOSE).toString('utf8'), BufferJSON.reviver) as T;
  }
}
