import * as B from '@whiskeysockets/baileys';
import type { WhatsAppUser } from './directory';
import { encryptMedia } from './media-crypto';
import type { MediaHost } from './media-host';
import type { MediaContent, OutgoingContent } from './types';

export interface BuiltMessage {
  message: B.proto.IMessage;
  stanzaType: 'text' | 'media';
  mediaType?: string;
}

const DEFAULT_MIMETYPES: Record<MediaContent['kind'], string> = {
  image: 'image/jpeg',
  video: 'video/mp4',
  audio: 'audio/ogg; codecs=opus',
  document: 'application/pdf',
  sticker: 'image/webp',
};

/**
 * Turns what a test asks a simulated user to send into the `proto.Message` a phone would send. Media is
 * encrypted like WhatsApp does and published on the simulator's plain-HTTP host: the message carries that
 * `url` and no `directPath`, so Baileys downloads it without TLS.
 */
export async function buildOutgoingMessage(
  content: OutgoingContent,
  sender: WhatsAppUser,
  media: MediaHost,
): Promise<BuiltMessage> {
  if ('text' in content) {
    if (!content.replyTo) return { message: { conversation: content.text }, stanzaType: 'text' };
    const quoted = sender.inbox.find(content.replyTo);
    return {
      message: {
        extendedTextMessage: {
          text: content.text,
          contextInfo: {
            stanzaId: content.replyTo,
            participant: quoted ? `${quoted.fromPhoneNumber}@s.whatsapp.net` : undefined,
            quotedMessage: quoted?.message,
          },
        },
      },
      stanzaType: 'text',
    };
  }
  const { kind, data } = content.media;
  const encrypted = await encryptMedia(data, kind);
  const common = {
    url: media.publish(encrypted.encrypted),
    mimetype: content.media.mimetype ?? DEFAULT_MIMETYPES[kind],
    mediaKey: encrypted.mediaKey,
    fileSha256: encrypted.fileSha256,
    fileEncSha256: encrypted.fileEncSha256,
    fileLength: data.length,
    mediaKeyTimestamp: Math.floor(Date.now() / 1000),
  };
  const caption = content.media.caption;
  switch (kind) {
    case 'image':
      return {
        message: { imageMessage: { ...common, caption, width: 1, height: 1 } },
        stanzaType: 'media',
        mediaType: 'image',
      };
    case 'video':
      return {
        message: { videoMessage: { ...common, caption, seconds: 1 } },
        stanzaType: 'media',
        mediaType: 'video',
      };
    case 'audio': {
      const ptt = content.media.ptt ?? false;
      return {
        message: { audioMessage: { ...common, ptt, seconds: 1 } },
        stanzaType: 'media',
        mediaType: ptt ? 'ptt' : 'audio',
      };
    }
    case 'document':
      return {
        message: {
          documentMessage: {
            ...common,
            caption,
            fileName: content.media.fileName ?? 'document',
            title: content.media.fileName,
          },
        },
        stanzaType: 'media',
        mediaType: 'document',
      };
    case 'sticker':
      return {
        message: { stickerMessage: { ...common, width: 1, height: 1 } },
        stanzaType: 'media',
        mediaType: 'sticker',
      };
  }
}
