import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Length,
  MaxLength,
} from 'class-validator';
import type { PresenceState } from '../../whatsapp/whatsapp.port';
import { PROXY_URL_MAX_LENGTH } from './create-session.dto';

export const PRESENCE_STATES: readonly PresenceState[] = [
  'available',
  'unavailable',
  'composing',
  'recording',
  'paused',
];

/** At most this many message ids in one read request. */
export const MAX_READ_IDS = 100;

export class SendPresenceDto {
  @ApiProperty({
    enum: PRESENCE_STATES,
    description:
      'available/unavailable: online or offline to everyone; composing/recording/paused: in the chat `to`',
  })
  @IsIn(PRESENCE_STATES)
  state: PresenceState;

  @ApiPropertyOptional({
    example: '+6281234567890',
    description: 'A phone number or group jid; required for composing, recording and paused',
  })
  @IsOptional()
  @IsString()
  @Length(3, 64)
  to?: string;
}

export class PresenceSubscribeDto {
  @ApiProperty({ example: '+6281234567890', description: 'The contact whose presence to hear about' })
  @IsString()
  @Length(3, 64)
  to: string;
}

export class ReadMessagesDto {
  @ApiProperty({
    example: ['3EB0C767D26A1B2C'],
    description: `Ids of received messages (at most ${MAX_READ_IDS})`,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_READ_IDS)
  @ArrayUnique()
  @IsString({ each: true })
  @Length(1, 128, { each: true })
  messageIds: string[];
}

export class ReadChatDto {
  @ApiProperty({ example: '+6281234567890', description: 'A phone number or group jid' })
  @IsString()
  @Length(3, 64)
  chat: string;
}

export class UpdateSessionDto {
  @ApiPropertyOptional({ description: 'Mark received messages read as they arrive' })
  @IsOptional()
  @IsBoolean()
  autoRead?: boolean;

  @ApiPropertyOptional({
    nullable: true,
    example: 'http://user:password@proxy.example.com:3128',
    description:
      "The proxy for the session's WhatsApp socket and media (http, https, socks5, socks5h); null " +
      'removes it. Checked on save (400 PROXY_UNREACHABLE); the socket takes it at its next connect',
  })
  @IsOptional()
  @IsString()
  @MaxLength(PROXY_URL_MAX_LENGTH)
  proxy?: string | null;
}
