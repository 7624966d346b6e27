import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { BROKER_KINDS, type BrokerKind } from '../../outbox/broker-outputs';
import { WEBHOOK_EVENTS, type WebhookEventName } from '../../outbox/event-names';

/** A URL the client library can parse: scheme, a host, optional user:password, port and path. */
const urlOf = (schemes: string) =>
  new RegExp(`^(${schemes})://([^\\s/@]+@)?[^\\s/@:]+(:\\d{1,5})?(/[^\\s]*)?$`, 'i');
const AMQP_URL = urlOf('amqps?');
const NATS_URL = urlOf('nats|tls');
const SUBJECT_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

class BrokerOutputFields {
  @ApiPropertyOptional({ enum: WEBHOOK_EVENTS, isArray: true, description: 'Events sent (all when empty)' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENTS, { each: true })
  events?: WebhookEventName[];

  @ApiPropertyOptional({
    description: 'Add the webhook signature headers (X-Signature, X-Webhook-Signature)',
  })
  @IsOptional()
  @IsBoolean()
  signed?: boolean;
}

export class RabbitmqOutputDto extends BrokerOutputFields {
  @ApiPropertyOptional({
    example: 'amqp://gateway:secret@rabbit.internal:5672/%2F',
    description:
      'amqp:// or amqps:// URL with its credentials (stored encrypted, never shown again); omit to keep the stored one',
  })
  @IsOptional()
  @IsString()
  @Length(1, 1024)
  @Matches(AMQP_URL, { message: 'url must be an amqp:// or amqps:// URL' })
  url?: string;

  @ApiPropertyOptional({
    example: 'wa.events',
    description: 'Topic exchange (declared durable when missing)',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,255}$/, { message: 'exchange must be 1-255 letters, digits, -, _, . or :' })
  exchange!: string;
}

export class NatsOutputDto extends BrokerOutputFields {
  @ApiPropertyOptional({
    example: 'nats://gateway:secret@nats.internal:4222',
    description:
      'nats:// or tls:// URL (user:password@ or token@ allowed; stored encrypted); omit to keep the stored one',
  })
  @IsOptional()
  @IsString()
  @Length(1, 1024)
  @Matches(NATS_URL, { message: 'url must be a nats:// or tls:// URL' })
  url?: string;

  @ApiPropertyOptional({
    example: 'WA_EVENTS',
    description: 'JetStream stream (created for <subjectPrefix>.> when missing)',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'stream must be 1-64 letters, digits, - or _' })
  stream!: string;

  @ApiPropertyOptional({
    example: 'wa',
    default: 'wa',
    description: 'Subjects are <subjectPrefix>.<sessionId>.<event>',
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  @Matches(SUBJECT_PREFIX, { message: 'subjectPrefix must be dot-separated letters, digits, - or _' })
  subjectPrefix?: string;
}

/** PUT /api/v1/webhooks/brokers and PUT /api/v1/webhooks/brokers/sessions/:id: a kind left out stays, null removes it. */
export class UpdateBrokerOutputsDto {
  @ApiPropertyOptional({ type: RabbitmqOutputDto, nullable: true })
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @ValidateNested()
  @Type(() => RabbitmqOutputDto)
  rabbitmq?: RabbitmqOutputDto | null;

  @ApiPropertyOptional({ type: NatsOutputDto, nullable: true })
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @ValidateNested()
  @Type(() => NatsOutputDto)
  nats?: NatsOutputDto | null;
}

/** POST /api/v1/webhooks/brokers/test */
export class BrokerTestDto {
  @ApiPropertyOptional({ enum: BROKER_KINDS })
  @IsIn(BROKER_KINDS)
  kind!: BrokerKind;

  @ApiPropertyOptional({ description: "Use this session's output (its own, else the global one)" })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  sessionId?: string;
}
