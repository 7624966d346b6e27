import { Injectable } from '@nestjs/common';
import { ChatList, type ChatPage } from '../messages/chat-list';
import { ContactBook, type ContactPage, type ContactView } from '../messages/contact-book';
import {
  ContactsPort,
  LiveSessionPort,
  type BlockedContact,
  type ContactProfile,
} from '../whatsapp/whatsapp.port';
import type { ListChatsQuery, ListContactsQuery } from './dto/chats.dto';
import { MessageSender } from './message-sender.service';

const DEFAULT_LIMIT = 50;

/** A contact as its route answers: what the session stored, and what WhatsApp shows now. */
export interface ContactDetails extends ContactProfile {
  phoneNumber: string;
  lid: string | null;
  name: string | null;
  pushName: string | null;
  savedName: string | null;
  verifiedName: string | null;
  /** The session has stored anything about this number (names, LID). */
  known: boolean;
}

/** The chats and contacts of a session: the stored lists, live profiles, and blocking. */
@Injectable()
export class SessionContacts {
  constructor(
    private readonly chats: ChatList,
    private readonly book: ContactBook,
    private readonly contacts: ContactsPort,
    private readonly live: LiveSessionPort,
    private readonly sender: MessageSender,
  ) {}

  listChats(sessionId: string, query: ListChatsQuery): Promise<ChatPage> {
    return this.chats.list(
      sessionId,
      { kind: query.kind, search: query.search },
      { limit: query.limit ?? DEFAULT_LIMIT, cursor: query.cursor },
    );
  }

  listContacts(sessionId: string, query: ListContactsQuery): Promise<ContactPage> {
    return this.book.list(sessionId, query.search, {
      limit: query.limit ?? DEFAULT_LIMIT,
      cursor: query.cursor,
    });
  }

  async contact(sessionId: string, phone: string): Promise<ContactDetails> {
    const jid = this.sender.jidOf(phone, 'phone');
    await this.requireConnected(sessionId);
    const digits = jid.split('@')[0];
    const [stored, profile] = await Promise.all([
      this.book.findByPhone(sessionId, digits),
      this.contacts.profile(sessionId, jid),
    ]);
    return { ...this.storedView(digits, stored), ...profile };
  }

  async profilePicture(
    sessionId: string,
    phone: string,
  ): Promise<{ phoneNumber: string; profilePictureUrl: string | null }> {
    const jid = this.sender.jidOf(phone, 'phone');
    await this.requireConnected(sessionId);
    return {
      phoneNumber: jid.split('@')[0],
      profilePictureUrl: await this.contacts.profilePictureUrl(sessionId, jid),
    };
  }

  async setBlocked(
    sessionId: string,
    phone: string,
    blocked: boolean,
  ): Promise<{ phoneNumber: string; blocked: boolean }> {
    const jid = this.sender.jidOf(phone, 'phone');
    await this.requireConnected(sessionId);
    await this.contacts.setBlocked(sessionId, jid, blocked);
    return { phoneNumber: jid.split('@')[0], blocked };
  }

  async blocklist(sessionId: string): Promise<{ blocked: BlockedContact[] }> {
    await this.requireConnected(sessionId);
    return { blocked: await this.contacts.blocklist(sessionId) };
  }

  private storedView(phoneNumber: string, stored: ContactView | null) {
    return {
      phoneNumber,
      lid: stored?.lid ?? null,
      name: stored?.name ?? null,
      pushName: stored?.pushName ?? null,
      savedName: stored?.savedName ?? null,
      verifiedName: stored?.verifiedName ?? null,
      known: stored !== null,
    };
  }

  /** Connected here or on the process holding it (the ports run there). */
  private requireConnected(sessionId: string): Promise<void> {
    return this.live.requireConnected(sessionId);
  }
}
