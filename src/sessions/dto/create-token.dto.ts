import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional, IsString, Length, MinDate } from 'class-validator';

export class CreateTokenDto {
  @ApiProperty({ example: 'crm-integration' })
  @IsString()
  @Length(1, 120)
  name: string;

  @ApiPropertyOptional({ example: '2027-01-01T00:00:00Z', description: 'When the token stops working' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MinDate(() => new Date(), { message: 'expiresAt must be in the future' })
  expiresAt?: Date;
}
