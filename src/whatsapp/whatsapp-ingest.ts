import { Injectable, Logger } from '@nestjs/common';
import type { Logger as PinoLogger } from 'pino';
import type { MessageStatusValue } from '../common/domain-events';
import { AppConfig } from '../config/app-config';
import { MediaStore, type StoredMedia } from '../media/media-store';
import { MessageCapture } from '../messages/message-capture.service';
import { MessageQueries } from '../messages/message-queries.service';
import { proto, type WAMessage, type WAMessageKey, type WAMessageUpdate } from './baileys';
import { saveInboundMedia } from './inbound-media';
import { normalizeMessage, type NormalizedMessage } from './message-normalizer';
import { decodeRawMessage, encodeRawMessage } from './raw-message';
import { SessionRepository } from './session.repository';

const STATUS: Record<number, MessageStatusValue> = {
  [proto.WebMessageInfo.Status.ERROR]: 'failed',
  [proto.WebMessageInfo.Status.PENDING]: 'pending',
  [proto.WebMessageInfo.Status.SERVER_ACK]: 'sent',
  [proto.WebMessageInfo.Status.DELIVERY_ACK]: 'delivered',
  [proto.WebMessageInfo.Status.READ]: 'read',
  [proto.WebMessageInfo.Status.PLAYED]: 'played',
};

const TOUCH_EVERY_MS = 60_000;

/** A message of an upsert, normalised, and whether its media is to be downloaded. */
interface Incoming {
  msg: WAMessage;
  normalized: NormalizedMessage;
  download: boolean;
}

/**
 * From Baileys events to stored messages: normalises each message, downloads inbound media when
 * MEDIA_DOWNLOAD is on, and hands them to the message store in the order they arrived per session.
 */
@Injectable()
export class WhatsappIngest {
  private readonly logger = new Logger(WhatsappIngest.name);
  private readonly chains = new Map<string, Promise<void>>();
  private readonly touchedAt = new Map<string, number>();

  constructor(
    private readonly config: AppConfig,
    private readonly capture: MessageCapture,
    private readonly messages: MessageQueries,
    private readonly media: MediaStore,
    private readonly sessions: SessionRepository,
  ) {}

  /**
   * Queues messages of one upsert; a session's messages are stored in order, sessions in parallel.
   * They go to the store at once, unless a media download is needed or one of the session's is
   * still under way: then they wait their turn on the session's chain.
   */
  accept(sessionId: string, messages: WAMessage[], ownNumber: string, logger: PinoLogger): void {
    this.touch(sessionId);
    const previous = this.chains.get(sessionId);
    const items: Incoming[] = [];
    let downloads = false;
    try {
      for (const msg of messages) {
        const normalized = normalizeMessage(msg, ownNumber);
        if (!normalized) continue;
        const download =
          normalized.hasMedia && normalized.direction === 'inbound' && this.config.MEDIA_DOWNLOAD;
        downloads ||= download;
        items.push({ msg, normalized, download });
      }
      if (!previous && !downloads) {
        for (const item of items) this.enqueue(sessionId, item, null);
        return;
      }
    } catch (error) {
      // Never thrown into Baileys' event handling.
      this.logger.error({ err: error, sessionId }, 'Could not store messages');
      return;
    }
    const next = (previous ?? Promise.resolve())
      .then(() => this.storeWithMedia(sessionId, items, logger))
      .catch((error: unknown) => this.logger.error({ err: error, sessionId }, 'Could not store messages'));
    this.chains.set(sessionId, next);
    void next.finally(() => {
      if (this.chains.get(sessionId) === next) this.chains.delete(sessionId);
    });
  }

  acceptUpdates(sessionId: string, updates: WAMessageUpdate[]): void {
    for (const { key, update } of updates) {
      const status =
        update.status === undefined || update.status === null ? undefined : STATUS[update.status];
      if (!key.id || !key.fromMe || !status) continue;
      const errorCode = Number(update.messageStubParameters?.[0]) || null;
      void this.capture
        .updateStatus({ sessionId, waMessageId: key.id, status, errorCode })
        .catch((error: unknown) =>
          this.logger.error({ err: error, sessionId }, 'Could not store a message status'),
        );
    }
    this.touch(sessionId);
  }

  /** Stores a message this gateway just sent (Baileys' own echo of it is then a duplicate). */
  async storeSent(sessionId: string, sent: WAMessage, ownNumber: string, media?: StoredMedia): Promise<void> {
    const normalized = normalizeMessage(sent, ownNumber);
    if (normalized)
      await this.capture.store(this.toStore(sessionId, normalized, sent, media ?? null, 'pending'));
  }

  /** The content of a message this session sent, for Baileys to re-encrypt on a retry request. */
  async findSentContent(sessionId: string, key: WAMessageKey): Promise<proto.IMessage | undefined> {
    if (!key.id) return undefined;
    const raw = decodeRawMessage(await this.messages.rawOf(sessionId, key.id, 'outbound'));
    return raw?.message ? proto.Message.fromObject(raw.message) : undefined;
  }

  /** Downloads the media of the messages that need it, in order, and queues each for storing. */
  private async storeWithMedia(sessionId: string, items: Incoming[], logger: PinoLogger): Promise<void> {
    for (const item of items) {
      const media = item.download
        ? await saveInboundMedia(this.media, sessionId, item.msg, item.normalized.mediaMime, logger)
        : null;
      this.enqueue(sessionId, item, media);
    }
  }

  /** Hands one message (and a delivery status merged into it) to the store, without waiting. */
  private enqueue(sessionId: string, { msg, normalized }: Incoming, media: StoredMedia | null): void {
    const status = normalized.direction === 'inbound' ? 'received' : 'sent';
    const failed = (error: unknown) =>
      this.logger.error({ err: error, sessionId }, 'Could not store a message');
    this.capture.store(this.toStore(sessionId, normalized, msg, media, status)).catch(failed);
    // Baileys merges a receipt that arrives within its event buffer window into the upsert itself.
    const merged = msg.status === undefined || msg.status === null ? undefined : STATUS[msg.status];
    if (normalized.direction === 'outbound' && merged && merged !== 'pending') {
      this.capture
        .updateStatus({
          sessionId,
          waMessageId: normalized.waMessageId,
          status: merged,
          errorCode: Number(msg.messageStubParameters?.[0]) || null,
        })
        .catch(failed);
    }
  }

  private toStore(
    sessionId: string,
    m: NormalizedMessage,
    raw: WAMessage,
    media: StoredMedia | null,
    status: MessageStatusValue,
  ) {
    return {
      ...m,
      sessionId,
      mediaPath: media?.path ?? null,
      mediaSize: media?.size ?? null,
      status,
      raw: encodeRawMessage(raw),
    };
  }

  private touch(sessionId: string): void {
    const now = Date.now();
    if (now - (this.touchedAt.get(sessionId) ?? 0) < TOUCH_EVERY_MS) return;
    this.touchedAt.set(sessionId, now);
    void this.sessions.touch(sessionId).catch(() => undefined);
  }
}
