import { proto } from '@whiskeysockets/baileys';
import type { WAMessage } from './baileys';
import { normalizeMessage } from './message-normalizer';

const OWN = '6285156808928';
const PHONE = '6281316088377';

const message = (content: Record<string, unknown>): WAMessage =>
  proto.WebMessageInfo.fromObject({
    key: { id: '3EB0C431C26A1916E46C', fromMe: false, remoteJid: `${PHONE}@s.whatsapp.net` },
    message: content,
    messageTimestamp: 1_754_889_300,
  }) as WAMessage;

const poll = { name: 'Lunch?', options: [{ optionName: 'Rice' }, { optionName: 'Soup' }] };

describe('normalizeMessage: polls', () => {
  it.each(['pollCreationMessage', 'pollCreationMessageV2', 'pollCreationMessageV3'])(
    'a %s is a message of type poll, its question as the text',
    (kind) => {
      expect(normalizeMessage(message({ [kind]: poll }), OWN)).toMatchObject({
        type: 'poll',
        text: 'Lunch?',
        from: PHONE,
      });
    },
  );

  it('a vote (pollUpdateMessage) is bookkeeping, not a message', () => {
    const vote = message({
      pollUpdateMessage: {
        pollCreationMessageKey: { id: '3EB0A1', remoteJid: `${PHONE}@s.whatsapp.net`, fromMe: true },
        vote: { encPayload: Buffer.alloc(20), encIv: Buffer.alloc(12) },
      },
    });
    expect(normalizeMessage(vote, OWN)).toBeNull();
  });
});
