import { isWhatsAppMediaHost } from '../egress/egress-policies';
import { normalizeMessageContent, type proto, type WAMessage } from './baileys';

/** Baileys' DEF_MEDIA_HOST: where a directPath is fetched from when the message's url is not used. */
const WHATSAPP_MEDIA_ORIGIN = 'https://mmg.whatsapp.net';

/** The media kinds whose keys HKDF derives (Baileys' MediaType); a sticker has its own info string. */
export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

/** What a media message says about its file: where, its key, its size and hashes (all sender-chosen). */
export interface MediaReference {
  kind: MediaKind;
  url: string | null;
  directPath: string | null;
  mediaKey: Uint8Array | null;
  fileLength: number | null;
  fileSha256: Uint8Array | null;
  fileEncSha256: Uint8Array | null;
}

const KINDS: [keyof proto.IMessage, MediaKind][] = [
  ['imageMessage', 'image'],
  ['videoMessage', 'video'],
  ['audioMessage', 'audio'],
  ['documentMessage', 'document'],
  ['stickerMessage', 'sticker'],
];

type MediaFields = proto.Message.IImageMessage;

/** The media part of a message, or null when it has none. */
export function mediaReferenceOf(message: WAMessage): MediaReference | null {
  const content = normalizeMessageContent(message.message);
  if (!content) return null;
  for (const [field, kind] of KINDS) {
    const m = content[field] as MediaFields | null | undefined;
    if (!m) continue;
    const length = m.fileLength === null || m.fileLength === undefined ? null : Number(m.fileLength);
    return {
      kind,
      url: m.url ?? null,
      directPath: m.directPath ?? null,
      mediaKey: m.mediaKey?.length ? m.mediaKey : null,
      fileLength: length !== null && Number.isFinite(length) && length >= 0 ? length : null,
      fileSha256: m.fileSha256?.length ? m.fileSha256 : null,
      fileEncSha256: m.fileEncSha256?.length ? m.fileEncSha256 : null,
    };
  }
  return null;
}

/**
 * Where to download a message's media from, never where the sender says unless it is WhatsApp's:
 * its `url` when that is https on a WhatsApp media host (in sandbox mode: on the simulator's own
 * origin), else its `directPath` on WhatsApp's media host (the simulator's). Null when neither
 * gives an allowed URL. (Baileys would fetch the url as given, or the directPath on the url's host.)
 */
export function downloadUrlOf(ref: MediaReference, sandboxOrigin: string | null): URL | null {
  const origin = sandboxOrigin ?? WHATSAPP_MEDIA_ORIGIN;
  const url = parse(ref.url);
  if (url && !url.username && !url.password) {
    if (
      sandboxOrigin
        ? url.origin === sandboxOrigin
        : url.protocol === 'https:' && isWhatsAppMediaHost(url.hostname)
    )
      return url;
  }
  // A path on the media host: '/x', never '//host/x' or '@host/x' (which would name another host).
  if (ref.directPath && /^\/(?![/\\])/.test(ref.directPath)) {
    const built = parse(`${origin}${ref.directPath}`);
    if (built && built.origin === origin && !built.username) return built;
  }
  return null;
}

const parse = (raw: string | null): URL | null => {
  if (!raw) return null;
  try {
    return new URL(raw);
  } catch {
    return null;
  }
};

/** The simulator's media origin in sandbox mode: the origin of the WebSocket URL sockets are pointed at. */
export function sandboxMediaOrigin(webSocketUrl: string | URL | undefined): string | null {
  if (!webSocketUrl) return null;
  const url = parse(String(webSocketUrl));
  if (!url) return null;
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return url.origin;
}
