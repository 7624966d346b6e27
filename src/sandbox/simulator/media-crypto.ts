import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import * as B from '@whiskeysockets/baileys';

/** The media kinds a simulated contact can send; stickers use the image keys, as on WhatsApp. */
export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

const MAC_LENGTH = 10;

export interface EncryptedMedia {
  mediaKey: Buffer;
  /** What the media server stores: AES-256-CBC ciphertext followed by the 10-byte MAC. */
  encrypted: Buffer;
  fileSha256: Buffer;
  fileEncSha256: Buffer;
}

const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

async function mediaKeys(
  mediaKey: Uint8Array,
  kind: MediaKind,
): Promise<{ iv: Buffer; cipherKey: Buffer; macKey: Buffer }> {
  const { iv, cipherKey, macKey } = await B.getMediaKeys(mediaKey, kind);
  if (!iv || !cipherKey || !macKey) throw new Error('could not derive media keys');
  return { iv: Buffer.from(iv), cipherKey: Buffer.from(cipherKey), macKey: Buffer.from(macKey) };
}

/** Encrypts media the way WhatsApp clients do before upload (keys from HKDF of a random media key). */
export async function encryptMedia(plain: Buffer, kind: MediaKind): Promise<EncryptedMedia> {
  const mediaKey = randomBytes(32);
  const { iv, cipherKey, macKey } = await mediaKeys(mediaKey, kind);
  const cipher = createCipheriv('aes-256-cbc', cipherKey, iv);
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  const mac = createHmac('sha256', macKey).update(iv).update(ciphertext).digest().subarray(0, MAC_LENGTH);
  const encrypted = Buffer.concat([ciphertext, mac]);
  return { mediaKey, encrypted, fileSha256: sha256(plain), fileEncSha256: sha256(encrypted) };
}

/** Checks the MAC and decrypts media a companion uploaded. */
export async function decryptMedia(
  encrypted: Buffer,
  mediaKey: Uint8Array,
  kind: MediaKind,
): Promise<Buffer> {
  const { iv, cipherKey, macKey } = await mediaKeys(mediaKey, kind);
  const ciphertext = encrypted.subarray(0, encrypted.length - MAC_LENGTH);
  const mac = encrypted.subarray(encrypted.length - MAC_LENGTH);
  const expected = createHmac('sha256', macKey)
    .update(iv)
    .update(ciphertext)
    .digest()
    .subarray(0, MAC_LENGTH);
  if (mac.length !== MAC_LENGTH || !timingSafeEqual(mac, expected)) {
    throw new Error('media MAC mismatch');
  }
  const decipher = createDecipheriv('aes-256-cbc', cipherKey, iv);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/** The token Baileys puts in the upload URL for a file: base64url of its encrypted SHA-256, unpadded. */
export function uploadToken(fileEncSha256: Uint8Array): string {
  return Buffer.from(fileEncSha256).toString('base64url');
}
