import type { proto } from '@whiskeysockets/baileys';
import { receivedTypeName } from './received-type';

const name = (message: proto.IMessage) =>
  receivedTypeName(
    Object.keys(message).find((k) => k !== 'messageContextInfo')!,
    message,
  );

describe('receivedTypeName: a received message type in words', () => {
  it('names texts, media and the rest as people call them', () => {
    expect(name({ conversation: 'hi' })).toBe('text');
    expect(name({ extendedTextMessage: { text: 'hi' } })).toBe('text');
    expect(name({ imageMessage: {} })).toBe('image');
    expect(name({ audioMessage: { ptt: true } })).toBe('voice note');
    expect(name({ audioMessage: {} })).toBe('audio');
    expect(name({ documentMessage: {} })).toBe('document');
    expect(name({ pollCreationMessageV3: {} })).toBe('poll');
    expect(name({ reactionMessage: {} })).toBe('reaction');
  });

  it('tells an edit from a delete, and spells out a name it does not know', () => {
    expect(name({ protocolMessage: { type: 14 } })).toBe('edit');
    expect(name({ protocolMessage: { type: 0 } })).toBe('delete');
    expect(receivedTypeName('buttonsResponseMessage', {})).toBe('buttons response');
  });
});
