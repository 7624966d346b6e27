import type { Logger } from 'pino';
import type { MediaStore, StoredMedia } from '../media/media-store';
import { downloadMediaMessage, type WAMessage } from './baileys';

/** Downloads (and decrypts) a message's media into the media store; null when it cannot be kept. */
export async function saveInboundMedia(
  store: MediaStore,
  sessionId: string,
  message: WAMessage,
  mime: string | null,
  logger: Logger,
): Promise<StoredMedia | null> {
  try {
    const data = await downloadMediaMessage(message, 'buffer', {});
    const saved = await store.saveInbound(sessionId, message.key.id ?? 'media', mime, data);
    if (!saved) logger.warn({ size: data.length }, 'Inbound media is larger than MEDIA_MAX_BYTES; not kept');
    return saved;
  } catch (error) {
    logger.warn({ err: error }, 'Could not download inbound media');
    return null;
  }
}
