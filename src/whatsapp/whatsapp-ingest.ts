import { Injectable, Logger } from '@nestjs/common';
import type { MessageStatusValue } from '../common/domain-events';
import { AppConfig } from '../config/app-config';
import type { StoredMedia } from '../media/media-store';
import { MessageCapture } from '../messages/message-capture.service';
import { MessageQueries } from '../messages/message-queries.service';
import { baileys, type proto, type WAMessage, type WAMessageKey, type WAMessageUpdate } from './baileys';
import { lidPairsOf } from './chat-addressing';
import { InboundMediaQueue } from './inbound-media-queue';
import { InboundRevisions } from './inbound-revisions';
import { LidMappings } from './lid-mappings';
import { OutboundReceipts } from './outbound-receipts';
import { normalizeMessage, type NormalizedMessage } from './message-normalizer';
import { decodeRawMessage, encodeRawMessage } from './raw-message';
import { SessionRepository } from './session.repository';
import { WhatsAppPolls } from './whatsapp-polls';
import type { SendReceipt } from './whatsapp.port';

let statuses: Record<number, MessageStatusValue> | undefined;
/** A Baileys message status in the gateway's words (the table is made at first use: Baileys loads late). */
const statusOf = (status: number): MessageStatusValue | undefined => {
  if (!statuses) {
    const S = baileys().proto.WebMessageInfo.Status;
    statuses = {
      [S.ERROR]: 'failed',
      [S.PENDING]: 'pending',
      [S.SERVER_ACK]: 'sent',
      [S.DELIVERY_ACK]: 'delivered',
      [S.READ]: 'read',
      [S.PLAYED]: 'played',
    };
  }
  return statuses[status];
};

/** The statuses that prove a send reached WhatsApp. */
const RECEIPT: Partial<Record<MessageStatusValue, SendReceipt>> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  played: 'read',
};

const TOUCH_EVERY_MS = 60_000;

/** A message of an upsert, normalised. */
interface Incoming {
  msg: WAMessage;
  normalized: NormalizedMessage;
}

/**
 * From Baileys events to stored messages: normalises each message and hands it to the message
 * store at once, in the order they arrived per session. Inbound media is attached afterwards, off
 * that path (InboundMediaQueue): a slow or hostile download never holds back the messages after it.
 */
@Injectable()
export class WhatsappIngest {
  private readonly logger = new Logger(WhatsappIngest.name);
  private readonly touchedAt = new Map<string, number>();

  constructor(
    private readonly config: AppConfig,
    private readonly capture: MessageCapture,
    private readonly messages: MessageQueries,
    private readonly mediaQueue: InboundMediaQueue,
    private readonly sessions: SessionRepository,
    private readonly lids: LidMappings,
    private readonly revisions: InboundRevisions,
    private readonly polls: WhatsAppPolls,
    private readonly outboundReceipts: OutboundReceipts,
  ) {}

  /**
   * Before a session's socket opens: the LID mappings it learned before, for the messages to come, and
   * the queued sends it has in flight, for the receipts to come (they settle sends a crash interrupted).
   */
  async prepare(sessionId: string): Promise<void> {
    await Promise.all([this.lids.load(sessionId), this.outboundReceipts.load(sessionId)]);
  }

  /** Baileys learned a LID's phone number (`lid-mapping.update`). */
  acceptLidMapping(sessionId: string, mapping: { lid: string; pn: string }): void {
    this.lids.record(sessionId, [{ lid: mapping.lid, phone: mapping.pn }]);
  }

  /** Queues the messages of one upsert for storing, in order; sessions in parallel. */
  accept(sessionId: string, messages: WAMessage[], ownNumber: string): void {
    this.touch(sessionId);
    try {
      const phoneOf = (lid: string) => this.lids.phoneOf(sessionId, lid);
      for (const msg of messages) {
        // The pairs a message carries first: its own addressing then names the phone number.
        if (msg.key) this.lids.record(sessionId, lidPairsOf(msg.key));
        // An edit or a delete is applied to the message it names, not stored as a message.
        if (this.revisions.accept(sessionId, msg, phoneOf, ownNumber)) continue;
        if (this.polls.accept(sessionId, msg, ownNumber)) continue;
        const normalized = normalizeMessage(msg, ownNumber, phoneOf);
        if (normalized) this.enqueue(sessionId, { msg, normalized });
      }
    } catch (error) {
      // Never thrown into Baileys' event handling.
      this.logger.error({ err: error, sessionId }, 'Could not store messages');
    }
  }

  acceptUpdates(sessionId: string, updates: WAMessageUpdate[]): void {
    for (const { key, update } of updates) {
      const status =
        update.status === undefined || update.status === null ? undefined : statusOf(update.status);
      if (!key.id || !key.fromMe || !status) continue;
      const receipt = RECEIPT[status];
      if (receipt) this.outboundReceipts.accept(sessionId, key.id, receipt);
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
    const normalized = normalizeMessage(sent, ownNumber, (lid) => this.lids.phoneOf(sessionId, lid));
    if (normalized)
      await this.capture.store(this.toStore(sessionId, normalized, sent, media ?? null, 'pending'));
  }

  /** The content of a message this session sent, for Baileys to re-encrypt on a retry request. */
  async findSentContent(sessionId: string, key: WAMessageKey): Promise<proto.IMessage | undefined> {
    if (!key.id) return undefined;
    const raw = decodeRawMessage(await this.messages.rawOf(sessionId, key.id, 'outbound'));
    return raw?.message ? baileys().proto.Message.fromObject(raw.message) : undefined;
  }

  /**
   * Hands one message (and a delivery status merged into it) to the store, without waiting. Once an
   * inbound media message is stored (state pending), its download is queued, or it is marked
   * skipped when MEDIA_DOWNLOAD is off.
   */
  private enqueue(sessionId: string, { msg, normalized }: Incoming): void {
    const status = normalized.direction === 'inbound' ? 'received' : 'sent';
    const failed = (error: unknown) =>
      this.logger.error({ err: error, sessionId }, 'Could not store a message');
    const media = normalized.hasMedia && normalized.direction === 'inbound';
    const download = media && this.config.MEDIA_DOWNLOAD;
    const item = this.toStore(sessionId, normalized, msg, null, status);
    if (media)
      this.capture
        .store(download ? item : { ...item, mediaState: 'skipped' })
        .then(this.afterMediaStored(sessionId, msg, normalized, download))
        .catch(failed);
    else this.capture.store(item).catch(failed);
    // Baileys merges a receipt that arrives within its event buffer window into the upsert itself.
    const merged = msg.status === undefined || msg.status === null ? undefined : statusOf(msg.status);
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

  /**
   * Queues a stored media message's download (or marks it skipped). Made here so that the closures of
   * `enqueue`, which live until the message is stored, do not keep Baileys' message of every text.
   */
  private afterMediaStored(
    sessionId: string,
    msg: WAMessage,
    normalized: NormalizedMessage,
    download: boolean,
  ): (stored: boolean) => void {
    return (stored) => {
      if (!stored) return;
      if (download) this.mediaQueue.submit(sessionId, msg, normalized.mediaMime);
      else this.mediaQueue.skip(sessionId, normalized.waMessageId);
    };
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
