import { createReadStream } from 'node:fs';
import { resolve, sep } from 'node:path';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseEnumPipe,
  Post,
  Query,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiConsumes, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ANY_ROLE, OPERATOR_ROLES, Roles, SessionToken } from '../auth/decorators';
import { RawResponse, ResponseMessage } from '../common/response.decorators';
import { AppConfig } from '../config/app-config';
import { MessageQueries } from '../messages/message-queries.service';
import { ConnectionRegistry } from '../whatsapp/connection-registry';
import {
  CheckNumbersDto,
  ListMessagesQuery,
  SendContactDto,
  SendLocationDto,
  SendMediaDto,
  SendReactionDto,
  SendTextDto,
} from './dto/send-message.dto';
import type { OutboundMediaKind } from './media-input';
import { MessageSender } from './message-sender.service';
import { SessionsService } from './sessions.service';

const MEDIA_KINDS = ['image', 'video', 'audio', 'document', 'sticker'] as const;

/** What a session's API token (or an operator) can do with that session: send, check, read. */
@ApiTags('session messages')
@Controller('api/v1/sessions/:id')
export class SessionMessagesController {
  constructor(
    private readonly sender: MessageSender,
    private readonly queries: MessageQueries,
    private readonly sessions: SessionsService,
    private readonly registry: ConnectionRegistry,
    private readonly config: AppConfig,
  ) {}

  @Post('messages/text')
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Message sent')
  @ApiOperation({ summary: 'Send a text (optionally as a reply: quotedMessageId)' })
  async sendText(@Param('id') id: string, @Body() dto: SendTextDto) {
    await this.sessions.row(id);
    return this.sender.sendText(id, dto);
  }

  @Post('messages/:kind')
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Message sent')
  @ApiParam({ name: 'kind', enum: MEDIA_KINDS })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiOperation({
    summary: 'Send an image, video, audio, document or sticker: multipart field `file`, or JSON with `url`',
  })
  @UseInterceptors(FileInterceptor('file'))
  async sendMedia(
    @Param('id') id: string,
    @Param('kind', new ParseEnumPipe(MEDIA_KINDS)) kind: OutboundMediaKind,
    @Body() dto: SendMediaDto,
    @UploadedFile() file?: Express.Multer.File,
  ) {
    await this.sessions.row(id);
    return this.sender.sendMedia(id, kind, dto, file);
  }

  @Post('location')
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Message sent')
  @ApiOperation({ summary: 'Send a location' })
  async sendLocation(@Param('id') id: string, @Body() dto: SendLocationDto) {
    await this.sessions.row(id);
    return this.sender.sendLocation(id, dto);
  }

  @Post('contact')
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Message sent')
  @ApiOperation({ summary: 'Send a contact card' })
  async sendContact(@Param('id') id: string, @Body() dto: SendContactDto) {
    await this.sessions.row(id);
    return this.sender.sendContact(id, dto);
  }

  @Post('reaction')
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Reaction sent')
  @ApiOperation({ summary: 'React to a stored message with an emoji' })
  async sendReaction(@Param('id') id: string, @Body() dto: SendReactionDto) {
    await this.sessions.row(id);
    return this.sender.sendReaction(id, dto);
  }

  @Post('check-numbers')
  @HttpCode(200)
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Numbers checked')
  @ApiOperation({ summary: 'Which numbers are on WhatsApp' })
  async checkNumbers(@Param('id') id: string, @Body() dto: CheckNumbersDto) {
    await this.sessions.row(id);
    const jids = dto.numbers.map((n, i) => this.sender.jidOf(n, `numbers.${i}`));
    this.sender.requireConnected(id);
    const found = new Map((await this.registry.onWhatsApp(id, jids)).map((r) => [r.jid, r.exists]));
    return dto.numbers.map((input, i) => ({ input, jid: jids[i], exists: found.get(jids[i]) ?? false }));
  }

  @Get('messages')
  @SessionToken()
  @Roles(...ANY_ROLE)
  @ResponseMessage('Messages retrieved successfully')
  @ApiOperation({
    summary: 'Stored messages, newest first: filters, keyset `cursor`, or the seed’s limit/offset',
  })
  async list(@Param('id') id: string, @Query() query: ListMessagesQuery) {
    await this.sessions.row(id);
    const chatJid = query.chat
      ? query.chat.includes('@')
        ? query.chat
        : this.sender.jidOf(query.chat, 'chat')
      : undefined;
    const cursor = query.cursor && /^\d+$/.test(query.cursor) ? Number(query.cursor) : undefined;
    return this.queries.list(
      id,
      { chatJid, direction: query.direction, type: query.type, from: query.from, to: query.to },
      { limit: query.limit ?? 50, cursor, offset: query.offset },
    );
  }

  @Get('messages/:messageId/media')
  @SessionToken()
  @Roles(...ANY_ROLE)
  @RawResponse()
  @ApiOperation({ summary: 'The media file of a stored message (streamed)' })
  async media(@Param('id') id: string, @Param('messageId') messageId: string, @Res() res: Response) {
    const message = await this.queries.findWithMedia(id, messageId);
    const root = resolve(this.config.MEDIA_PATH);
    const file = message?.mediaPath ? resolve(root, message.mediaPath) : null;
    if (!file || !file.startsWith(root + sep))
      throw new NotFoundException({ message: 'No media for this message', code: 'MEDIA_NOT_FOUND' });
    res.type(message!.mediaMime ?? 'application/octet-stream');
    if (message!.fileName) res.attachment(message!.fileName);
    const stream = createReadStream(file);
    stream.on('error', () =>
      res.headersSent
        ? res.end()
        : res
            .status(404)
            .json({
              success: false,
              message: 'Media file is missing',
              code: 'MEDIA_NOT_FOUND',
              timestamp: new Date().toISOString(),
            }),
    );
    stream.pipe(res);
  }
}
