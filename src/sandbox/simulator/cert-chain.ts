import * as B from '@whiskeysockets/baileys';

/** A Curve25519 key pair in Baileys' shape: 32-byte public and private keys. */
export type CurveKeyPair = { public: Uint8Array; private: Uint8Array };

/**
 * The simulator's own Noise trust chain: root → intermediate → leaf, made fresh for every run so that
 * nothing trusted by one run is trusted by the next. Baileys checks the intermediate against the root,
 * the leaf against the intermediate, and that the intermediate's issuer serial equals
 * `WA_CERT_DETAILS.SERIAL` (0); the gateway also checks that the leaf key is the server's static key
 * (src/whatsapp/signature-checks.ts).
 */
export interface ServerIdentity {
  rootPublicKey: Uint8Array;
  /** The static key the responder proves during the handshake. */
  staticKeyPair: CurveKeyPair;
  /** `proto.CertChain` bytes sent (encrypted) in the ServerHello; read at each handshake. */
  certChain: Uint8Array;
}

export function createServerIdentity(): ServerIdentity {
  const root = B.Curve.generateKeyPair();
  const staticKeyPair = B.Curve.generateKeyPair();
  return { rootPublicKey: root.public, staticKeyPair, certChain: issueCertChain(root, staticKeyPair.public) };
}

/**
 * A `proto.CertChain`: a fresh intermediate signed by `root`, and a leaf for `leafKey` signed by the
 * intermediate. Tests pass another root or another leaf key to make chains a client must refuse.
 */
export function issueCertChain(root: CurveKeyPair, leafKey: Uint8Array): Uint8Array {
  const intermediate = B.Curve.generateKeyPair();
  const now = Math.floor(Date.now() / 1000);
  const intermediateDetails = B.proto.CertChain.NoiseCertificate.Details.encode({
    serial: 1,
    issuerSerial: B.WA_CERT_DETAILS.SERIAL,
    key: intermediate.public,
    notBefore: now - 60,
    notAfter: now + 365 * 24 * 3600,
  }).finish();
  const leafDetails = B.proto.CertChain.NoiseCertificate.Details.encode({
    serial: 2,
    issuerSerial: 1,
    key: leafKey,
    notBefore: now - 60,
    notAfter: now + 30 * 24 * 3600,
  }).finish();
  return B.proto.CertChain.encode({
    intermediate: {
      details: intermediateDetails,
      signature: B.Curve.sign(root.private, intermediateDetails),
    },
    leaf: { details: leafDetails, signature: B.Curve.sign(intermediate.private, leafDetails) },
  }).finish();
}

/** A chain for this server's static key, signed by a fresh root that no client was told to trust. */
export function certChainFromAnotherRoot(identity: ServerIdentity): Uint8Array {
  return issueCertChain(B.Curve.generateKeyPair(), identity.staticKeyPair.public);
}
