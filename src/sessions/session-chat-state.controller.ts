import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { OPERATOR_ROLES, Roles, SessionToken } from '../auth/decorators';
import { ResponseMessage } from '../common/response.decorators';
import type { SessionRecord } from '../whatsapp/session.repository';
import { PresenceSubscribeDto, ReadChatDto, ReadMessagesDto, SendPresenceDto } from './dto/chat-state.dto';
import { SessionChatState } from './session-chat-state.service';
import { SessionParam } from './session.pipe';

/** Looking like a person: online and typing, hearing others' presence, blue ticks. */
@ApiTags('session messages')
@Controller('api/v1/sessions/:id')
export class SessionChatStateController {
  constructor(private readonly chatState: SessionChatState) {}

  @Post('presence')
  @HttpCode(200)
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Presence sent')
  @ApiOperation({ summary: 'Show online/offline, or typing/recording/paused in a chat' })
  sendPresence(@SessionParam() session: SessionRecord, @Body() dto: SendPresenceDto) {
    return this.chatState.sendPresence(session.id, dto);
  }

  @Post('presence/subscribe')
  @HttpCode(200)
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Subscribed to presence')
  @ApiOperation({ summary: "Hear a contact's presence (presence.update events)" })
  subscribe(@SessionParam() session: SessionRecord, @Body() dto: PresenceSubscribeDto) {
    return this.chatState.subscribe(session.id, dto);
  }

  @Post('messages/read')
  @HttpCode(200)
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Messages marked read')
  @ApiOperation({ summary: 'Send read receipts for received messages' })
  readMessages(@SessionParam() session: SessionRecord, @Body() dto: ReadMessagesDto) {
    return this.chatState.readMessages(session.id, dto);
  }

  @Post('chats/read')
  @HttpCode(200)
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Chat marked read')
  @ApiOperation({ summary: "Send read receipts for a chat's latest received messages (up to 50)" })
  readChat(@SessionParam() session: SessionRecord, @Body() dto: ReadChatDto) {
    return this.chatState.readChat(session.id, dto);
  }
}
