import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** The new text of a sent text message. */
export class EditMessageDto {
  @ApiProperty({ example: 'Hello again (corrected)' })
  @IsString()
  @Length(1, 65536)
  text: string;
}
