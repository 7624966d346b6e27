import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/decorators';
import { ResponseMessage } from '../../common/response.decorators';
import {
  CreateGroupDto,
  GroupDecryptQuery,
  GroupMemberQuery,
  GroupParticipantsDto,
  GroupSendDto,
  GroupSubjectDto,
} from './dto/sandbox-groups.dto';
import { SandboxGroupsService } from './sandbox-groups.service';

/** Groups of simulated contacts (sandbox mode only, admins only), for trying the gateway's group features. */
@ApiTags('sandbox')
@Controller('api/v1/sandbox/groups')
@Roles('admin')
export class SandboxGroupsController {
  constructor(private readonly groups: SandboxGroupsService) {}

  @Post()
  @ResponseMessage('Simulated group created')
  @ApiOperation({
    summary: 'A simulated contact creates a group (the session’s phone number may be a member)',
  })
  create(@Body() dto: CreateGroupDto) {
    return this.groups.create(dto.owner, dto.members, dto.subject, dto.addressingMode);
  }

  @Get(':jid')
  @ResponseMessage('Simulated group')
  @ApiOperation({ summary: 'The group as the simulated WhatsApp server has it' })
  info(@Param('jid') jid: string) {
    return this.groups.info(jid);
  }

  @Post(':jid/messages')
  @ResponseMessage('Message sent in the group')
  @ApiOperation({ summary: 'A member writes a text in the group (with mentions)' })
  send(@Param('jid') jid: string, @Body() dto: GroupSendDto) {
    return this.groups.send(jid, dto.from, dto.text, dto.mentions);
  }

  @Get(':jid/messages')
  @ResponseMessage('Group messages the members received')
  @ApiOperation({ summary: 'What each member’s phone decrypted in the group' })
  received(@Param('jid') jid: string, @Query() query: GroupMemberQuery) {
    return this.groups.received(jid, query.member);
  }

  @Get(':jid/messages/:messageId/decryptable')
  @ResponseMessage('Whether the member can decrypt the message')
  @ApiOperation({ summary: 'Whether a member’s sender keys open a message (the key-rotation check)' })
  decryptable(
    @Param('jid') jid: string,
    @Param('messageId') messageId: string,
    @Query() query: GroupDecryptQuery,
  ) {
    return this.groups.decryptable(jid, messageId, query.member);
  }

  @Post(':jid/participants')
  @HttpCode(200)
  @ResponseMessage('Participants changed')
  @ApiOperation({ summary: 'A simulated admin adds, removes, promotes or demotes members' })
  participants(@Param('jid') jid: string, @Body() dto: GroupParticipantsDto) {
    return this.groups.changeParticipants(jid, dto.actor, dto.action, dto.participants);
  }

  @Put(':jid/subject')
  @ResponseMessage('Group renamed')
  @ApiOperation({ summary: 'A member renames the group' })
  subject(@Param('jid') jid: string, @Body() dto: GroupSubjectDto) {
    return this.groups.setSubject(jid, dto.actor, dto.subject);
  }
}
