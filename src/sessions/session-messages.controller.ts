import { extension } from 'mime-types';
import {
  Body,
  Controller,
  Get,
  HttpCode,
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
import { DomainError } from '../common/errors';
import { RawResponse, ResponseMessage } from '../common/response.decorators';
import { MediaStore } from '../media/media-store';
import { MessageQueries } from '../messages/message-queries.service';
import type { SessionRecord } from '../whatsapp/session.repository';
import { InboundMediaPort, PollsPort } from '../whatsapp/whatsapp.port';
import { SendPollDto } from './dto/poll.dto';
import {
  CheckNumbersDto,
  ListMessagesQuery,
  SendContactDto,
  SendLocationDto,
  SendMediaDto,
  SendReactionDto,
  SendTextDto,
} from './dto/send-message.dto';
import { MessageSender, type SendMediaKind } from './message-sender.service';
import { SendRequestDocs, SendRequestParam, type SendRequest } from './send-request';
import { SessionParam } from './session.pipe';

/** `voice` is an audio sent as a voice note (the same as `audio` with `ptt: true`). */
const MEDIA_KINDS = ['image', 'video', 'audio', 'voice', 'document', 'sticker'] as const;

/** What a session's API token (or an operator) can do with that session: send, check, read. */
@ApiTags('session messages')
@Controller('api/v1/sessions/:id')
export class SessionMessagesController {
  constructor(
    private readonly sender: MessageSender,
    private readonly queries: MessageQueries,
    private readonly mediaStore: MediaStore,
    private readonly inboundMedia: InboundMediaPort,
    private readonly polls: PollsPort,
  ) {}

  @Post('messages/text')
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Message accepted')
  @ApiOperation({ summary: 'Send a text (optionally as a reply: quotedMessageId)' })
  @SendRequestDocs()
  sendText(
    @SessionParam() session: SessionRecord,
    @Body() dto: SendTextDto,
    @SendRequestParam() request: SendRequest,
  ) {
    return this.sender.sendText(session.id, dto, request);
  }

  /** Before `messages/:kind`, which would take `poll` for a media kind. */
  @Post('messages/poll')
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Poll accepted')
  @ApiOperation({ summary: 'Send a poll: a question and 2 to 12 options, single or multiple choice' })
  @SendRequestDocs()
  sendPoll(
    @SessionParam() session: SessionRecord,
    @Body() dto: SendPollDto,
    @SendRequestParam() request: SendRequest,
  ) {
    return this.sender.sendPoll(session.id, dto, request);
  }

  @Get('messages/:messageId/poll')
  @SessionToken()
  @Roles(...ANY_ROLE)
  @ResponseMessage('Poll results retrieved successfully')
  @ApiOperation({ summary: 'A stored poll with its current votes per option (who voted for what)' })
  pollResults(@SessionParam() session: SessionRecord, @Param('messageId') messageId: string) {
    return this.polls.results(session.id, messageId);
  }

  @Post('messages/:kind')
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Message accepted')
  @ApiParam({ name: 'kind', enum: MEDIA_KINDS })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiOperation({
    summary:
      'Send an image, video, audio, voice note, document or sticker: multipart field `file`, or JSON with `url` or `base64`',
    description:
      'Exactly one source: `file` (multipart), `url` (fetched) or `base64` (plain or a `data:<mime>;base64,` URL). ' +
      '`ptt: true` sends an audio as a voice note; `voice` is the same as `audio` with `ptt: true`.',
  })
  @UseInterceptors(FileInterceptor('file'))
  @SendRequestDocs()
  sendMedia(
    @SessionParam() session: SessionRecord,
    @Param('kind', new ParseEnumPipe(MEDIA_KINDS)) kind: SendMediaKind,
    @Body() dto: SendMediaDto,
    @SendRequestParam() request: SendRequest,
    @UploadedFile() file?: Express.Multer.File,
  ) {
    return this.sender.sendMedia(session.id, kind, dto, file, request);
  }

  @Post('location')
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Message accepted')
  @ApiOperation({ summary: 'Send a location' })
  @SendRequestDocs()
  sendLocation(
    @SessionParam() session: SessionRecord,
    @Body() dto: SendLocationDto,
    @SendRequestParam() request: SendRequest,
  ) {
    return this.sender.sendLocation(session.id, dto, request);
  }

  @Post('contact')
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Message accepted')
  @ApiOperation({ summary: 'Send a contact card' })
  @SendRequestDocs()
  sendContact(
    @SessionParam() session: SessionRecord,
    @Body() dto: SendContactDto,
    @SendRequestParam() request: SendRequest,
  ) {
    return this.sender.sendContact(session.id, dto, request);
  }

  @Post('reaction')
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Reaction accepted')
  @ApiOperation({ summary: 'React to a stored message with an emoji' })
  @SendRequestDocs()
  sendReaction(
    @SessionParam() session: SessionRecord,
    @Body() dto: SendReactionDto,
    @SendRequestParam() request: SendRequest,
  ) {
    return this.sender.sendReaction(session.id, dto, request);
  }

  @Post('check-numbers')
  @HttpCode(200)
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Numbers checked')
  @ApiOperation({ summary: 'Which numbers are on WhatsApp' })
  checkNumbers(@SessionParam() session: SessionRecord, @Body() dto: CheckNumbersDto) {
    return this.sender.checkNumbers(session.id, dto.numbers);
  }

  @Get('messages')
  @SessionToken()
  @Roles(...ANY_ROLE)
  @ResponseMessage('Messages retrieved successfully')
  @ApiOperation({
    summary: 'Stored messages, newest first: filters, keyset `cursor`, or the seed’s limit/offset',
  })
  list(@SessionParam() session: SessionRecord, @Query() query: ListMessagesQuery) {
    const chat = query.chat ?? query.chatJid;
    const chatJid = chat ? (chat.includes('@') ? chat : this.sender.jidOf(chat, 'chat')) : undefined;
    const cursor = query.cursor && /^\d+$/.test(query.cursor) ? Number(query.cursor) : undefined;
    return this.queries.list(
      session.id,
      {
        chatJid,
        kind: query.kind,
        direction: query.direction,
        type: query.type,
        from: query.from,
        to: query.to,
        search: query.search,
      },
      { limit: query.limit ?? 50, cursor, offset: query.offset },
    );
  }

  @Post('messages/:messageId/media/retry')
  @HttpCode(202)
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Media download queued')
  @ApiOperation({
    summary: 'Download a received message’s media again (after failed, too_large or skipped)',
    description:
      '202 with `{ messageId, mediaState: "pending" }`; a `message.media` event follows when it settles. ' +
      '400 NO_MEDIA when the message has no media, 409 MEDIA_STATE when it is stored or being downloaded.',
  })
  retryMedia(@SessionParam() session: SessionRecord, @Param('messageId') messageId: string) {
    return this.inboundMedia.retry(session.id, messageId);
  }

  @Get('messages/:messageId/media')
  @SessionToken()
  @Roles(...ANY_ROLE)
  @RawResponse()
  @ApiOperation({ summary: 'The media file of a stored message (streamed)' })
  async media(@Param('id') id: string, @Param('messageId') messageId: string, @Res() res: Response) {
    const message = await this.queries.findWithMedia(id, messageId);
    const stream = message?.mediaPath ? this.mediaStore.stream(message.mediaPath) : null;
    if (!message || !stream) throw new DomainError('MEDIA_NOT_FOUND', 'No media for this message');
    // The type and name are the sender's: the file is always a download, never rendered by the
    // browser as a page of the gateway's origin (no sniffing, and sandboxed should it be opened).
    res.type(message.mediaMime ?? 'application/octet-stream');
    res.attachment(message.fileName ?? `${messageId}.${extension(message.mediaMime ?? '') || 'bin'}`);
    res.set({
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
    });
    stream.on('error', () =>
      res.headersSent
        ? res.end()
        : res.status(404).json({
            success: false,
            message: 'Media file is missing',
            code: 'MEDIA_NOT_FOUND',
            timestamp: new Date().toISOString(),
          }),
    );
    stream.pipe(res);
  }
}
