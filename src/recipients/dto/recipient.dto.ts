import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '../../common/page-query.dto';
import { Transform } from 'class-transformer';
import { IsObject, IsOptional, IsString, Length, MaxLength } from 'class-validator';

export class CreateRecipientDto {
  @ApiProperty({
    example: '+62 812-3456-7890',
    description:
      'Any usual form; stored in E.164 (DEFAULT_COUNTRY for national numbers). A group JID (120363…@g.us) is kept as is',
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

export class RecipientQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: "Part of the phone, the name or a variable's value (any case)" })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MaxLength(120)
  search?: string;
}
