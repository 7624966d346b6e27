import * as B from '@whiskeysockets/baileys';
import pino from 'pino';
import { disableSandboxBaileys, enableSandboxBaileys } from '../sandbox/baileys-sandbox-switch';
import {
  certChainFromAnotherRoot,
  createServerIdentity,
  issueCertChain,
  type ServerIdentity,
} from '../sandbox/simulator/cert-chain';
import { NoiseResponder } from '../sandbox/simulator/noise-responder';
import { installSignatureChecks, verifyXEdDSA } from './signature-checks';

installSignatureChecks();
// The module object verifyXEdDSA calls, to count the signature checks really computed.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const libsignalCurve = require('libsignal/src/curve') as { verifySignature: () => boolean };

/** Runs Baileys' own client side of the Noise handshake against the simulator's responder. */
function handshakeWith(identity: ServerIdentity): void {
  const ephemeral = B.Curve.generateKeyPair();
  const client = B.makeNoiseHandler({
    keyPair: ephemeral,
    NOISE_HEADER: B.NOISE_WA_HEADER,
    logger: pino({ level: 'silent' }),
  });
  const serverHello = new NoiseResponder(identity).respondToHello(
    B.proto.HandshakeMessage.fromObject({ clientHello: { ephemeral: ephemeral.public } }),
  );
  client.processHandshake(B.proto.HandshakeMessage.decode(serverHello), B.Curve.generateKeyPair());
}

/** The chain with one byte of the intermediate's or the leaf's signature flipped. */
function tampered(certChain: Uint8Array, which: 'intermediate' | 'leaf'): Uint8Array {
  const chain = B.proto.CertChain.decode(certChain);
  const signature = Buffer.from(chain[which]!.signature!);
  signature[10] ^= 1;
  chain[which]!.signature = signature;
  return B.proto.CertChain.encode(chain).finish();
}

describe('verifyXEdDSA', () => {
  const keys = B.Curve.generateKeyPair();
  const message = Buffer.from('certificate details');
  const signature = B.Curve.sign(keys.private, message);

  it('accepts a valid signature, with or without the key type byte', () => {
    expect(verifyXEdDSA(keys.public, message, signature)).toBe(true);
    expect(verifyXEdDSA(Buffer.concat([Buffer.from([5]), keys.public]), message, signature)).toBe(true);
  });

  it('refuses a forged signature, other bytes, another key and malformed input', () => {
    const forged = Buffer.from(signature);
    forged[0] ^= 1;
    expect(verifyXEdDSA(keys.public, message, forged)).toBe(false);
    expect(verifyXEdDSA(keys.public, Buffer.from('other details'), signature)).toBe(false);
    expect(verifyXEdDSA(B.Curve.generateKeyPair().public, message, signature)).toBe(false);
    expect(verifyXEdDSA(keys.public, message, signature.subarray(0, 63))).toBe(false);
    expect(verifyXEdDSA(keys.public.subarray(0, 31), message, signature)).toBe(false);
  });

  it('is what Curve.verify answers once installed (Baileys alone says true to the forgery)', () => {
    const forged = Buffer.from(signature);
    forged[0] ^= 1;
    expect(B.Curve.verify(keys.public, message, forged)).toBe(false);
    expect(B.Curve.verify(keys.public, message, signature)).toBe(true);
  });
});

describe("the handshake's certificate chain, through Baileys' noise handler", () => {
  const identity = createServerIdentity();
  const withChain = (certChain: Uint8Array): ServerIdentity => ({ ...identity, certChain });

  beforeAll(() => enableSandboxBaileys(identity));
  afterAll(() => disableSandboxBaileys());

  it('accepts the chain of the trusted root for the server static key', () => {
    expect(() => handshakeWith(identity)).not.toThrow();
  });

  it('refuses a chain signed by another root key', () => {
    expect(() => handshakeWith(withChain(certChainFromAnotherRoot(identity)))).toThrow(
      'noise intermediate certificate signature invalid',
    );
  });

  it('refuses a chain when the trusted root is another one (WhatsApp rather than the simulator)', () => {
    disableSandboxBaileys();
    try {
      expect(() => handshakeWith(identity)).toThrow('noise intermediate certificate signature invalid');
    } finally {
      enableSandboxBaileys(identity);
    }
  });

  it('refuses a tampered intermediate or leaf signature', () => {
    expect(() => handshakeWith(withChain(tampered(identity.certChain, 'intermediate')))).toThrow(
      'noise intermediate certificate signature invalid',
    );
    expect(() => handshakeWith(withChain(tampered(identity.certChain, 'leaf')))).toThrow(
      'noise certificate signature invalid',
    );
  });

  it("refuses the trusted root's genuine chain for another server's key (a replayed chain)", () => {
    const root = B.Curve.generateKeyPair();
    const impostor = { ...createServerIdentity(), rootPublicKey: root.public };
    enableSandboxBaileys(impostor);
    try {
      const genuineForOther = issueCertChain(root, B.Curve.generateKeyPair().public);
      expect(() => handshakeWith({ ...impostor, certChain: genuineForOther })).toThrow(
        'noise intermediate certificate signature invalid',
      );
      expect(() =>
        handshakeWith({ ...impostor, certChain: issueCertChain(root, impostor.staticKeyPair.public) }),
      ).not.toThrow();
    } finally {
      enableSandboxBaileys(identity);
    }
  });

  it('checks a chain once: later handshakes with the same bytes reuse the successes', () => {
    handshakeWith(identity);
    const computed = jest.spyOn(libsignalCurve, 'verifySignature');
    try {
      handshakeWith(identity);
      handshakeWith(identity);
      expect(computed).not.toHaveBeenCalled();
      expect(() => handshakeWith(withChain(tampered(identity.certChain, 'leaf')))).toThrow();
      expect(computed).toHaveBeenCalled();
    } finally {
      computed.mockRestore();
    }
  });
});
