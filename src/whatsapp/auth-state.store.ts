import { Injectable } from '@nestjs/common';
import { SecretBox } from '../crypto/secret-box';
import { PrismaService } from '../prisma/prisma.service';
import { AuthKeyWriter } from './auth-key-writer';
import {
  BufferJSON,
  initAuthCreds,
  proto,
  type AuthenticationCreds,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
} from './baileys';

const PURPOSE = 'auth-state';
const CREDS = { category: 'creds', keyId: 'creds' } as const;

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
 */
@Injectable()
export class AuthStateStore {
  constructor(
    private readonly prisma: PrismaService,
    private readonly box: SecretBox,
    private readonly writer: AuthKeyWriter,
  ) {
    writer.seal = (value) => new Uint8Array(this.box.encrypt(JSON.stringify(value, BufferJSON.replacer), PURPOSE));
  }

  async load(sessionId: string): Promise<SessionAuthState> {
    await this.writer.flush();
    const row = await this.prisma.sessionAuthKey.findUnique({
      where: { sessionId_category_keyId: { sessionId, ...CREDS } },
    });
    const creds = row ? this.open<AuthenticationCreds>(row.value) : initAuthCreds();
    const keys: SignalKeyStore = {
      get: (type, ids) => this.getKeys(sessionId, type, ids),
      set: (data) => this.setKeys(sessionId, data),
      clear: () => this.clear(sessionId),
    };
    return {
      creds,
      keys,
      restored: row !== null,
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

  private async getKeys<T extends keyof SignalDataTypeMap>(
    sessionId: string,
    type: T,
    ids: string[],
  ): Promise<{ [id: string]: SignalDataTypeMap[T] }> {
    const result: { [id: string]: SignalDataTypeMap[T] } = {};
    const missing: string[] = [];
    for (const id of ids) {
      const queued = this.writer.peek(sessionId, type, id);
      if (queued === undefined) missing.push(id);
      else if (queued !== null) result[id] = queued as SignalDataTypeMap[T];
    }
    if (missing.length === 0) return result;
    const rows = await this.prisma.sessionAuthKey.findMany({
      where: { sessionId, category: type, keyId: { in: missing } },
      select: { keyId: true, value: true },
    });
    for (const row of rows) {
      const value = this.open<SignalDataTypeMap[T]>(row.value);
      // Baileys expects this one key type as a protobuf object, as its own file store returns it.
      result[row.keyId] =
        type === 'app-state-sync-key'
          ? (proto.Message.AppStateSyncKeyData.fromObject(value as object) as unknown as SignalDataTypeMap[T])
          : value;
    }
    return result;
  }

  private async setKeys(sessionId: string, data: SignalDataSet): Promise<void> {
    const entries: { category: string; keyId: string; value: unknown }[] = [];
    for (const [category, values] of Object.entries(data)) {
      for (const [keyId, value] of Object.entries(values ?? {})) entries.push({ category, keyId, value: value ?? null });
    }
    this.writer.queue(sessionId, entries);
  }

  private open<T>(sealed: Uint8Array): T {
    return JSON.parse(this.box.decrypt(sealed, PURPOSE).toString('utf8'), BufferJSON.reviver) as T;
  }
}
