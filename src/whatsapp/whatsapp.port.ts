import type { StoredMedia } from '../media/media-store';

/** A file to send: its bytes and type; `stored` when the media store already keeps it (else a copy is kept). */
export interface OutboundMedia {
  data: Buffer;
  mimetype: string;
  stored?: StoredMedia;
}

/** What the gateway can send, in its own words (the WhatsApp library's types stay in src/whatsapp). */
export type OutboundContent =
  | { kind: 'text'; text: string }
  | { kind: 'image' | 'video'; media: OutboundMedia; caption?: string }
  | { kind: 'audio' | 'sticker'; media: OutboundMedia }
  | { kind: 'document'; media: OutboundMedia; fileName: string; caption?: string }
  | { kind: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  /** A contact card: the name shown and the phone number (digits, with country code). */
  | { kind: 'contact'; name: string; phone: string }
  /** An emoji on a stored message of the session (an empty emoji removes the reaction). */
  | { kind: 'reaction'; emoji: string; messageId: string };

export interface SendOptions {
  /** The WhatsApp id to send with, chosen before the send (campaigns record it first). */
  messageId?: string;
  /** A stored message of the session to quote (a reply). */
  quotedMessageId?: string;
}

/** A message WhatsApp took; it is stored as outbound before this answers. */
export interface SentMessage {
  messageId: string;
  to: string;
  /** WhatsApp's timestamp, in seconds. */
  timestamp: string;
}

/** A session's state in the process holding it. */
export type LiveStatus = 'connecting' | 'qr_pending' | 'connected';

/**
 * What the rest of the gateway may ask of WhatsApp, for the sessions this process holds. Nothing
 * outside src/whatsapp (and the simulator) sees the WhatsApp library.
 * - Errors are DomainErrors: SESSION_NOT_CONNECTED (not connected here), SESSION_HELD_ELSEWHERE,
 *   MESSAGE_NOT_FOUND (a quoted or reacted-to message that is not stored).
 */
export abstract class WhatsAppPort {
  /** The sessions whose socket this process holds. */
  abstract heldSessionIds(): string[];
  abstract isHeld(sessionId: string): boolean;
  /** The live state of a session held here, null when not held here. */
  abstract statusOf(sessionId: string): LiveStatus | null;
  /** The QR waiting to be scanned, when the session shows one here. */
  abstract qrOf(sessionId: string): string | null;

  /** Opens the session here (restored, or a new QR); SESSION_HELD_ELSEWHERE when another process holds it. */
  abstract connect(sessionId: string): Promise<void>;
  /** Closes the socket, keeping the device linked; unwanted unless `keepWanted`. */
  abstract disconnect(sessionId: string, reason: string, options?: { keepWanted?: boolean }): Promise<void>;
  /** Unlinks the device from WhatsApp and forgets its credentials. */
  abstract logout(sessionId: string): Promise<void>;

  /** Sends to a jid and stores the message as outbound. */
  abstract send(
    sessionId: string,
    jid: string,
    content: OutboundContent,
    options?: SendOptions,
  ): Promise<SentMessage>;
  /** A fresh WhatsApp message id for this session's next message. */
  abstract newMessageId(sessionId: string): string;
  /** Which of these jids are on WhatsApp (and under which jid). */
  abstract checkNumbers(sessionId: string, jids: string[]): Promise<{ jid: string; exists: boolean }[]>;
}

/** What an operator's media retry answers: the download is queued. */
export interface MediaRetryResult {
  messageId: string;
  mediaState: 'pending';
}

/**
 * The media of received messages, attached after the message is stored. Errors are DomainErrors:
 * MESSAGE_NOT_FOUND (no such inbound message), NO_MEDIA (none, or the message as received is not
 * kept), MEDIA_STATE (already stored, or being downloaded).
 */
export abstract class InboundMediaPort {
  /** Downloads a message's media again (after failed, too_large or skipped). */
  abstract retry(sessionId: string, waMessageId: string): Promise<MediaRetryResult>;
}
