import * as B from '@whiskeysockets/baileys';
import type { WhatsAppUser } from './directory';
import { encryptMedia } from './media-crypto';
import type { MediaHost } from './media-host';
import type { MediaContent, OutgoingContent } from './types';

export interface BuiltMessage {
  message: B.proto.IMessage;
  stanzaType: 'text' | 'media';
  mediaType?: string;
  /** Where the simulator serves the media file (also when the message names another url). */
  publishedUrl?: string;
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
  const { kind, data, attack } = content.media;
  const encrypted = await encryptMedia(data, kind);
  const published = media.publish(encrypted.encrypted, attack?.serve);
  const common = {
    url: attack?.url === undefined ? published : attack.url,
    ...(attack?.directPath !== undefined ? { directPath: attack.directPath } : {}),
    mimetype: content.media.mimetype ?? DEFAULT_MIMETYPES[kind],
    mediaKey: encrypted.mediaKey,
    fileSha256: encrypted.fileSha256,
    fileEncSha256: encrypted.fileEncSha256,
    fileLength: attack?.fileLength ?? data.length,
    mediaKeyTimestamp: Math.floor(Date.now() / 1000),
  };
  return { ...mediaMessage(kind, common, content.media), publishedUrl: published };
}

/** The media message of each kind, around the fields they share. */
function mediaMessage(
  kind: MediaContent['kind'],
  common: B.proto.Message.IImageMessage,
  media: MediaContent,
): BuiltMessage {
  const caption = media.caption;
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
      const ptt = media.ptt ?? false;
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
            fileName: media.fileName ?? 'document',
            title: media.fileName,
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
