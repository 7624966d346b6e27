import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { WEBHOOK_EVENTS, type WebhookEventName } from '../../outbox/event-names';

const URL_OPTIONS = { protocols: ['http', 'https'], require_tld: false, require_protocol: true };

/** PUT /api/v1/webhooks/config (and the seed's PUT /api/dashboard/webhook/config): every field optional. */
export class UpdateWebhookConfigDto {
  @ApiPropertyOptional({
    nullable: true,
    example: 'https://example.com/hooks/whatsapp',
    description: 'Global webhook URL; null turns the global webhook off',
  })
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' })
  url?: string | null;

  @ApiPropertyOptional({ minimum: 100, maximum: 120000, example: 10000, description: 'ms per POST' })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(120_000)
  timeout?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 20,
    example: 3,
    description: 'Retries after the first attempt',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(20)
  maxRetries?: number;

  @ApiPropertyOptional({ minimum: 10, maximum: 3600000, example: 1000, description: 'Base backoff in ms' })
  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  retryDelay?: number;

  @ApiPropertyOptional({
    enum: WEBHOOK_EVENTS,
    isArray: true,
    description: 'Events sent to the global URL (all when empty)',
  })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENTS, { each: true })
  events?: WebhookEventName[];

  @ApiPropertyOptional({
    description: 'Replace the signing secret with a new random one (shown once in the answer)',
  })
  @IsOptional()
  @IsBoolean()
  rotateSecret?: boolean;

  @ApiPropertyOptional({ description: 'Set the signing secret to this value (16-256 characters)' })
  @IsOptional()
  @IsString()
  @Length(16, 256)
  secret?: string;
}

/** POST /api/v1/webhooks/test */
export class WebhookTestDto {
  @ApiPropertyOptional({ description: 'Send to this URL instead of the configured one' })
  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' })
  url?: string;

  @ApiPropertyOptional({ description: "Use this session's target (its own URL and secret when it has one)" })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  sessionId?: string;
}

/** POST /api/v1/webhooks/sessions/:id/secret */
export class RotateSessionSecretDto {
  @ApiPropertyOptional({ description: 'The new secret (16-256 characters); a random one when omitted' })
  @IsOptional()
  @IsString()
  @Length(16, 256)
  secret?: string;
}
