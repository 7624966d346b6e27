import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { RequestActor, type Actor } from '../auth/actor';
import { ANY_ROLE, OPERATOR_ROLES, Roles, SessionToken } from '../auth/decorators';
import { ResponseMessage } from '../common/response.decorators';
import type { SessionRecord } from '../whatsapp/session.repository';
import { CreateGroupDto, GroupParticipantsDto, JoinGroupDto, UpdateGroupDto } from './dto/group.dto';
import { SessionGroups } from './session-groups.service';
import { SessionParam } from './session.pipe';

const GROUP_ID = ApiParam({
  name: 'groupId',
  description: 'The group: its jid (`120363…@g.us`, `@` may be url-encoded as %40) or the part before `@`',
});

/**
 * The groups of a session's WhatsApp account. Viewers (and the session's token) read; operators,
 * admins and the session's token change. The session must be connected here (409 otherwise).
 */
@ApiTags('session groups')
@Controller('api/v1/sessions/:id/groups')
export class SessionGroupsController {
  constructor(private readonly groups: SessionGroups) {}

  @Get()
  @SessionToken()
  @Roles(...ANY_ROLE)
  @ResponseMessage('Groups retrieved successfully')
  @ApiOperation({ summary: 'The groups the account is in (asks WhatsApp; refreshes the metadata cache)' })
  list(@SessionParam() session: SessionRecord) {
    return this.groups.list(session.id);
  }

  @Post()
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Group created')
  @ApiOperation({
    summary: 'Create a group with these participants (phone numbers); the account is its owner',
  })
  create(@SessionParam() session: SessionRecord, @Body() dto: CreateGroupDto, @RequestActor() actor: Actor) {
    return this.groups.create(session.id, dto, actor);
  }

  @Post('join')
  @HttpCode(200)
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Joined the group')
  @ApiOperation({
    summary: 'Join a group by invite code or link (404 INVITE_NOT_FOUND for a bad or revoked one)',
  })
  join(@SessionParam() session: SessionRecord, @Body() dto: JoinGroupDto, @RequestActor() actor: Actor) {
    return this.groups.join(session.id, dto.code, actor);
  }

  @Get(':groupId')
  @SessionToken()
  @Roles(...ANY_ROLE)
  @GROUP_ID
  @ResponseMessage('Group retrieved successfully')
  @ApiOperation({ summary: "A group's metadata and participants (phone number where known, LID, role)" })
  details(@SessionParam() session: SessionRecord, @Param('groupId') groupId: string) {
    return this.groups.details(session.id, groupId);
  }

  @Patch(':groupId')
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @GROUP_ID
  @ResponseMessage('Group updated')
  @ApiOperation({
    summary: 'Change the subject, description, announce or restrict (403 GROUP_NOT_ADMIN if not allowed)',
  })
  update(
    @SessionParam() session: SessionRecord,
    @Param('groupId') groupId: string,
    @Body() dto: UpdateGroupDto,
    @RequestActor() actor: Actor,
  ) {
    return this.groups.update(session.id, groupId, dto, actor);
  }

  @Post(':groupId/participants')
  @HttpCode(200)
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @GROUP_ID
  @ResponseMessage('Participants changed')
  @ApiOperation({
    summary: 'Add, remove, promote or demote participants: one result per phone number',
    description:
      '`[{ phoneNumber, status, code }]`: status ok (200), forbidden (403: their privacy refuses adds), ' +
      'not_found (404: not on WhatsApp, or not in the group), not_acceptable (406: the creator), conflict (409: already in).',
  })
  participants(
    @SessionParam() session: SessionRecord,
    @Param('groupId') groupId: string,
    @Body() dto: GroupParticipantsDto,
    @RequestActor() actor: Actor,
  ) {
    return this.groups.changeParticipants(session.id, groupId, dto.action, dto.participants, actor);
  }

  @Post(':groupId/leave')
  @HttpCode(200)
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @GROUP_ID
  @ResponseMessage('Left the group')
  @ApiOperation({ summary: 'The account leaves the group' })
  leave(
    @SessionParam() session: SessionRecord,
    @Param('groupId') groupId: string,
    @RequestActor() actor: Actor,
  ) {
    return this.groups.leave(session.id, groupId, actor);
  }

  @Get(':groupId/invite')
  @SessionToken()
  // Operators only, like the QR: the link lets anyone in.
  @Roles(...OPERATOR_ROLES)
  @GROUP_ID
  @ResponseMessage('Invite link retrieved successfully')
  @ApiOperation({
    summary: "The group's invite code and link (admins of the group only: 403 GROUP_NOT_ADMIN)",
  })
  invite(@SessionParam() session: SessionRecord, @Param('groupId') groupId: string) {
    return this.groups.invite(session.id, groupId);
  }

  @Post(':groupId/invite/revoke')
  @HttpCode(200)
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @GROUP_ID
  @ResponseMessage('Invite link revoked')
  @ApiOperation({ summary: 'Revoke the invite link; answers the new one' })
  revokeInvite(
    @SessionParam() session: SessionRecord,
    @Param('groupId') groupId: string,
    @RequestActor() actor: Actor,
  ) {
    return this.groups.revokeInvite(session.id, groupId, actor);
  }
}
