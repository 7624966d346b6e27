import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/decorators';
import { ResponseMessage } from '../../common/response.decorators';
import { ContactPresenceDto, ContactReadDto } from './dto/sandbox-presence.dto';
import { SandboxPresenceService } from './sandbox-presence.service';

/** A simulated contact's presence and read receipts towards a session (sandbox mode only, admins only). */
@ApiTags('sandbox')
@Controller('api/v1/sandbox/contacts/:phone')
@Roles('admin')
export class SandboxPresenceController {
  constructor(private readonly presence: SandboxPresenceService) {}

  @Post('presence')
  @HttpCode(200)
  @ResponseMessage('Presence shown by the simulated contact')
  @ApiOperation({
    summary:
      'The contact types, records, pauses, or goes online/offline towards a session (presence.update); ' +
      'online/offline reach the session only after it subscribed to the contact',
  })
  showPresence(@Param('phone') phone: string, @Body() dto: ContactPresenceDto) {
    return this.presence.showPresence(phone, dto.sessionId, dto.state);
  }

  @Get('presence')
  @ResponseMessage('Presence of the simulated contact')
  @ApiOperation({
    summary:
      'The contact’s online state, who subscribed to it, the chat states shown to it and the ids of its ' +
      'messages that were read',
  })
  view(@Param('phone') phone: string) {
    return this.presence.view(phone);
  }

  @Post('read')
  @HttpCode(200)
  @ResponseMessage('Read receipts sent by the simulated contact')
  @ApiOperation({
    summary:
      'The contact reads messages a session sent it (by id, or the whole chat): their status becomes read',
  })
  read(@Param('phone') phone: string, @Body() dto: ContactReadDto) {
    return this.presence.read(phone, dto.sessionId, dto.messageIds);
  }
}
