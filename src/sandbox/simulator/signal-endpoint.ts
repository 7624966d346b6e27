import { randomInt } from 'node:crypto';
import * as B from '@whiskeysockets/baileys';
import * as libsignal from 'libsignal';
import type { CurveKeyPair } from './cert-chain';

/** A device's public keys as a server hands them out (`encrypt/key` replies, retry receipts): 32-byte keys. */
export interface PreKeyBundle {
  registrationId: number;
  identityKey: Uint8Array;
  signedPreKey: { keyId: number; publicKey: Uint8Array; signature: Uint8Array };
  preKey?: { keyId: number; publicKey: Uint8Array };
}

/** Who is at the other end of a Signal session: a LID user and a device id. */
export interface PeerAddress {
  user: string;
  device: number;
}

export type EncryptedPayload = { type: 'pkmsg' | 'msg'; ciphertext: Buffer };

type LibsignalKeyPair = { pubKey: Buffer; privKey: Buffer };

function toLibsignal(pair: CurveKeyPair): LibsignalKeyPair {
  return { pubKey: Buffer.from(B.generateSignalPubKey(pair.public)), privKey: Buffer.from(pair.private) };
}

function address(peer: PeerAddress): libsignal.ProtocolAddress {
  return new libsignal.ProtocolAddress(peer.user, peer.device);
}

/**
 * The Signal side of one simulated device (a contact's or an account's phone): its identity, signed
 * prekey, one-time prekeys handed out on demand, and its sessions with companion devices. This is what
 * lets the simulator decrypt exactly what Baileys sent and encrypt what a contact sends.
 */
export class SignalEndpoint {
  readonly registrationId = randomInt(1, 0x3fff);
  readonly signedPreKey: { keyId: number; keyPair: CurveKeyPair; signature: Uint8Array };
  private readonly preKeys = new Map<number, CurveKeyPair>();
  private nextPreKeyId = 1;
  private readonly sessions = new Map<string, Uint8Array>();
  private readonly storage: libsignal.SignalStorage;

  constructor(readonly identityKeyPair: CurveKeyPair = B.Curve.generateKeyPair()) {
    this.signedPreKey = B.signedKeyPair(identityKeyPair, 1);
    this.storage = this.makeStorage();
  }

  /** A bundle with a brand-new one-time prekey, as the server would hand out for this device. */
  takeBundle(): PreKeyBundle {
    const keyId = this.nextPreKeyId++;
    const preKey = B.Curve.generateKeyPair();
    this.preKeys.set(keyId, preKey);
    return {
      registrationId: this.registrationId,
      identityKey: this.identityKeyPair.public,
      signedPreKey: {
        keyId: this.signedPreKey.keyId,
        publicKey: this.signedPreKey.keyPair.public,
        signature: this.signedPreKey.signature,
      },
      preKey: { keyId, publicKey: preKey.public },
    };
  }

  hasSession(peer: PeerAddress): boolean {
    return this.sessions.has(address(peer).toString());
  }

  /** Starts a fresh outgoing session from the peer's bundle, replacing any session we had. */
  async startSession(peer: PeerAddress, bundle: PreKeyBundle): Promise<void> {
    const signalKey = (key: Uint8Array): Buffer => Buffer.from(B.generateSignalPubKey(key));
    await new libsignal.SessionBuilder(this.storage, address(peer)).initOutgoing({
      registrationId: bundle.registrationId,
      identityKey: signalKey(bundle.identityKey),
      signedPreKey: {
        keyId: bundle.signedPreKey.keyId,
        publicKey: signalKey(bundle.signedPreKey.publicKey),
        signature: bundle.signedPreKey.signature,
      },
      // libsignal accepts a bundle without a one-time prekey although its typings require one.
      preKey: (bundle.preKey
        ? { keyId: bundle.preKey.keyId, publicKey: signalKey(bundle.preKey.publicKey) }
        : undefined) as unknown as { keyId: number; publicKey: Uint8Array },
    });
  }

  async encrypt(peer: PeerAddress, plaintext: Uint8Array): Promise<EncryptedPayload> {
    const { type, body } = await new libsignal.SessionCipher(this.storage, address(peer)).encrypt(plaintext);
    return { type: type === 3 ? 'pkmsg' : 'msg', ciphertext: Buffer.from(body, 'binary') };
  }

  async decrypt(peer: PeerAddress, type: string, ciphertext: Uint8Array): Promise<Buffer> {
    const cipher = new libsignal.SessionCipher(this.storage, address(peer));
    if (type === 'pkmsg') return cipher.decryptPreKeyWhisperMessage(ciphertext);
    if (type === 'msg') return cipher.decryptWhisperMessage(ciphertext);
    throw new Error(`cannot decrypt enc type ${type}`);
  }

  private makeStorage(): libsignal.SignalStorage {
    const identity = toLibsignal(this.identityKeyPair);
    const signed = toLibsignal(this.signedPreKey.keyPair);
    return {
      loadSession: async (id) => {
        const bytes = this.sessions.get(id);
        return bytes ? libsignal.SessionRecord.deserialize(bytes) : undefined;
      },
      storeSession: async (id, record) => {
        this.sessions.set(id, record.serialize());
      },
      // Simulated devices trust on first use, like WhatsApp Web.
      isTrustedIdentity: () => true,
      loadPreKey: async (id) => {
        const pair = this.preKeys.get(Number(id));
        return pair ? toLibsignal(pair) : undefined;
      },
      removePreKey: (id) => {
        this.preKeys.delete(Number(id));
      },
      loadSignedPreKey: () => signed,
      getOurRegistrationId: () => this.registrationId,
      getOurIdentity: () => identity,
    };
  }
}
