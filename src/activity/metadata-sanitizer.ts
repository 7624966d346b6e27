/** Keys whose value is a credential, whatever their prefix: `password`, `newPassword`, `x-master-key`... */
const SECRET_KEY_ENDINGS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'authorization',
  'cookie',
  'key',
  'hash',
  'credentials',
];

/** Values that are credentials whatever their key: session/refresh tokens, JWTs, bcrypt hashes. */
const SECRET_VALUES = [/^(wag|wrt)_[\w-]{20,}/, /^eyJ[\w-]+\.[\w-]+\./, /^\$2[aby]\$\d{2}\$/, /^Bearer\s/i];

export const REDACTED = '[redacted]';
const MAX_DEPTH = 6;

export function isSecretKey(key: string): boolean {
  const normalised = key.toLowerCase().replace(/[^a-z]/g, '');
  return SECRET_KEY_ENDINGS.some((ending) => normalised.endsWith(ending));
}

export function looksLikeSecret(value: string): boolean {
  return SECRET_VALUES.some((pattern) => pattern.test(value));
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function clean(value: unknown, depth: number): Json | undefined {
  if (value === null) return null;
  if (typeof value === 'string') return looksLikeSecret(value) ? REDACTED : value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'object' || depth >= MAX_DEPTH) return undefined;
  if (Array.isArray(value)) return value.map((item) => clean(item, depth + 1) ?? null);
  const out: { [key: string]: Json } = {};
  for (const [key, item] of Object.entries(value)) {
    if (isSecretKey(key)) continue;
    const cleaned = clean(item, depth + 1);
    if (cleaned !== undefined) out[key] = cleaned;
  }
  return out;
}

/**
 * A safety net for what goes into activity metadata: keys that name a credential are dropped,
 * values that look like one are replaced, and the rest becomes plain JSON.
 */
export function sanitizeMetadata(metadata: Record<string, unknown>): Record<string, Json> {
  const cleaned = clean(metadata, 0);
  return cleaned && typeof cleaned === 'object' && !Array.isArray(cleaned) ? cleaned : {};
}
