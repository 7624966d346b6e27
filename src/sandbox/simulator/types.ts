import type { AutoReply } from './directory';
import type { MediaKind } from './media-crypto';
import type { ReceivedMessage } from './message-log';

export interface SimulatorOptions {
  /** Interface to listen on; defaults to 127.0.0.1. */
  host?: string;
  /** Port of the WebSocket + plain-HTTP media listener; 0 (default) picks a free one. */
  port?: number;
  /** How many QR refs a registering client gets (each shows one QR until `qrTimeout`). Default 5. */
  qrRefCount?: number;
  /** Send a delivery receipt as soon as a simulated phone decrypts a message. Default true. */
  autoDeliveryReceipts?: boolean;
  /** How long `linkDevice` waits for the client to countersign the pairing. Default 10 s. */
  pairingTimeoutMs?: number;
}

export type ResolvedSimulatorOptions = Required<SimulatorOptions>;

export interface SimulatorEndpoints {
  /** Pass as `waWebSocketUrl` to makeWASocket. */
  webSocketUrl: string;
  /** Base URL of inbound media (plain HTTP). */
  mediaBaseUrl: string;
  /** `host:port` of the TLS upload listener. */
  uploadHost: string;
}

export interface UserInfo {
  phoneNumber: string;
  pnJid: string;
  lidJid: string;
  pushName: string;
}

export interface DeviceInfo {
  phoneNumber: string;
  deviceId: number;
  /** `number:device@s.whatsapp.net`, what Baileys has as `creds.me.id`. */
  jid: string;
  /** `lid:device@lid`, what Baileys has as `creds.me.lid`. */
  lid: string;
  online: boolean;
  queuedStanzas: number;
}

export type ReceiptType = 'delivery' | 'read' | 'played';

/** A receipt a companion sent for a message a simulated user sent it. */
export interface ReceiptInfo {
  /** The simulated user the receipt is about (sender of the message). */
  toPhoneNumber: string;
  /** The user whose device sent the receipt. */
  fromPhoneNumber: string;
  fromDevice: number;
  messageIds: string[];
  /** Baileys' receipt type: undefined/'inactive' = delivered, 'read', 'read-self', 'played' … */
  type: string | undefined;
  /** The group (or `status@broadcast`) of the message; absent for a direct message. */
  chatJid?: string;
}

export interface MediaContent {
  kind: MediaKind;
  data: Buffer;
  mimetype?: string;
  caption?: string;
  /** Documents only. */
  fileName?: string;
  /** Audio only: a voice note. */
  ptt?: boolean;
  /** A hostile sender's message, for tests of the gateway's media download (see MediaAttack). */
  attack?: MediaAttack;
}

/**
 * What a hostile (or unlucky) sender can do to a media message: name another download location,
 * lie about the size, and how the simulator's media host serves the file.
 */
export interface MediaAttack {
  /** The `url` the message carries instead of the simulator's; null for none. */
  url?: string | null;
  /** A `directPath` for the message (none by default). */
  directPath?: string;
  /** The `fileLength` the message declares instead of the real one. */
  fileLength?: number;
  /** How the simulator's host serves the file (the real one, at the simulator's own url). */
  serve?: MediaServing;
}

export interface MediaServing {
  /** Sends the full Content-Length, then this many bytes, then drops the connection. */
  cutAfterBytes?: number;
  /** Sends one byte every this many milliseconds (a slow drip). */
  dripMs?: number;
  /** Answers the first this many requests with 500, then serves the file. */
  failFirst?: number;
}

/** What a simulated user can send: a text (optionally replying to a message id) or a media file. */
export type OutgoingContent = { text: string; replyTo?: string } | { media: MediaContent };

/**
 * How the sender is addressed in the stanza (see SIMULATOR.md §3.2): `pn` = from PN + sender_lid
 * (default), `pn-only` = from PN without sender_lid (Baileys asks usync for the LID), `lid` = from LID + sender_pn,
 * `lid-only` = from LID without sender_pn (the receiver does not learn the phone number from it).
 */
export type SenderAddressing = 'pn' | 'pn-only' | 'lid' | 'lid-only';

export interface SimulatorEventMap {
  'device-linked': [DeviceInfo];
  /** A companion logged in and went active (its offline queue has been delivered). */
  'device-online': [DeviceInfo];
  'device-offline': [DeviceInfo];
  /** A companion logged out or was removed; it can no longer log in. */
  'device-removed': [DeviceInfo];
  /** A simulated phone decrypted a message. */
  'message-received': [ReceivedMessage];
  receipt: [ReceiptInfo];
  /** A companion blocked or unblocked a user for its account (profile-desk.ts). */
  'blocklist-changed': [{ phoneNumber: string; contact: string; action: string }];
}

export type { AutoReply, MediaKind, ReceivedMessage };
