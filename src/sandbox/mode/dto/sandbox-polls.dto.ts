import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsNotEmpty,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';

const PHONE = /^\d{8,15}$/;
const PHONE_MESSAGE = 'must be 8-15 digits with the country code';

export class SandboxPollsQuery {
  @ApiProperty({
    example: '6281100000001',
    description: 'The simulated contact whose phone received the polls',
  })
  @Matches(PHONE, { message: `phone ${PHONE_MESSAGE}` })
  phone: string;
}

export class SandboxVoteDto {
  @ApiProperty({
    example: '6281100000001',
    description: 'The simulated contact who votes (received the poll)',
  })
  @Matches(PHONE, { message: `voter ${PHONE_MESSAGE}` })
  voter: string;

  @ApiProperty({ example: ['Noodles'], description: 'Option texts chosen; an empty list withdraws the vote' })
  @IsArray()
  @ArrayMaxSize(12)
  @ArrayUnique()
  @IsString({ each: true })
  options: string[];
}

export class SandboxSendPollDto {
  @ApiProperty({ example: '6281100000001', description: 'The simulated contact who sends the poll' })
  @Matches(PHONE, { message: `from ${PHONE_MESSAGE}` })
  from: string;

  @ApiProperty({
    example: '6281299990001',
    description: 'Who gets it: the phone number a session is linked to',
  })
  @Matches(PHONE, { message: `to ${PHONE_MESSAGE}` })
  to: string;

  @ApiProperty({ example: 'Coffee or tea?' })
  @IsString()
  @Length(1, 255)
  question: string;

  @ApiProperty({ example: ['Coffee', 'Tea'], minItems: 2, maxItems: 12 })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(12)
  @ArrayUnique()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(100, { each: true })
  options: string[];

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  multiple?: boolean;
}
