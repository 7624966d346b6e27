import { getContentType, jidDecode, normalizeMessageContent, proto, type WAMessage } from './baileys';

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
  chatJid: string;
  /** Phone digits (or the LID user when no phone number is known), as the seed's from/to fields. */
  from: string;
  to: string;
  direction: 'inbound' | 'outbound';
  type: MessageType;
  /** The text, a media caption, a document's file name, a reaction's emoji (the seed's `message`). */
  text: string | null;
  fileName: string | null;
  mediaMime: string | null;
  hasMedia: boolean;
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
const IGNORED = new Set(['protocolMessage', 'senderKeyDistributionMessage', 'messageContextInfo']);

/**
 * Turns a Baileys message into the gateway's message, or null for protocol traffic that is not a
 * user-visible message. `ownNumber` is this session's phone number (digits).
 */
export function normalizeMessage(msg: WAMessage, ownNumber: string): NormalizedMessage | null {
  const key = msg.key;
  const content = normalizeMessageContent(msg.message);
  if (!key?.id || !key.remoteJid || !content) return null;
  const kind = getContentType(content);
  if (!kind || IGNORED.has(kind)) return null;

  // Prefer the phone-number jid when WhatsApp addresses the chat by LID.
  const alt = (key as { remoteJidAlt?: string }).remoteJidAlt;
  const chatJid = key.remoteJid.endsWith('@lid') && alt ? alt : key.remoteJid;
  const peer = jidUser(key.participant || chatJid);
  const direction = key.fromMe ? 'outbound' : 'inbound';
  const base = {
    waMessageId: key.id,
    chatJid,
    from: direction === 'inbound' ? peer : ownNumber,
    to: direction === 'inbound' ? ownNumber : jidUser(chatJid),
    direction,
    pushName: msg.pushName ?? null,
    waTimestamp: toDate(msg.messageTimestamp),
    fileName: null,
    mediaMime: null,
    hasMedia: false,
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
      quotedId: quotedOf(m.contextInfo),
    };
  }
  return { ...base, type: 'unknown', text: null };
}
