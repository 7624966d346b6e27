import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/decorators';
import { ResponseMessage } from '../../common/response.decorators';
import { SandboxPollsQuery, SandboxSendPollDto, SandboxVoteDto } from './dto/sandbox-polls.dto';
import { SandboxPollsService } from './sandbox-polls.service';

/** Polls of simulated contacts (sandbox mode only, admins only): see them, vote, send one. */
@ApiTags('sandbox')
@Controller('api/v1/sandbox/polls')
@Roles('admin')
export class SandboxPollsController {
  constructor(private readonly polls: SandboxPollsService) {}

  @Get()
  @ResponseMessage('Polls the contact received')
  @ApiOperation({ summary: 'The polls a simulated contact’s phone received, oldest first' })
  received(@Query() query: SandboxPollsQuery) {
    return this.polls.received(query.phone);
  }

  @Post(':messageId/votes')
  @ResponseMessage('Vote sent')
  @ApiOperation({ summary: 'A simulated contact votes on a poll it received (encrypted as WhatsApp does)' })
  vote(@Param('messageId') messageId: string, @Body() dto: SandboxVoteDto) {
    return this.polls.vote(messageId, dto.voter, dto.options);
  }

  @Post()
  @ResponseMessage('Poll sent')
  @ApiOperation({ summary: 'A simulated contact sends a poll to the session’s phone number' })
  send(@Body() dto: SandboxSendPollDto) {
    return this.polls.send(dto.from, dto.to, {
      question: dto.question,
      options: dto.options,
      multiple: dto.multiple,
    });
  }
}
