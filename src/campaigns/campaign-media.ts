import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { extension } from 'mime-types';
import { checkMediaType } from '../sessions/media-input';
import type { AnyMessageContent } from '../whatsapp/baileys';
import type { SavedMedia } from '../whatsapp/inbound-media';

export type CampaignMediaType = 'image' | 'video' | 'audio' | 'document';

export interface CampaignMediaFields {
  mediaPath: string | null;
  mediaMime: string | null;
  mediaType: string | null;
  mediaFileName: string | null;
}

export interface LoadedMedia {
  data: Buffer;
  saved: SavedMedia;
}

/** What a file is sent as when the caller does not say: by its MIME type, else a document. */
export function mediaTypeOf(mimetype: string): CampaignMediaType {
  if (/^image\/(jpeg|png|webp)$/i.test(mimetype)) return 'image';
  if (/^video\//i.test(mimetype)) return 'video';
  if (/^audio\//i.test(mimetype)) return 'audio';
  return 'document';
}

/** Keeps an uploaded file under MEDIA_PATH/campaigns/<id>/ and returns the columns that describe it. */
export async function storeCampaignMedia(
  mediaRoot: string,
  campaignId: number,
  file: { buffer: Buffer; mimetype: string; originalname?: string },
  options: { type?: CampaignMediaType; fileName?: string },
): Promise<CampaignMediaFields> {
  const type = options.type ?? mediaTypeOf(file.mimetype);
  checkMediaType(type, file.mimetype);
  const relative = join(
    'campaigns',
    String(campaignId),
    `${randomUUID()}.${extension(file.mimetype) || 'bin'}`,
  );
  const absolute = resolve(mediaRoot, relative);
  await mkdir(dirname(absolute), { recursive: true });
  await writeFile(absolute, file.buffer);
  return {
    mediaPath: relative,
    mediaMime: file.mimetype,
    mediaType: type,
    mediaFileName: (options.fileName ?? file.originalname)?.slice(0, 255) || null,
  };
}

export async function removeCampaignMedia(mediaRoot: string, relative: string | null): Promise<void> {
  if (relative) await rm(resolve(mediaRoot, relative), { force: true });
}

export async function loadCampaignMedia(
  mediaRoot: string,
  fields: CampaignMediaFields,
): Promise<LoadedMedia | null> {
  if (!fields.mediaPath) return null;
  const data = await readFile(resolve(mediaRoot, fields.mediaPath));
  return { data, saved: { path: fields.mediaPath, size: data.length } };
}

/** The WhatsApp message for one recipient: the rendered text, as the caption when there is media. */
export function campaignContent(
  fields: CampaignMediaFields,
  text: string,
  media: LoadedMedia | null,
): AnyMessageContent {
  if (!media) return { text };
  const mimetype = fields.mediaMime ?? 'application/octet-stream';
  const caption = text || undefined;
  switch (fields.mediaType as CampaignMediaType) {
    case 'image':
      return { image: media.data, caption, mimetype };
    case 'video':
      return { video: media.data, caption, mimetype };
    case 'audio':
      return { audio: media.data, mimetype };
    default:
      return { document: media.data, mimetype, fileName: fields.mediaFileName ?? 'file', caption };
  }
}
