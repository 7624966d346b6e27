import { Injectable } from '@nestjs/common';
import type { ChatKindValue } from '../common/domain-events';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { containsPattern, decodeCursor, encodeCursor } from './page-cursor';

/** A chat's latest message as the chat list shows it. */
export interface ChatLastMessage {
  messageId: string;
  direction: 'inbound' | 'outbound';
  type: string;
  /** The text or caption; null for media without a caption. */
  message: string | null;
  status: string;
  /** WhatsApp's time, in seconds (as in the messages list). */
  timestamp: string;
  revoked: boolean;
}

export interface ChatView {
  chatJid: string;
  kind: ChatKindValue;
  /** A direct chat's phone digits (null while it is known only by its LID), else null. */
  phoneNumber: string | null;
  /** A group's JID, else null. */
  groupId: string | null;
  chatLid: string | null;
  /** The saved contact name, else the push name, else the group's subject, else null. */
  name: string | null;
  unreadCount: number;
  lastMessageAt: string;
  lastMessage: ChatLastMessage | null;
}

export interface ChatPage {
  chats: ChatView[];
  pagination: { limit: number; count: number; nextCursor: string | null };
}

export interface ChatFilter {
  kind?: ChatKindValue;
  /** Part of the chat's JID, contact name or group subject. */
  search?: string;
}

interface ChatRow {
  chat_jid: string;
  last_message_id: bigint | null;
  kind: ChatKindValue;
  chat_lid: string | null;
  unread_count: number;
  last_message_at: Date;
  saved_name: string | null;
  push_name: string | null;
  subject: string | null;
  wa_message_id: string | null;
  direction: 'inbound' | 'outbound' | null;
  type: string | null;
  text: string | null;
  file_name: string | null;
  media_mime: string | null;
  status: string | null;
  wa_timestamp: Date | null;
  revoked_at: Date | null;
}

const isChatCursor = (key: unknown[]): key is [number, string] =>
  key.length === 2 && Number.isSafeInteger(key[0]) && typeof key[1] === 'string' && /^\d{1,20}$/.test(key[1]);

const PHONE_JID = /^(\d+)@s\.whatsapp\.net$/;

export function toChatView(r: ChatRow): ChatView {
  const media = r.media_mime !== null;
  return {
    chatJid: r.chat_jid,
    kind: r.kind,
    phoneNumber: r.kind === 'direct' ? (PHONE_JID.exec(r.chat_jid)?.[1] ?? null) : null,
    groupId: r.kind === 'group' ? r.chat_jid : null,
    chatLid: r.chat_lid,
    name: r.saved_name ?? r.push_name ?? r.subject ?? null,
    unreadCount: Number(r.unread_count),
    lastMessageAt: r.last_message_at.toISOString(),
    lastMessage:
      r.wa_message_id && r.direction && r.type && r.status && r.wa_timestamp
        ? {
            messageId: r.wa_message_id,
            direction: r.direction,
            type: r.type,
            // A document without a caption is stored with its file name as its text.
            message: media && (r.text === null || r.text === r.file_name) ? null : r.text,
            status: r.status,
            timestamp: String(Math.floor(r.wa_timestamp.getTime() / 1000)),
            revoked: r.revoked_at !== null,
          }
        : null,
  };
}

/**
 * The `chats` table: one row per chat of a session with its last message and unread count, written
 * by the message capture with the messages themselves (chat-touches.ts). Read newest activity first
 * (WhatsApp's time in seconds, then the order stored) with a keyset cursor; names come from the
 * contacts and the groups' metadata.
 */
@Injectable()
export class ChatList {
  constructor(private readonly prisma: PrismaService) {}

  async list(
    sessionId: string,
    filter: ChatFilter,
    page: { limit: number; cursor?: string },
  ): Promise<ChatPage> {
    const where: Prisma.Sql[] = [Prisma.sql`c.session_id = ${sessionId}`];
    if (filter.kind) where.push(Prisma.sql`c.kind = ${filter.kind}`);
    if (filter.search) {
      const like = containsPattern(filter.search);
      where.push(
        Prisma.sql`(c.chat_jid LIKE ${like} OR ct.saved_name LIKE ${like} OR ct.push_name LIKE ${like}
          OR g.subject LIKE ${like})`,
      );
    }
    if (page.cursor) {
      const [ms, id] = decodeCursor(page.cursor, isChatCursor);
      const at = new Date(ms);
      where.push(
        Prisma.sql`(c.last_message_at < ${at} OR (c.last_message_at = ${at} AND c.last_message_id < ${BigInt(id)}))`,
      );
    }
    const rows = await this.prisma.$queryRaw<ChatRow[]>`
      SELECT c.chat_jid, c.last_message_id, c.kind, c.chat_lid, c.unread_count, c.last_message_at,
        ct.saved_name, ct.push_name, g.subject,
        m.wa_message_id, m.direction, m.type, m.text, m.file_name, m.media_mime, m.status, m.wa_timestamp,
        m.revoked_at
      FROM chats c
      LEFT JOIN contacts ct ON ct.session_id = c.session_id AND ct.jid = c.chat_jid
      LEFT JOIN group_metadata g ON g.session_id = c.session_id AND g.group_jid = c.chat_jid
      LEFT JOIN messages m ON m.id = c.last_message_id
      WHERE ${Prisma.join(where, ' AND ')}
      ORDER BY c.last_message_at DESC, c.last_message_id DESC
      LIMIT ${page.limit + 1}`;
    const more = rows.length > page.limit;
    const chats = rows.slice(0, page.limit).map(toChatView);
    const last = rows[page.limit - 1];
    return {
      chats,
      pagination: {
        limit: page.limit,
        count: chats.length,
        nextCursor: more
          ? encodeCursor([last.last_message_at.getTime(), String(last.last_message_id)])
          : null,
      },
    };
  }

  /** The account read these chats (through the API, or on its phone): nothing is unread there. */
  async markRead(sessionId: string, chatJids: string[]): Promise<void> {
    if (chatJids.length === 0) return;
    await this.prisma.chat.updateMany({
      where: { sessionId, chatJid: { in: [...new Set(chatJids)] }, unreadCount: { not: 0 } },
      data: { unreadCount: 0 },
    });
  }
}
