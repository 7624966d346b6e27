import { Injectable } from '@nestjs/common';
import { DomainError, validationFailed } from '../common/errors';
import { ChatList } from '../messages/chat-list';
import { MessageQueries, type ReceivedMessageRef } from '../messages/message-queries.service';
import { ChatStatePort, LiveSessionPort, type ReadKey } from '../whatsapp/whatsapp.port';
import type {
  PresenceSubscribeDto,
  ReadChatDto,
  ReadMessagesDto,
  SendPresenceDto,
} from './dto/chat-state.dto';
import { MessageSender } from './message-sender.service';

/** How many of a chat's latest received messages "mark the chat read" sends receipts for. */
export const READ_CHAT_LIMIT = 50;

const keyOf = (m: ReceivedMessageRef): ReadKey => ({
  chatJid: m.chatJid,
  messageId: m.waMessageId,
  ...(m.chatKind === 'group' && (m.participant || m.participantLid)
    ? { participant: m.participant ? `${m.participant}@s.whatsapp.net` : (m.participantLid as string) }
    : {}),
});

/** Presence (online, typing) and read receipts of a session, from the API's words to WhatsApp's. */
@Injectable()
export class SessionChatState {
  constructor(
    private readonly chatState: ChatStatePort,
    private readonly live: LiveSessionPort,
    private readonly messages: MessageQueries,
    private readonly sender: MessageSender,
    private readonly chats: ChatList,
  ) {}

  async sendPresence(sessionId: string, dto: SendPresenceDto): Promise<{ state: string; to: string | null }> {
    const global = dto.state === 'available' || dto.state === 'unavailable';
    if (!global && !dto.to)
      throw validationFailed([{ field: 'to', errors: [`to is required for ${dto.state}`] }]);
    const jid = !global && dto.to ? this.sender.recipientJid(dto.to) : null;
    await this.requireConnected(sessionId);
    await this.chatState.sendPresence(sessionId, dto.state, jid);
    return { state: dto.state, to: jid };
  }

  async subscribe(sessionId: string, dto: PresenceSubscribeDto): Promise<{ to: string }> {
    const jid = this.sender.jidOf(dto.to);
    await this.requireConnected(sessionId);
    await this.chatState.subscribePresence(sessionId, jid);
    return { to: jid };
  }

  /** Read receipts for received messages by id; unknown ids are named in `notFound`. */
  async readMessages(
    sessionId: string,
    dto: ReadMessagesDto,
  ): Promise<{ read: string[]; notFound: string[] }> {
    await this.requireConnected(sessionId);
    const found = await this.messages.inboundByIds(sessionId, dto.messageIds);
    if (found.length === 0)
      throw new DomainError('MESSAGE_NOT_FOUND', 'None of these messages was received by this session');
    await this.chatState.markRead(sessionId, found.map(keyOf));
    // Their chats count nothing unread any more (chat-list.ts).
    await this.chats.markRead(
      sessionId,
      found.map((m) => m.chatJid),
    );
    const read = new Set(found.map((m) => m.waMessageId));
    return { read: [...read], notFound: dto.messageIds.filter((id) => !read.has(id)) };
  }

  /** Read receipts for the latest READ_CHAT_LIMIT received messages of a chat; its unread count goes to 0. */
  async readChat(sessionId: string, dto: ReadChatDto): Promise<{ chat: string; read: string[] }> {
    const chat = this.sender.recipientJid(dto.chat, 'chat');
    await this.requireConnected(sessionId);
    const latest = await this.messages.latestInbound(sessionId, chat, READ_CHAT_LIMIT);
    await this.chatState.markRead(sessionId, latest.map(keyOf));
    await this.chats.markRead(sessionId, [chat]);
    return { chat, read: latest.map((m) => m.waMessageId) };
  }

  /** Connected here or on the process holding it (the ports run there). */
  private requireConnected(sessionId: string): Promise<void> {
    return this.live.requireConnected(sessionId);
  }
}
