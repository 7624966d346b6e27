import { createHash } from 'node:crypto';
import { baileys } from './baileys';

/** Distinct successful checks remembered; the server's certificate chain needs two. */
const REMEMBERED = 64;

/** The reason a session shows when the server's Noise certificate chain is refused. */
export const UNTRUSTED_SERVER_REASON = 'WhatsApp server certificate not trusted';

/** The errors Baileys' `processHandshake` throws when a check of the certificate chain fails. */
const CERTIFICATE_ERRORS = /noise (intermediate )?certificate|certification match failed/i;

export function isCertificateRejection(message: string | undefined): boolean {
  return message !== undefined && CERTIFICATE_ERRORS.test(message);
}

type Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

/**
 * XEdDSA verification by libsignal (curve25519-js underneath). Its `verifySignature` returns true for
 * a valid signature and throws for malformed input; Baileys 7.0.0-rc14's `Curve.verify` calls it but
 * drops the answer and returns true whenever nothing threw, so any 64 bytes passed as a signature.
 */
export function verifyXEdDSA(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const curve = require('libsignal/src/curve') as typeof import('libsignal/src/curve');
  if (publicKey.length !== 32 && publicKey.length !== 33) return false;
  const key = publicKey.length === 33 ? Buffer.from(publicKey) : Buffer.concat([Buffer.from([5]), publicKey]);
  try {
    return curve.verifySignature(key, Buffer.from(message), Buffer.from(signature)) === true;
  } catch {
    return false;
  }
}

function bytesKey(parts: Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(part.length);
    hash.update(length).update(part);
  }
  return hash.digest('base64');
}

/**
 * Makes every Baileys socket of this process check the server's Noise certificate chain for real.
 * Baileys reads `Curve` through its exported object, so the process-wide replacement here is what its
 * handshake (and pairing's account signature) calls:
 *
 * - `Curve.verify` verifies (verifyXEdDSA). A success is remembered for these exact bytes (a signature
 *   check is a pure function of its inputs): the same chain comes at every connection and each check
 *   is pure JavaScript, so a restart of a thousand sessions does two checks, not two thousand.
 *   Failures are always computed.
 * - The chain must also be the server's: Baileys never compares the leaf's key with the static key
 *   the server proved in the handshake, so WhatsApp's genuine chain, replayed by anyone, would pass.
 *   `processHandshake` is synchronous: `sharedKey(ephemeral, serverStatic)`, then the leaf check
 *   (by the intermediate's key), then the intermediate check (by the root key, last). When the root
 *   key is checked, the leaf seen just before must be the one the intermediate signed, name the
 *   intermediate as issuer and carry the server's static key; anything else fails (closed).
 */
export function installSignatureChecks(): void {
  const B = baileys();
  const curve = B.Curve as typeof B.Curve & { verifyChecked?: Verify };
  if (curve.verifyChecked) return;
  const verified = new Set<string>();
  const verifyChecked: Verify = (publicKey, message, signature) => {
    const key = bytesKey([publicKey, message, signature]);
    if (verified.has(key)) return true;
    const valid = verifyXEdDSA(publicKey, message, signature);
    if (valid) {
      if (verified.size >= REMEMBERED) verified.clear();
      verified.add(key);
    }
    return valid;
  };
  curve.verifyChecked = verifyChecked;

  let lastPeerKey: Buffer | undefined;
  let lastCheck: { publicKey: Buffer; message: Buffer } | undefined;
  const sharedKey = curve.sharedKey.bind(curve);
  curve.sharedKey = (privateKey, publicKey) => {
    lastPeerKey = Buffer.from(publicKey);
    return sharedKey(privateKey, publicKey);
  };
  curve.verify = (publicKey, message, signature) => {
    const valid = curve.verifyChecked!(publicKey, message, signature);
    const previous = lastCheck;
    lastCheck = { publicKey: Buffer.from(publicKey), message: Buffer.from(message) };
    if (!Buffer.from(publicKey).equals(Buffer.from(B.WA_CERT_DETAILS.PUBLIC_KEY))) return valid;
    lastCheck = undefined;
    return valid && leafBelongsToServer(message, previous, lastPeerKey);
  };

  function leafBelongsToServer(
    intermediateDetails: Uint8Array,
    leafCheck: { publicKey: Buffer; message: Buffer } | undefined,
    serverStaticKey: Buffer | undefined,
  ): boolean {
    if (!leafCheck || !serverStaticKey) return false;
    try {
      const { Details } = B.proto.CertChain.NoiseCertificate;
      const intermediate = Details.decode(intermediateDetails);
      const leaf = Details.decode(leafCheck.message);
      return (
        Buffer.from(intermediate.key ?? []).equals(leafCheck.publicKey) &&
        leaf.issuerSerial === intermediate.serial &&
        Buffer.from(leaf.key ?? []).equals(serverStaticKey)
      );
    } catch {
      return false;
    }
  }
}
