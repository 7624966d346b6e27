import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';

export type SessionStatusValue = 'disconnected' | 'connecting' | 'qr_pending' | 'connected' | 'logged_out';
export type MessageStatusValue = 'pending' | 'sent' | 'delivered' | 'read' | 'played' | 'failed' | 'received';

export interface SessionStatusEvent {
  sessionId: string;
  status: SessionStatusValue;
  previous: SessionStatusValue | null;
  phoneNumber: string | null;
  code: number | null;
  reason: string | null;
  at: Date;
}

export interface SessionQrEvent {
  sessionId: string;
  qr: string;
  at: Date;
}

export interface StoredMessageEvent {
  sessionId: string;
  waMessageId: string;
  direction: 'inbound' | 'outbound';
  type: string;
  chatJid: string;
  from: string;
  to: string;
  text: string | null;
  fileName: string | null;
  mediaMime: string | null;
  hasMedia: boolean;
  /** An audio sent as a voice note; absent (false) in journals of older runs. */
  ptt?: boolean;
  waTimestamp: Date;
  /** Set when the media's state is known before the message is stored (skipped: MEDIA_DOWNLOAD is off). */
  mediaState?: MediaStateValue;
  /** What kind of chat (whatsapp/chat-addressing.ts); 'direct' when absent (journals of older runs). */
  chatKind?: ChatKindValue;
  /** Group, status and broadcast-list messages: the author's phone digits, when known. */
  participant?: string | null;
  /** Group, status and broadcast-list messages: the author's LID JID, when known. */
  participantLid?: string | null;
  /** A direct chat: the contact's LID JID, when known. */
  chatLid?: string | null;
}

export type ChatKindValue = 'direct' | 'group' | 'status' | 'newsletter' | 'broadcast';

/** Where a media message's file stands (messages/message-media.ts). */
export type MediaStateValue = 'pending' | 'stored' | 'failed' | 'too_large' | 'skipped';

/** A media download settled (stored, failed or too_large); emitted after the state change committed. */
export interface MessageMediaEvent {
  sessionId: string;
  waMessageId: string;
  chatJid: string;
  type: string;
  mediaState: MediaStateValue;
  /** Why it failed, in a few words (failed, too_large). */
  mediaError: string | null;
  mediaSize: number | null;
  mediaMime: string | null;
  at: Date;
}

export interface MessageStatusEvent {
  sessionId: string;
  waMessageId: string;
  chatJid: string;
  status: MessageStatusValue;
  /** WhatsApp's error code when the server refused the message (e.g. 463, 479). */
  errorCode: number | null;
  at: Date;
}

export interface CampaignProgressEvent {
  campaignId: number;
  sessionId: string;
  status: string;
  counts: Record<string, number>;
  total: number;
  ratePerMinute: number | null;
  etaSeconds: number | null;
  pauseReason: string | null;
  at: Date;
}

/** Someone in a group: the phone number (digits) when known, the LID jid when known. */
export interface GroupMember {
  phoneNumber: string | null;
  lid: string | null;
}

/** A group change WhatsApp told a session about; emitted after its outbox rows committed. */
interface GroupChange {
  sessionId: string;
  groupId: string;
  /** Who made the change (null when WhatsApp does not say). */
  author: GroupMember | null;
  /** WhatsApp's id of the notification (an event is reported once per notification). */
  noticeId: string;
  at: Date;
}

/** The account is in a group it was not in: it created it, was added, or joined by invite. */
export interface GroupJoinedEvent extends GroupChange {
  subject: string | null;
  how: 'created' | 'added' | 'invited';
}

/** The subject, description or settings of a group changed (only the fields that changed are set). */
export interface GroupUpdatedEvent extends GroupChange {
  changes: { subject?: string; description?: string | null; announce?: boolean; restrict?: boolean };
}

export interface GroupParticipantsEvent extends GroupChange {
  action: 'added' | 'removed' | 'promoted' | 'demoted';
  participants: GroupMember[];
  /** removed: they left by themselves. */
  left?: boolean;
}

/**
 * A contact's vote on a poll, decrypted (whatsapp/whatsapp-polls.ts): the option texts chosen now,
 * which replace the voter's previous vote (empty: the vote was withdrawn). Emitted after commit.
 */
export interface PollVoteEvent {
  sessionId: string;
  /** WhatsApp's id of the poll message. */
  pollMessageId: string;
  chatJid: string;
  /** The voter's phone digits (the LID user when no phone number is known). */
  voter: string;
  selectedOptions: string[];
  at: Date;
}

/** What a contact shows: online (available), offline (unavailable), typing or recording. */
export type PresenceValue = 'available' | 'unavailable' | 'composing' | 'recording' | 'paused';

/** A presence or chat state a session heard (after a presence subscription, or in an open chat). */
export interface PresenceUpdateEvent {
  sessionId: string;
  /** The chat: the contact's jid, or the group's jid for someone typing in a group. */
  chatJid: string;
  /** Whose presence it is (digits), when known. */
  phoneNumber: string | null;
  presence: PresenceValue;
  /** When they were last online (unavailable), if WhatsApp says. */
  lastSeen: Date | null;
  at: Date;
}

/** A stored message's text was edited (by its author, or by this session through the API); after commit. */
export interface MessageEditedEvent {
  sessionId: string;
  waMessageId: string;
  /** WhatsApp's id of the edit itself. */
  editId: string;
  chatJid: string;
  chatKind: ChatKindValue;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  participant: string | null;
  text: string;
  previousText: string | null;
  at: Date;
}

/** A stored message was deleted for everyone (the stored row keeps its text); after commit. */
export interface MessageRevokedEvent {
  sessionId: string;
  waMessageId: string;
  chatJid: string;
  chatKind: ChatKindValue;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  participant: string | null;
  at: Date;
}

/** How one delivery attempt of an outbox row ended: delivered, dead (no more tries), or to be retried. */
export type OutboxOutcome = 'delivered' | 'dead' | 'retry';

/** Delivery attempts whose results were written (emitted after commit by outbox/outbox-results.ts). */
export interface OutboxRecordedEvent {
  deliveries: {
    /** 'webhook', or the kind of broker ('rabbitmq', 'nats'). */
    channel: string;
    outcome: OutboxOutcome;
    /** When the row was written (the fact it reports was stored). */
    createdAt: Date;
  }[];
  at: Date;
}

/**
 * A dispatcher transaction (a claim, or the write of lane results) that the database rolled back for
 * a lock conflict and that was run again (outbox/lock-conflicts.ts); for /metrics.
 */
export interface OutboxConflictEvent {
  operation: 'claim' | 'record';
  kind: 'deadlock' | 'lock_wait_timeout';
}

/** What ended or changed a user's access; each one closes the user's open WebSockets. */
export type AccessChangeReason =
  'logout' | 'refresh_reused' | 'password_changed' | 'password_reset' | 'deactivated' | 'role_changed';

/** Emitted after the change has committed. */
export interface UserAccessChangedEvent {
  userId: number;
  /** Set when only this login (refresh-token family) ended; absent when every login of the user is affected. */
  loginId?: string;
  reason: AccessChangeReason;
}

/** Every typed domain event of the gateway, by name. */
export interface DomainEventMap {
  'session.status': SessionStatusEvent;
  'session.qr': SessionQrEvent;
  'message.stored': StoredMessageEvent;
  'message.status': MessageStatusEvent;
  'message.media': MessageMediaEvent;
  'message.edited': MessageEditedEvent;
  'message.revoked': MessageRevokedEvent;
  'campaign.progress': CampaignProgressEvent;
  'group.joined': GroupJoinedEvent;
  'group.updated': GroupUpdatedEvent;
  'group.participants': GroupParticipantsEvent;
  'poll.vote': PollVoteEvent;
  'presence.update': PresenceUpdateEvent;
  'user.access_changed': UserAccessChangedEvent;
  'outbox.recorded': OutboxRecordedEvent;
  'outbox.conflict': OutboxConflictEvent;
}

export type DomainEventName = keyof DomainEventMap;

/**
 * The in-process bus modules use to tell each other what happened (a session connected, a
 * message was stored). Listeners must not throw; a failing listener is isolated from the emitter.
 */
@Injectable()
export class DomainEvents {
  private readonly emitter = new EventEmitter({ captureRejections: true });

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  emit<K extends DomainEventName>(name: K, event: DomainEventMap[K]): void {
    for (const listener of this.emitter.listeners(name)) {
      try {
        (listener as (e: DomainEventMap[K]) => void)(event);
      } catch {
        // A listener's failure is its own business; the fact already happened.
      }
    }
  }

  on<K extends DomainEventName>(name: K, listener: (event: DomainEventMap[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}
