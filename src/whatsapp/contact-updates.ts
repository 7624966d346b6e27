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

/** A message status update from Baileys' messages.update, as far as reading a chat goes. */
export interface MessageReadUpdate {
  key: { remoteJid?: string | null; fromMe?: boolean | null };
  update: { status?: number | null };
}

/** Baileys' status numbers: READ and PLAYED (proto.WebMessageInfo.Status). */
const READ_STATUSES: ReadonlySet<number> = new Set([4, 5]);

/**
 * What Baileys tells a session about its contacts and chats, into the contact book and the chat
 * list: contacts.upsert / contacts.update (names), chats.update and read-self receipts (a chat read
 * on the phone).
 */
@Injectable()
export class ContactUpdates {
  private readonly logger = new Logger(ContactUpdates.name);

  constructor(
    private readonly lids: LidMappings,
    private readonly book: ContactBook,
    private readonly chats: ChatList,
  ) {}

  /**
   * A received message read (or a voice note played) on another device of the account: WhatsApp's
   * read-self receipt, which Baileys reports as messages.update with fromMe false and status READ.
   * Its direct chat is read (a group's read-self comes as message-receipt.update: not handled).
   */
  acceptMessageUpdates(sessionId: string, updates: MessageReadUpdate[]): void {
    const read = updates.flatMap(({ key, update }) =>
      key.fromMe === false && key.remoteJid && READ_STATUSES.has(update.status ?? 0) ? [key.remoteJid] : [],
    );
    if (read.length > 0)
      this.acceptChatUpdates(
        sessionId,
        read.map((id) => ({ id, unreadCount: 0 })),
      );
  }

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
