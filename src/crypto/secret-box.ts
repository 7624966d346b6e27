import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createSecretKey,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

const VERSION = 1;
const KEY_CHECK_CONSTANT = 'wa-gateway token encryption key check v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** IVs are cut from one CSPRNG draw of this size: one randomBytes call per IV costs more than the AES. */
const IV_POOL_BYTES = IV_BYTES * 512;

/**
 * AES-256-GCM under keys derived (HKDF-SHA256) from TOKEN_ENCRYPTION_KEY, one key per purpose, so
 * a value encrypted for one use cannot be replayed as another. Layout: version | iv | tag | ciphertext.
 */
@Injectable()
export class SecretBox {
  private readonly master: Buffer;
  private readonly keys = new Map<string, Buffer>();
  // Key objects made once per purpose: building one from raw bytes on every call is costly on hot paths.
  private readonly keyObjects = new Map<string, KeyObject>();
  private ivPool = Buffer.alloc(0);
  private ivOffset = 0;

  constructor(config: AppConfig) {
    this.master = Buffer.from(config.TOKEN_ENCRYPTION_KEY ?? '', 'hex');
    if (this.master.length !== 32) throw new Error('TOKEN_ENCRYPTION_KEY must be 32 bytes');
  }

  /** A 32-byte key for one purpose (e.g. 'auth-state', 'jwt'), stable for a given TOKEN_ENCRYPTION_KEY. */
  deriveKey(purpose: string): Buffer {
    let key = this.keys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.master, Buffer.alloc(0), `wa-gateway:${purpose}`, 32));
      this.keys.set(purpose, key);
    }
    return key;
  }

  private keyObject(purpose: string): KeyObject {
    let key = this.keyObjects.get(purpose);
    if (!key) this.keyObjects.set(purpose, (key = createSecretKey(this.deriveKey(purpose))));
    return key;
  }

  /** A fresh random IV; each one is used once. */
  private nextIv(): Buffer {
    if (this.ivOffset + IV_BYTES > this.ivPool.length) {
      this.ivPool = randomBytes(IV_POOL_BYTES);
      this.ivOffset = 0;
    }
    return this.ivPool.subarray(this.ivOffset, (this.ivOffset += IV_BYTES));
  }

  encrypt(plain: Buffer | string, purpose: string): Buffer {
    const iv = this.nextIv();
    const cipher = createCipheriv('aes-256-gcm', this.keyObject(purpose), iv);
    cipher.setAAD(Buffer.from(purpose));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  /** Throws when the value was not encrypted by this key for this purpose, or was altered. */
  decrypt(sealed: Uint8Array, purpose: string): Buffer {
    const data = Buffer.from(sealed);
    if (data.length < 1 + IV_BYTES + TAG_BYTES || data[0] !== VERSION) throw new Error('Not a sealed value');
    const iv = data.subarray(1, 1 + IV_BYTES);
    const tag = data.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.keyObject(purpose), iv);
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
  }

  /**
   * The key check value: an HMAC of a constant under a key derived for this purpose alone. Stored at
   * first start, it tells at the next start whether TOKEN_ENCRYPTION_KEY is still the same key,
   * without storing anything that helps to find the key.
   */
  checkValue(): string {
    return createHmac('sha256', this.deriveKey('key-check')).update(KEY_CHECK_CONSTANT).digest('hex');
  }

  /** A box under another key (the previous one, during a rotation). */
  static forKey(keyHex: string): SecretBox {
    return new SecretBox({ TOKEN_ENCRYPTION_KEY: keyHex } as AppConfig);
  }

  /** For short secrets kept in text columns (webhook secrets). */
  encryptToString(plain: string, purpose: string): string {
    return this.encrypt(plain, purpose).toString('base64');
  }

  decryptToString(sealed: string, purpose: string): string {
    return this.decrypt(Buffer.from(sealed, 'base64'), purpose).toString('utf8');
  }
}

/** SHA-256 hex of an opaque token: what is stored instead of the token. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** A new opaque token such as `wag_<43 url-safe chars>` (256 bits of randomness). */
export const newOpaqueToken = (prefix: string): string =>
  `${prefix}_${randomBytes(32).toString('base64url')}`;

/** Constant-time comparison of two strings of any length. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
