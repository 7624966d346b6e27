import type { ChatList } from '../messages/chat-list';
import type { ContactBook, ContactEntry } from '../messages/contact-book';
import { ContactUpdates } from './contact-updates';
import type { LidMappings } from './lid-mappings';

/** ContactUpdates with in-memory stand-ins recording what reaches the chat list and the contact book. */
function setup(known: Record<string, string> = {}) {
  const read: string[][] = [];
  const recorded: ContactEntry[][] = [];
  const chats = { markRead: (_: string, jids: string[]) => (read.push(jids), Promise.resolve()) };
  const book = { record: (_: string, entries: ContactEntry[]) => void recorded.push(entries) };
  const lids = { phoneOf: (_: string, lid: string) => known[lid.split('@')[0]] };
  const updates = new ContactUpdates(
    lids as unknown as LidMappings,
    book as unknown as ContactBook,
    chats as unknown as ChatList,
  );
  return { updates, read, recorded };
}

describe('ContactUpdates', () => {
  it('marks a chat read on the phone (unreadCount 0), under its phone JID when the LID is known', () => {
    const { updates, read } = setup({ '777': '6281100000001' });
    updates.acceptChatUpdates('s', [
      { id: '6281100000002@s.whatsapp.net', unreadCount: 0 },
      { id: '777@lid', unreadCount: 0 },
      { id: '120363000000000001@g.us', unreadCount: 0 },
      // Counts Baileys keeps itself, a chat marked unread (-1), or no count: not a read.
      { id: '6281100000003@s.whatsapp.net', unreadCount: 2 },
      { id: '6281100000004@s.whatsapp.net', unreadCount: -1 },
      { id: '6281100000005@s.whatsapp.net' },
    ]);
    expect(read).toEqual([
      ['6281100000002@s.whatsapp.net', '6281100000001@s.whatsapp.net', '120363000000000001@g.us'],
    ]);
  });

  it('does nothing when no chat was read', () => {
    const { updates, read } = setup();
    updates.acceptChatUpdates('s', [{ id: '6281100000003@s.whatsapp.net', unreadCount: 1 }]);
    expect(read).toEqual([]);
  });

  it('takes a read-self receipt (another device of the account read a received message) as the chat read', () => {
    const { updates, read } = setup();
    updates.acceptMessageUpdates('s', [
      { key: { remoteJid: '6281100000002@s.whatsapp.net', fromMe: false }, update: { status: 4 } },
      // The account's own message read by the contact, or only delivered: not a read of the chat.
      { key: { remoteJid: '6281100000003@s.whatsapp.net', fromMe: true }, update: { status: 4 } },
      { key: { remoteJid: '6281100000004@s.whatsapp.net', fromMe: false }, update: { status: 3 } },
    ]);
    expect(read).toEqual([['6281100000002@s.whatsapp.net']]);
  });

  it('records contacts with their names, the account itself left out', () => {
    const { updates, recorded } = setup();
    updates.acceptContacts(
      's',
      [
        { id: '6281100000002@s.whatsapp.net', notify: 'Ann' },
        { id: '6289900000000@s.whatsapp.net', notify: 'Me' },
      ],
      '6289900000000',
    );
    expect(recorded).toEqual([
      [{ jid: '6281100000002@s.whatsapp.net', phone: '6281100000002', lid: null, pushName: 'Ann' }],
    ]);
  });
});
