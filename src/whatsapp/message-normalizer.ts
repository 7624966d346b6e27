import { getContentType, jidDecode, normalizeMessageContent, type proto, type WAMessage } from './baileys';
import { chatAddressOf, type ChatKind, type PhoneOfLid } from './chat-addressing';

export type MessageType =
  | 'text'
  | 'image'
  | 'video'
  | 'audio'
  | 'document'
  | 'sticker'
  | 'location'
  | 'contact'
  | 'reaction'
  | 'poll'
  | 'unknown';

/** The gateway's own view of a WhatsApp message, independent of Baileys' proto types. */
export interface NormalizedMessage {
  waMessageId: string;
  /** A direct chat's phone JID when the phone is known (one contact is one chat), a group's JID, ... */
  chatJid: string;
  chatKind: ChatKind;
  /**
   * Phone digits (or the LID user when no phone number is known), as the seed's from/to fields. In a
   * group, status or broadcast list `from` is the author; `to` of an inbound message is this session.
   */
  from: string;
  to: string;
  /** Group, status and broadcast-list messages: the author's phone digits, when known. */
  participant: string | null;
  /** Group, status and broadcast-list messages: the author's LID JID, when known. */
  participantLid: string | null;
  /** A direct chat: the contact's LID JID, when known. */
  chatLid: string | null;
  direction: 'inbound' | 'outbound';
  type: MessageType;
  /** The text, a media caption, a document's file name, a reaction's emoji (the seed's `message`). */
  text: string | null;
  fileName: string | null;
  mediaMime: string | null;
  hasMedia: boolean;
  /** An audio sent as a voice note (push to talk); `type` stays 'audio'. */
  ptt: boolean;
  quotedId: string | null;
  pushName: string | null;
  waTimestamp: Date;
}

const MEDIA_TYPES: Partial<Record<string, MessageType>> = {
  imageMessage: 'image',
  videoMessage: 'video',
  audioMessage: 'audio',
  documentMessage: 'document',
  stickerMessage: 'sticker',
};

/** The number part of a jid: '6281234@s.whatsapp.net' -> '6281234'. */
export const jidUser = (jid: string | null | undefined): string => (jid ? (jidDecode(jid)?.user ?? jid) : '');

const toDate = (ts: WAMessage['messageTimestamp']): Date => {
  const seconds = typeof ts === 'number' ? ts : ts ? Number(ts.toString()) : Date.now() / 1000;
  return new Date(seconds * 1000);
};

/** Content that is bookkeeping, not a message a person sent (receipts of edits, key shares, ...). */
const IGNORED = new Set([
  'protocolMessage',
  'senderKeyDistributionMessage',
  'messageContextInfo',
  // A vote: decrypted into the poll's votes (whatsapp-polls.ts), not a message of its own.
  'pollUpdateMessage',
]);

const NO_LIDS_KNOWN: PhoneOfLid = () => undefined;

/**
 * Turns a Baileys message into the gateway's message, or null for protocol traffic that is not a
 * user-visible message. `ownNumber` is this session's phone number (digits); `phoneOfLid` answers
 * from the session's LID store, for a sender WhatsApp names by LID only.
 */
export function normalizeMessage(
  msg: WAMessage,
  ownNumber: string,
  phoneOfLid: PhoneOfLid = NO_LIDS_KNOWN,
): NormalizedMessage | null {
  const key = msg.key;
  const content = normalizeMessageContent(msg.message);
  if (!key?.id || !key.remoteJid || !content) return null;
  const kind = getContentType(content);
  if (!kind || IGNORED.has(kind)) return null;

  const address = chatAddressOf(key, phoneOfLid);
  const direction = key.fromMe ? 'outbound' : 'inbound';
  const recipient = address.chatKind === 'direct' ? address.peer : jidUser(address.chatJid);
  const base = {
    waMessageId: key.id,
    chatJid: address.chatJid,
    chatKind: address.chatKind,
    from: direction === 'inbound' ? address.peer : ownNumber,
    to: direction === 'inbound' ? ownNumber : recipient,
    participant: address.participant,
    participantLid: address.participantLid,
    chatLid: address.chatLid,
    direction,
    pushName: msg.pushName ?? null,
    waTimestamp: toDate(msg.messageTimestamp),
    fileName: null,
    mediaMime: null,
    hasMedia: false,
    ptt: false,
    quotedId: null,
  } as const;
  const quotedOf = (info?: proto.IContextInfo | null) => info?.stanzaId ?? null;

  switch (kind) {
    case 'conversation':
      return { ...base, type: 'text', text: content.conversation ?? '' };
    case 'extendedTextMessage': {
      const m = content.extendedTextMessage!;
      return { ...base, type: 'text', text: m.text ?? '', quotedId: quotedOf(m.contextInfo) };
    }
    case 'locationMessage': {
      const m = content.locationMessage!;
      const place = [m.name, m.address].filter(Boolean).join(', ');
      return { ...base, type: 'location', text: place || `${m.degreesLatitude},${m.degreesLongitude}` };
    }
    case 'contactMessage':
      return { ...base, type: 'contact', text: content.contactMessage?.displayName ?? null };
    case 'contactsArrayMessage':
      return { ...base, type: 'contact', text: content.contactsArrayMessage?.displayName ?? null };
    case 'reactionMessage':
      return {
        ...base,
        type: 'reaction',
        text: content.reactionMessage?.text ?? '',
        quotedId: content.reactionMessage?.key?.id ?? null,
      };
    case 'pollCreationMessage':
    case 'pollCreationMessageV2':
    case 'pollCreationMessageV3':
      return {
        ...base,
        type: 'poll',
        text: (content[kind] as proto.Message.IPollCreationMessage)?.name ?? null,
      };
  }

  const mediaType = MEDIA_TYPES[kind];
  if (mediaType) {
    const m = content[kind as 'imageMessage'] as proto.Message.IImageMessage & proto.Message.IDocumentMessage;
    const fileName = mediaType === 'document' ? (m.fileName ?? null) : null;
    // The seed puts the caption in `message` for media, and the file name for documents.
    const text = mediaType === 'document' ? (fileName ?? m.caption ?? null) : (m.caption ?? null);
    return {
      ...base,
      type: mediaType,
      text,
      fileName,
      mediaMime: m.mimetype ?? null,
      hasMedia: true,
      ptt: mediaType === 'audio' && (m as proto.Message.IAudioMessage).ptt === true,
      quotedId: quotedOf(m.contextInfo),
    };
  }
  return { ...base, type: 'unknown', text: null };
}
