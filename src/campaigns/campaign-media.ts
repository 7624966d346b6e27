import type { StoredMedia } from '../media/media-store';
import type { OutboundContent, OutboundMedia } from '../whatsapp/whatsapp.port';

export type CampaignMediaType = 'image' | 'video' | 'audio' | 'document';

export interface CampaignMediaFields {
  mediaPath: string | null;
  mediaMime: string | null;
  mediaType: string | null;
  mediaFileName: string | null;
}

/** The columns that describe a campaign's file, once the media store keeps it. */
export function campaignMediaFields(
  stored: StoredMedia,
  file: { mimetype: string; originalname?: string },
  type: CampaignMediaType,
  fileName: string | undefined,
): CampaignMediaFields {
  return {
    mediaPath: stored.path,
    mediaMime: file.mimetype,
    mediaType: type,
    mediaFileName: (fileName ?? file.originalname)?.slice(0, 255) || null,
  };
}

/** The message for one recipient: the rendered text, as the caption when there is media. */
export function campaignContent(
  fields: CampaignMediaFields,
  text: string,
  media: OutboundMedia | null,
): OutboundContent {
  if (!media) return { kind: 'text', text };
  const caption = text || undefined;
  switch (fields.mediaType as CampaignMediaType) {
    case 'image':
      return { kind: 'image', media, caption };
    case 'video':
      return { kind: 'video', media, caption };
    case 'audio':
      return { kind: 'audio', media };
    default:
      return { kind: 'document', media, fileName: fields.mediaFileName ?? 'file', caption };
  }
}
