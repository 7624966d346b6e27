import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDate,
  IsIn,
  IsInt,
  IsLatitude,
  IsLongitude,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export class RecipientDto {
  @ApiProperty({
    example: '+62 812-3456-7890',
    description: 'Phone number in any usual form, a user jid, or a group jid (120363…@g.us)',
  })
  @IsString()
  @Length(3, 64)
  to: string;

  @ApiPropertyOptional({ description: 'WhatsApp id of a message in this chat to reply to (quote)' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  quotedMessageId?: string;
}

/** Multipart forms send a list as one field: `a,b` or a JSON array. */
const listFromForm = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return value;
    }
  }
  return text ? text.split(',').map((v) => v.trim()) : [];
};

export class SendTextDto extends RecipientDto {
  @ApiProperty({ example: 'Hello @6281234567890' })
  @IsString()
  @Length(1, 65536)
  text: string;

  @ApiPropertyOptional({
    example: ['+6281234567890'],
    description: 'Phone numbers mentioned; write them in the text as @<digits> (e.g. @6281234567890)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(256)
  @IsString({ each: true })
  @Length(3, 64, { each: true })
  mentions?: string[];
}

/** Multipart forms send a boolean as text: `true`/`false` (also 1/0). */
const booleanFromForm = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const text = value.trim().toLowerCase();
  return text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : value;
};

/**
 * Media from exactly one source: a multipart upload (field `file`) with these fields beside it, or
 * JSON with `url` (fetched) or `base64` (plain or a data URL).
 */
export class SendMediaDto extends RecipientDto {
  @ApiPropertyOptional({ description: 'http(s) URL to fetch the media from (when no file is uploaded)' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  url?: string;

  @ApiPropertyOptional({
    description:
      'The file itself, base64-encoded (plain, or a data URL `data:<mime>;base64,…` whose type is used); ' +
      'at most MEDIA_MAX_BYTES once decoded',
  })
  @IsOptional()
  @IsString()
  base64?: string;

  @ApiPropertyOptional({
    description: 'audio only: send as a voice note (push-to-talk); `messages/voice` implies it',
  })
  @IsOptional()
  @Transform(booleanFromForm)
  @IsBoolean()
  ptt?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  caption?: string;

  @ApiPropertyOptional({
    example: ['+6281234567890'],
    description:
      'Phone numbers mentioned in the caption (as @<digits>); multipart: comma-separated or a JSON array',
  })
  @IsOptional()
  @Transform(listFromForm)
  @IsArray()
  @ArrayMaxSize(256)
  @IsString({ each: true })
  @Length(3, 64, { each: true })
  mentions?: string[];

  @ApiPropertyOptional({ description: 'File name shown for documents' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  fileName?: string;

  @ApiPropertyOptional({
    description:
      "MIME type (when omitted: the upload's, the URL response's, the data URL's, or sniffed from base64 bytes)",
  })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  mimetype?: string;
}

export class SendLocationDto extends RecipientDto {
  @ApiProperty({ example: -6.2 })
  @Type(() => Number)
  @IsLatitude()
  latitude: number;

  @ApiProperty({ example: 106.816666 })
  @Type(() => Number)
  @IsLongitude()
  longitude: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  address?: string;
}

export class SendContactDto extends RecipientDto {
  @ApiProperty({ example: 'Ann Lee' })
  @IsString()
  @Length(1, 120)
  contactName: string;

  @ApiProperty({ example: '+6281234567890' })
  @IsString()
  @Length(3, 64)
  contactPhone: string;
}

export class SendReactionDto {
  @ApiProperty({ example: '+6281234567890' })
  @IsString()
  @Length(3, 64)
  to: string;

  @ApiProperty({ description: 'WhatsApp id of the message reacted to' })
  @IsString()
  @Length(1, 128)
  messageId: string;

  @ApiProperty({ example: '👍', description: 'An emoji; empty removes the reaction' })
  @IsString()
  @MaxLength(16)
  emoji: string;
}

export class CheckNumbersDto {
  @ApiProperty({ example: ['+6281234567890', '6289876543210'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  numbers: string[];
}

const CHAT_KINDS = ['direct', 'group', 'status', 'newsletter', 'broadcast'] as const;

export class ListMessagesQuery {
  @ApiPropertyOptional({ description: 'Chat: a phone number or jid' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  chat?: string;

  @ApiPropertyOptional({ description: 'The same as `chat`' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  chatJid?: string;

  @ApiPropertyOptional({ enum: CHAT_KINDS, description: 'What kind of chat' })
  @IsOptional()
  @IsIn(CHAT_KINDS)
  kind?: (typeof CHAT_KINDS)[number];

  @ApiPropertyOptional({ enum: ['inbound', 'outbound'] })
  @IsOptional()
  @IsIn(['inbound', 'outbound'])
  direction?: 'inbound' | 'outbound';

  @ApiPropertyOptional({ example: 'text' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  type?: string;

  @ApiPropertyOptional({ description: 'From this time (ISO 8601)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  from?: Date;

  @ApiPropertyOptional({ description: 'Up to this time (ISO 8601)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  to?: Date;

  @ApiPropertyOptional({
    description:
      'Words the text, caption or document name contains: every word, in any case and any order; % and _ are plain characters',
    minLength: 1,
    maxLength: 200,
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Length(1, 200)
  search?: string;

  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Keyset cursor: the `nextCursor` of the previous page (newest first)' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  cursor?: string;

  @ApiPropertyOptional({ description: "The seed's offset pagination (use cursor for deep pages)" })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}
