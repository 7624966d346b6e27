import { request } from 'undici';
import { DomainError } from '../common/errors';

/** A file to send: its bytes, type and name. */
export interface MediaInput {
  data: Buffer;
  mimetype: string;
  fileName: string | null;
}

/** Fetches media from a URL with a time and size limit (streamed, cut off past the limit). */
export async function fetchMedia(url: string, maxBytes: number, timeoutMs = 15_000): Promise<MediaInput> {
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, { method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  } catch {
    throw new DomainError('MEDIA_FETCH_FAILED', 'The media URL could not be fetched');
  }
  if (response.statusCode >= 400) {
    await response.body.dump();
    throw new DomainError('MEDIA_FETCH_FAILED', `The media URL answered ${response.statusCode}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      await response.body.dump().catch(() => undefined);
      throw new DomainError('MEDIA_TOO_LARGE', `Media is larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  const type = String(response.headers['content-type'] ?? 'application/octet-stream')
    .split(';')[0]
    .trim();
  const name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || null;
  return { data: Buffer.concat(chunks), mimetype: type, fileName: name };
}
