import { proto } from '@whiskeysockets/baileys';
import type { WAMessage } from './baileys';
import { lidPairsOf } from './chat-addressing';
import { normalizeMessage } from './message-normalizer';

const OWN = '6285156808928';
const PHONE = '6281316088377';
const LID = '190000000000001';

const message = (key: Record<string, unknown>): WAMessage =>
  proto.WebMessageInfo.fromObject({
    key: { id: '3EB0C431C26A1916E46B', fromMe: false, ...key },
    message: { conversation: 'hello' },
    messageTimestamp: 1_754_889_300,
  }) as WAMessage;

/** Baileys 7's alternative addresses are not protobuf fields: they ride on the key object. */
const withAlts = (msg: WAMessage, alts: Record<string, string>): WAMessage => {
  Object.assign(msg.key, alts);
  return msg;
};

describe('normalizeMessage: chat kinds and authors', () => {
  it('a direct message by phone number is kind direct, from the contact, its LID alongside', () => {
    const msg = withAlts(message({ remoteJid: `${PHONE}@s.whatsapp.net` }), { remoteJidAlt: `${LID}@lid` });
    expect(normalizeMessage(msg, OWN)).toMatchObject({
      chatKind: 'direct',
      chatJid: `${PHONE}@s.whatsapp.net`,
      from: PHONE,
      to: OWN,
      chatLid: `${LID}@lid`,
      participant: null,
    });
    expect(lidPairsOf(msg.key)).toEqual([{ lid: LID, phone: PHONE }]);
  });

  it('a direct message by LID is stored under the phone JID (remoteJidAlt, else the LID store)', () => {
    const byAlt = withAlts(message({ remoteJid: `${LID}@lid` }), { remoteJidAlt: `${PHONE}@s.whatsapp.net` });
    expect(normalizeMessage(byAlt, OWN)).toMatchObject({
      chatJid: `${PHONE}@s.whatsapp.net`,
      from: PHONE,
      chatLid: `${LID}@lid`,
    });
    const bare = message({ remoteJid: `${LID}@lid` });
    expect(normalizeMessage(bare, OWN)).toMatchObject({ chatJid: `${LID}@lid`, from: LID });
    expect(normalizeMessage(bare, OWN, (lid) => (lid === LID ? PHONE : undefined))).toMatchObject({
      chatJid: `${PHONE}@s.whatsapp.net`,
      from: PHONE,
      chatLid: `${LID}@lid`,
    });
  });

  it('a sent message never takes its remoteJidAlt (the session’s own address) as the contact', () => {
    const sent = withAlts(message({ remoteJid: `${PHONE}@s.whatsapp.net`, fromMe: true }), {
      remoteJidAlt: '99999@lid',
    });
    expect(normalizeMessage(sent, OWN)).toMatchObject({ from: OWN, to: PHONE, chatLid: null });
    expect(lidPairsOf(sent.key)).toEqual([]);
  });

  it('a group message in a pn group: from is the author, the group is chatJid, the LID alongside', () => {
    const msg = withAlts(
      message({ remoteJid: '120363000000000001@g.us', participant: `${PHONE}@s.whatsapp.net` }),
      {
        participantAlt: `${LID}@lid`,
      },
    );
    expect(normalizeMessage(msg, OWN)).toMatchObject({
      chatKind: 'group',
      chatJid: '120363000000000001@g.us',
      from: PHONE,
      to: OWN,
      participant: PHONE,
      participantLid: `${LID}@lid`,
    });
  });

  it('a group message in a lid group names the author by phone through participantAlt', () => {
    const msg = withAlts(message({ remoteJid: '120363000000000002@g.us', participant: `${LID}@lid` }), {
      participantAlt: `${PHONE}@s.whatsapp.net`,
    });
    expect(normalizeMessage(msg, OWN)).toMatchObject({
      from: PHONE,
      participant: PHONE,
      participantLid: `${LID}@lid`,
    });
    expect(lidPairsOf(msg.key)).toEqual([{ lid: LID, phone: PHONE }]);
    // Without the phone anywhere, the author is its LID and participant stays unknown.
    const bare = message({ remoteJid: '120363000000000002@g.us', participant: `${LID}@lid` });
    expect(normalizeMessage(bare, OWN)).toMatchObject({ from: LID, participant: null });
  });

  it('status, newsletter and broadcast-list messages say so', () => {
    const status = withAlts(
      message({ remoteJid: 'status@broadcast', participant: `${PHONE}@s.whatsapp.net` }),
      {
        remoteJidAlt: `${LID}@lid`,
      },
    );
    expect(normalizeMessage(status, OWN)).toMatchObject({
      chatKind: 'status',
      chatJid: 'status@broadcast',
      from: PHONE,
      participant: PHONE,
      participantLid: `${LID}@lid`,
    });
    const post = message({ remoteJid: '120363000000000009@newsletter' });
    expect(normalizeMessage(post, OWN)).toMatchObject({
      chatKind: 'newsletter',
      chatJid: '120363000000000009@newsletter',
      from: '120363000000000009',
      participant: null,
    });
    const list = message({ remoteJid: '1754889300@broadcast', participant: `${PHONE}@s.whatsapp.net` });
    expect(normalizeMessage(list, OWN)).toMatchObject({
      chatKind: 'broadcast',
      chatJid: `${PHONE}@s.whatsapp.net`,
      from: PHONE,
      participant: PHONE,
    });
  });
});

describe('normalizeMessage: voice notes', () => {
  const withContent = (content: proto.IMessage): WAMessage =>
    proto.WebMessageInfo.fromObject({
      key: { id: '3EB0C431C26A1916E46C', fromMe: false, remoteJid: `${PHONE}@s.whatsapp.net` },
      message: content,
      messageTimestamp: 1_754_889_300,
    }) as WAMessage;

  it('keeps type audio and flags a voice note (ptt); a plain audio and other media are not', () => {
    const voice = withContent({ audioMessage: { mimetype: 'audio/ogg; codecs=opus', ptt: true } });
    expect(normalizeMessage(voice, OWN)).toMatchObject({ type: 'audio', ptt: true, hasMedia: true });
    const audio = withContent({ audioMessage: { mimetype: 'audio/mpeg' } });
    expect(normalizeMessage(audio, OWN)).toMatchObject({ type: 'audio', ptt: false });
    const image = withContent({ imageMessage: { mimetype: 'image/png' } });
    expect(normalizeMessage(image, OWN)).toMatchObject({ type: 'image', ptt: false });
  });
});
