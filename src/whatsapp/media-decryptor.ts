import {
  createDecipheriv,
  createHash,
  createHmac,
  timingSafeEqual,
  type Decipheriv,
  type Hash,
  type Hmac,
} from 'node:crypto';

/** The keys HKDF derives from a message's mediaKey (Baileys' getMediaKeys). */
export interface MediaKeys {
  iv: Buffer;
  cipherKey: Buffer;
  macKey: Buffer;
}

/** The hashes the sender declared in the message, checked when present. */
export interface DeclaredHashes {
  /** SHA-256 of the encrypted file as served (ciphertext and MAC). */
  fileEncSha256?: Uint8Array | null;
  /** SHA-256 of the plain file. */
  fileSha256?: Uint8Array | null;
}

/** The downloaded file is not the one the message describes; `reason` is short and safe to store. */
export class MediaVerificationError extends Error {
  constructor(readonly reason: string) {
    super(`Media verification failed: ${reason}`);
    this.name = 'MediaVerificationError';
  }
}

const MAC_LENGTH = 10;
const EMPTY = Buffer.alloc(0);

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b);

/**
 * WhatsApp's media encryption, undone as the bytes arrive: AES-256-CBC ciphertext followed by a
 * 10-byte MAC (HMAC-SHA256 of iv + ciphertext, truncated). The last 10 bytes seen are held back as
 * the possible MAC; everything before them is hashed, MACed and deciphered at once, so a file is
 * never held whole. The plain bytes `update` returns are unverified until `final` succeeds: the
 * caller writes them somewhere temporary and keeps them only then.
 */
export class MediaDecryptor {
  private tail = EMPTY;
  private readonly encHash: Hash = createHash('sha256');
  private readonly plainHash: Hash = createHash('sha256');
  private readonly hmac: Hmac;
  private readonly decipher: Decipheriv;

  constructor(
    keys: MediaKeys,
    private readonly declared: DeclaredHashes = {},
  ) {
    this.hmac = createHmac('sha256', keys.macKey).update(keys.iv);
    this.decipher = createDecipheriv('aes-256-cbc', keys.cipherKey, keys.iv);
  }

  /** The plain bytes this chunk of the encrypted file completes (possibly none). */
  update(chunk: Buffer): Buffer {
    this.encHash.update(chunk);
    const all = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
    if (all.length <= MAC_LENGTH) {
      this.tail = Buffer.from(all);
      return EMPTY;
    }
    const body = all.subarray(0, all.length - MAC_LENGTH);
    this.tail = Buffer.from(all.subarray(all.length - MAC_LENGTH));
    this.hmac.update(body);
    const plain = this.decipher.update(body);
    this.plainHash.update(plain);
    return plain;
  }

  /** The last plain bytes, once the whole file checks out; throws MediaVerificationError otherwise. */
  final(): Buffer {
    if (this.tail.length < MAC_LENGTH) throw new MediaVerificationError('truncated');
    const encSha = this.encHash.digest();
    if (this.declared.fileEncSha256?.length && !sameBytes(encSha, this.declared.fileEncSha256))
      throw new MediaVerificationError('file_enc_sha256_mismatch');
    const mac = this.hmac.digest().subarray(0, MAC_LENGTH);
    if (!sameBytes(mac, this.tail)) throw new MediaVerificationError('mac_mismatch');
    let last: Buffer;
    try {
      last = this.decipher.final();
    } catch {
      throw new MediaVerificationError('bad_padding');
    }
    this.plainHash.update(last);
    if (this.declared.fileSha256?.length && !sameBytes(this.plainHash.digest(), this.declared.fileSha256))
      throw new MediaVerificationError('file_sha256_mismatch');
    return last;
  }
}

/** The size of the encrypted file of `plainBytes` plain bytes (CBC with PKCS#7 padding, then the MAC). */
export const encryptedSizeOf = (plainBytes: number): number =>
  (Math.floor(plainBytes / 16) + 1) * 16 + MAC_LENGTH;
