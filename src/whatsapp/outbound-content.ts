import { createHash } from 'node:crypto';
import type { StoredMedia } from '../media/media-store';
import type { OutboundContent } from './whatsapp.port';

/** A file of a queued send as the row keeps it: where the media store has it, never the bytes. */
export interface QueuedMedia {
  path: string;
  size: number;
  mimetype: string;
}

/** OutboundContent with its media (if any) as a stored file. */
export type QueuedContent = Omit<OutboundContent, 'media'> & { media?: QueuedMedia };

/** What the `content` column of outbound_messages holds (JSON). */
export interface QueuedSend {
  content: QueuedContent;
  quotedMessageId?: string;
}

const hasMedia = (content: OutboundContent): content is Extract<OutboundContent, { media: unknown }> =>
  'media' in content;

/** The row's JSON for a send whose media (when it has some) is stored at `stored`. */
export function toQueued(
  content: OutboundContent,
  quotedMessageId: string | undefined,
  stored: StoredMedia | undefined,
): QueuedSend {
  let queued: QueuedContent;
  if (hasMedia(content)) {
    if (!stored) throw new Error('media must be stored before the send is queued');
    queued = {
      ...content,
      media: { path: stored.path, size: stored.size, mimetype: content.media.mimetype },
    };
  } else queued = content;
  return { content: queued, ...(quotedMessageId ? { quotedMessageId } : {}) };
}

/** The send back from the row's JSON; `read` gives the bytes of a stored file. */
export async function fromQueued(
  value: unknown,
  read: (path: string) => Promise<Buffer>,
): Promise<{ content: OutboundContent; quotedMessageId?: string }> {
  const queued = value as QueuedSend;
  const { media, ...rest } = queued.content;
  const content = (
    media
      ? {
          ...rest,
          media: {
            data: await read(media.path),
            mimetype: media.mimetype,
            stored: { path: media.path, size: media.size },
          },
        }
      : rest
  ) as OutboundContent;
  return { content, ...(queued.quotedMessageId ? { quotedMessageId: queued.quotedMessageId } : {}) };
}

/** JSON with object keys sorted, so two equal requests give one text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * SHA-256 of what a send request asks for: the recipient, the content (media by the SHA-256 of its
 * bytes and its type) and the quoted message. A retry under the same Idempotency-Key must match it.
 */
export function fingerprintOf(jid: string, content: OutboundContent, quotedMessageId?: string): string {
  const described = hasMedia(content)
    ? {
        ...content,
        media: {
          sha256: createHash('sha256').update(content.media.data).digest('hex'),
          mimetype: content.media.mimetype,
        },
      }
    : content;
  return createHash('sha256')
    .update(canonical({ to: jid, content: described, quotedMessageId: quotedMessageId ?? null }))
    .digest('hex');
}
