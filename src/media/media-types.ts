import { DomainError } from '../common/errors';

/** What a file can be sent as on WhatsApp. */
export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

/** MIME types WhatsApp accepts per kind; documents take anything. */
const ALLOWED: Record<MediaKind, RegExp> = {
  image: /^image\/(jpeg|png|webp)$/,
  video: /^video\/(mp4|3gpp|quicktime)$/,
  audio: /^audio\/(ogg|mpeg|mp4|aac|amr|x-m4a|wav|webm)(;.*)?$/,
  document: /^[\w.+-]+\/[\w.+-]+$/,
  sticker: /^image\/webp$/,
};

/** Refuses a file WhatsApp would not take as this kind (400 UNSUPPORTED_MEDIA_TYPE, on the `file` field). */
export function checkMediaType(kind: MediaKind, mimetype: string): void {
  if (!ALLOWED[kind].test(mimetype.toLowerCase())) {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', `A ${kind} cannot be of type ${mimetype}`, [
      { field: 'file', errors: [`${kind} must be one of: ${ALLOWED[kind].source}`] },
    ]);
  }
}

/** What a file is sent as when the caller does not say: by its MIME type, else a document. */
export function mediaKindOf(mimetype: string): 'image' | 'video' | 'audio' | 'document' {
  if (/^image\/(jpeg|png|webp)$/i.test(mimetype)) return 'image';
  if (/^video\//i.test(mimetype)) return 'video';
  if (/^audio\//i.test(mimetype)) return 'audio';
  return 'document';
}
