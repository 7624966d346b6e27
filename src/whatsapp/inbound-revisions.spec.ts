import { proto } from '@whiskeysockets/baileys';
import type { WAMessage } from './baileys';
import { revisionOf } from './inbound-revisions';

const PHONE = '6281316088377';
const LID = '190000000000001';
const Type = proto.Message.ProtocolMessage.Type;
const noLids = () => undefined;

const wrapped = (key: Record<string, unknown>, message: proto.IMessage): WAMessage =>
  ({
    key: { id: 'REVISION1', fromMe: false, remoteJid: `${PHONE}@s.whatsapp.net`, ...key },
    message,
    messageTimestamp: 1_754_889_300,
  }) as WAMessage;

const edit = (text: string, extra: proto.Message.IProtocolMessage = {}): proto.IMessage => ({
  protocolMessage: {
    key: { id: 'TARGET1', fromMe: true, remoteJid: 'x@s.whatsapp.net' },
    type: Type.MESSAGE_EDIT,
    editedMessage: { conversation: text },
    timestampMs: 1_754_889_400_123,
    ...extra,
  },
});

describe('revisionOf: edits and deletes carried by protocol messages', () => {
  it('a contact’s edit names its message, the new text and the edit’s time; inbound', () => {
    expect(revisionOf(wrapped({}, edit('new text')), noLids)).toEqual({
      kind: 'edit',
      targetId: 'TARGET1',
      revisionId: 'REVISION1',
      direction: 'inbound',
      chatJid: `${PHONE}@s.whatsapp.net`,
      author: null,
      text: 'new text',
      at: new Date(1_754_889_400_123),
    });
  });

  it('an edit wrapped in editedMessage (as phones send it) and a caption edit are read the same way', () => {
    const phone = wrapped({}, { editedMessage: { message: edit('wrapped') } });
    expect(revisionOf(phone, noLids)).toMatchObject({ kind: 'edit', text: 'wrapped' });
    const caption = edit('', { editedMessage: { imageMessage: { caption: 'new caption' } } });
    expect(revisionOf(wrapped({}, caption), noLids)).toMatchObject({ text: 'new caption' });
  });

  it('the account’s own edit (fromMe) is outbound; a LID chat takes the phone number when known', () => {
    const own = wrapped({ fromMe: true, remoteJid: `${LID}@lid` }, edit('mine'));
    expect(revisionOf(own, (lid) => (lid === LID ? PHONE : undefined))).toMatchObject({
      direction: 'outbound',
      chatJid: `${PHONE}@s.whatsapp.net`,
    });
  });

  it('a delete is a revoke at the message’s time; a group one names its author', () => {
    const revoke = { protocolMessage: { key: { id: 'TARGET2' }, type: Type.REVOKE } };
    expect(revisionOf(wrapped({}, revoke), noLids)).toMatchObject({
      kind: 'revoke',
      targetId: 'TARGET2',
      at: new Date(1_754_889_300_000),
    });
    const inGroup = wrapped(
      { remoteJid: '120363000000000001@g.us', participant: `${PHONE}@s.whatsapp.net` },
      revoke,
    );
    expect(revisionOf(inGroup, noLids)).toMatchObject({
      chatJid: '120363000000000001@g.us',
      author: PHONE,
    });
  });

  it('a group admin’s delete of another author’s message names that message’s direction', () => {
    const byAdmin = (participant: string, fromMe = false) =>
      wrapped(
        { remoteJid: '120363000000000001@g.us', participant: `${PHONE}@s.whatsapp.net`, fromMe },
        {
          protocolMessage: {
            key: { id: 'TARGET3', fromMe: false, remoteJid: '120363000000000001@g.us', participant },
            type: Type.REVOKE,
          },
        },
      );
    expect(revisionOf(byAdmin('6285156808928@s.whatsapp.net'), noLids, '6285156808928')).toMatchObject({
      kind: 'revoke',
      direction: 'outbound',
    });
    expect(revisionOf(byAdmin('6281100000009@s.whatsapp.net'), noLids, '6285156808928')).toMatchObject({
      direction: 'inbound',
    });
    // The account's phone, an admin, deletes a contact's message.
    expect(revisionOf(byAdmin('6281100000009@s.whatsapp.net', true), noLids, '6285156808928')).toMatchObject({
      direction: 'inbound',
    });
  });

  it('other protocol messages, edits without text and ordinary messages are not revisions', () => {
    const ephemeral = { protocolMessage: { key: { id: 'T' }, type: Type.EPHEMERAL_SETTING } };
    expect(revisionOf(wrapped({}, ephemeral), noLids)).toBeNull();
    expect(revisionOf(wrapped({}, edit('', { editedMessage: { reactionMessage: {} } })), noLids)).toBeNull();
    expect(revisionOf(wrapped({}, { conversation: 'hello' }), noLids)).toBeNull();
    const noTarget = { protocolMessage: { type: Type.REVOKE } };
    expect(revisionOf(wrapped({}, noTarget), noLids)).toBeNull();
  });
});
