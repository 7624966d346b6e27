import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Length,
  MaxLength,
} from 'class-validator';

/** WhatsApp's limits: a subject of 1-100 characters, a description up to 2048. */
const SUBJECT_MAX = 100;
const DESCRIPTION_MAX = 2048;
/** Participants in one request (WhatsApp groups hold up to 1024 members). */
const PARTICIPANTS_MAX = 256;

export class CreateGroupDto {
  @ApiProperty({ example: 'Project team', maxLength: SUBJECT_MAX })
  @IsString()
  @Length(1, SUBJECT_MAX)
  subject: string;

  @ApiProperty({ example: ['+6281234567890', '6289876543210'], description: 'Phone numbers to add' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(PARTICIPANTS_MAX)
  @IsString({ each: true })
  @Length(3, 64, { each: true })
  participants: string[];
}

export class UpdateGroupDto {
  @ApiPropertyOptional({ example: 'New name', maxLength: SUBJECT_MAX })
  @IsOptional()
  @IsString()
  @Length(1, SUBJECT_MAX)
  subject?: string;

  @ApiPropertyOptional({
    description: 'The description; an empty string removes it',
    maxLength: DESCRIPTION_MAX,
  })
  @IsOptional()
  @IsString()
  @MaxLength(DESCRIPTION_MAX)
  description?: string;

  @ApiPropertyOptional({ description: 'Only admins may send messages' })
  @IsOptional()
  @IsBoolean()
  announce?: boolean;

  @ApiPropertyOptional({ description: 'Only admins may edit the subject, description and settings' })
  @IsOptional()
  @IsBoolean()
  restrict?: boolean;
}

export const PARTICIPANT_ACTIONS = ['add', 'remove', 'promote', 'demote'] as const;

export class GroupParticipantsDto {
  @ApiProperty({ enum: PARTICIPANT_ACTIONS })
  @IsIn(PARTICIPANT_ACTIONS)
  action: (typeof PARTICIPANT_ACTIONS)[number];

  @ApiProperty({ example: ['+6281234567890'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(PARTICIPANTS_MAX)
  @IsString({ each: true })
  @Length(3, 64, { each: true })
  participants: string[];
}

export class JoinGroupDto {
  @ApiProperty({
    example: 'https://chat.whatsapp.com/AbCdEfGhIjKlMnOpQrStUv',
    description: 'An invite code, or the whole invite link',
  })
  @IsString()
  @Length(6, 200)
  code: string;
}
