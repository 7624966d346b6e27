import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { SESSION_ID_PATTERN } from '../../sessions/dto/create-session.dto';

/** POST /api/accounts (seed 1). */
export class CreateAccountDto {
  @ApiPropertyOptional({
    example: 'account1',
    description: 'Lowercase letters, digits, - and _ (made from the name when omitted)',
  })
  @IsOptional()
  @Matches(SESSION_ID_PATTERN, { message: 'id must be 1-64 lowercase letters, digits, - or _' })
  id?: string;

  @ApiProperty({ example: 'My WhatsApp Account' })
  @IsString()
  @Length(1, 120)
  name: string;
}

/** GET /api/accounts/:id/messages?limit=50&offset=0 (seed 1). */
export class AccountMessagesQuery {
  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 50;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset = 0;
}
