import { Injectable } from '@nestjs/common';
import { extension } from 'mime-types';
import { DomainError, validationFailed } from '../common/errors';
import { looksLikeGroupJid, parseGroupJid } from '../common/group-jid';
import { InvalidPhoneNumberError, phoneToJid } from '../common/phone';
import { AppConfig } from '../config/app-config';
import { MediaFetcher, type MediaInput } from '../media/media-fetch';
import { checkMediaType, type MediaKind } from '../media/media-types';
import { WhatsAppPort, type OutboundContent } from '../whatsapp/whatsapp.port';
import type {
  RecipientDto,
  SendContactDto,
  SendLocationDto,
  SendMediaDto,
  SendReactionDto,
  SendTextDto,
} from './dto/send-message.dto';
import type { SendPollDto } from './dto/poll.dto';

export interface SentMessageView {
  messageId: string;
  to: string;
  status: 'pending';
  timestamp: string;
}

/** Turns API requests into WhatsApp messages of a session. */
@Injectable()
export class MessageSender {
  constructor(
    private readonly whatsapp: WhatsAppPort,
    private readonly fetcher: MediaFetcher,
    private readonly config: AppConfig,
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

  sendText(sessionId: string, dto: SendTextDto): Promise<SentMessageView> {
    return this.send(sessionId, dto, { kind: 'text', text: dto.text, ...this.mentionsOf(dto.mentions) });
  }

  sendLocation(sessionId: string, dto: SendLocationDto): Promise<SentMessageView> {
    return this.send(sessionId, dto, {
      kind: 'location',
      latitude: dto.latitude,
      longitude: dto.longitude,
      name: dto.name,
      address: dto.address,
    });
  }

  sendContact(sessionId: string, dto: SendContactDto): Promise<SentMessageView> {
    const phone = this.jidOf(dto.contactPhone, 'contactPhone').split('@')[0];
    return this.send(sessionId, dto, { kind: 'contact', name: dto.contactName, phone });
  }

  /** A poll; blank options (only spaces) are refused like empty ones. */
  sendPoll(sessionId: string, dto: SendPollDto): Promise<SentMessageView> {
    const blank = dto.options.findIndex((o) => !o.trim());
    if (blank >= 0 || !dto.question.trim()) {
      const field = blank >= 0 ? `options.${blank}` : 'question';
      throw validationFailed([{ field, errors: [`${field} must not be blank`] }]);
    }
    return this.send(sessionId, dto, {
      kind: 'poll',
      question: dto.question,
      options: dto.options,
      multiple: dto.multiple ?? false,
    });
  }

  sendReaction(sessionId: string, dto: SendReactionDto): Promise<SentMessageView> {
    return this.send(
      sessionId,
      { to: dto.to },
      { kind: 'reaction', emoji: dto.emoji, messageId: dto.messageId },
    );
  }

  async sendMedia(
    sessionId: string,
    kind: MediaKind,
    dto: SendMediaDto,
    upload?: Express.Multer.File,
  ): Promise<SentMessageView> {
    // Checked before anything is fetched: a URL is fetched only for a send that can happen.
    this.recipientJid(dto.to);
    const mentions = this.mentionsOf(dto.mentions);
    this.requireConnected(sessionId);
    const input = await this.mediaInput(dto, upload);
    const mimetype = dto.mimetype ?? input.mimetype;
    checkMediaType(kind, mimetype);
    const media = { data: input.data, mimetype };
    const fileName = dto.fileName ?? input.fileName ?? `file.${extension(mimetype) || 'bin'}`;
    const content: OutboundContent =
      kind === 'document'
        ? { kind, media, fileName, caption: dto.caption, ...mentions }
        : kind === 'image' || kind === 'video'
          ? { kind, media, caption: dto.caption, ...mentions }
          : { kind, media };
    return this.send(sessionId, dto, content);
  }

  /** Which numbers are on WhatsApp (409 SESSION_NOT_CONNECTED unless the session is connected here). */
  async checkNumbers(sessionId: string, numbers: string[]) {
    const jids = numbers.map((n, i) => this.jidOf(n, `numbers.${i}`));
    const found = new Map((await this.whatsapp.checkNumbers(sessionId, jids)).map((r) => [r.jid, r.exists]));
    return numbers.map((input, i) => ({ input, jid: jids[i], exists: found.get(jids[i]) ?? false }));
  }

  private async mediaInput(dto: SendMediaDto, upload?: Express.Multer.File): Promise<MediaInput> {
    if (upload)
      return { data: upload.buffer, mimetype: upload.mimetype, fileName: upload.originalname || null };
    if (dto.url) return this.fetcher.fetch(dto.url);
    throw validationFailed([
      { field: 'file', errors: ['upload a file (multipart field "file") or give a url'] },
    ]);
  }

  /** Mentioned phone numbers as user jids (400 naming `mentions.<i>` for a bad one). */
  private mentionsOf(numbers: string[] | undefined): { mentions?: string[] } {
    if (!numbers?.length) return {};
    return { mentions: numbers.map((n, i) => this.jidOf(n, `mentions.${i}`)) };
  }

  private requireConnected(sessionId: string): void {
    if (this.whatsapp.statusOf(sessionId) !== 'connected')
      throw new DomainError('SESSION_NOT_CONNECTED', `Session ${sessionId} is not connected`);
  }

  private async send(
    sessionId: string,
    recipient: RecipientDto,
    content: OutboundContent,
  ): Promise<SentMessageView> {
    const jid = this.recipientJid(recipient.to);
    const sent = await this.whatsapp.send(sessionId, jid, content, {
      quotedMessageId: recipient.quotedMessageId,
    });
    return { messageId: sent.messageId, to: sent.to, status: 'pending', timestamp: sent.timestamp };
  }
}
