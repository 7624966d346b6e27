import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import { request } from 'undici';

export type OutboundMediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

/** MIME types WhatsApp accepts per kind; documents take anything. */
const ALLOWED: Record<OutboundMediaKind, RegExp> = {
  image: /^image\/(jpeg|png|webp)$/,
  video: /^video\/(mp4|3gpp|quicktime)$/,
  audio: /^audio\/(ogg|mpeg|mp4|aac|amr|x-m4a|wav|webm)(;.*)?$/,
  document: /^[\w.+-]+\/[\w.+-]+$/,
  sticker: /^image\/webp$/,
};

export interface MediaInput {
  data: Buffer;
  mimetype: string;
  fileName: string | null;
}

export function checkMediaType(kind: OutboundMediaKind, mimetype: string): void {
  if (!ALLOWED[kind].test(mimetype.toLowerCase())) {
    throw new BadRequestException({
      message: `A ${kind} cannot be of type ${mimetype}`,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      details: [{ field: 'file', errors: [`${kind} must be one of: ${ALLOWED[kind].source}`] }],
    });
  }
}

/** Fetches media from a URL with a time and size limit (streamed, cut off past the limit). */
export async function fetchMedia(url: string, maxBytes: number, timeoutMs = 15_000): Promise<MediaInput> {
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, { method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  } catch {
    throw new BadRequestException({
      message: 'The media URL could not be fetched',
      code: 'MEDIA_FETCH_FAILED',
    });
  }
  if (response.statusCode >= 400) {
    await response.body.dump();
    throw new BadRequestException({
      message: `The media URL answered ${response.statusCode}`,
      code: 'MEDIA_FETCH_FAILED',
    });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      await response.body.dump().catch(() => undefined);
      throw new PayloadTooLargeException({
        message: `Media is larger than ${maxBytes} bytes`,
        code: 'MEDIA_TOO_LARGE',
      });
    }
    chunks.push(chunk as Buffer);
  }
  const type = String(response.headers['content-type'] ?? 'application/octet-stream')
    .split(';')[0]
    .trim();
  const name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || null;
  return { data: Buffer.concat(chunks), mimetype: type, fileName: name };
}
