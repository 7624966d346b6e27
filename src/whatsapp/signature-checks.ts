import { createHash } from 'node:crypto';
import { baileys } from './baileys';

/** Distinct successful checks remembered; the server's certificate chain needs two. */
const REMEMBERED = 64;

/**
 * Every login verifies the server's Noise certificate chain: two XEdDSA signatures, checked in pure
 * JavaScript (curve25519-js), the costliest step of a handshake, and the same chain at every
 * connection. Baileys calls `Curve.verify` through its exported object, so this wraps it once for the
 * process: a check that succeeded for these exact bytes answers true again without redoing it (a
 * signature check is a pure function of its inputs, so no answer changes); failures are always
 * computed. A restart of a thousand sessions then does two checks, not two thousand. (Baileys
 * 7.0.0-rc14's `Curve.verify` answers false only for malformed input: it drops curve25519-js's
 * answer, but computes it all the same.)
 */
export function rememberSignatureChecks(): void {
  const { Curve } = baileys();
  const curve = Curve as typeof Curve & { verifyOnce?: typeof Curve.verify };
  if (curve.verifyOnce) return;
  const verifyOnce = curve.verify.bind(curve);
  const verified = new Set<string>();
  curve.verifyOnce = verifyOnce;
  curve.verify = (publicKey, message, signature) => {
    const hash = createHash('sha256');
    for (const part of [publicKey, message, signature]) {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(part.length);
      hash.update(length).update(part);
    }
    const key = hash.digest('base64');
    if (verified.has(key)) return true;
    const valid = curve.verifyOnce!(publicKey, message, signature);
    if (valid) {
      if (verified.size >= REMEMBERED) verified.clear();
      verified.add(key);
    }
    return valid;
  };
}
