import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestActor, type Actor } from '../auth/actor';
import { ANY_ROLE, MasterKey, OPERATOR_ROLES, Roles } from '../auth/decorators';
import { ResponseMessage } from '../common/response.decorators';
import { SessionParam } from '../sessions/session.pipe';
import type { SessionRecord } from '../whatsapp/session.repository';
import { CompatAccounts } from './compat-accounts.service';
import { AccountMessagesQuery, CreateAccountDto } from './dto/compat.dto';

/** The first seed's /api/accounts routes and shapes (an account is a session), now behind auth. */
@ApiTags('compat: seed accounts')
@Controller('api/accounts')
export class AccountsController {
  constructor(private readonly accounts: CompatAccounts) {}

  @Post()
  @Roles(...OPERATOR_ROLES)
  @MasterKey()
  @ResponseMessage('Account created successfully')
  @ApiOperation({ summary: 'Create an account (a session); answers with its first QR as a data URL' })
  create(@Body() dto: CreateAccountDto, @RequestActor() actor: Actor) {
    return this.accounts.create(dto, actor);
  }

  @Get()
  @Roles(...ANY_ROLE)
  @ResponseMessage('Accounts retrieved successfully')
  @ApiOperation({ summary: 'All accounts' })
  list() {
    return this.accounts.list();
  }

  @Get(':id')
  @Roles(...ANY_ROLE)
  @ResponseMessage('Account retrieved successfully')
  @ApiOperation({ summary: 'One account' })
  get(@Param('id') id: string) {
    return this.accounts.get(id);
  }

  @Delete(':id')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Account deleted successfully')
  @ApiOperation({ summary: 'Log out and delete the account with its messages' })
  async remove(@SessionParam() session: SessionRecord, @RequestActor() actor: Actor) {
    await this.accounts.remove(session, actor);
    return null;
  }

  @Post(':id/connect')
  @HttpCode(200)
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Account connection initiated')
  @ApiOperation({ summary: 'Connect (restores a linked account, or starts a new QR)' })
  connect(@SessionParam() session: SessionRecord, @RequestActor() actor: Actor) {
    return this.accounts.connect(session, actor);
  }

  @Post(':id/disconnect')
  @HttpCode(200)
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Account disconnected successfully')
  @ApiOperation({ summary: 'Close the connection; the device stays linked' })
  disconnect(@SessionParam() session: SessionRecord, @RequestActor() actor: Actor) {
    return this.accounts.disconnect(session, actor);
  }

  @Get(':id/qr')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('QR code retrieved successfully')
  @ApiOperation({ summary: 'The current QR as a PNG data URL (404 when none)' })
  qr(@SessionParam() session: SessionRecord) {
    return this.accounts.qr(session);
  }

  @Get(':id/messages')
  @Roles(...ANY_ROLE)
  @ResponseMessage('Messages retrieved successfully')
  @ApiOperation({ summary: 'Stored messages, newest first, in the seed shape (limit/offset)' })
  messages(@SessionParam() session: SessionRecord, @Query() query: AccountMessagesQuery) {
    return this.accounts.messagesOf(session, query);
  }
}
