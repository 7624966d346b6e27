import type { ChatKindValue } from '../common/domain-events';
import { sqlDateTime, type Statement } from '../prisma/statement';

/** What a stored message needs for its chat's row. */
export interface ChatMessage {
  sessionId: string;
  waMessageId: string;
  chatJid: string;
  chatKind?: ChatKindValue;
  chatLid?: string | null;
  direction: 'inbound' | 'outbound';
  type: string;
  waTimestamp: Date;
}

/** What a batch of new messages does to one chat's row. */
export interface ChatTouch {
  sessionId: string;
  chatJid: string;
  kind: ChatKindValue;
  chatLid: string | null;
  /** The chat's latest message of the batch (by WhatsApp's time, the later one on a tie). */
  waMessageId: string;
  direction: 'inbound' | 'outbound';
  at: Date;
  /** Inbound messages counted as unread after the batch's last outbound one. */
  unread: number;
  /** The batch holds an outbound message: the count starts again from `unread`. */
  reset: boolean;
}

/** Chats whose received messages count as unread (not statuses, channels or broadcast lists). */
const COUNTED: ReadonlySet<ChatKindValue> = new Set(['direct', 'group']);

/**
 * One touch per chat of a batch of new messages, in the batch's order. A reaction is not a message
 * of the chat list (it neither counts as unread nor becomes the last message). Any outbound message
 * means the account answered the chat (from the phone or through the gateway): unread starts again.
 */
export function chatTouchesOf(messages: ChatMessage[]): ChatTouch[] {
  const touches = new Map<string, ChatTouch>();
  for (const m of messages) {
    if (m.type === 'reaction') continue;
    const key = `${m.sessionId}\u0000${m.chatJid}`;
    const kind = m.chatKind ?? 'direct';
    let touch = touches.get(key);
    if (!touch) {
      touch = {
        sessionId: m.sessionId,
        chatJid: m.chatJid,
        kind,
        chatLid: m.chatLid ?? null,
        waMessageId: m.waMessageId,
        direction: m.direction,
        at: m.waTimestamp,
        unread: 0,
        reset: false,
      };
      touches.set(key, touch);
    } else if (m.waTimestamp.getTime() >= touch.at.getTime()) {
      Object.assign(touch, { waMessageId: m.waMessageId, direction: m.direction, at: m.waTimestamp });
    }
    if (m.chatLid) touch.chatLid = m.chatLid;
    if (m.direction === 'outbound') {
      touch.unread = 0;
      touch.reset = true;
    } else if (COUNTED.has(kind)) touch.unread++;
  }
  return [...touches.values()];
}

/**
 * One upsert of the chats' rows, after the batch's messages are inserted (it reads their ids). The
 * batch is ONE JSON parameter unpacked by JSON_TABLE, as the messages' insert. An older message
 * (a late delivery) adds to the unread count but does not replace the last message.
 */
const UPSERT_CHATS = `
  INSERT INTO chats (session_id, chat_jid, kind, chat_lid, last_message_id, last_message_at, unread_count, updated_at)
  SELECT b.session_id, b.chat_jid, b.kind, b.chat_lid, m.id, b.at, b.unread, ?
  FROM JSON_TABLE(?, '$[*]' COLUMNS (
    session_id VARCHAR(64) PATH '$[0]', chat_jid VARCHAR(128) PATH '$[1]', kind VARCHAR(16) PATH '$[2]',
    chat_lid VARCHAR(128) PATH '$[3]', wa_message_id VARCHAR(128) PATH '$[4]', direction VARCHAR(8) PATH '$[5]',
    at DATETIME(3) PATH '$[6]', unread INT PATH '$[7]', reset INT PATH '$[8]'
  )) AS b
  JOIN messages m ON m.session_id = b.session_id AND m.wa_message_id = b.wa_message_id
    AND m.direction = b.direction
  ON DUPLICATE KEY UPDATE
    last_message_id = IF(VALUES(last_message_at) >= chats.last_message_at, VALUES(last_message_id), chats.last_message_id),
    last_message_at = GREATEST(chats.last_message_at, VALUES(last_message_at)),
    chat_lid = COALESCE(VALUES(chat_lid), chats.chat_lid),
    unread_count = IF(b.reset = 1, VALUES(unread_count), chats.unread_count + VALUES(unread_count)),
    updated_at = VALUES(updated_at)`;

/** The chats upsert of these new messages, or null when none of them is a chat's message. */
export function chatsStatement(messages: ChatMessage[]): Statement | null {
  const touches = chatTouchesOf(messages);
  if (touches.length === 0) return null;
  const rows = touches.map((t) => [
    t.sessionId,
    t.chatJid,
    t.kind,
    t.chatLid,
    t.waMessageId,
    t.direction,
    sqlDateTime(t.at),
    t.unread,
    t.reset ? 1 : 0,
  ]);
  return { sql: UPSERT_CHATS, values: [sqlDateTime(new Date()), JSON.stringify(rows)] };
}
