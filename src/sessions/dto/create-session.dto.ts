import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import { WEBHOOK_EVENTS, type WebhookEventName } from '../../outbox/event-names';

/** A proxy URL longer than this is refused (credentials included). */
export const PROXY_URL_MAX_LENGTH = 1024;

export const SESSION_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export class CreateSessionDto {
  @ApiPropertyOptional({
    example: 'sales',
    description: 'Slug: lowercase letters, digits, - and _ (made from the name when omitted)',
  })
  @IsOptional()
  @Matches(SESSION_ID_PATTERN, { message: 'id must be 1-64 lowercase letters, digits, - or _' })
  id?: string;

  @ApiProperty({ example: 'Sales team' })
  @IsString()
  @Length(1, 120)
  name: string;

  @ApiPropertyOptional({
    example: 'https://example.com/hooks/whatsapp',
    description: 'Overrides the global webhook URL',
  })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  webhookUrl?: string;

  @ApiPropertyOptional({
    enum: WEBHOOK_EVENTS,
    isArray: true,
    description: 'Events sent to webhookUrl (all when empty)',
  })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENTS, { each: true })
  webhookEvents?: WebhookEventName[];

  @ApiPropertyOptional({
    example: 'socks5://user:password@proxy.example.com:1080',
    description:
      "The proxy for this session's WhatsApp socket and media (http, https, socks5 or socks5h URL with " +
      'host and port); checked on save, stored encrypted, shown with its password masked',
  })
  @IsOptional()
  @IsString()
  @MaxLength(PROXY_URL_MAX_LENGTH)
  proxy?: string;
}

export class UpdateSessionWebhookDto {
  @ApiPropertyOptional({
    nullable: true,
    description: 'null removes the override (the global webhook applies)',
  })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  webhookUrl?: string | null;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENTS, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENTS, { each: true })
  webhookEvents?: WebhookEventName[];
}
