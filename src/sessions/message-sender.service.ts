import { Injectable } from '@nestjs/common';
import { extension } from 'mime-types';
import { validationFailed } from '../common/errors';
import { looksLikeGroupJid, parseGroupJid } from '../common/group-jid';
import { InvalidPhoneNumberError, phoneToJid } from '../common/phone';
import { AppConfig } from '../config/app-config';
import { decodeBase64Media, sniffMimetype } from '../media/base64-media';
import { MediaFetcher, type MediaInput } from '../media/media-fetch';
import { MediaStore } from '../media/media-store';
import { checkMediaType, type MediaKind } from '../media/media-types';
import {
  LiveSessionPort,
  SendQueuePort,
  type OutboundContent,
  type QueuedSendView,
} from '../whatsapp/whatsapp.port';
import type {
  RecipientDto,
  SendContactDto,
  SendLocationDto,
  SendMediaDto,
  SendReactionDto,
  SendTextDto,
} from './dto/send-message.dto';
import type { SendPollDto } from './dto/poll.dto';
import { SessionProxies } from '../whatsapp/session-proxies';
import type { SendRequest } from './send-request';

/** What `messages/:kind` sends: a media kind, or `voice` (an audio sent as a voice note). */
export type SendMediaKind = MediaKind | 'voice';

/** The ogg/opus type WhatsApp gives the voice notes it records. */
const VOICE_MIMETYPE = 'audio/ogg; codecs=opus';

/**
 * A send as the API answers it: `queued` at once (the process holding the session sends it), or with
 * `?wait=true` the status once WhatsApp took it (`sent`), or `failed` with `error`.
 */
export type SentMessageView = QueuedSendView;

/** Turns API requests into WhatsApp messages of a session. */
@Injectable()
export class MessageSender {
  constructor(
    private readonly live: LiveSessionPort,
    private readonly queue: SendQueuePort,
    private readonly fetcher: MediaFetcher,
    private readonly config: AppConfig,
    private readonly mediaStore: MediaStore,
    private readonly proxies: SessionProxies,
  ) {}

  /** A recipient's jid; a bad number is a 400 naming the field. */
  jidOf(to: string, field = 'to'): string {
    try {
      return phoneToJid(to, this.config.DEFAULT_COUNTRY);
    } catch (error) {
      if (!(error instanceof InvalidPhoneNumberError)) throw error;
      throw validationFailed([{ field, errors: [error.message] }]);
    }
  }

  /**
   * Where a message goes: a group jid (`120363…@g.us`, `<digits>-<digits>@g.us`, checked strictly) or
   * a phone number (any usual form, or a user jid). A bad one is a 400 naming the field.
   */
  recipientJid(to: string, field = 'to'): string {
    if (!looksLikeGroupJid(to)) return this.jidOf(to, field);
    const group = parseGroupJid(to);
    if (!group) throw validationFailed([{ field, errors: ['not a valid group id (<digits>@g.us)'] }]);
    return group;
  }

  sendText(sessionId: string, dto: SendTextDto, request: SendRequest = {}): Promise<SentMessageView> {
    return this.send(
      sessionId,
      dto,
      { kind: 'text', text: dto.text, ...this.mentionsOf(dto.mentions) },
      request,
    );
  }

  sendLocation(sessionId: string, dto: SendLocationDto, request: SendRequest = {}): Promise<SentMessageView> {
    return this.send(
      sessionId,
      dto,
      {
        kind: 'location',
        latitude: dto.latitude,
        longitude: dto.longitude,
        name: dto.name,
        address: dto.address,
      },
      request,
    );
  }

  sendContact(sessionId: string, dto: SendContactDto, request: SendRequest = {}): Promise<SentMessageView> {
    const phone = this.jidOf(dto.contactPhone, 'contactPhone').split('@')[0];
    return this.send(sessionId, dto, { kind: 'contact', name: dto.contactName, phone }, request);
  }

  /** A poll; blank options (only spaces) are refused like empty ones. */
  sendPoll(sessionId: string, dto: SendPollDto, request: SendRequest = {}): Promise<SentMessageView> {
    const blank = dto.options.findIndex((o) => !o.trim());
    if (blank >= 0 || !dto.question.trim()) {
      const field = blank >= 0 ? `options.${blank}` : 'question';
      throw validationFailed([{ field, errors: [`${field} must not be blank`] }]);
    }
    return this.send(
      sessionId,
      dto,
      {
        kind: 'poll',
        question: dto.question,
        options: dto.options,
        multiple: dto.multiple ?? false,
      },
      request,
    );
  }

  sendReaction(sessionId: string, dto: SendReactionDto, request: SendRequest = {}): Promise<SentMessageView> {
    return this.send(
      sessionId,
      { to: dto.to },
      { kind: 'reaction', emoji: dto.emoji, messageId: dto.messageId },
      request,
    );
  }

  async sendMedia(
    sessionId: string,
    sendKind: SendMediaKind,
    dto: SendMediaDto,
    upload?: Express.Multer.File,
    request: SendRequest = {},
  ): Promise<SentMessageView> {
    const kind: MediaKind = sendKind === 'voice' ? 'audio' : sendKind;
    const ptt = sendKind === 'voice' || dto.ptt === true;
    if (dto.ptt !== undefined && kind !== 'audio')
      throw validationFailed([{ field: 'ptt', errors: ['ptt (a voice note) is for audio only'] }]);
    // Checked before anything is fetched: a URL is fetched only for a send that can happen.
    this.recipientJid(dto.to);
    const mentions = this.mentionsOf(dto.mentions);
    await this.queue.requireSendable(sessionId);
    const input = await this.mediaInput(sessionId, dto, upload);
    let mimetype = dto.mimetype ?? input.mimetype;
    checkMediaType(kind, mimetype);
    // A voice note plays as one when it is ogg/opus, the type WhatsApp records them in.
    if (ptt && /^audio\/ogg\s*(;|$)/i.test(mimetype)) mimetype = VOICE_MIMETYPE;
    const media = { data: input.data, mimetype };
    const fileName = dto.fileName ?? input.fileName ?? `file.${extension(mimetype) || 'bin'}`;
    const content: OutboundContent =
      kind === 'document'
        ? { kind, media, fileName, caption: dto.caption, ...mentions }
        : kind === 'image' || kind === 'video'
          ? { kind, media, caption: dto.caption, ...mentions }
          : kind === 'audio'
            ? { kind, media, ...(ptt ? { ptt } : {}) }
            : { kind, media };
    return this.send(sessionId, dto, content, request);
  }

  /** Which numbers are on WhatsApp, asked where the session is held (409 SESSION_NOT_CONNECTED unless connected). */
  async checkNumbers(sessionId: string, numbers: string[]) {
    const jids = numbers.map((n, i) => this.jidOf(n, `numbers.${i}`));
    const found = new Map((await this.live.checkNumbers(sessionId, jids)).map((r) => [r.jid, r.exists]));
    return numbers.map((input, i) => ({ input, jid: jids[i], exists: found.get(jids[i]) ?? false }));
  }

  /** The file from exactly one source: the upload, `url` (fetched) or `base64` (decoded). */
  private async mediaInput(
    sessionId: string,
    dto: SendMediaDto,
    upload?: Express.Multer.File,
  ): Promise<MediaInput> {
    const given = [
      upload && 'file',
      dto.url !== undefined && 'url',
      dto.base64 !== undefined && 'base64',
    ].filter((s): s is string => Boolean(s));
    if (given.length === 0)
      throw validationFailed([
        { field: 'file', errors: ['upload a file (multipart field "file"), or give a url or base64'] },
      ]);
    if (given.length > 1)
      throw validationFailed(
        given.map((field) => ({
          field,
          errors: [`give one of file, url or base64, not ${given.join(' and ')}`],
        })),
      );
    if (upload)
      return { data: upload.buffer, mimetype: upload.mimetype, fileName: upload.originalname || null };
    // Through the session's proxy when it has one: the fetch leaves from the same address as its socket.
    if (dto.url !== undefined) return this.fetcher.fetch(dto.url, 'url', await this.proxies.find(sessionId));
    const decoded = decodeBase64Media(dto.base64!, this.mediaStore.maxBytes);
    const mimetype =
      decoded.mimetype ?? dto.mimetype ?? (await sniffMimetype(decoded.data)) ?? 'application/octet-stream';
    return { data: decoded.data, mimetype, fileName: null };
  }

  /** Mentioned phone numbers as user jids (400 naming `mentions.<i>` for a bad one). */
  private mentionsOf(numbers: string[] | undefined): { mentions?: string[] } {
    if (!numbers?.length) return {};
    return { mentions: numbers.map((n, i) => this.jidOf(n, `mentions.${i}`)) };
  }

  /** Into the outbound queue (any process; the session's holder sends it). */
  private send(
    sessionId: string,
    recipient: RecipientDto,
    content: OutboundContent,
    request: SendRequest,
  ): Promise<SentMessageView> {
    const jid = this.recipientJid(recipient.to);
    return this.queue.enqueue(sessionId, jid, content, {
      quotedMessageId: recipient.quotedMessageId,
      idempotencyKey: request.idempotencyKey,
      wait: request.wait,
    });
  }
}
