import { createHmac, randomBytes } from 'node:crypto';
import * as B from '@whiskeysockets/baileys';
import { verifySignature } from 'libsignal/src/curve';
import type { BinaryNode } from '@whiskeysockets/baileys';
import type { ClientConnection } from './client-connection';
import type { CompanionDevice, WhatsAppUser } from './directory';
import type { SimulatorContext } from './simulator-context';
import { describeDevice, unixNow } from './simulator-context';
import type { DeviceInfo } from './types';

const ACCOUNT_SIGNATURE_PREFIX = Buffer.from([6, 0]);
const DEVICE_SIGNATURE_PREFIX = Buffer.from([6, 1]);

/** A client that registered (no credentials yet) and is showing QR codes. */
interface PendingPairing {
  connection: ClientConnection;
  refs: string[];
  registrationId: number;
  identityKey: Buffer;
  signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer };
}

/** The keys a companion registers with, for linking it without a QR scan (CompanionEnrollment). */
export interface CompanionEnrollment {
  /** Baileys' `creds.noiseKey.public`, `signedIdentityKey.public`, `advSecretKey` (decoded). */
  noiseKey: Buffer;
  identityKey: Buffer;
  advSecret: Buffer;
  registrationId: number;
  signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer };
  /** Prekeys already on the server (id -> public key), so the first login uploads none. */
  preKeys?: Map<number, Uint8Array>;
}

/** The fields of the QR string Baileys shows: `https://wa.me/settings/linked_devices#ref,noise,identity,adv,platform`. */
export interface QrContents {
  ref: string;
  noiseKey: Buffer;
  identityKey: Buffer;
  advSecret: Buffer;
}

export function parseQr(qr: string): QrContents {
  const data = qr.includes('#') ? qr.slice(qr.indexOf('#') + 1) : qr;
  const [ref, noise, identity, adv] = data.split(',');
  if (!ref || !noise || !identity || !adv) {
    throw new Error('not a WhatsApp pairing QR');
  }
  return {
    ref,
    noiseKey: Buffer.from(noise, 'base64'),
    identityKey: Buffer.from(identity, 'base64'),
    advSecret: Buffer.from(adv, 'base64'),
  };
}

/**
 * QR pairing, server side: offers refs to registering clients, and when a simulated phone "scans" a QR,
 * signs the new device with the account key, waits for the client's countersignature, stores the device
 * and asks the client to restart (515), exactly as WhatsApp does.
 */
export class PairingDesk {
  private readonly pending = new Map<string, PendingPairing>();

  constructor(private readonly ctx: SimulatorContext) {}

  /** A client without credentials finished its handshake: give it refs to show as QR codes. */
  offerRefs(
    connection: ClientConnection,
    clientStaticKey: Buffer,
    data: B.proto.ClientPayload.IDevicePairingRegistrationData,
  ): void {
    const refs = Array.from(
      { length: this.ctx.options.qrRefCount },
      () => `${randomBytes(16).toString('base64')}`,
    );
    const bytes = (value: Uint8Array | null | undefined): Buffer => Buffer.from(value ?? []);
    this.pending.set(clientStaticKey.toString('base64'), {
      connection,
      refs,
      registrationId: bytes(data.eRegid).readUInt32BE(0),
      identityKey: bytes(data.eIdent),
      signedPreKey: {
        keyId: bytes(data.eSkeyId).readUIntBE(0, 3),
        publicKey: bytes(data.eSkeyVal),
        signature: bytes(data.eSkeySig),
      },
    });
    connection.send({
      tag: 'iq',
      attrs: {
        from: 's.whatsapp.net',
        type: 'set',
        id: `pair.${randomBytes(4).toString('hex')}`,
        xmlns: 'md',
      },
      content: [
        {
          tag: 'pair-device',
          attrs: {},
          content: refs.map((ref) => ({ tag: 'ref', attrs: {}, content: Buffer.from(ref) })),
        },
      ],
    });
  }

  forget(connection: ClientConnection): void {
    for (const [key, pairing] of this.pending) {
      if (pairing.connection === connection) this.pending.delete(key);
    }
  }

  /** The simulated phone of `user` scans `qr`: links the showing client as a new companion of `user`. */
  async link(qr: string, user: WhatsAppUser): Promise<DeviceInfo> {
    const contents = parseQr(qr);
    const pairing = this.pending.get(contents.noiseKey.toString('base64'));
    if (!pairing || !pairing.connection.isOpen) {
      throw new Error('no client is showing this QR code (expired, or its socket closed)');
    }
    if (!pairing.refs.includes(contents.ref) || !pairing.identityKey.equals(contents.identityKey)) {
      throw new Error('QR code does not match the client that showed it');
    }
    return this.complete(pairing, contents, user);
  }

  /**
   * Links a companion with no socket and no scan (benchmarks seed many linked sessions this way):
   * the device is stored as after a QR scan, and the pair-success stanza a scan would have sent is
   * returned for the client to apply itself (Baileys' `configureSuccessfulPairing`). Its next login
   * is an ordinary one.
   */
  enroll(
    user: WhatsAppUser,
    companion: CompanionEnrollment,
  ): { device: DeviceInfo; pairSuccess: BinaryNode } {
    const { deviceId, keyIndex } = user.allocateDevice();
    const contents = {
      ref: '',
      noiseKey: companion.noiseKey,
      identityKey: companion.identityKey,
      advSecret: companion.advSecret,
    };
    const container = this.signDevice(user, deviceId, keyIndex, contents);
    const device: CompanionDevice = {
      user,
      deviceId,
      keyIndex,
      noiseKey: companion.noiseKey,
      keys: {
        registrationId: companion.registrationId,
        identityKey: companion.identityKey,
        signedPreKey: companion.signedPreKey,
        preKeys: companion.preKeys ?? new Map(),
      },
      connection: undefined,
      offlineQueue: [],
      linkedAt: new Date(),
    };
    user.companions.set(deviceId, device);
    const info = describeDevice(device);
    this.ctx.events.emit('device-linked', info);
    const pairSuccess = this.pairSuccess(user, deviceId, container);
    pairSuccess.attrs.id = `pair.${randomBytes(4).toString('hex')}`;
    return { device: info, pairSuccess };
  }

  /** Whether `connection` registered with this Noise key and waits to be linked (a pairing code may be asked). */
  isRegistering(connection: ClientConnection, noiseKey: Buffer): boolean {
    return this.pending.get(noiseKey.toString('base64'))?.connection === connection;
  }

  /**
   * The phone opened a pairing-code key bundle (link-code-pairing.ts): links the registering client
   * like a QR scan, with the ADV secret both sides derived instead of the one a QR would carry.
   */
  async linkByCode(contents: QrContents, user: WhatsAppUser): Promise<DeviceInfo> {
    const pairing = this.pending.get(contents.noiseKey.toString('base64'));
    if (!pairing || !pairing.connection.isOpen) throw new Error('the companion is no longer connected');
    if (!pairing.identityKey.equals(contents.identityKey)) {
      throw new Error('the key bundle names another identity than the companion registered');
    }
    return this.complete(pairing, contents, user);
  }

  private async complete(
    pairing: PendingPairing,
    contents: QrContents,
    user: WhatsAppUser,
  ): Promise<DeviceInfo> {
    this.pending.delete(contents.noiseKey.toString('base64'));
    const { deviceId, keyIndex } = user.allocateDevice();
    const container = this.signDevice(user, deviceId, keyIndex, contents);
    const reply = await pairing.connection.request(
      this.pairSuccess(user, deviceId, container),
      this.ctx.options.pairingTimeoutMs,
    );
    this.checkCountersignature(reply, user, contents.identityKey);
    const device: CompanionDevice = {
      user,
      deviceId,
      keyIndex,
      noiseKey: contents.noiseKey,
      keys: {
        registrationId: pairing.registrationId,
        identityKey: pairing.identityKey,
        signedPreKey: pairing.signedPreKey,
        preKeys: new Map(),
      },
      connection: undefined,
      offlineQueue: [],
      linkedAt: new Date(),
    };
    user.companions.set(deviceId, device);
    const info = describeDevice(device);
    this.ctx.events.emit('device-linked', info);
    pairing.connection.streamError(515);
    return info;
  }

  /** ADVSignedDeviceIdentityHMAC: the account key vouches for the device identity from the QR. */
  private signDevice(user: WhatsAppUser, deviceId: number, keyIndex: number, qr: QrContents): Uint8Array {
    const accountKey = user.phone.identityKeyPair;
    const details = B.proto.ADVDeviceIdentity.encode({
      rawId: deviceId,
      timestamp: Math.floor(Date.now() / 1000),
      keyIndex,
      accountType: B.proto.ADVEncryptionType.E2EE,
      deviceType: B.proto.ADVEncryptionType.E2EE,
    }).finish();
    const accountSignature = B.Curve.sign(
      accountKey.private,
      Buffer.concat([ACCOUNT_SIGNATURE_PREFIX, details, qr.identityKey]),
    );
    const signed = B.proto.ADVSignedDeviceIdentity.encode({
      details,
      accountSignatureKey: accountKey.public,
      accountSignature,
    }).finish();
    const hmac = createHmac('sha256', qr.advSecret).update(signed).digest();
    return B.proto.ADVSignedDeviceIdentityHMAC.encode({
      details: signed,
      hmac,
      accountType: B.proto.ADVEncryptionType.E2EE,
    }).finish();
  }

  private pairSuccess(user: WhatsAppUser, deviceId: number, container: Uint8Array): BinaryNode {
    return {
      tag: 'iq',
      attrs: { from: 's.whatsapp.net', type: 'set', xmlns: 'md', t: unixNow() },
      content: [
        {
          tag: 'pair-success',
          attrs: {},
          content: [
            { tag: 'device-identity', attrs: {}, content: container },
            { tag: 'platform', attrs: { name: 'android' } },
            { tag: 'device', attrs: { jid: user.deviceJid(deviceId), lid: user.deviceLid(deviceId) } },
          ],
        },
      ],
    };
  }

  /** The client's `pair-device-sign`: its identity key signs the details plus the account key. */
  private checkCountersignature(reply: BinaryNode, user: WhatsAppUser, identityKey: Buffer): void {
    const sign = B.getBinaryNodeChild(reply, 'pair-device-sign');
    const identityNode = B.getBinaryNodeChild(sign, 'device-identity');
    if (reply.attrs.type !== 'result' || !(identityNode?.content instanceof Uint8Array)) {
      throw new Error('client rejected the pairing');
    }
    const account = B.proto.ADVSignedDeviceIdentity.decode(identityNode.content);
    const message = Buffer.concat([
      DEVICE_SIGNATURE_PREFIX,
      account.details ?? Buffer.alloc(0),
      identityKey,
      user.phone.identityKeyPair.public,
    ]);
    if (
      !account.deviceSignature ||
      !verifySignature(Buffer.from(B.generateSignalPubKey(identityKey)), message, account.deviceSignature)
    ) {
      throw new Error('client countersignature does not verify');
    }
  }
}
