import type { StoredMedia } from '../media/media-store';

/** A file to send: its bytes and type; `stored` when the media store already keeps it (else a copy is kept). */
export interface OutboundMedia {
  data: Buffer;
  mimetype: string;
  stored?: StoredMedia;
}

/**
 * What the gateway can send, in its own words (the WhatsApp library's types stay in src/whatsapp).
 * `mentions`: user jids mentioned (contextInfo.mentionedJid); the text keeps its `@<digits>` as written.
 */
export type OutboundContent =
  | { kind: 'text'; text: string; mentions?: string[] }
  | { kind: 'image' | 'video'; media: OutboundMedia; caption?: string; mentions?: string[] }
  /** `ptt`: a voice note (push to talk), shown with a waveform and played in the chat. */
  | { kind: 'audio'; media: OutboundMedia; ptt?: boolean }
  | { kind: 'sticker'; media: OutboundMedia }
  | { kind: 'document'; media: OutboundMedia; fileName: string; caption?: string; mentions?: string[] }
  | { kind: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  /** A contact card: the name shown and the phone number (digits, with country code). */
  | { kind: 'contact'; name: string; phone: string }
  /** An emoji on a stored message of the session (an empty emoji removes the reaction). */
  | { kind: 'reaction'; emoji: string; messageId: string }
  /** A poll: 2 to 12 distinct options; `multiple` lets a voter choose several (else one). */
  | { kind: 'poll'; question: string; options: string[]; multiple: boolean };

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

/** What the gateway answers for a pairing-code request: the code as the phone asks for it. */
export interface PairingCode {
  /** Eight characters as `ABCD-EFGH`, the way WhatsApp shows it on the companion. */
  code: string;
  /** The number the code was asked for (E.164); only that phone can use it. */
  phoneNumber: string;
  /** Seconds left before the session stops waiting to be linked (QR_TIMEOUT_SECONDS). */
  expiresInSeconds: number;
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
  /**
   * A pairing code for linking by phone number instead of a QR scan (`phoneNumber` in E.164);
   * SESSION_NOT_LINKING unless the session is held here and waiting to be linked.
   */
  abstract requestPairingCode(sessionId: string, phoneNumber: string): Promise<PairingCode>;

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

/**
 * What any process may ask of a session's live socket, wherever the session is held: here, or by
 * another live gateway process, which runs it and answers (whatsapp/command-relay.ts). The groups,
 * chat-state, contacts and message-edits ports work the same way. Errors are DomainErrors, the
 * holder's own (SESSION_NOT_CONNECTED, SESSION_NOT_LINKING, ...) or, when the holder does not answer
 * in time, SESSION_HOLDER_UNAVAILABLE (503, nothing was done) or SESSION_COMMAND_TIMEOUT (504).
 */
export abstract class LiveSessionPort {
  /** 409 SESSION_NOT_CONNECTED unless the session is connected here or on the process holding it. */
  abstract requireConnected(sessionId: string): Promise<void>;
  /** Which of these jids are on WhatsApp (and under which jid). */
  abstract checkNumbers(sessionId: string, jids: string[]): Promise<{ jid: string; exists: boolean }[]>;
  /** A pairing code, asked of the process showing the session's QR (see WhatsAppPort). */
  abstract requestPairingCode(sessionId: string, phoneNumber: string): Promise<PairingCode>;
}

/** An edit made through the API, as it answers. */
export interface MessageEditResult {
  messageId: string;
  /** WhatsApp's id of the edit itself. */
  editId: string;
  text: string;
  editedAt: string;
}

export interface MessageRevokeResult {
  messageId: string;
  revokedAt: string;
}

/**
 * Editing and deleting (for everyone) messages this session sent. Errors are DomainErrors:
 * SESSION_NOT_CONNECTED, MESSAGE_NOT_FOUND (no such outbound message), MESSAGE_NOT_EDITABLE (not a
 * text, already deleted, or past WhatsApp's window: 15 minutes for an edit, 48 hours for a delete).
 */
export abstract class MessageEditsPort {
  abstract edit(sessionId: string, waMessageId: string, text: string): Promise<MessageEditResult>;
  abstract revoke(sessionId: string, waMessageId: string): Promise<MessageRevokeResult>;
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

/** One option of a poll with its current votes. */
export interface PollOptionResult {
  text: string;
  votes: number;
  /** The voters' phone digits (the LID user when no phone number is known). */
  voters: string[];
}

/** A poll as stored, with the current votes. */
export interface PollResults {
  messageId: string;
  question: string;
  /** A voter may choose several options (else one). */
  multiple: boolean;
  options: PollOptionResult[];
}

/**
 * The polls of a session: their questions and the votes kept so far (held here or not). Errors are
 * DomainErrors: MESSAGE_NOT_FOUND (no such message, or it is not a poll).
 */
export abstract class PollsPort {
  abstract results(sessionId: string, pollMessageId: string): Promise<PollResults>;
}

/** A group member: the phone number (digits) when known, and the LID jid when known. */
export interface GroupMemberRef {
  phoneNumber: string | null;
  lid: string | null;
}

export type GroupRole = 'superadmin' | 'admin' | 'member';

export interface GroupParticipantView extends GroupMemberRef {
  role: GroupRole;
}

/** A group as the API shows it. */
export interface GroupView {
  id: string;
  subject: string;
  description: string | null;
  size: number;
  /** The creator's phone number (digits) when known. */
  owner: string | null;
  /** ISO 8601, when WhatsApp says. */
  createdAt: string | null;
  /** Only admins may send. */
  announce: boolean;
  /** Only admins may edit the subject, description and settings. */
  restrict: boolean;
  addressingMode: 'pn' | 'lid';
  /** The session's own role; null when it is no longer a member. */
  myRole: GroupRole | null;
}

export interface GroupDetails extends GroupView {
  participants: GroupParticipantView[];
}

export type GroupParticipantAction = 'add' | 'remove' | 'promote' | 'demote';

/** What WhatsApp answered for one participant of a change. */
export interface ParticipantResult {
  phoneNumber: string;
  status: 'ok' | 'not_found' | 'forbidden' | 'not_acceptable' | 'conflict' | 'failed';
  /** WhatsApp's code: 200, 403 (privacy), 404 (unknown or not in the group), 406 (the creator), 409 (already in). */
  code: number;
}

export interface GroupSettingsChange {
  subject?: string;
  /** An empty string removes the description. */
  description?: string;
  announce?: boolean;
  restrict?: boolean;
}

/**
 * The groups of a session held by this process. Participants are user jids
 * (`<digits>@s.whatsapp.net`); groups are group jids (`<id>@g.us`). Errors are DomainErrors:
 * SESSION_NOT_CONNECTED, GROUP_NOT_FOUND (404), NOT_A_PARTICIPANT (403, the account is not in it),
 * GROUP_NOT_ADMIN (403, the change needs an admin), INVITE_INVALID (404/410, a bad or revoked code),
 * GROUP_CONFLICT (409).
 */
export abstract class GroupsPort {
  abstract list(sessionId: string): Promise<GroupView[]>;
  abstract details(sessionId: string, groupJid: string): Promise<GroupDetails>;
  abstract create(sessionId: string, subject: string, participants: string[]): Promise<GroupDetails>;
  abstract update(sessionId: string, groupJid: string, change: GroupSettingsChange): Promise<GroupDetails>;
  abstract changeParticipants(
    sessionId: string,
    groupJid: string,
    action: GroupParticipantAction,
    participants: string[],
  ): Promise<ParticipantResult[]>;
  abstract leave(sessionId: string, groupJid: string): Promise<void>;
  abstract inviteCode(sessionId: string, groupJid: string): Promise<string>;
  abstract revokeInvite(sessionId: string, groupJid: string): Promise<string>;
  /** Joins by invite code; answers the group's jid. */
  abstract join(sessionId: string, code: string): Promise<string>;
}

/** What a session shows: online or offline to everyone, or a chat state in one chat. */
export type PresenceState = 'available' | 'unavailable' | 'composing' | 'recording' | 'paused';

/** A received message to mark read: its chat, WhatsApp id, and author in a group (a user jid). */
export interface ReadKey {
  chatJid: string;
  messageId: string;
  participant?: string;
}

/**
 * Presence and read receipts of the sessions this process holds. Errors are DomainErrors:
 * SESSION_NOT_CONNECTED.
 */
export abstract class ChatStatePort {
  /** available/unavailable are global (`jid` null); composing/recording/paused go to one chat. */
  abstract sendPresence(sessionId: string, state: PresenceState, jid: string | null): Promise<void>;
  /** Asks WhatsApp to tell this session when a contact comes online, goes offline or types. */
  abstract subscribePresence(sessionId: string, jid: string): Promise<void>;
  /** Sends read receipts (blue ticks) for received messages. */
  abstract markRead(sessionId: string, keys: ReadKey[]): Promise<void>;
}

/** Where a queued send stands: waiting, being sent, taken by WhatsApp, or given up (with why). */
export type QueuedSendStatus = 'queued' | 'sending' | 'sent' | 'failed';

/** A send as the API answers it. */
export interface QueuedSendView {
  /** The WhatsApp id, fixed when the send is accepted. */
  messageId: string;
  to: string;
  status: QueuedSendStatus;
  /** When it was accepted, or WhatsApp took it (seconds). */
  timestamp: string;
  /** Why it failed (`expired`, `unknown_after_crash`, or WhatsApp's refusal). */
  error?: string;
}

export interface SendRequestOptions {
  /** A client's key for this send: a retry with the same key answers the same send, never a second one. */
  idempotencyKey?: string;
  /** A stored message of the session to quote (a reply). */
  quotedMessageId?: string;
  /** Wait (bounded) for WhatsApp to take the message instead of answering `queued` at once. */
  wait?: boolean;
}

/** WhatsApp's answer for a send: the server took it, or the contact's phone got it or showed it. */
export type SendReceipt = 'sent' | 'delivered' | 'read';

/**
 * Sends kept outside src/whatsapp (a campaign's recipients) whose WhatsApp ids were fixed before they
 * left. When a process dies with one in flight, WhatsApp's receipts for that id, which the next holder
 * of the session receives, tell that it went out.
 */
export interface InFlightSends {
  /** The ids of the session's sends that may be in flight (read before its socket opens). */
  inFlightIds(sessionId: string): Promise<string[]>;
  /** A receipt for one of them; true when nothing more is to be learned from its receipts. */
  settle(sessionId: string, waMessageId: string, receipt: SendReceipt): Promise<boolean>;
}

/** Watches WhatsApp's receipts for sends in flight (see InFlightSends). */
export abstract class SendReceiptsPort {
  /** Adds a kind of sends to watch: their ids are read whenever a session is about to connect here. */
  abstract register(sends: InFlightSends): void;
  /** Watches one more id of those sends on a session already connected. */
  abstract watch(sessionId: string, waMessageId: string, sends: InFlightSends): void;
}

/**
 * The durable outbound queue, as the API sees it: any process accepts a send of any session (stored
 * with its WhatsApp id), and the process that holds the session sends it. Errors are DomainErrors:
 * SESSION_NOT_CONNECTED (the session cannot send: never linked, logged out, or disconnected on
 * request), MESSAGE_NOT_FOUND (a quoted or reacted-to message), IDEMPOTENCY_KEY_REUSED (the key
 * named another send).
 */
export abstract class SendQueuePort {
  /** Refuses at once a send to a session that cannot send (before any media is fetched). */
  abstract requireSendable(sessionId: string): Promise<void>;
  abstract enqueue(
    sessionId: string,
    jid: string,
    content: OutboundContent,
    options: SendRequestOptions,
  ): Promise<QueuedSendView>;
}

/** What WhatsApp shows of a contact, asked live (a private or missing one is null). */
export interface ContactProfile {
  profilePictureUrl: string | null;
  /** The contact's about (status) text. */
  about: string | null;
  /** When the about text was set (ISO 8601), when WhatsApp says. */
  aboutSetAt: string | null;
}

/** An account on the session's block list: its phone digits (when known) and LID JID (when known). */
export interface BlockedContact {
  phoneNumber: string | null;
  lid: string | null;
}

/**
 * Contacts as WhatsApp shows them to a session held here, and its block list. Contacts are user jids
 * (`<digits>@s.whatsapp.net`). Errors are DomainErrors: SESSION_NOT_CONNECTED, CONTACT_NOT_FOUND (not
 * on WhatsApp, when blocking).
 */
export abstract class ContactsPort {
  /** The profile picture URL and about text, each fetched live with a short timeout and kept briefly. */
  abstract profile(sessionId: string, jid: string): Promise<ContactProfile>;
  abstract profilePictureUrl(sessionId: string, jid: string): Promise<string | null>;
  abstract setBlocked(sessionId: string, jid: string, blocked: boolean): Promise<void>;
  abstract blocklist(sessionId: string): Promise<BlockedContact[]>;
}

/** The gateway processes sharing the database, as their heartbeats show (whatsapp/gateway-instances.ts). */
export abstract class ClusterPort {
  /** Live processes, this one included, at this process's last heartbeat (1 when alone). */
  abstract liveProcesses(): number;
}
