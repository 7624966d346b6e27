import { randomInt } from 'node:crypto';
import * as B from '@whiskeysockets/baileys';
import type { BinaryNode } from '@whiskeysockets/baileys';
import type { ClientConnection } from './client-connection';
import { MessageLog } from './message-log';
import type { PreKeyBundle } from './signal-endpoint';
import { SignalEndpoint } from './signal-endpoint';

/** Keys a companion registered (pairing) and uploaded (prekeys); the server hands them out as bundles. */
export interface CompanionKeys {
  registrationId: number;
  identityKey: Uint8Array;
  signedPreKey: PreKeyBundle['signedPreKey'];
  preKeys: Map<number, Uint8Array>;
}

/** A linked device (a Baileys socket) of a user, online or not. */
export interface CompanionDevice {
  user: WhatsAppUser;
  deviceId: number;
  keyIndex: number;
  /** Baileys' `creds.noiseKey.public`: a login must come with the same key. */
  noiseKey: Buffer;
  keys: CompanionKeys;
  connection: ClientConnection | undefined;
  /** Stanzas waiting for the device's next login (delivered with `offline`). */
  offlineQueue: BinaryNode[];
  linkedAt: Date;
}

/** What a user sent to a companion, kept so a retry receipt can be answered with a fresh encryption. */
export interface SentMessage {
  id: string;
  message: B.proto.IMessage;
  stanzaType: string;
  toPhoneNumber: string;
  timestamp: number;
}

/** How a simulated user answers texts sent to it. */
export type AutoReply = { kind: 'echo' } | { kind: 'fixed'; text: string };

/**
 * A WhatsApp user: phone number, LID, a simulated phone (device 0, whose identity key is the account key
 * that signs linked devices) and any linked companions. "Account" and "contact" are the same thing here;
 * an account is simply a user with companions.
 */
export class WhatsAppUser {
  readonly phone: SignalEndpoint = new SignalEndpoint();
  readonly companions = new Map<number, CompanionDevice>();
  readonly inbox = new MessageLog();
  readonly sent = new Map<string, SentMessage>();
  autoReply: AutoReply | undefined;
  private nextDeviceId = 1;
  private nextKeyIndex = 1;

  constructor(
    readonly phoneNumber: string,
    readonly lidUser: string,
    public pushName: string,
  ) {}

  get pnJid(): string {
    return `${this.phoneNumber}@s.whatsapp.net`;
  }

  get lidJid(): string {
    return `${this.lidUser}@lid`;
  }

  deviceJid(deviceId: number): string {
    return B.jidEncode(this.phoneNumber, 's.whatsapp.net', deviceId);
  }

  deviceLid(deviceId: number): string {
    return B.jidEncode(this.lidUser, 'lid', deviceId);
  }

  allocateDevice(): { deviceId: number; keyIndex: number } {
    return { deviceId: this.nextDeviceId++, keyIndex: this.nextKeyIndex++ };
  }
}

export interface ResolvedJid {
  user: WhatsAppUser;
  /** The device named in the JID, 0 when none. */
  device: number;
  server: 'lid' | 's.whatsapp.net';
}

export function normalizePhoneNumber(phoneNumber: string): string {
  const digits = phoneNumber.replace(/\D/g, '');
  if (digits.length < 6 || digits.length > 15) {
    throw new Error(`not a phone number: ${phoneNumber}`);
  }
  return digits;
}

/** All users the simulated server knows, by phone number and by LID. */
export class Directory {
  private readonly byPhone = new Map<string, WhatsAppUser>();
  private readonly byLid = new Map<string, WhatsAppUser>();

  create(phoneNumber: string, pushName?: string): WhatsAppUser {
    const number = normalizePhoneNumber(phoneNumber);
    if (this.byPhone.has(number)) {
      throw new Error(`user ${number} already exists`);
    }
    const user = new WhatsAppUser(number, this.freshLid(), pushName ?? `User ${number.slice(-4)}`);
    this.byPhone.set(number, user);
    this.byLid.set(user.lidUser, user);
    return user;
  }

  findByPhone(phoneNumber: string): WhatsAppUser | undefined {
    return this.byPhone.get(phoneNumber.replace(/\D/g, ''));
  }

  /** Resolves `pn[:dev]@s.whatsapp.net` or `lid[:dev]@lid`. */
  resolve(jid: string): ResolvedJid | undefined {
    const decoded = B.jidDecode(jid);
    if (!decoded?.user) return undefined;
    const device = decoded.device ?? 0;
    if (decoded.server === 'lid') {
      const user = this.byLid.get(decoded.user);
      return user && { user, device, server: 'lid' };
    }
    if (decoded.server === 's.whatsapp.net') {
      const user = this.byPhone.get(decoded.user);
      return user && { user, device, server: 's.whatsapp.net' };
    }
    return undefined;
  }

  users(): WhatsAppUser[] {
    return [...this.byPhone.values()];
  }

  private freshLid(): string {
    let lid: string;
    do {
      lid = String(randomInt(100_000_000, 999_999_999)) + String(randomInt(100_000, 999_999));
    } while (this.byLid.has(lid));
    return lid;
  }
}
