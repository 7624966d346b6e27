import { Body, Controller, Delete, Get, Param, Patch } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ANY_ROLE, OPERATOR_ROLES, Roles, SessionToken } from '../auth/decorators';
import { DomainError } from '../common/errors';
import { ResponseMessage } from '../common/response.decorators';
import { MessageQueries } from '../messages/message-queries.service';
import { MessageRevisions } from '../messages/message-revisions';
import type { SessionRecord } from '../whatsapp/session.repository';
import { MessageEditsPort } from '../whatsapp/whatsapp.port';
import { EditMessageDto } from './dto/edit-message.dto';
import { SessionParam } from './session.pipe';

/** One stored message of a session: read it with its edit history, edit or delete it for everyone. */
@ApiTags('session messages')
@Controller('api/v1/sessions/:id/messages/:messageId')
export class SessionMessageEditsController {
  constructor(
    private readonly edits: MessageEditsPort,
    private readonly queries: MessageQueries,
    private readonly revisions: MessageRevisions,
  ) {}

  @Get()
  @SessionToken()
  @Roles(...ANY_ROLE)
  @ResponseMessage('Message retrieved successfully')
  @ApiOperation({ summary: 'One stored message, with its edits (oldest first)' })
  async findOne(@SessionParam() session: SessionRecord, @Param('messageId') messageId: string) {
    const message = await this.queries.findOne(session.id, messageId);
    if (!message)
      throw new DomainError('MESSAGE_NOT_FOUND', `No stored message ${messageId} in this session`);
    return { ...message, edits: await this.revisions.history(session.id, messageId) };
  }

  @Patch()
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Message edited')
  @ApiOperation({
    summary: 'Edit a text this session sent (within 15 minutes)',
    description:
      '404 MESSAGE_NOT_FOUND when the session sent no such message; 409 MESSAGE_NOT_EDITABLE when it is ' +
      'not a text, deleted, or older than 15 minutes; 409 SESSION_NOT_CONNECTED. A `message.edited` event follows.',
  })
  edit(
    @SessionParam() session: SessionRecord,
    @Param('messageId') messageId: string,
    @Body() dto: EditMessageDto,
  ) {
    return this.edits.edit(session.id, messageId, dto.text);
  }

  @Delete()
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Message deleted for everyone')
  @ApiOperation({
    summary: 'Delete a message this session sent, for everyone (within 48 hours)',
    description:
      '404 MESSAGE_NOT_FOUND; 409 MESSAGE_NOT_EDITABLE when already deleted or older than 48 hours; ' +
      '409 SESSION_NOT_CONNECTED. The stored message is kept, marked revoked; a `message.revoked` event follows.',
  })
  revoke(@SessionParam() session: SessionRecord, @Param('messageId') messageId: string) {
    return this.edits.revoke(session.id, messageId);
  }
}
