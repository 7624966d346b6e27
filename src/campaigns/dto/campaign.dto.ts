import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateCampaignDto {
  @ApiProperty({ example: 'December promo' })
  @Transform(trim)
  @IsString()
  @Length(1, 120)
  name: string;

  @ApiProperty({ example: 'sales', description: 'The session that sends it' })
  @IsString()
  @Length(1, 64)
  sessionId: string;

  @ApiProperty({
    example: 'Hi {{name}}, your code for {{city}} is {{code}}.',
    description:
      '{{variables}}: name, phone, or any CSV column of the recipient. May be empty with media other than audio.',
  })
  @IsString()
  @MaxLength(4096)
  template: string;

  @ApiProperty({ example: [1], description: 'Recipient lists; snapshotted into the campaign when it starts' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @Type(() => Number)
  @IsInt({ each: true })
  @Min(1, { each: true })
  listIds: number[];

  @ApiPropertyOptional({
    example: 'Asia/Jakarta',
    default: 'UTC',
    description: 'IANA time zone for the schedule, quiet hours and the daily cap',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timeZone?: string;

  @ApiPropertyOptional({ default: 3000, description: 'Shortest random pause between two sends (ms)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  minDelayMs?: number;

  @ApiPropertyOptional({ default: 8000, description: 'Longest random pause between two sends (ms)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  maxDelayMs?: number;

  @ApiPropertyOptional({
    nullable: true,
    description: 'At most this many sends in any 60 s (sends are spread evenly)',
  })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(1000)
  perMinuteCap?: number | null;

  @ApiPropertyOptional({
    nullable: true,
    description: 'At most this many sends per calendar day in the time zone',
  })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  perDayCap?: number | null;

  @ApiPropertyOptional({
    default: false,
    description: 'Show "typing…" to each recipient for a random typingMinMs..typingMaxMs before its message',
  })
  @IsOptional()
  @IsBoolean()
  typing?: boolean;

  @ApiPropertyOptional({ default: 1000, description: 'Shortest typing time (ms); counts inside the delay' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30_000)
  typingMinMs?: number;

  @ApiPropertyOptional({ default: 3000, description: 'Longest typing time (ms)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30_000)
  typingMaxMs?: number;

  @ApiPropertyOptional({
    example: '21:00',
    nullable: true,
    description: 'Quiet hours start (HH:mm in the time zone); nothing is sent until the end',
  })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @Matches(HH_MM, { message: 'quietHoursStart must be HH:mm' })
  quietHoursStart?: string | null;

  @ApiPropertyOptional({ example: '08:00', nullable: true })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @Matches(HH_MM, { message: 'quietHoursEnd must be HH:mm' })
  quietHoursEnd?: string | null;
}

/** Everything can change before the start; once started only the name and the throttle can. */
export class UpdateCampaignDto extends PartialType(CreateCampaignDto) {}
