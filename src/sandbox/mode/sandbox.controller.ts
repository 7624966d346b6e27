import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/decorators';
import { ResponseMessage } from '../../common/response.decorators';
import {
  ContactSendDto,
  CreateContactDto,
  DisconnectSessionDto,
  LinkSessionDto,
  TypePairingCodeDto,
} from './dto/sandbox.dto';
import { SandboxService } from './sandbox.service';

/** The simulator's control API; it exists only in sandbox mode (404 otherwise) and only for admins. */
@ApiTags('sandbox')
@Controller('api/v1/sandbox')
@Roles('admin')
export class SandboxController {
  constructor(private readonly sandbox: SandboxService) {}

  @Get('contacts')
  @ResponseMessage('Simulated contacts')
  @ApiOperation({ summary: 'Simulated contacts' })
  contacts() {
    return this.sandbox.listContacts();
  }

  @Post('contacts')
  @ResponseMessage('Simulated contact created')
  @ApiOperation({ summary: 'Create a simulated WhatsApp user (optionally answering every text)' })
  createContact(@Body() dto: CreateContactDto) {
    return this.sandbox.createContact(dto.phoneNumber, dto.pushName, dto.autoReply);
  }

  @Post('contacts/:phone/messages')
  @ResponseMessage('Message sent by the simulated contact')
  @ApiOperation({ summary: 'The contact writes a text to a session' })
  send(@Param('phone') phone: string, @Body() dto: ContactSendDto) {
    return this.sandbox.contactSends(phone, dto.sessionId, dto.text);
  }

  @Get('contacts/:phone/messages')
  @ResponseMessage('Messages the simulated contact received')
  @ApiOperation({ summary: 'What the contact’s phone received (decrypted)' })
  received(@Param('phone') phone: string) {
    return this.sandbox.received(phone);
  }

  @Post('sessions/:id/link')
  @ResponseMessage('Session linked to a simulated phone')
  @ApiOperation({ summary: 'A simulated phone scans the session’s current QR' })
  link(@Param('id') id: string, @Body() dto: LinkSessionDto) {
    return this.sandbox.link(id, dto.phoneNumber);
  }

  @Post('pairing-code')
  @ResponseMessage('Pairing code typed on the simulated phone: linked')
  @ApiOperation({
    summary:
      'The simulated phone of `phoneNumber` types a pairing code a session showed ' +
      '(POST /sessions/:id/pairing-code); 422 when the code does not match, 409 when no session waits for one',
  })
  typePairingCode(@Body() dto: TypePairingCodeDto) {
    return this.sandbox.typePairingCode(dto.phoneNumber, dto.code);
  }

  @Post('sessions/:id/disconnect')
  @HttpCode(200)
  @ResponseMessage('Disconnect sent')
  @ApiOperation({ summary: 'WhatsApp closes the session’s connection with a close code' })
  async disconnect(@Param('id') id: string, @Body() dto: DisconnectSessionDto) {
    await this.sandbox.disconnect(id, dto.code);
    return { code: dto.code };
  }
}
