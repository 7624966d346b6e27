import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';

export class CreateContactDto {
  @ApiProperty({ example: '6281100000009', description: 'Digits with country code' })
  @Matches(/^\d{8,15}$/, { message: 'phoneNumber must be 8-15 digits with the country code' })
  phoneNumber: string;

  @ApiPropertyOptional({ example: 'Dewi' })
  @IsOptional()
  @IsString()
  @Length(1, 60)
  pushName?: string;

  @ApiPropertyOptional({ description: 'Answer every text: "echo" repeats it, any other text is sent as is' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  autoReply?: string;
}

export class ContactSendDto {
  @ApiProperty({ example: 'demo', description: 'The session (its linked phone receives the message)' })
  @IsString()
  @Length(1, 64)
  sessionId: string;

  @ApiProperty({ example: 'Hello from a simulated contact' })
  @IsString()
  @Length(1, 4096)
  text: string;
}

export class LinkSessionDto {
  @ApiProperty({ example: '6281299990001', description: 'The simulated phone that scans the session QR' })
  @Matches(/^\d{8,15}$/, { message: 'phoneNumber must be 8-15 digits with the country code' })
  phoneNumber: string;
}

export class TypePairingCodeDto {
  @ApiProperty({ example: '6281299990001', description: 'The simulated phone the code was asked for' })
  @Matches(/^\+?\d{8,15}$/, { message: 'phoneNumber must be 8-15 digits with the country code' })
  phoneNumber: string;

  @ApiProperty({
    example: 'ABCD-EFGH',
    description: 'The code the gateway showed (with or without the dash)',
  })
  @Matches(/^[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}$/, { message: 'code must be 8 letters or digits (ABCD-EFGH)' })
  code: string;
}

export class DisconnectSessionDto {
  @ApiProperty({ enum: [401, 408, 428, 440, 500, 515] })
  @IsIn([401, 408, 428, 440, 500, 515])
  code: 401 | 408 | 428 | 440 | 500 | 515;
}
