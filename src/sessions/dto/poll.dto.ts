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
  MaxLength,
} from 'class-validator';
import { RecipientDto } from './send-message.dto';

/** WhatsApp's limits: 2 to 12 options, each named once (votes name an option by its text's hash). */
export class SendPollDto extends RecipientDto {
  @ApiProperty({ example: 'Which day suits you?' })
  @IsString()
  @Length(1, 255)
  question: string;

  @ApiProperty({ example: ['Monday', 'Tuesday', 'Wednesday'], minItems: 2, maxItems: 12 })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(12)
  @ArrayUnique()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(100, { each: true })
  options: string[];

  @ApiPropertyOptional({ default: false, description: 'Let a voter choose several options (else one)' })
  @IsOptional()
  @IsBoolean()
  multiple?: boolean;
}
