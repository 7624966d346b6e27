import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { getMediaKeys } from './baileys';
import { encryptedSizeOf, MediaDecryptor, MediaVerificationError, type MediaKeys } from './media-decryptor';
import { downloadUrlOf, sandboxMediaOrigin, type MediaReference } from './media-source';

const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

/** Media encrypted as a WhatsApp client does it, with Baileys' own key derivation. */
async function encrypted(plain: Buffer): Promise<{ keys: MediaKeys; file: Buffer }> {
  const derived = await getMediaKeys(randomBytes(32), 'document');
  const keys = {
    iv: Buffer.from(derived.iv!),
    cipherKey: Buffer.from(derived.cipherKey!),
    macKey: Buffer.from(derived.macKey!),
  };
  const cipher = createCipheriv('aes-256-cbc', keys.cipherKey, keys.iv);
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  const mac = createHmac('sha256', keys.macKey).update(keys.iv).update(ciphertext).digest().subarray(0, 10);
  return { keys, file: Buffer.concat([ciphertext, mac]) };
}

/** Runs the file through a decryptor in chunks of `size` bytes. */
function decrypt(decryptor: MediaDecryptor, file: Buffer, size: number): Buffer {
  const out: Buffer[] = [];
  for (let at = 0; at < file.length; at += size) out.push(decryptor.update(file.subarray(at, at + size)));
  out.push(decryptor.final());
  return Buffer.concat(out);
}

const reason = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    if (error instanceof MediaVerificationError) return error.reason;
    throw error;
  }
  throw new Error('no verification error');
};

describe('MediaDecryptor', () => {
  const plain = randomBytes(1000);

  it('decrypts in any chunking and checks both declared hashes', async () => {
    const { keys, file } = await encrypted(plain);
    expect(file.length).toBe(encryptedSizeOf(plain.length));
    for (const size of [1, 7, 10, 11, 16, 333, file.length]) {
      const decryptor = new MediaDecryptor(keys, { fileEncSha256: sha256(file), fileSha256: sha256(plain) });
      expect(decrypt(decryptor, file, size)).toEqual(plain);
    }
  });

  it('refuses a tampered MAC', async () => {
    const { keys, file } = await encrypted(plain);
    file[file.length - 1] ^= 1;
    expect(reason(() => decrypt(new MediaDecryptor(keys), file, 64))).toBe('mac_mismatch');
  });

  it('refuses a tampered ciphertext (the MAC no longer matches)', async () => {
    const { keys, file } = await encrypted(plain);
    file[5] ^= 1;
    expect(reason(() => decrypt(new MediaDecryptor(keys), file, 64))).toBe('mac_mismatch');
  });

  it('refuses a file whose SHA-256 is not the declared fileEncSha256', async () => {
    const { keys, file } = await encrypted(plain);
    const decryptor = new MediaDecryptor(keys, { fileEncSha256: randomBytes(32) });
    expect(reason(() => decrypt(decryptor, file, 64))).toBe('file_enc_sha256_mismatch');
  });

  it('refuses plain bytes whose SHA-256 is not the declared fileSha256', async () => {
    const { keys, file } = await encrypted(plain);
    const decryptor = new MediaDecryptor(keys, { fileEncSha256: sha256(file), fileSha256: randomBytes(32) });
    expect(reason(() => decrypt(decryptor, file, 64))).toBe('file_sha256_mismatch');
  });

  it('refuses a truncated body: cut in the ciphertext, or shorter than a MAC', async () => {
    const { keys, file } = await encrypted(plain);
    const cut = file.subarray(0, file.length - 100);
    expect(reason(() => decrypt(new MediaDecryptor(keys, { fileEncSha256: sha256(file) }), cut, 64))).toBe(
      'file_enc_sha256_mismatch',
    );
    expect(reason(() => decrypt(new MediaDecryptor(keys), cut, 64))).toBe('mac_mismatch');
    expect(reason(() => decrypt(new MediaDecryptor(keys), file.subarray(0, 6), 64))).toBe('truncated');
  });
});

describe('downloadUrlOf', () => {
  const ref = (url: string | null, directPath: string | null = null): MediaReference => ({
    kind: 'image',
    url,
    directPath,
    mediaKey: Buffer.alloc(32),
    fileLength: 10,
    fileSha256: null,
    fileEncSha256: null,
  });
  const href = (r: MediaReference, sandbox: string | null = null) => downloadUrlOf(r, sandbox)?.href ?? null;

  it('keeps an https url on a WhatsApp media host', () => {
    expect(href(ref('https://mmg.whatsapp.net/v/t62/abc.enc?ccb=1'))).toBe(
      'https://mmg.whatsapp.net/v/t62/abc.enc?ccb=1',
    );
    expect(href(ref('https://media-fra5-1.cdn.whatsapp.net/x'))).toBe(
      'https://media-fra5-1.cdn.whatsapp.net/x',
    );
  });

  it("never uses another url; the directPath goes to WhatsApp's host", () => {
    for (const url of [
      'http://127.0.0.1:8080/x',
      'http://mmg.whatsapp.net/x',
      'https://mmg.whatsapp.net.evil.example/x',
      'https://mmg.whatsapp.net@127.0.0.1/x',
      'https://evilwhatsapp.net/x',
      'file:///etc/passwd',
    ]) {
      expect(href(ref(url))).toBeNull();
      expect(href(ref(url, '/v/t62/abc.enc'))).toBe('https://mmg.whatsapp.net/v/t62/abc.enc');
    }
  });

  it('refuses a directPath that would name another host', () => {
    for (const path of ['//127.0.0.1/x', '@127.0.0.1/x', '.evil.example/x', '/\\127.0.0.1/x', 'x'])
      expect(href(ref(null, path))).toBeNull();
  });

  it("in sandbox mode, only the simulator's origin", () => {
    const sim = sandboxMediaOrigin('ws://127.0.0.1:4100/ws/chat');
    expect(sim).toBe('http://127.0.0.1:4100');
    expect(href(ref('http://127.0.0.1:4100/media/a'), sim)).toBe('http://127.0.0.1:4100/media/a');
    expect(href(ref('http://127.0.0.1:4101/media/a'), sim)).toBeNull();
    expect(href(ref('https://mmg.whatsapp.net/x'), sim)).toBeNull();
    expect(href(ref('http://127.0.0.1:4101/a', '/media/b'), sim)).toBe('http://127.0.0.1:4100/media/b');
  });
});
