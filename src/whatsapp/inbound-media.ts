import type { Dispatcher } from 'undici';
import type { EgressPolicy } from '../egress/address-policy';
import { checkUrl, EgressRefusedError } from '../egress/egress-guard';
import type { InboundFile, MediaStore } from '../media/media-store';
import type { MediaOutcome } from '../messages/message-media';
import { getMediaKeys, type WAMessage } from './baileys';
import { encryptedSizeOf, MediaDecryptor, MediaVerificationError } from './media-decryptor';
import { downloadUrlOf, mediaReferenceOf } from './media-source';

/** Where and within what a download runs. */
export interface MediaDownloadContext {
  store: MediaStore;
  /** Direct (the guarded agent), or through the session's proxy. */
  agent: Dispatcher;
  policy: EgressPolicy;
  /** The simulator's origin in sandbox mode, else null (WhatsApp's hosts). */
  sandboxOrigin: string | null;
  maxBytes: number;
  deadlineMs: number;
  /** Aborts the download (shutdown). */
  signal?: AbortSignal;
}

/** WhatsApp's web client sends this; its media hosts expect it. Only ever sent to those hosts. */
const ORIGIN_HEADER = 'https://web.whatsapp.com';

/** A download that ended early, with a short reason that is safe to store and show. */
class DownloadFailed extends Error {
  constructor(
    readonly state: 'failed' | 'too_large',
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * Downloads, decrypts and verifies one message's media into the store, never from a URL the sender
 * chose (see media-source.ts), and always settles: a declared size over MEDIA_MAX_BYTES is refused
 * before any request; the body streams through the decryptor into a temporary file, capped in bytes
 * (MEDIA_MAX_BYTES and the declared size) and in time (one deadline for the whole download); the
 * file is kept only when the encrypted hash, the MAC and the plain hash match. Every error, of the
 * connection or of the body mid-stream, ends as an outcome here, never as an unhandled 'error'.
 */
export async function downloadInboundMedia(
  ctx: MediaDownloadContext,
  sessionId: string,
  message: WAMessage,
  mime: string | null,
): Promise<MediaOutcome> {
  const ref = mediaReferenceOf(message);
  if (!ref) return { state: 'failed', error: 'no_media' };
  if (!ref.mediaKey) return { state: 'failed', error: 'no_media_key' };
  if (ref.fileLength !== null && ref.fileLength > ctx.maxBytes)
    return { state: 'too_large', error: 'declared_size_over_limit' };
  const url = downloadUrlOf(ref, ctx.sandboxOrigin);
  if (!url) return { state: 'failed', error: 'no_allowed_url' };
  try {
    checkUrl(url.href, ctx.policy);
  } catch {
    return { state: 'failed', error: 'url_not_allowed' };
  }

  const { iv, cipherKey, macKey } = await getMediaKeys(ref.mediaKey, ref.kind);
  if (!iv || !cipherKey || !macKey) return { state: 'failed', error: 'no_media_key' };
  const decryptor = new MediaDecryptor(
    { iv: Buffer.from(iv), cipherKey: Buffer.from(cipherKey), macKey: Buffer.from(macKey) },
    { fileEncSha256: ref.fileEncSha256, fileSha256: ref.fileSha256 },
  );
  // The encrypted size a file of the declared length (or of the limit) can have; a little more is a lie.
  const declared = ref.fileLength !== null && ref.fileLength <= ctx.maxBytes;
  const cap = encryptedSizeOf(declared ? ref.fileLength! : ctx.maxBytes);
  const overCap = () =>
    declared
      ? new DownloadFailed('failed', 'larger_than_declared')
      : new DownloadFailed('too_large', 'size_over_limit');

  const deadline = AbortSignal.timeout(ctx.deadlineMs);
  const signal = ctx.signal ? AbortSignal.any([deadline, ctx.signal]) : deadline;
  let file: InboundFile | null = null;
  try {
    const response = await ctx.agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { origin: ORIGIN_HEADER },
      signal,
    });
    const body = response.body;
    // Whatever happens below, the body's stream errors are consumed (by the iteration, or here).
    body.on('error', () => undefined);
    if (response.statusCode !== 200) {
      body.destroy();
      throw new DownloadFailed('failed', `http_${response.statusCode}`);
    }
    const length = Number(response.headers['content-length']);
    if (Number.isFinite(length) && length > cap) {
      body.destroy();
      throw overCap();
    }
    file = await ctx.store.openInbound(sessionId, message.key.id ?? 'media', mime);
    let received = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > cap) {
        body.destroy();
        throw overCap();
      }
      const plain = decryptor.update(chunk);
      if (plain.length) await file.write(plain);
    }
    await file.write(decryptor.final());
    if (file.size > ctx.maxBytes) throw new DownloadFailed('too_large', 'size_over_limit');
    const kept = await file.keep();
    file = null;
    return { state: 'stored', path: kept.path, size: kept.size };
  } catch (error) {
    return outcomeOf(error, deadline.aborted, ctx.signal?.aborted ?? false);
  } finally {
    await file?.discard().catch(() => undefined);
  }
}

function outcomeOf(error: unknown, timedOut: boolean, stopped: boolean): MediaOutcome {
  if (error instanceof DownloadFailed) return { state: error.state, error: error.reason };
  if (error instanceof MediaVerificationError) return { state: 'failed', error: error.reason };
  if (timedOut) return { state: 'failed', error: 'deadline' };
  if (stopped) return { state: 'failed', error: 'shutdown' };
  const cause = (error as { cause?: unknown }).cause;
  if (error instanceof EgressRefusedError || cause instanceof EgressRefusedError)
    return { state: 'failed', error: 'address_not_allowed' };
  const code = (error as { code?: unknown }).code;
  return {
    state: 'failed',
    error: typeof code === 'string' ? `download_${code}`.toLowerCase() : 'download_error',
  };
}
