import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ConfigError } from '../config/load-config';
import { Database } from '../prisma/database';
import { KeyChecks } from './key-checks';
import { SealedData } from './sealed-data';
import { SecretBox } from './secret-box';

const NAME = 'token-encryption-key';
/** A rotation re-encrypts every session's auth state in one transaction: give it time. */
const ROTATION_TIMEOUT_MS = 30 * 60_000;

/**
 * At start, before any session opens or webhook is signed: the database remembers which key it was
 * set up with (a check value, see SecretBox.checkValue), and a process with another key refuses to
 * start with one line instead of failing to open every session forever. When the stored value is that
 * of TOKEN_ENCRYPTION_KEY_PREVIOUS, everything sealed is re-encrypted under TOKEN_ENCRYPTION_KEY and
 * the new check value stored, in one transaction: a crash half-way changes nothing, and the next
 * start simply does it again.
 */
@Injectable()
export class EncryptionKeyCheck implements OnModuleInit {
  private readonly logger = new Logger(EncryptionKeyCheck.name);

  constructor(
    private readonly box: SecretBox,
    private readonly checks: KeyChecks,
    private readonly sealed: SealedData,
    private readonly database: Database,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const current = this.box.checkValue();
    const previous = this.config.TOKEN_ENCRYPTION_KEY_PREVIOUS
      ? SecretBox.forKey(this.config.TOKEN_ENCRYPTION_KEY_PREVIOUS)
      : null;
    let stored = await this.checks.find(NAME);
    if (stored === null) {
      // A database from before the key check (or a new one): what is sealed in it tells its key.
      const opener = await this.keyOfSealedData(previous);
      // Nothing is recorded when neither key opens the data: the right key must still be able to start.
      if (!opener) return this.verify(null, current);
      await this.checks.insertIfMissing(NAME, opener.checkValue());
      stored = await this.checks.find(NAME);
    }
    if (stored === current) return;
    if (!previous || stored !== previous.checkValue()) return this.verify(stored, current);
    await this.rotate(previous, current);
  }

  /**
   * The box that opens a stored sealed value: this key, else the previous one; this key when nothing
   * is stored; null when neither opens it.
   */
  private async keyOfSealedData(previous: SecretBox | null): Promise<SecretBox | null> {
    for (const store of this.sealed.all()) {
      const sample = await store.sample();
      if (!sample) continue;
      for (const box of previous ? [this.box, previous] : [this.box]) {
        try {
          box.decrypt(sample.sealed, sample.purpose);
          return box;
        } catch {
          // Not this key.
        }
      }
      return null;
    }
    return this.box;
  }

  private verify(stored: string | null, current: string): void {
    if (stored === current) return;
    throw new ConfigError(
      'TOKEN_ENCRYPTION_KEY is not the key this database was set up with: start with that key, or give ' +
        'it as TOKEN_ENCRYPTION_KEY_PREVIOUS to re-encrypt everything under the new one',
    );
  }

  private async rotate(previous: SecretBox, current: string): Promise<void> {
    const counts = await this.database.transaction(
      async (tx) => {
        const stored = await this.checks.findForUpdate(NAME, tx);
        // Another process rotated while this one waited for the lock.
        if (stored === current) return null;
        if (stored !== previous.checkValue()) return this.verify(stored, current) ?? null;
        const reseal = (sealed: Uint8Array, purpose: string) =>
          this.box.encrypt(previous.decrypt(sealed, purpose), purpose);
        const done: string[] = [];
        for (const store of this.sealed.all())
          done.push(`${await store.resealAll(tx, reseal)} ${store.name}`);
        await this.checks.save(NAME, current, tx);
        return done;
      },
      { timeout: ROTATION_TIMEOUT_MS, maxWait: 60_000 },
    );
    if (counts) {
      this.logger.log(`TOKEN_ENCRYPTION_KEY rotated: re-encrypted ${counts.join(', ')} under the new key`);
    }
  }
}
