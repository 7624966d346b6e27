import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';

export class CreateRecipientDto {
  @ApiProperty({
    example: '+62 812-3456-7890',
    description: 'Any usual form; stored in E.164 (DEFAULT_COUNTRY for national numbers)',
  })
  @IsString()
  @Length(3, 64)
  phone: string;

  @ApiPropertyOptional({ example: 'Budi' })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  name?: string;

  @ApiPropertyOptional({
    example: { city: 'Bandung', code: 'A-17' },
    description: 'Template variables: names to text values',
  })
  @IsOptional()
  @IsObject()
  variables?: Record<string, unknown>;
}

export class UpdateRecipientDto {
  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  name?: string | null;

  @ApiPropertyOptional({ description: 'Replaces the variables (null removes them all)', nullable: true })
  @IsOptional()
  @IsObject()
  variables?: Record<string, unknown> | null;
}

export class RecipientQueryDto {
  @ApiPropertyOptional({ description: 'Part of the phone or name' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MaxLength(120)
  search?: string;

  @ApiPropertyOptional({ default: 1, minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page = 1;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 50;
}
