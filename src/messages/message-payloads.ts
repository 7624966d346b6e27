import type {
  ChatKindValue,
  MediaStateValue,
  MessageMediaEvent,
  MessageStatusEvent,
  StoredMessageEvent,
} from '../common/domain-events';
import type { WebhookEventName } from '../outbox/event-names';

/** Where a stored media file can be fetched (with a session token or a user login). */
export const mediaUrlOf = (sessionId: string, waMessageId: string): string =>
  `/api/v1/sessions/${encodeURIComponent(sessionId)}/messages/${encodeURIComponent(waMessageId)}/media`;

/** The webhook body of a message: the seed's fields first (from, to, message, timestamp, type). */
export function messagePayload(m: StoredMessageEvent, hasStoredMedia: boolean): Record<string, unknown> {
  return {
    from: m.from,
    to: m.to,
    message: m.text ?? '',
    timestamp: String(Math.floor(m.waTimestamp.getTime() / 1000)),
    type: m.type,
    messageId: m.waMessageId,
    direction: m.direction,
    chatJid: m.chatJid,
    ...chatFields(m),
    ...(m.fileName ? { fileName: m.fileName } : {}),
    ...(m.mediaMime ? { mimetype: m.mediaMime } : {}),
    ...(m.type === 'audio' ? { ptt: m.ptt === true } : {}),
    ...(hasStoredMedia ? { mediaUrl: mediaUrlOf(m.sessionId, m.waMessageId) } : {}),
    ...(m.hasMedia ? { mediaState: mediaStateAtStore(m, hasStoredMedia) } : {}),
  };
}

/**
 * The chat's kind, and who wrote it: in a group `groupId` names the group (`from` is the author's
 * phone number, `participantLid` the author's LID); a direct chat's contact LID is `chatLid`.
 */
export function chatFields(m: {
  chatKind?: ChatKindValue;
  chatJid: string;
  participant?: string | null;
  participantLid?: string | null;
  chatLid?: string | null;
}): Record<string, unknown> {
  const kind = m.chatKind ?? 'direct';
  return {
    kind,
    ...(kind === 'group' ? { groupId: m.chatJid } : {}),
    ...(m.participant ? { participant: m.participant } : {}),
    ...(m.participantLid ? { participantLid: m.participantLid } : {}),
    ...(m.chatLid ? { chatLid: m.chatLid } : {}),
  };
}

/**
 * The webhook event of a stored message, or null for none. Status updates and channel posts have
 * their own events (opt-in, see outbox/event-names.ts); the session's own ones have none.
 */
export function messageEventOf(
  m: Pick<StoredMessageEvent, 'chatKind' | 'direction'>,
): WebhookEventName | null {
  const kind = m.chatKind ?? 'direct';
  if (kind === 'status' || kind === 'newsletter') return m.direction === 'inbound' ? `${kind}.inbound` : null;
  return m.direction === 'inbound' ? 'message.inbound' : 'message.outbound';
}

/**
 * A media message's state when it is stored, as the column's SQL default computes it: inbound media
 * is downloaded afterwards (a `message.media` event follows), unless it is known to be skipped.
 */
function mediaStateAtStore(m: StoredMessageEvent, hasStoredMedia: boolean): MediaStateValue {
  if (hasStoredMedia) return 'stored';
  if (m.direction === 'outbound') return 'skipped';
  return m.mediaState ?? 'pending';
}

/** The webhook body of `message.media`: the download of a message's media settled. */
export function mediaPayload(e: MessageMediaEvent): Record<string, unknown> {
  return {
    messageId: e.waMessageId,
    chatJid: e.chatJid,
    type: e.type,
    mediaState: e.mediaState,
    ...(e.mediaError ? { mediaError: e.mediaError } : {}),
    ...(e.mediaState === 'stored' ? { mediaUrl: mediaUrlOf(e.sessionId, e.waMessageId) } : {}),
    ...(e.mediaSize !== null ? { mediaSize: e.mediaSize } : {}),
    ...(e.mediaMime ? { mimetype: e.mediaMime } : {}),
    timestamp: String(Math.floor(e.at.getTime() / 1000)),
  };
}

export function statusPayload(s: MessageStatusEvent): Record<string, unknown> {
  return {
    messageId: s.waMessageId,
    chatJid: s.chatJid,
    status: s.status,
    ...(s.errorCode ? { errorCode: s.errorCode } : {}),
    timestamp: String(Math.floor(s.at.getTime() / 1000)),
  };
}
