import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequestActor, userIdOf, type Actor } from '../auth/actor';
import { ANY_ROLE, MasterKey, OPERATOR_ROLES, Roles } from '../auth/decorators';
import { SessionTokensService } from '../auth/session-tokens.service';
import { RawResponse, ResponseMessage } from '../common/response.decorators';
import type { SessionRecord } from '../whatsapp/session.repository';
import { CreateSessionDto, UpdateSessionWebhookDto } from './dto/create-session.dto';
import { UpdateSessionDto } from './dto/chat-state.dto';
import { CreateTokenDto } from './dto/create-token.dto';
import { RequestPairingCodeDto } from './dto/pairing-code.dto';
import { SessionParam } from './session.pipe';
import { SessionsService } from './sessions.service';

@ApiTags('sessions')
@Controller('api/v1/sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly tokens: SessionTokensService,
  ) {}

  @Post()
  @Roles(...OPERATOR_ROLES)
  @MasterKey()
  @ResponseMessage('Session created successfully')
  @ApiOperation({
    summary: 'Create a session and its first API token (shown once); it starts connecting and shows a QR',
  })
  create(@Body() dto: CreateSessionDto, @RequestActor() actor: Actor) {
    return this.sessions.create(dto, actor);
  }

  @Get()
  @Roles(...ANY_ROLE)
  @ResponseMessage('Sessions retrieved successfully')
  @ApiOperation({ summary: 'List sessions with their live status' })
  list() {
    return this.sessions.list();
  }

  @Get(':id')
  @Roles(...ANY_ROLE)
  @ResponseMessage('Session retrieved successfully')
  @ApiOperation({ summary: 'One session' })
  get(@Param('id') id: string) {
    return this.sessions.get(id);
  }

  @Patch(':id')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Session updated')
  @ApiOperation({ summary: "Change a session's settings (autoRead: mark received messages read)" })
  update(
    @SessionParam() session: SessionRecord,
    @Body() dto: UpdateSessionDto,
    @RequestActor() actor: Actor,
  ) {
    return this.sessions.update(session, dto, actor);
  }

  @Delete(':id')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Session deleted successfully')
  @ApiOperation({ summary: 'Log the device out and delete the session with its tokens and messages' })
  async remove(@SessionParam() session: SessionRecord, @RequestActor() actor: Actor) {
    await this.sessions.remove(session, actor);
    return null;
  }

  @Post(':id/connect')
  @HttpCode(200)
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Session connecting')
  @ApiOperation({ summary: 'Connect (restores a linked session, or starts a new QR)' })
  connect(@SessionParam() session: SessionRecord, @RequestActor() actor: Actor) {
    return this.sessions.connect(session, actor);
  }

  @Post(':id/disconnect')
  @HttpCode(200)
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Session disconnected')
  @ApiOperation({ summary: 'Close the connection; the device stays linked' })
  disconnect(@SessionParam() session: SessionRecord, @RequestActor() actor: Actor) {
    return this.sessions.disconnect(session, actor);
  }

  @Post(':id/logout')
  @HttpCode(200)
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Session logged out')
  @ApiOperation({ summary: 'Unlink the device from WhatsApp and forget its credentials' })
  logout(@SessionParam() session: SessionRecord, @RequestActor() actor: Actor) {
    return this.sessions.logout(session, actor);
  }

  @Post(':id/pairing-code')
  @HttpCode(200)
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Pairing code created: type it on the phone')
  @ApiOperation({
    summary:
      'Link by phone number instead of a QR: answers the 8-character code to type on that phone ' +
      '(WhatsApp > Linked devices > Link with phone number instead); 409 SESSION_NOT_LINKING unless ' +
      'the session is waiting to be linked',
  })
  pairingCode(
    @SessionParam() session: SessionRecord,
    @Body() dto: RequestPairingCodeDto,
    @RequestActor() actor: Actor,
  ) {
    return this.sessions.pairingCode(session, dto.phoneNumber, actor);
  }

  @Get(':id/qr')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('QR code retrieved successfully')
  @ApiOperation({
    summary: 'The current QR: `qrCode` as a PNG data URL and `qr` as the raw string (404 when none)',
  })
  qr(@SessionParam() session: SessionRecord) {
    return this.sessions.qr(session);
  }

  @Get(':id/qr.png')
  @Roles(...OPERATOR_ROLES)
  @RawResponse()
  @ApiProduces('image/png')
  @ApiOperation({ summary: 'The current QR as a PNG image (404 when none)' })
  async qrPng(@SessionParam() session: SessionRecord, @Res() res: Response) {
    const { qrCode } = await this.sessions.qr(session);
    res.type('png').send(Buffer.from(qrCode.split(',')[1], 'base64'));
  }

  @Put(':id/webhook')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Session webhook updated')
  @ApiOperation({ summary: "Override the global webhook for this session's events (null URL removes it)" })
  updateWebhook(
    @SessionParam() session: SessionRecord,
    @Body() dto: UpdateSessionWebhookDto,
    @RequestActor() actor: Actor,
  ) {
    return this.sessions.updateWebhook(session, dto, actor);
  }

  @Get(':id/tokens')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Tokens retrieved successfully')
  @ApiOperation({ summary: "The session's API tokens (never the token itself)" })
  listTokens(@SessionParam() session: SessionRecord) {
    return this.tokens.list(session.id);
  }

  @Post(':id/tokens')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Token created: copy it now, it is not shown again')
  @ApiOperation({ summary: 'Create an API token for this session (shown once)' })
  async createToken(
    @SessionParam() session: SessionRecord,
    @Body() dto: CreateTokenDto,
    @RequestActor() actor: Actor,
  ) {
    const issued = await this.tokens.issue(session.id, {
      name: dto.name,
      expiresAt: dto.expiresAt,
      createdById: userIdOf(actor),
    });
    await this.sessions.recordTokenActivity('session.token_created', session.id, issued.record.id, actor);
    return { token: issued.token, ...issued.record };
  }

  @Post(':id/tokens/:tokenId/rotate')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Token rotated: copy the new one now, it is not shown again')
  @ApiOperation({ summary: 'Revoke a token and issue a new one with the same name' })
  async rotateToken(
    @SessionParam() session: SessionRecord,
    @Param('tokenId') tokenId: string,
    @RequestActor() actor: Actor,
  ) {
    const issued = await this.tokens.rotate(session.id, this.tokenIdOf(tokenId));
    await this.sessions.recordTokenActivity('session.token_rotated', session.id, issued.record.id, actor);
    return { token: issued.token, ...issued.record };
  }

  @Delete(':id/tokens/:tokenId')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Token revoked')
  @ApiOperation({ summary: 'Revoke a token; it stops working at once' })
  async revokeToken(
    @SessionParam() session: SessionRecord,
    @Param('tokenId') tokenId: string,
    @RequestActor() actor: Actor,
  ) {
    await this.tokens.revoke(session.id, this.tokenIdOf(tokenId));
    await this.sessions.recordTokenActivity(
      'session.token_revoked',
      session.id,
      this.tokenIdOf(tokenId),
      actor,
    );
    return null;
  }

  private tokenIdOf(raw: string): number {
    const id = Number(raw);
    return Number.isInteger(id) && id > 0 ? id : -1;
  }
}
