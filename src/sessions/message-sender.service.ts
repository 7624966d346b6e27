import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { extension } from 'mime-types';
import { InvalidPhoneNumberError, phoneToJid } from '../common/phone';
import { AppConfig } from '../config/app-config';
import { PrismaService } from '../prisma/prisma.service';
import type { AnyMessageContent, MiscMessageGenerationOptions, WAMessage } from '../whatsapp/baileys';
import { ConnectionRegistry, SessionNotConnectedError } from '../whatsapp/connection-registry';
import type { SavedMedia } from '../whatsapp/inbound-media';
import { decodeRawMessage } from '../whatsapp/raw-message';
import type {
  RecipientDto,
  SendContactDto,
  SendLocationDto,
  SendMediaDto,
  SendReactionDto,
  SendTextDto,
} from './dto/send-message.dto';
import { checkMediaType, fetchMedia, type MediaInput, type OutboundMediaKind } from './media-input';

export interface SentMessage {
  messageId: string;
  to: string;
  status: 'pending';
  timestamp: string;
}

/** Turns API requests into WhatsApp messages on a session's socket. */
@Injectable()
export class MessageSender {
  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
  ) {}

  /** A recipient's jid; a bad number is a 400 naming the field. */
  jidOf(to: string, field = 'to'): string {
    try {
      return phoneToJid(to, this.config.DEFAULT_COUNTRY);
    } catch (error) {
      if (!(error instanceof InvalidPhoneNumberError)) throw error;
      throw new BadRequestException({
        message: 'Validation failed',
        code: 'VALIDATION_ERROR',
        details: [{ field, errors: [error.message] }],
      });
    }
  }

  sendText(sessionId: string, dto: SendTextDto): Promise<SentMessage> {
    return this.send(sessionId, dto, { text: dto.text });
  }

  sendLocation(sessionId: string, dto: SendLocationDto): Promise<SentMessage> {
    return this.send(sessionId, dto, {
      location: {
        degreesLatitude: dto.latitude,
        degreesLongitude: dto.longitude,
        name: dto.name,
        address: dto.address,
      },
    });
  }

  sendContact(sessionId: string, dto: SendContactDto): Promise<SentMessage> {
    const phone = this.jidOf(dto.contactPhone, 'contactPhone').split('@')[0];
    const vcard = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      `FN:${dto.contactName}`,
      `TEL;type=CELL;waid=${phone}:+${phone}`,
      'END:VCARD',
    ].join('\n');
    return this.send(sessionId, dto, { contacts: { displayName: dto.contactName, contacts: [{ vcard }] } });
  }

  async sendReaction(sessionId: string, dto: SendReactionDto): Promise<SentMessage> {
    const target = await this.storedMessage(sessionId, dto.messageId, 'messageId');
    return this.send(sessionId, { to: dto.to }, { react: { text: dto.emoji, key: target.key } });
  }

  async sendMedia(
    sessionId: string,
    kind: OutboundMediaKind,
    dto: SendMediaDto,
    upload?: Express.Multer.File,
  ): Promise<SentMessage> {
    const input = await this.mediaInput(dto, upload);
    const mimetype = dto.mimetype ?? input.mimetype;
    checkMediaType(kind, mimetype);
    const fileName = dto.fileName ?? input.fileName ?? `file.${extension(mimetype) || 'bin'}`;
    const content = ((): AnyMessageContent => {
      switch (kind) {
        case 'image':
          return { image: input.data, caption: dto.caption, mimetype };
        case 'video':
          return { video: input.data, caption: dto.caption, mimetype };
        case 'audio':
          return { audio: input.data, mimetype };
        case 'sticker':
          return { sticker: input.data, mimetype };
        case 'document':
          return { document: input.data, mimetype, fileName, caption: dto.caption };
      }
    })();
    return this.send(sessionId, dto, content, input, mimetype);
  }

  private async mediaInput(dto: SendMediaDto, upload?: Express.Multer.File): Promise<MediaInput> {
    if (upload)
      return { data: upload.buffer, mimetype: upload.mimetype, fileName: upload.originalname || null };
    if (dto.url) return fetchMedia(dto.url, this.config.MEDIA_MAX_BYTES);
    throw new BadRequestException({
      message: 'Validation failed',
      code: 'VALIDATION_ERROR',
      details: [{ field: 'file', errors: ['upload a file (multipart field "file") or give a url'] }],
    });
  }

  private async send(
    sessionId: string,
    recipient: RecipientDto,
    content: AnyMessageContent,
    media?: MediaInput,
    mimetype?: string,
  ): Promise<SentMessage> {
    const jid = this.jidOf(recipient.to);
    const options: MiscMessageGenerationOptions = {};
    if (recipient.quotedMessageId)
      options.quoted = await this.storedMessage(sessionId, recipient.quotedMessageId, 'quotedMessageId');
    this.requireConnected(sessionId);
    const saved = media ? await this.keepCopy(sessionId, media, mimetype ?? media.mimetype) : undefined;
    let sent: WAMessage;
    try {
      sent = await this.registry.send(sessionId, jid, content, options, saved);
    } catch (error) {
      if (error instanceof SessionNotConnectedError) this.requireConnected(sessionId);
      throw error;
    }
    return {
      messageId: sent.key.id!,
      to: jid,
      status: 'pending',
      timestamp: String(sent.messageTimestamp ?? ''),
    };
  }

  /** 409 unless this process holds the session and it is connected. */
  requireConnected(sessionId: string): void {
    if (this.registry.statusOf(sessionId) !== 'connected') {
      throw new ConflictException({
        message: `Session ${sessionId} is not connected`,
        code: 'SESSION_NOT_CONNECTED',
      });
    }
  }

  /** A stored message of this session as Baileys wants it for quoting or reacting. */
  private async storedMessage(sessionId: string, waMessageId: string, field: string): Promise<WAMessage> {
    const row = await this.prisma.message.findFirst({
      where: { sessionId, waMessageId },
      select: { raw: true },
    });
    const message = decodeRawMessage(row?.raw);
    if (!message) {
      throw new NotFoundException({
        message: `No stored message ${waMessageId} in this session`,
        code: 'MESSAGE_NOT_FOUND',
        details: [{ field, errors: ['unknown message id'] }],
      });
    }
    return message;
  }

  private async keepCopy(sessionId: string, media: MediaInput, mimetype: string): Promise<SavedMedia> {
    const month = new Date().toISOString().slice(0, 7);
    const name = `out-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.${extension(mimetype) || 'bin'}`;
    const relative = join(sessionId.replace(/[^\w.-]/g, '_'), month, name);
    const absolute = resolve(this.config.MEDIA_PATH, relative);
    await mkdir(join(absolute, '..'), { recursive: true });
    await writeFile(absolute, media.data);
    return { path: relative, size: media.data.length };
  }
}
