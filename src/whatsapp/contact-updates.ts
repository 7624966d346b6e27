import { Injectable, Logger } from '@nestjs/common';
import { ChatList } from '../messages/chat-list';
import { ContactBook } from '../messages/contact-book';
import { isLidUser, jidNormalizedUser, type Contact } from './baileys';
import { contactEntryOf } from './contact-entries';
import { LidMappings } from './lid-mappings';

/** One chat's read state from Baileys' chats.update (unreadCount 0: read on another device). */
export interface ChatReadUpdate {
  id?: string | null;
  unreadCount?: number | null;
}

/**
 * What Baileys tells a session about its contacts and chats, into the contact book and the chat
 * list: contacts.upsert / contacts.update (names), chats.update (a chat read on the phone).
 */
@Injectable()
export class ContactUpdates {
  private readonly logger = new Logger(ContactUpdates.name);

  constructor(
    private readonly lids: LidMappings,
    private readonly book: ContactBook,
    private readonly chats: ChatList,
  ) {}

  /** Baileys' contacts.upsert and contacts.update (the address book, the push name of every message). */
  acceptContacts(sessionId: string, contacts: Partial<Contact>[], ownNumber: string | null): void {
    try {
      const phoneOf = (lid: string) => this.lids.phoneOf(sessionId, lid);
      const entries = contacts.flatMap((c) => contactEntryOf(c, phoneOf, ownNumber) ?? []);
      if (entries.length > 0) this.book.record(sessionId, entries);
    } catch (error) {
      this.logger.warn({ err: error, sessionId }, 'Could not take contacts');
    }
  }

  /**
   * Baileys' chats.update: a chat marked read on the phone (or another device) comes with unreadCount
   * 0 (an app-state sync); its row is read too. Other updates (counts Baileys keeps itself) are left.
   */
  acceptChatUpdates(sessionId: string, updates: ChatReadUpdate[]): void {
    const read: string[] = [];
    for (const u of updates) {
      if (u.unreadCount !== 0 || !u.id) continue;
      const jid = jidNormalizedUser(u.id);
      const phone = isLidUser(jid) ? this.lids.phoneOf(sessionId, jid) : undefined;
      read.push(phone ? `${phone}@s.whatsapp.net` : jid);
    }
    if (read.length > 0)
      this.chats
        .markRead(sessionId, read)
        .catch((error: unknown) => this.logger.warn({ err: error, sessionId }, 'Could not mark chats read'));
  }
}
