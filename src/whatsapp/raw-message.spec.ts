import { BufferJSON, proto } from '@whiskeysockets/baileys';
import type { WAMessage } from './baileys';
import { decodeRawMessage, encodeRawMessage } from './raw-message';

const message = (): WAMessage =>
  proto.WebMessageInfo.fromObject({
    key: { remoteJid: '6281100000001@s.whatsapp.net', fromMe: false, id: '3EB0C767D26A8B3A4C1E' },
    message: {
      conversation: 'hello',
      messageContextInfo: { messageSecret: Buffer.alloc(32, 7) },
    },
    messageTimestamp: 1_754_889_300,
    pushName: 'Ann',
  }) as WAMessage;

/** What the column gives back: Prisma returns a JSON column's value parsed. */
const throughJsonColumn = (text: string): unknown => JSON.parse(text);

describe('raw message column', () => {
  it('keeps a message as one base64 string of its protobuf bytes, and reads it back whole', () => {
    const stored = throughJsonColumn(encodeRawMessage(message()));
    expect(typeof stored).toBe('string');
    const back = decodeRawMessage(stored)!;
    expect(back.key).toMatchObject({
      remoteJid: '6281100000001@s.whatsapp.net',
      fromMe: false,
      id: '3EB0C767D26A8B3A4C1E',
    });
    expect(back.message?.conversation).toBe('hello');
    expect(Buffer.from(back.message!.messageContextInfo!.messageSecret!)).toEqual(Buffer.alloc(32, 7));
    expect(Number(back.messageTimestamp)).toBe(1_754_889_300);
    expect(back.pushName).toBe('Ann');
  });

  it('still reads rows written in the older BufferJSON form', () => {
    const stored = throughJsonColumn(JSON.stringify(message(), BufferJSON.replacer));
    const back = decodeRawMessage(stored)!;
    expect(back.key.id).toBe('3EB0C767D26A8B3A4C1E');
    expect(back.message?.conversation).toBe('hello');
  });

  it('gives null for no value or one it did not write', () => {
    expect(decodeRawMessage(null)).toBeNull();
    expect(decodeRawMessage('not protobuf at all')).toBeNull();
  });
});
