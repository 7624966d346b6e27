import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/decorators';
import { ResponseMessage } from '../../common/response.decorators';
import { SandboxEditDto, SandboxRevokeDto } from './dto/sandbox-revisions.dto';
import { SandboxRevisionsService } from './sandbox-revisions.service';

/** A simulated contact's edits and deletes (sandbox mode only, admins only), and what its phone shows. */
@ApiTags('sandbox')
@Controller('api/v1/sandbox/contacts/:phone/messages/:messageId')
@Roles('admin')
export class SandboxRevisionsController {
  constructor(private readonly revisions: SandboxRevisionsService) {}

  @Get()
  @ResponseMessage('The message as the contact’s phone shows it')
  @ApiOperation({
    summary: 'A message the contact received: its text now, the edits and whether it was deleted',
  })
  seen(@Param('phone') phone: string, @Param('messageId') messageId: string) {
    return this.revisions.seen(phone, messageId);
  }

  @Post('edit')
  @ResponseMessage('Edit sent by the simulated contact')
  @ApiOperation({
    summary: 'The contact edits the text of a message it sent (to a session’s number or a group)',
  })
  edit(@Param('phone') phone: string, @Param('messageId') messageId: string, @Body() dto: SandboxEditDto) {
    return this.revisions.edit(phone, messageId, dto.to, dto.text);
  }

  @Post('revoke')
  @ResponseMessage('Delete sent by the simulated contact')
  @ApiOperation({ summary: 'The contact deletes for everyone a message it sent' })
  revoke(
    @Param('phone') phone: string,
    @Param('messageId') messageId: string,
    @Body() dto: SandboxRevokeDto,
  ) {
    return this.revisions.revoke(phone, messageId, dto.to);
  }
}
