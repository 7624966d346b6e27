import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '../../common/page-query.dto';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export const MISSING_VARIABLE_POLICIES = ['skip', 'blank'] as const;
export type MissingVariablePolicy = (typeof MISSING_VARIABLE_POLICIES)[number];
export const CAMPAIGN_STATUSES = [
  'draft',
  'scheduled',
  'running',
  'paused',
  'completed',
  'cancelled',
] as const;
export const RECIPIENT_STATUSES = [
  'pending',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'skipped',
  'review',
] as const;

export class StartCampaignDto {
  @ApiPropertyOptional({
    enum: MISSING_VARIABLE_POLICIES,
    description:
      'When some recipients lack a template variable the start is refused (409, see /preview) unless this says ' +
      'what to do with them: skip them, or send with the variable left blank',
  })
  @IsOptional()
  @IsIn(MISSING_VARIABLE_POLICIES)
  missingVariables?: MissingVariablePolicy;
}

export class ScheduleCampaignDto extends StartCampaignDto {
  @ApiProperty({
    example: '2026-12-01T09:00',
    description: 'A local date-time in timeZone, or an ISO 8601 instant with Z or an offset',
  })
  @IsString()
  @MaxLength(40)
  scheduledAt: string;

  @ApiPropertyOptional({
    example: 'Asia/Jakarta',
    description: "IANA time zone; the campaign's own when omitted",
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timeZone?: string;
}

export class PauseCampaignDto {
  @ApiPropertyOptional({ example: 'Checking the wording' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reason?: string;
}

export class RetryCampaignDto {
  @ApiPropertyOptional({
    default: false,
    description: "Also resend recipients marked 'review' (in flight at a crash; check their chat first)",
  })
  @IsOptional()
  @IsBoolean()
  includeReview?: boolean;
}

export class CampaignQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CAMPAIGN_STATUSES })
  @IsOptional()
  @IsIn(CAMPAIGN_STATUSES)
  status?: (typeof CAMPAIGN_STATUSES)[number];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  sessionId?: string;
}

export class CampaignRecipientQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: RECIPIENT_STATUSES })
  @IsOptional()
  @IsIn(RECIPIENT_STATUSES)
  status?: (typeof RECIPIENT_STATUSES)[number];
}

export class CampaignMediaDto {
  @ApiPropertyOptional({
    enum: ['image', 'video', 'audio', 'document'],
    description: 'Guessed from the file type when omitted',
  })
  @IsOptional()
  @IsIn(['image', 'video', 'audio', 'document'])
  type?: 'image' | 'video' | 'audio' | 'document';

  @ApiPropertyOptional({ description: 'File name shown for documents' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  fileName?: string;
}
