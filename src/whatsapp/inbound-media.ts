import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { extension } from 'mime-types';
import type { Logger } from 'pino';
import { downloadMediaMessage, type WAMessage } from './baileys';

export interface SavedMedia {
  /** Relative to MEDIA_PATH. */
  path: string;
  size: number;
}

const safe = (s: string) => s.replace(/[^\w.-]/g, '_');

/** Downloads (and decrypts) a message's media into MEDIA_PATH/<session>/<yyyy-mm>/<message id>.<ext>. */
export async function saveInboundMedia(
  mediaRoot: string,
  sessionId: string,
  message: WAMessage,
  mime: string | null,
  maxBytes: number,
  logger: Logger,
): Promise<SavedMedia | null> {
  try {
    const data = await downloadMediaMessage(message, 'buffer', {});
    if (data.length > maxBytes) {
      logger.warn({ size: data.length }, 'Inbound media is larger than MEDIA_MAX_BYTES; not kept');
      return null;
    }
    const month = new Date().toISOString().slice(0, 7);
    const ext = (mime && extension(mime)) || 'bin';
    const relative = join(safe(sessionId), month, `${safe(message.key.id ?? 'media')}.${ext}`);
    const absolute = resolve(mediaRoot, relative);
    await mkdir(join(absolute, '..'), { recursive: true });
    await writeFile(absolute, data);
    return { path: relative, size: data.length };
  } catch (error) {
    logger.warn({ err: error }, 'Could not download inbound media');
    return null;
  }
}
