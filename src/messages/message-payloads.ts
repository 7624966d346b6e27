import type { MessageStatusEvent, StoredMessageEvent } from '../common/domain-events';

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
    ...(m.fileName ? { fileName: m.fileName } : {}),
    ...(m.mediaMime ? { mimetype: m.mediaMime } : {}),
    ...(hasStoredMedia ? { mediaUrl: mediaUrlOf(m.sessionId, m.waMessageId) } : {}),
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
