import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

/** Where the contact sent the message: the session's phone number (digits) or a group's jid. */
const CHAT = /^(\d{6,20}|\d{6,40}(-\d{6,20})?@g\.us)$/;

export class SandboxRevokeDto {
  @ApiProperty({
    example: '6281234567890',
    description: 'The phone number (digits) or group jid it was sent to',
  })
  @IsString()
  @Matches(CHAT, { message: 'to must be phone digits or a group jid' })
  to: string;
}

export class SandboxEditDto extends SandboxRevokeDto {
  @ApiProperty({ example: 'Corrected text' })
  @IsString()
  @Length(1, 4096)
  text: string;
}
