import { createCipheriv, createDecipheriv, hkdfSync, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import * as B from '@whiskeysockets/baileys';
import type { BinaryNode } from '@whiskeysockets/baileys';
import type { ClientConnection } from './client-connection';
import type { WhatsAppUser } from './directory';
import type { PairingDesk } from './pairing-desk';
import type { SimulatorContext } from './simulator-context';
import { unixNow } from './simulator-context';
import type { DeviceInfo } from './types';

const pbkdf2Async = promisify(pbkdf2);

/** WhatsApp's PBKDF2 cost for the code key (Baileys writes it as `2 << 16`). */
const CODE_KEY_ITERATIONS = 131_072;
const BUNDLE_KEY_INFO = 'link_code_pairing_key_bundle_encryption_key';
const ADV_SECRET_INFO = 'adv_secret';

/** The companion's `companion_hello`: what the phone needs once the user types the code. */
interface CompanionHello {
  connection: ClientConnection;
  /** salt(32) | iv(16) | AES-256-CTR(companion ephemeral public key) under the code key. */
  wrappedEphemeral: Buffer;
  /** The Noise static key of the registering connection (`companion_server_auth_key_pub`). */
  noiseKey: Buffer;
  ref: Buffer;
  /** Set while the phone waits for the companion's `companion_finish`. */
  onFinish?: (finish: BinaryNode) => void;
}

/** A thrown error of the phone: the code typed was not the one the companion shows. */
export class WrongPairingCodeError extends Error {
  constructor() {
    super('the phone could not open the key bundle: the code does not match the one the companion shows');
  }
}

/**
 * Pairing by phone number and 8-character code (SIMULATOR.md "Pairing code"), the phone's side:
 * the companion's `companion_hello` names the phone number and carries its ephemeral key wrapped
 * under a key derived from the code; when the user types the code on the phone, the phone unwraps
 * it, answers `primary_hello` with its own wrapped ephemeral key and identity, opens the companion's
 * key bundle and derives the ADV secret from both exchanges, then links the companion as a QR scan
 * would (pair-success HMAC'd with that secret, 515). A wrong code unwraps a wrong key: the bundle's
 * GCM tag fails and nothing is linked, as on a real phone.
 */
export class LinkCodePairing {
  /** The latest hello per phone number (digits); a new code request replaces the previous one. */
  private readonly hellos = new Map<string, CompanionHello>();

  constructor(
    private readonly ctx: SimulatorContext,
    private readonly desk: PairingDesk,
  ) {}

  /** Answers an `md` iq carrying `link_code_companion_reg` (hello or finish). */
  answer(connection: ClientConnection, iq: BinaryNode): void {
    const reg = B.getBinaryNodeChild(iq, 'link_code_companion_reg');
    const stage = reg?.attrs.stage;
    if (reg && stage === 'companion_hello') return this.hello(connection, iq, reg);
    if (reg && stage === 'companion_finish') return this.finish(connection, iq, reg);
    return this.refuse(connection, iq);
  }

  awaits(phoneNumber: string): boolean {
    return this.hellos.get(phoneNumber.replace(/\D/g, ''))?.connection.isOpen ?? false;
  }

  /** The connection closed: its hello can no longer be answered. */
  forget(connection: ClientConnection): void {
    for (const [phone, hello] of this.hellos) {
      if (hello.connection === connection) this.hellos.delete(phone);
    }
  }

  /** The user of `user`'s phone types `code`: resolves with the new device, or throws WrongPairingCodeError. */
  async enterCode(user: WhatsAppUser, code: string): Promise<DeviceInfo> {
    const hello = this.hellos.get(user.phoneNumber);
    if (!hello || !hello.connection.isOpen) {
      throw new Error(`no companion is waiting for a pairing code for ${user.phoneNumber}`);
    }
    const typed = code.replace(/[\s-]/g, '').toUpperCase();
    const companionEphemeral = await unwrapKey(hello.wrappedEphemeral, typed);
    const ephemeral = B.Curve.generateKeyPair();
    const finished = new Promise<BinaryNode>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the companion did not finish the code pairing in time')),
        this.ctx.options.pairingTimeoutMs,
      );
      hello.onFinish = (finish) => {
        clearTimeout(timer);
        resolve(finish);
      };
    });
    hello.connection.send(
      this.primaryHello(user, await wrapKey(Buffer.from(ephemeral.public), typed), hello.ref),
    );
    const finish = await finished;
    // One attempt per code, as on a phone: a wrong code means asking the companion for a new one.
    this.hellos.delete(user.phoneNumber);

    const shared = Buffer.from(B.Curve.sharedKey(ephemeral.private, companionEphemeral));
    const bundle = childBytes(finish, 'link_code_pairing_wrapped_key_bundle');
    const payload = openBundle(bundle, shared);
    const companionIdentity = payload.subarray(0, 32);
    const primaryIdentity = payload.subarray(32, 64);
    const random = payload.subarray(64, 96);
    if (
      !primaryIdentity.equals(Buffer.from(user.phone.identityKeyPair.public)) ||
      !companionIdentity.equals(childBytes(finish, 'companion_identity_public'))
    ) {
      throw new Error('the key bundle names other identity keys');
    }
    const identityShared = Buffer.from(
      B.Curve.sharedKey(user.phone.identityKeyPair.private, companionIdentity),
    );
    const advSecret = Buffer.from(
      hkdfSync(
        'sha256',
        Buffer.concat([shared, identityShared, random]),
        Buffer.alloc(0),
        ADV_SECRET_INFO,
        32,
      ),
    );
    return this.desk.linkByCode(
      {
        noiseKey: hello.noiseKey,
        identityKey: companionIdentity,
        advSecret,
        ref: hello.ref.toString('base64'),
      },
      user,
    );
  }

  private hello(connection: ClientConnection, iq: BinaryNode, reg: BinaryNode): void {
    const phone = B.jidDecode(reg.attrs.jid)?.user;
    const noiseKey = childBytes(reg, 'companion_server_auth_key_pub');
    const wrappedEphemeral = childBytes(reg, 'link_code_pairing_wrapped_companion_ephemeral_pub');
    // Only a connection that registered (showing QR codes) with this Noise key may ask for a code.
    if (!phone || wrappedEphemeral.length !== 80 || !this.desk.isRegistering(connection, noiseKey)) {
      return this.refuse(connection, iq);
    }
    const ref = Buffer.from(randomBytes(16).toString('base64'));
    this.hellos.set(phone, { connection, wrappedEphemeral, noiseKey, ref });
    connection.send({
      tag: 'iq',
      attrs: { id: iq.attrs.id, type: 'result', from: 's.whatsapp.net' },
      content: [
        {
          tag: 'link_code_companion_reg',
          attrs: {},
          content: [{ tag: 'link_code_pairing_ref', attrs: {}, content: ref }],
        },
      ],
    });
  }

  private finish(connection: ClientConnection, iq: BinaryNode, reg: BinaryNode): void {
    const hello = [...this.hellos.values()].find((h) => h.connection === connection);
    const ref = B.getBinaryNodeChildBuffer(reg, 'link_code_pairing_ref');
    if (!hello?.onFinish || !ref || !Buffer.from(ref).equals(hello.ref)) return this.refuse(connection, iq);
    connection.send({ tag: 'iq', attrs: { id: iq.attrs.id, type: 'result', from: 's.whatsapp.net' } });
    hello.onFinish(reg);
  }

  private refuse(connection: ClientConnection, iq: BinaryNode): void {
    connection.send({
      tag: 'iq',
      attrs: { id: iq.attrs.id, type: 'error', from: 's.whatsapp.net' },
      content: [{ tag: 'error', attrs: { code: '400', text: 'bad-request' } }],
    });
  }

  private primaryHello(user: WhatsAppUser, wrappedEphemeral: Buffer, ref: Buffer): BinaryNode {
    return {
      tag: 'notification',
      attrs: {
        from: 's.whatsapp.net',
        type: 'link_code_companion_reg',
        id: randomBytes(8).toString('hex').toUpperCase(),
        t: unixNow(),
      },
      content: [
        {
          tag: 'link_code_companion_reg',
          attrs: { stage: 'primary_hello' },
          content: [
            { tag: 'link_code_pairing_wrapped_primary_ephemeral_pub', attrs: {}, content: wrappedEphemeral },
            {
              tag: 'primary_identity_pub',
              attrs: {},
              content: Buffer.from(user.phone.identityKeyPair.public),
            },
            { tag: 'link_code_pairing_ref', attrs: {}, content: ref },
          ],
        },
      ],
    };
  }
}

function childBytes(node: BinaryNode, tag: string): Buffer {
  const value = B.getBinaryNodeChildBuffer(node, tag);
  return value ? Buffer.from(value) : Buffer.alloc(0);
}

/** The code key: PBKDF2-HMAC-SHA256 of the code (as typed, dash removed) with the wrap's salt. */
function codeKey(code: string, salt: Buffer): Promise<Buffer> {
  return pbkdf2Async(Buffer.from(code, 'utf8'), salt, CODE_KEY_ITERATIONS, 32, 'sha256');
}

/** salt(32) | iv(16) | AES-256-CTR(key): no integrity, so a wrong code unwraps a wrong key silently. */
async function wrapKey(publicKey: Buffer, code: string): Promise<Buffer> {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-ctr', await codeKey(code, salt), iv);
  return Buffer.concat([salt, iv, cipher.update(publicKey), cipher.final()]);
}

async function unwrapKey(wrapped: Buffer, code: string): Promise<Buffer> {
  const decipher = createDecipheriv(
    'aes-256-ctr',
    await codeKey(code, wrapped.subarray(0, 32)),
    wrapped.subarray(32, 48),
  );
  return Buffer.concat([decipher.update(wrapped.subarray(48, 80)), decipher.final()]);
}

/** salt(32) | iv(12) | AES-256-GCM(payload) | tag(16) under HKDF(shared, salt, bundle info). */
function openBundle(bundle: Buffer, shared: Buffer): Buffer {
  const salt = bundle.subarray(0, 32);
  const iv = bundle.subarray(32, 44);
  const sealed = bundle.subarray(44);
  const key = Buffer.from(hkdfSync('sha256', shared, salt, BUNDLE_KEY_INFO, 32));
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
  } catch {
    throw new WrongPairingCodeError();
  }
}
