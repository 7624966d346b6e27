import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const KEY = /^[0-9a-f]{64}$/i;

/**
 * The encryption key of a development install without TOKEN_ENCRYPTION_KEY: generated once, kept in
 * `file` (mode 0600, never committed) and read back at every start, so linked sessions and secrets
 * survive restarts. Returns the key and whether it was just created. Throws a plain Error (the caller
 * words it) when the file cannot be read or written or does not hold a key.
 */
export function devKeyFromFile(file: string): { key: string; created: boolean; path: string } {
  const path = resolve(file);
  if (existsSync(path)) {
    const key = readFileSync(path, 'utf8').trim();
    if (!KEY.test(key)) throw new Error(`${path} does not hold 64 hex characters`);
    return { key, created: false, path };
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('hex');
  // 'wx': never overwrite a key another process wrote a moment ago.
  try {
    writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return devKeyFromFile(file);
    throw error;
  }
  chmodSync(path, 0o600);
  return { key, created: true, path };
}
