import { Injectable } from '@nestjs/common';
import type { ChatKind, Message, Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { mediaUrlOf } from './message-payloads';
import { likeLiteral } from '../common/like-literal';

export interface MessageFilter {
  chatJid?: string;
  /** direct, group, status, newsletter or broadcast. */
  kind?: ChatKind;
  direction?: 'inbound' | 'outbound';
  type?: string;
  from?: Date;
  to?: Date;
  /** Words the text (or caption, or a document's name) contains, each in any case and any order. */
  search?: string;
}

/**
 * A search's conditions, one LIKE '%word%' per word. No index serves them: they are added only when
 * asked, and the scan stays within the session's rows in id order, stopped by LIMIT.
 */
const textContainsEach = (search: string): Prisma.MessageWhereInput[] =>
  search
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => ({ text: { contains: likeLiteral(word) } }));

export interface MessageView {
  id: number;
  sessionId: string;
  messageId: string;
  chatJid: string;
  /** direct, group, status, newsletter or broadcast. */
  kind: string;
  /** A group message's group JID (the same as chatJid), else null. */
  groupId: string | null;
  /** Phone digits; in a group, status or broadcast list `from` is the author (inbound). */
  from: string;
  to: string;
  /** Group, status and broadcast-list messages: the author's phone digits, when known. */
  participant: string | null;
  /** Group, status and broadcast-list messages: the author's LID JID, when known. */
  participantLid: string | null;
  /** A direct chat: the contact's LID JID, when known. */
  chatLid: string | null;
  direction: string;
  type: string;
  message: string | null;
  fileName: string | null;
  mimetype: string | null;
  /** An audio sent as a voice note (push to talk); false for everything else. */
  ptt: boolean;
  mediaUrl: string | null;
  mediaSize: number | null;
  /** pending, stored, failed, too_large or skipped; null for a message without media. */
  mediaState: string | null;
  /** Why the download failed, in a few words. */
  mediaError: string | null;
  quotedId: string | null;
  pushName: string | null;
  status: string;
  timestamp: string;
  /** The text was edited (`message` is the current text; the history is on GET of the one message). */
  edited: boolean;
  editedAt: Date | null;
  /** Deleted for everyone (the stored text is kept). */
  revoked: boolean;
  revokedAt: Date | null;
  createdAt: Date;
}

/**
 * The columns a MessageView is made of: never `raw` (Baileys' whole message, often kilobytes) nor
 * `updatedAt`, so a page of 50 reads and parses only what it answers.
 */
const VIEW_COLUMNS = {
  id: true,
  sessionId: true,
  waMessageId: true,
  chatJid: true,
  chatKind: true,
  fromNumber: true,
  toNumber: true,
  participant: true,
  participantLid: true,
  chatLid: true,
  direction: true,
  type: true,
  text: true,
  fileName: true,
  mediaMime: true,
  ptt: true,
  mediaPath: true,
  mediaSize: true,
  mediaState: true,
  mediaError: true,
  quotedId: true,
  pushName: true,
  status: true,
  waTimestamp: true,
  editedAt: true,
  revokedAt: true,
  createdAt: true,
} as const satisfies Prisma.MessageSelect;

type MessageViewRow = Prisma.MessageGetPayload<{ select: typeof VIEW_COLUMNS }>;

export const toMessageView = (m: MessageViewRow): MessageView => ({
  id: Number(m.id),
  sessionId: m.sessionId,
  messageId: m.waMessageId,
  chatJid: m.chatJid,
  kind: m.chatKind,
  groupId: m.chatKind === 'group' ? m.chatJid : null,
  from: m.fromNumber,
  to: m.toNumber,
  participant: m.participant,
  participantLid: m.participantLid,
  chatLid: m.chatLid,
  direction: m.direction,
  type: m.type,
  message: m.text,
  fileName: m.fileName,
  mimetype: m.mediaMime,
  ptt: m.ptt,
  mediaUrl: m.mediaPath ? mediaUrlOf(m.sessionId, m.waMessageId) : null,
  mediaSize: m.mediaSize,
  mediaState: m.mediaState,
  mediaError: m.mediaError,
  quotedId: m.quotedId,
  pushName: m.pushName,
  status: m.status,
  timestamp: String(Math.floor(m.waTimestamp.getTime() / 1000)),
  edited: m.editedAt !== null,
  editedAt: m.editedAt,
  revoked: m.revokedAt !== null,
  revokedAt: m.revokedAt,
  createdAt: m.createdAt,
});

/** What a read receipt for a received message needs: its chat, id and (in a group) author. */
export type ReceivedMessageRef = Pick<
  Message,
  'waMessageId' | 'chatJid' | 'chatKind' | 'participant' | 'participantLid'
>;

const RECEIVED_REF = {
  waMessageId: true,
  chatJid: true,
  chatKind: true,
  participant: true,
  participantLid: true,
} as const;

/** Reads stored messages: pages newest first (keyset cursor or the seed's offset), and single lookups. */
@Injectable()
export class MessageQueries {
  constructor(private readonly prisma: PrismaService) {}

  async list(
    sessionId: string,
    filter: MessageFilter,
    page: { limit: number; cursor?: number; offset?: number },
  ): Promise<{
    messages: MessageView[];
    pagination: { limit: number; offset: number | null; count: number; nextCursor: string | null };
  }> {
    const where: Prisma.MessageWhereInput = {
      sessionId,
      ...(filter.chatJid ? { chatJid: filter.chatJid } : {}),
      ...(filter.kind ? { chatKind: filter.kind } : {}),
      ...(filter.direction ? { direction: filter.direction } : {}),
      ...(filter.type ? { type: filter.type } : {}),
      ...(filter.from || filter.to ? { waTimestamp: { gte: filter.from, lte: filter.to } } : {}),
      ...(filter.search ? { AND: textContainsEach(filter.search) } : {}),
      ...(page.cursor ? { id: { lt: BigInt(page.cursor) } } : {}),
    };
    const rows = await this.prisma.message.findMany({
      where,
      orderBy: { id: 'desc' },
      take: page.limit + 1,
      skip: page.cursor ? 0 : (page.offset ?? 0),
      select: VIEW_COLUMNS,
    });
    const more = rows.length > page.limit;
    const messages = rows.slice(0, page.limit).map(toMessageView);
    return {
      messages,
      pagination: {
        limit: page.limit,
        offset: page.cursor ? null : (page.offset ?? 0),
        count: messages.length,
        nextCursor: more ? String(messages[messages.length - 1].id) : null,
      },
    };
  }

  async findWithMedia(sessionId: string, waMessageId: string): Promise<Message | null> {
    return this.prisma.message.findFirst({ where: { sessionId, waMessageId, mediaPath: { not: null } } });
  }

  /** One stored message of the session (either direction; the outbound one when both exist), or null. */
  async findOne(sessionId: string, waMessageId: string): Promise<MessageView | null> {
    const row = await this.prisma.message.findFirst({
      where: { sessionId, waMessageId },
      orderBy: { direction: 'desc' },
      select: VIEW_COLUMNS,
    });
    return row ? toMessageView(row) : null;
  }

  /** The `raw` column of a stored message (any direction unless given), or undefined when none is stored. */
  async rawOf(sessionId: string, waMessageId: string, direction?: 'inbound' | 'outbound'): Promise<unknown> {
    const row = await this.prisma.message.findFirst({
      where: { sessionId, waMessageId, ...(direction ? { direction } : {}) },
      select: { raw: true },
    });
    return row?.raw;
  }

  /** Received messages of the session by WhatsApp id, with what a read receipt names (unknown ids left out). */
  inboundByIds(sessionId: string, waMessageIds: string[]): Promise<ReceivedMessageRef[]> {
    return this.prisma.message.findMany({
      where: { sessionId, direction: 'inbound', waMessageId: { in: waMessageIds } },
      select: RECEIVED_REF,
    });
  }

  /** The latest `limit` received messages of one chat, newest first. */
  latestInbound(sessionId: string, chatJid: string, limit: number): Promise<ReceivedMessageRef[]> {
    return this.prisma.message.findMany({
      where: { sessionId, direction: 'inbound', chatJid },
      orderBy: { id: 'desc' },
      take: limit,
      select: RECEIVED_REF,
    });
  }

  /** A message this session sent, as stored (its delivery status and when it was stored), or null. */
  findOutbound(
    sessionId: string,
    waMessageId: string,
  ): Promise<Pick<Message, 'id' | 'status' | 'createdAt'> | null> {
    return this.prisma.message.findFirst({
      where: { sessionId, waMessageId, direction: 'outbound' },
      select: { id: true, status: true, createdAt: true },
    });
  }

  /** How many messages are stored, by type and direction. */
  async countsByTypeAndDirection(): Promise<
    { type: string; direction: 'inbound' | 'outbound'; count: number }[]
  > {
    const groups = await this.prisma.message.groupBy({ by: ['type', 'direction'], _count: { _all: true } });
    return groups.map((g) => ({ type: g.type, direction: g.direction, count: g._count._all }));
  }
}
