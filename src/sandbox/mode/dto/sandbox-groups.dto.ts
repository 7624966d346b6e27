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
  Matches,
} from 'class-validator';

const PHONE = /^\d{8,15}$/;
const PHONE_MESSAGE = 'must be 8-15 digits with the country code';

export class CreateGroupDto {
  @ApiProperty({
    example: '6281100000001',
    description: 'The simulated user who creates (and owns) the group',
  })
  @Matches(PHONE, { message: `owner ${PHONE_MESSAGE}` })
  owner: string;

  @ApiProperty({
    example: ['6281100000002', '6281299990001'],
    description: 'Members besides the owner: simulated contacts, or the phone number a session is linked to',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(256)
  @ArrayUnique()
  @Matches(PHONE, { each: true, message: `each member ${PHONE_MESSAGE}` })
  members: string[];

  @ApiPropertyOptional({ example: 'Sandbox group' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  subject?: string;

  @ApiPropertyOptional({ enum: ['pn', 'lid'], description: 'How members are named (default pn)' })
  @IsOptional()
  @IsIn(['pn', 'lid'])
  addressingMode?: 'pn' | 'lid';
}

export class GroupSendDto {
  @ApiProperty({ example: '6281100000001', description: 'The member who writes' })
  @Matches(PHONE, { message: `from ${PHONE_MESSAGE}` })
  from: string;

  @ApiProperty({ example: 'Hello group @6281299990001' })
  @IsString()
  @Length(1, 4096)
  text: string;

  @ApiPropertyOptional({
    example: ['6281299990001'],
    description: 'Members mentioned (contextInfo.mentionedJid)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(256)
  @Matches(PHONE, { each: true, message: `each mention ${PHONE_MESSAGE}` })
  mentions?: string[];
}

export class GroupParticipantsDto {
  @ApiProperty({ example: '6281100000001', description: 'The admin who makes the change' })
  @Matches(PHONE, { message: `actor ${PHONE_MESSAGE}` })
  actor: string;

  @ApiProperty({ enum: ['add', 'remove', 'promote', 'demote'] })
  @IsIn(['add', 'remove', 'promote', 'demote'])
  action: 'add' | 'remove' | 'promote' | 'demote';

  @ApiProperty({ example: ['6281100000003'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(256)
  @Matches(PHONE, { each: true, message: `each participant ${PHONE_MESSAGE}` })
  participants: string[];
}

export class GroupSubjectDto {
  @ApiProperty({ example: '6281100000001' })
  @Matches(PHONE, { message: `actor ${PHONE_MESSAGE}` })
  actor: string;

  @ApiProperty({ example: 'Renamed' })
  @IsString()
  @Length(1, 100)
  subject: string;
}

export class GroupMemberQuery {
  @ApiPropertyOptional({ example: '6281100000002', description: 'Only what this member received' })
  @IsOptional()
  @Matches(PHONE, { message: `member ${PHONE_MESSAGE}` })
  member?: string;
}

export class GroupDecryptQuery {
  @ApiProperty({ example: '6281100000003' })
  @Matches(PHONE, { message: `member ${PHONE_MESSAGE}` })
  member: string;
}
