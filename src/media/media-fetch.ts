import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Readable } from 'node:stream';
import type { Agent } from 'undici';
import { DomainError, validationFailed } from '../common/errors';
import { checkUrl, EgressRefusedError, guardedAgent } from '../egress/egress-guard';
import { EgressPolicies } from '../egress/egress-policies';
import { ProxyDispatchers } from '../egress/proxy-tunnel';
import type { ProxyUrl } from '../egress/proxy-url';
import { MediaStore } from './media-store';

/** A file to send: its bytes, type and name. */
export interface MediaInput {
  data: Buffer;
  mimetype: string;
  fileName: string | null;
}

/** The whole fetch, from connecting to the last byte. */
const FETCH_DEADLINE_MS = 30_000;

/**
 * Fetches the media an API client asks to send by URL, as the egress policy for media URLs allows
 * (public addresses only unless MEDIA_URL_ALLOW_PRIVATE; the checked address is the one connected
 * to), without following redirects, within one deadline and MEDIA_MAX_BYTES.
 *
 * Every failure after the URL was accepted is the same MEDIA_FETCH_FAILED: what the target answered
 * (a status, a type, a size) is never told back, so the route cannot be used to map what a URL holds.
 */
@Injectable()
export class MediaFetcher implements OnApplicationShutdown {
  private readonly agent: Agent;
  /** Fetches through a session's proxy: the address is still resolved and checked here (proxy-tunnel.ts). */
  private readonly proxied: ProxyDispatchers;

  constructor(
    private readonly policies: EgressPolicies,
    private readonly store: MediaStore,
  ) {
    this.agent = guardedAgent(policies.mediaUrls, { connections: 8 });
    this.proxied = new ProxyDispatchers(policies.mediaUrls, { connections: 8 });
  }

  /**
   * The URL's file, through `proxy` when the session has one; 400 on `url` when the policy refuses
   * the URL, 422-like MEDIA_FETCH_FAILED otherwise.
   */
  async fetch(raw: string, field = 'url', proxy: ProxyUrl | null = null): Promise<MediaInput> {
    let url: URL;
    try {
      url = checkUrl(raw, this.policies.mediaUrls);
    } catch (error) {
      throw refusedField(error, field);
    }
    const signal = AbortSignal.timeout(FETCH_DEADLINE_MS);
    try {
      const dispatcher = proxy ? this.proxied.for(proxy) : this.agent;
      const response = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        signal,
      });
      if (response.statusCode !== 200) {
        discard(response.body);
        throw fetchFailed();
      }
      const data = await readAtMost(response.body, this.store.maxBytes);
      const type = String(response.headers['content-type'] ?? 'application/octet-stream')
        .split(';')[0]
        .trim()
        .toLowerCase();
      return { data, mimetype: type || 'application/octet-stream', fileName: fileNameOf(url) };
    } catch (error) {
      if (error instanceof EgressRefusedError || (error as { cause?: unknown }).cause instanceof EgressRefusedError)
        throw refusedField((error as { cause?: unknown }).cause ?? error, field);
      if (error instanceof DomainError) throw error;
      throw fetchFailed();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close().catch(() => undefined);
    await this.proxied.close();
  }
}

const fetchFailed = () => new DomainError('MEDIA_FETCH_FAILED', 'The media URL could not be fetched');

function refusedField(error: unknown, field: string): Error {
  if (!(error instanceof EgressRefusedError)) return fetchFailed();
  return validationFailed([{ field, errors: [`${field} is not allowed: ${error.message}`] }]);
}

/** The body, cut off (and the connection dropped) as soon as it passes `max` bytes. */
async function readAtMost(body: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      discard(body);
      throw new DomainError('MEDIA_TOO_LARGE', `Media is larger than ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Drops a body not read to its end (and its connection); the abort this raises is expected. */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

function fileNameOf(url: URL): string | null {
  const last = url.pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(last) || null;
  } catch {
    return last || null;
  }
}
