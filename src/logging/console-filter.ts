/**
 * What libsignal (under Baileys) prints with console.* : the closed or opened Signal session itself,
 * private and root keys included ("Closing session: SessionEntry {...}"), and per-message decryption
 * noise. These lines are dropped: the gateway's own logs already say what went wrong, without keys.
 */
const DEPENDENCY_NOISE = [
  'Closing session:',
  'Opening session:',
  'Removing old closed session:',
  'Session already closed',
  'Session already open',
  'Migrating session to:',
  'Closing open session in favor of incoming prekey bundle',
  'Closing stale open session',
  'Decrypted message with closed session.',
  'Failed to decrypt message with any known session',
  'Session error:',
  'V1 session storage migration error',
  'Unhandled bucket type',
  'WARNING: Expected pubkey of length 33',
];

/** Property names whose values are key material, wherever they appear in something printed. */
const KEY_MATERIAL =
  /^(privKey|privateKey|rootKey|chainKey|ephemeralKeyPair|signedPreKey|noiseKey|advSecretKey|macKey|cipherKey|encKey|messageKeys)$/;
const REDACTED = '[key material redacted]';

const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
type Method = (typeof METHODS)[number];

/** True for a line a dependency prints that is dropped. */
export function isDependencyNoise(args: readonly unknown[]): boolean {
  const first = args[0];
  return typeof first === 'string' && DEPENDENCY_NOISE.some((prefix) => first.startsWith(prefix));
}

/** Whether an object printed by console.* holds key material somewhere (looked at a few levels deep). */
function holdsKeyMaterial(value: unknown, depth = 0, seen = new Set<unknown>()): boolean {
  if (depth > 6 || value === null || typeof value !== 'object' || seen.has(value)) return false;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return false;
  seen.add(value);
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (KEY_MATERIAL.test(key)) return true;
    if (holdsKeyMaterial(inner, depth + 1, seen)) return true;
  }
  return false;
}

/** The arguments with any object holding key material replaced by a placeholder. */
export function redactKeyMaterial(args: readonly unknown[]): unknown[] {
  return args.map((arg) => (arg instanceof Error || !holdsKeyMaterial(arg) ? arg : REDACTED));
}

let installed = false;

/**
 * Wraps console.* for the whole process (installed first thing in main.ts): dependency lines known
 * to print key material or per-message noise are dropped; anything else printed through the console
 * keeps its text, but an object holding key material is replaced by a placeholder. Idempotent.
 */
export function installConsoleFilter(target: Console = console): void {
  if (installed && target === console) return;
  if (target === console) installed = true;
  for (const method of METHODS) {
    const original = target[method].bind(target) as (...args: unknown[]) => void;
    target[method] = ((...args: unknown[]) => {
      if (isDependencyNoise(args)) return;
      original(...redactKeyMaterial(args));
    }) as Console[Method];
  }
}
