import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors';
import { MediaStore, type StoredMedia } from '../media/media-store';
import { MessageQueries } from '../messages/message-queries.service';
import {
  isJidGroup,
  type AnyMessageContent,
  type WAMessage,
  type WAMessageKey,
  type WASocket,
} from './baileys';
import { groupErrorOf } from './group-errors';
import { jidUser } from './message-normalizer';
import { decodeRawMessage } from './raw-message';
import { WhatsappIngest } from './whatsapp-ingest';
import type { OutboundContent, SendOptions, SentMessage } from './whatsapp.port';

/** A send whose references are resolved: the stored messages it quotes or reacts to. */
export interface PreparedSend {
  content: OutboundContent;
  messageId?: string;
  quoted?: WAMessage;
  reactTo?: WAMessageKey;
}

/** A contact card as WhatsApp clients read it. */
const vcardOf = (name: string, phone: string): string =>
  ['BEGIN:VCARD', 'VERSION:3.0', `FN:${name}`, `TEL;type=CELL;waid=${phone}:+${phone}`, 'END:VCARD'].join(
    '\n',
  );

/** Baileys' `mentions` (contextInfo.mentionedJid), only when there are some. */
const mentionsOf = (content: { mentions?: string[] }): { mentions?: string[] } =>
  content.mentions?.length ? { mentions: content.mentions } : {};

/** The gateway's content as Baileys wants it. */
function toBaileys(content: OutboundContent, reactTo: WAMessageKey | undefined): AnyMessageContent {
  switch (content.kind) {
    case 'text':
      return { text: content.text, ...mentionsOf(content) };
    case 'image':
      return {
        image: content.media.data,
        caption: content.caption,
        mimetype: content.media.mimetype,
        ...mentionsOf(content),
      };
    case 'video':
      return {
        video: content.media.data,
        caption: content.caption,
        mimetype: content.media.mimetype,
        ...mentionsOf(content),
      };
    case 'audio':
      return {
        audio: content.media.data,
        mimetype: content.media.mimetype,
        ...(content.ptt ? { ptt: true } : {}),
      };
    case 'sticker':
      return { sticker: content.media.data, mimetype: content.media.mimetype };
    case 'document':
      return {
        document: content.media.data,
        mimetype: content.media.mimetype,
        fileName: content.fileName,
        caption: content.caption,
        ...mentionsOf(content),
      };
    case 'location':
      return {
        location: {
          degreesLatitude: content.latitude,
          degreesLongitude: content.longitude,
          name: content.name,
          address: content.address,
        },
      };
    case 'contact':
      return {
        contacts: { displayName: content.name, contacts: [{ vcard: vcardOf(content.name, content.phone) }] },
      };
    case 'reaction':
      return { react: { text: content.emoji, key: reactTo! } };
    case 'poll':
      // Baileys adds the poll's messageSecret (messageContextInfo), kept with the stored message:
      // the votes are encrypted with it. selectableCount 0 means "any number".
      return {
        poll: { name: content.question, values: content.options, selectableCount: content.multiple ? 0 : 1 },
      };
  }
}

/**
 * Outbound messages on a session's socket: resolves the stored messages a send refers to, keeps a
 * copy of its media, sends, and stores the sent message (so Baileys' own echo of it is a duplicate).
 */
@Injectable()
export class OutboundMessages {
  constructor(
    private readonly messages: MessageQueries,
    private readonly media: MediaStore,
    private readonly ingest: WhatsappIngest,
  ) {}

  /** Resolves what the send refers to; MESSAGE_NOT_FOUND (naming the field) before anything is sent. */
  async prepare(sessionId: string, content: OutboundContent, options: SendOptions): Promise<PreparedSend> {
    const quoted = options.quotedMessageId
      ? await this.stored(sessionId, options.quotedMessageId, 'quotedMessageId')
      : undefined;
    const reactTo =
      content.kind === 'reaction'
        ? (await this.stored(sessionId, content.messageId, 'messageId')).key
        : undefined;
    return { content, messageId: options.messageId, quoted, reactTo };
  }

  async send(sessionId: string, socket: WASocket, jid: string, prepared: PreparedSend): Promise<SentMessage> {
    const media = await this.keepMedia(sessionId, prepared.content);
    const sent = await socket
      .sendMessage(jid, toBaileys(prepared.content, prepared.reactTo), {
        ...(prepared.quoted ? { quoted: prepared.quoted } : {}),
        ...(prepared.messageId ? { messageId: prepared.messageId } : {}),
      })
      // A group the account is not in (or that does not exist) is the caller's 4xx, not a failure.
      .catch((error: unknown) => {
        throw isJidGroup(jid) ? groupErrorOf(error, jid) : error;
      });
    if (!sent) throw new Error('WhatsApp did not accept the message');
    await this.ingest.storeSent(sessionId, sent, jidUser(socket.user?.id), media);
    return { messageId: sent.key.id!, to: jid, timestamp: String(sent.messageTimestamp ?? '') };
  }

  /** Where the media of a send is kept: where the store has it already, else a copy made now. */
  private async keepMedia(sessionId: string, content: OutboundContent): Promise<StoredMedia | undefined> {
    if (!('media' in content)) return undefined;
    return (
      content.media.stored ?? this.media.saveOutbound(sessionId, content.media.mimetype, content.media.data)
    );
  }

  /** A stored message of this session as Baileys wants it for quoting or reacting. */
  private async stored(sessionId: string, waMessageId: string, field: string): Promise<WAMessage> {
    const message = decodeRawMessage(await this.messages.rawOf(sessionId, waMessageId));
    if (!message) {
      throw new DomainError('MESSAGE_NOT_FOUND', `No stored message ${waMessageId} in this session`, [
        { field, errors: ['unknown message id'] },
      ]);
    }
    return message;
  }
}
