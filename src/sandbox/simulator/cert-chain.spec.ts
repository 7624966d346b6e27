import * as B from '@whiskeysockets/baileys';
import { verifySignature } from 'libsignal/src/curve';
import { libraryBaileysDefaults } from '../baileys-sandbox-switch';
import { createServerIdentity } from './cert-chain';

// Baileys 7.0.0-rc14's Curve.verify ignores libsignal's boolean result, so it accepts any well-formed
// signature; these checks use libsignal's verifier directly to prove the chain is really signed.
const verifies = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean =>
  verifySignature(Buffer.from(B.generateSignalPubKey(publicKey)), message, signature);

describe('simulator Noise certificate chain', () => {
  const identity = createServerIdentity();
  const chain = B.proto.CertChain.decode(identity.certChain);
  const intermediate = B.proto.CertChain.NoiseCertificate.Details.decode(chain.intermediate!.details!);
  const leaf = B.proto.CertChain.NoiseCertificate.Details.decode(chain.leaf!.details!);

  it('roots the intermediate in the run root key, with the issuer serial Baileys expects', () => {
    expect(
      verifies(identity.rootPublicKey, chain.intermediate!.details!, chain.intermediate!.signature!),
    ).toBe(true);
    expect(intermediate.issuerSerial).toBe(B.WA_CERT_DETAILS.SERIAL);
  });

  it('signs the leaf (the server static key) with the intermediate', () => {
    expect(verifies(intermediate.key!, chain.leaf!.details!, chain.leaf!.signature!)).toBe(true);
    expect(Buffer.from(leaf.key!).equals(Buffer.from(identity.staticKeyPair.public))).toBe(true);
  });

  it('is not trusted under WhatsApp’s own root key', () => {
    const whatsappRoot = libraryBaileysDefaults().rootPublicKey;
    expect(verifies(whatsappRoot, chain.intermediate!.details!, chain.intermediate!.signature!)).toBe(false);
  });
});
