import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsString,
  MaxLength,
  Min,
} from 'class-validator';

/** A template and lists to check before a campaign exists (the admin app's campaign form). */
export class CheckCampaignTemplateDto {
  @ApiProperty({ example: 'Hi {{name}}, your code for {{city}} is {{code}}.' })
  @IsString()
  @MaxLength(4096)
  template: string;

  @ApiProperty({ example: [1], description: 'The recipient lists the campaign would send to' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @Type(() => Number)
  @IsInt({ each: true })
  @Min(1, { each: true })
  listIds: number[];
}
