import * as B from '@whiskeysockets/baileys';
import type { CurveKeyPair, ServerIdentity } from './cert-chain';

const IV_LENGTH = 12;

function ivFor(counter: number): Buffer {
  const iv = Buffer.alloc(IV_LENGTH);
  iv.writeUInt32BE(counter, 8);
  return iv;
}

/** Per-direction AES-GCM state once the handshake is over (empty AAD, own counter each way). */
export class TransportCipher {
  private readCounter = 0;
  private writeCounter = 0;

  constructor(
    private readonly decryptKey: Buffer,
    private readonly encryptKey: Buffer,
  ) {}

  decrypt(ciphertext: Uint8Array): Buffer {
    return B.aesDecryptGCM(ciphertext, this.decryptKey, ivFor(this.readCounter++), Buffer.alloc(0));
  }

  encrypt(plaintext: Uint8Array): Buffer {
    return B.aesEncryptGCM(plaintext, this.encryptKey, ivFor(this.writeCounter++), Buffer.alloc(0));
  }
}

export interface ClientFinishResult {
  /** The client's static Noise key: Baileys' `creds.noiseKey.public`, which identifies a companion. */
  clientStaticKey: Buffer;
  payload: B.proto.ClientPayload;
  transport: TransportCipher;
}

/**
 * Server side of Noise_XX_25519_AESGCM_SHA256 as Baileys' `makeNoiseHandler` expects it.
 * Handshake encryption and decryption share one counter, reset only by mixKey.
 */
export class NoiseResponder {
  private hash: Buffer;
  private salt: Buffer;
  private key: Buffer;
  private counter = 0;
  private ephemeral: CurveKeyPair | undefined;

  constructor(private readonly identity: ServerIdentity) {
    const mode = Buffer.from(B.NOISE_MODE);
    this.hash = mode;
    this.salt = mode;
    this.key = mode;
    this.mixHash(B.NOISE_WA_HEADER);
  }

  /** Consumes the ClientHello and returns the ServerHello bytes to frame and send. */
  respondToHello(message: B.proto.HandshakeMessage): Uint8Array {
    const clientEphemeral = message.clientHello?.ephemeral;
    if (!clientEphemeral || clientEphemeral.length !== 32) {
      throw new Error('ClientHello without a 32-byte ephemeral key');
    }
    this.mixHash(clientEphemeral);
    const ephemeral = B.Curve.generateKeyPair();
    this.ephemeral = ephemeral;
    this.mixHash(ephemeral.public);
    this.mixKey(B.Curve.sharedKey(ephemeral.private, clientEphemeral));
    const encryptedStatic = this.encrypt(this.identity.staticKeyPair.public);
    this.mixKey(B.Curve.sharedKey(this.identity.staticKeyPair.private, clientEphemeral));
    const encryptedCertChain = this.encrypt(this.identity.certChain);
    return B.proto.HandshakeMessage.encode({
      serverHello: { ephemeral: ephemeral.public, static: encryptedStatic, payload: encryptedCertChain },
    }).finish();
  }

  /** Consumes the ClientFinish: learns who the client is and what it wants (register or log in). */
  acceptFinish(message: B.proto.HandshakeMessage): ClientFinishResult {
    const finish = message.clientFinish;
    if (!this.ephemeral || !finish?.static || !finish.payload) {
      throw new Error('ClientFinish before ClientHello or without static/payload');
    }
    const clientStaticKey = this.decrypt(finish.static);
    this.mixKey(B.Curve.sharedKey(this.ephemeral.private, clientStaticKey));
    const payload = B.proto.ClientPayload.decode(this.decrypt(finish.payload));
    const split = B.hkdf(Buffer.alloc(0), 64, { salt: this.salt, info: '' });
    const clientWrite = Buffer.from(split.subarray(0, 32));
    const clientRead = Buffer.from(split.subarray(32));
    return { clientStaticKey, payload, transport: new TransportCipher(clientWrite, clientRead) };
  }

  private mixHash(data: Uint8Array): void {
    this.hash = B.sha256(Buffer.concat([this.hash, data]));
  }

  private mixKey(sharedSecret: Uint8Array): void {
    const derived = B.hkdf(Buffer.from(sharedSecret), 64, { salt: this.salt, info: '' });
    this.salt = Buffer.from(derived.subarray(0, 32));
    this.key = Buffer.from(derived.subarray(32));
    this.counter = 0;
  }

  private encrypt(plaintext: Uint8Array): Buffer {
    const ciphertext = B.aesEncryptGCM(plaintext, this.key, ivFor(this.counter++), this.hash);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  private decrypt(ciphertext: Uint8Array): Buffer {
    const plaintext = B.aesDecryptGCM(ciphertext, this.key, ivFor(this.counter++), this.hash);
    this.mixHash(ciphertext);
    return plaintext;
  }
}
