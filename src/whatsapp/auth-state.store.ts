import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { SecretBox } from '../crypto/secret-box';
import { PrismaService } from '../prisma/prisma.service';
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
 * JSON-encoded with Baileys' BufferJSON and sealed with AES-256-GCM. A batch of key writes is one
 * statement inside one transaction.
 */
@Injectable()
export class AuthStateStore {
  constructor(
    private readonly prisma: PrismaService,
    private readonly box: SecretBox,
  ) {}

  async load(sessionId: string): Promise<SessionAuthState> {
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
      saveCreds: () => this.write(sessionId, [{ ...CREDS, value: creds }]),
    };
  }

  /** Forgets everything WhatsApp knows about this session (after a logout). */
  async clear(sessionId: string): Promise<void> {
    await this.prisma.sessionAuthKey.deleteMany({ where: { sessionId } });
  }

  private async getKeys<T extends keyof SignalDataTypeMap>(
    sessionId: string,
    type: T,
    ids: string[],
  ): Promise<{ [id: string]: SignalDataTypeMap[T] }> {
    if (ids.length === 0) return {};
    const rows = await this.prisma.sessionAuthKey.findMany({
      where: { sessionId, category: type, keyId: { in: ids } },
      select: { keyId: true, value: true },
    });
    const result: { [id: string]: SignalDataTypeMap[T] } = {};
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
    const writes: { category: string; keyId: string; value: unknown }[] = [];
    const deletes: { category: string; keyId: string }[] = [];
    for (const [category, entries] of Object.entries(data)) {
      for (const [keyId, value] of Object.entries(entries ?? {})) {
        if (value === null || value === undefined) deletes.push({ category, keyId });
        else writes.push({ category, keyId, value });
      }
    }
    await this.write(sessionId, writes, deletes);
  }

  private async write(
    sessionId: string,
    writes: { category: string; keyId: string; value: unknown }[],
    deletes: { category: string; keyId: string }[] = [],
  ): Promise<void> {
    if (writes.length === 0 && deletes.length === 0) return;
    const now = new Date();
    const statements: Prisma.PrismaPromise<unknown>[] = [];
    if (writes.length > 0) {
      const rows = writes.map(
        (w) => Prisma.sql`(${sessionId}, ${w.category}, ${w.keyId}, ${this.seal(w.value)}, ${now})`,
      );
      statements.push(
        this.prisma.$executeRaw`INSERT INTO session_auth_keys (session_id, category, key_id, value, updated_at)
          VALUES ${Prisma.join(rows)}
          ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = VALUES(updated_at)`,
      );
    }
    if (deletes.length > 0) {
      statements.push(this.prisma.sessionAuthKey.deleteMany({ where: { sessionId, OR: deletes } }));
    }
    await this.prisma.$transaction(statements);
  }

  private seal(value: unknown): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.box.encrypt(JSON.stringify(value, BufferJSON.replacer), PURPOSE));
  }

  private open<T>(sealed: Uint8Array): T {
    return JSON.parse(this.box.decrypt(sealed, PURPOSE).toString('utf8'), BufferJSON.reviver) as T;
  }
}
