import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Length,
} from 'class-validator';
import type { ChatState, OnlineState } from '../../simulator/presence-desk';

export const CONTACT_PRESENCE_STATES: readonly (OnlineState | ChatState)[] = [
  'composing',
  'recording',
  'paused',
  'available',
  'unavailable',
];

/** At most this many message ids in one read. */
export const MAX_SANDBOX_READ_IDS = 100;

export class ContactPresenceDto {
  @ApiProperty({ example: 'demo', description: 'The session whose linked phone sees the presence' })
  @IsString()
  @Length(1, 64)
  sessionId: string;

  @ApiProperty({
    enum: CONTACT_PRESENCE_STATES,
    description:
      'composing (typing), recording (a voice note) and paused reach the session at once; ' +
      'available/unavailable (online/offline) only once the session subscribed to the contact',
  })
  @IsIn(CONTACT_PRESENCE_STATES)
  state: OnlineState | ChatState;
}

export class ContactReadDto {
  @ApiProperty({ example: 'demo', description: 'The session whose messages the contact reads' })
  @IsString()
  @Length(1, 64)
  sessionId: string;

  @ApiPropertyOptional({
    example: ['3EB0C767D26A1B2C'],
    description: `Ids of messages the session sent the contact (at most ${MAX_SANDBOX_READ_IDS}); absent: the whole chat`,
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SANDBOX_READ_IDS)
  @ArrayUnique()
  @IsString({ each: true })
  @Length(1, 128, { each: true })
  messageIds?: string[];
}
