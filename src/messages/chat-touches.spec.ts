import { chatTouchesOf, type ChatMessage } from './chat-touches';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const msg = (over: Partial<ChatMessage>): ChatMessage => ({
  sessionId: 's',
  waMessageId: 'id',
  chatJid: '1@s.whatsapp.net',
  chatKind: 'direct',
  chatLid: null,
  direction: 'inbound',
  type: 'text',
  waTimestamp: at(0),
  ...over,
});

describe('chatTouchesOf', () => {
  it('counts inbound messages per chat and keeps the latest as the last message', () => {
    const touches = chatTouchesOf([
      msg({ waMessageId: 'a', waTimestamp: at(1) }),
      msg({ waMessageId: 'b', waTimestamp: at(3) }),
      msg({ waMessageId: 'c', waTimestamp: at(2) }),
      msg({ waMessageId: 'g', chatJid: '9@g.us', chatKind: 'group', waTimestamp: at(4) }),
    ]);
    expect(touches).toEqual([
      expect.objectContaining({ chatJid: '1@s.whatsapp.net', waMessageId: 'b', unread: 3, reset: false }),
      expect.objectContaining({ chatJid: '9@g.us', kind: 'group', waMessageId: 'g', unread: 1 }),
    ]);
  });

  it('starts unread again after an outbound message; counts only what came after it', () => {
    const [touch] = chatTouchesOf([
      msg({ waMessageId: 'a', waTimestamp: at(1) }),
      msg({ waMessageId: 'o', direction: 'outbound', waTimestamp: at(2) }),
      msg({ waMessageId: 'b', waTimestamp: at(3) }),
    ]);
    expect(touch).toMatchObject({ waMessageId: 'b', unread: 1, reset: true });
  });

  it('counts nothing unread in statuses, channels and broadcast lists; skips reactions; keeps a LID', () => {
    const touches = chatTouchesOf([
      msg({ chatJid: 'status@broadcast', chatKind: 'status' }),
      msg({ chatJid: '1@newsletter', chatKind: 'newsletter' }),
      msg({ type: 'reaction' }),
      msg({ chatLid: '77@lid' }),
    ]);
    expect(touches.map((t) => [t.chatJid, t.unread, t.chatLid])).toEqual([
      ['status@broadcast', 0, null],
      ['1@newsletter', 0, null],
      ['1@s.whatsapp.net', 1, '77@lid'],
    ]);
  });
});
