import { Injectable } from '@nestjs/common';
import type { Prisma } from '../generated/prisma/client';

/** Opens a value sealed under the previous key and seals it again under the current one. */
export type Reseal = (sealed: Uint8Array, purpose: string) => Buffer;

/** Everything one owner keeps sealed with SecretBox, able to re-encrypt it inside a transaction. */
export interface SealedStore {
  /** For the log: e.g. 'session_auth_keys'. */
  name: string;
  /** Re-encrypts every sealed value of the store; returns how many. */
  resealAll(tx: Prisma.TransactionClient, reseal: Reseal): Promise<number>;
  /** One stored sealed value, if any: tells which key a database without a key check was set up with. */
  sample(): Promise<{ sealed: Uint8Array; purpose: string } | null>;
}

/**
 * The owners of sealed columns register here when they are made (before any start-up hook runs),
 * so a key rotation finds every column written through SecretBox without crypto/ importing them.
 */
@Injectable()
export class SealedData {
  private readonly stores: SealedStore[] = [];

  register(store: SealedStore): void {
    this.stores.push(store);
  }

  all(): readonly SealedStore[] {
    return this.stores;
  }
}
