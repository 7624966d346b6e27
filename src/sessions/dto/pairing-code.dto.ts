import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class RequestPairingCodeDto {
  @ApiProperty({
    example: '+6281234567890',
    description: "The phone that will link: its number with country code (the account's own number)",
  })
  @IsString()
  @Length(5, 40)
  phoneNumber: string;
}
