import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUrl, MaxLength, ValidateIf } from 'class-validator';

export class SandboxProfileDto {
  @ApiPropertyOptional({
    example: 'https://pps.whatsapp.net/v/t61.24694-24/contact.jpg',
    description: 'The profile picture URL WhatsApp answers for the contact (null removes it)',
    nullable: true,
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsUrl({ protocols: ['https', 'http'], require_protocol: true, require_tld: false })
  @MaxLength(2048)
  pictureUrl?: string | null;

  @ApiPropertyOptional({
    example: 'Hey there! I am using WhatsApp.',
    description: 'The about text (null removes it)',
    nullable: true,
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(139)
  about?: string | null;
}
