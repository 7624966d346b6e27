import { Injectable } from '@nestjs/common';
import { DomainEvents, type MediaStateValue, type MessageMediaEvent } from '../common/domain-events';
import { OutboxWriter } from '../outbox/outbox-writer';
import { PrismaService } from '../prisma/prisma.service';
import { mediaPayload } from './message-payloads';

/** How a download ended: the file kept, or why not. */
export type MediaOutcome =
  { state: 'stored'; path: string; size: number } | { state: 'failed' | 'too_large'; error: string };

/** An inbound media message as the media pipeline needs it. */
export interface InboundMediaMessage {
  sessionId: string;
  waMessageId: string;
  type: string;
  mediaMime: string | null;
  mediaState: MediaStateValue | null;
  /** Baileys' message as stored (see whatsapp/raw-message.ts). */
  raw: unknown;
}

/** States a retry may start from: not stored, and no download under way. */
const RETRYABLE: MediaStateValue[] = ['failed', 'too_large', 'skipped'];
const ERROR_MAX = 64;

/**
 * The media state of inbound messages (`media_state`, `media_error`, and the file's columns once
 * kept). Messages are stored first by MessageCapture (the column's SQL default makes inbound media
 * `pending`); the download settles the state here, in one transaction with its `message.media`
 * outbox row, and tells the process after commit.
 */
@Injectable()
export class MessageMedia {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxWriter,
    private readonly events: DomainEvents,
  ) {}

  /** The inbound message with this id, or null. */
  async find(sessionId: string, waMessageId: string): Promise<InboundMediaMessage | null> {
    const row = await this.prisma.message.findFirst({
      where: { sessionId, waMessageId, direction: 'inbound' },
      select: { type: true, mediaMime: true, mediaState: true, raw: true },
    });
    return row ? { sessionId, waMessageId, ...row } : null;
  }

  /** Back to pending for a retry; false when the state is not one a retry may start from. */
  async restart(sessionId: string, waMessageId: string): Promise<boolean> {
    const { count } = await this.prisma.message.updateMany({
      where: { sessionId, waMessageId, direction: 'inbound', mediaState: { in: RETRYABLE } },
      data: { mediaState: 'pending', mediaError: null },
    });
    return count > 0;
  }

  /** MEDIA_DOWNLOAD is off: the pending media of a message just stored will not be fetched. */
  async skip(sessionId: string, waMessageId: string): Promise<void> {
    await this.prisma.message.updateMany({
      where: { sessionId, waMessageId, direction: 'inbound', mediaState: 'pending' },
      data: { mediaState: 'skipped' },
    });
  }

  /**
   * Settles a pending download with its `message.media` webhook row, atomically. Returns false
   * (and writes nothing) when the message is no longer pending, e.g. a retry that another
   * download already settled.
   */
  async settle(sessionId: string, waMessageId: string, outcome: MediaOutcome): Promise<boolean> {
    const event = await this.prisma.$transaction(async (tx) => {
      const row = await tx.message.findFirst({
        where: { sessionId, waMessageId, direction: 'inbound', mediaState: 'pending' },
        select: { id: true, chatJid: true, type: true, mediaMime: true },
      });
      if (!row) return null;
      const stored = outcome.state === 'stored';
      const mediaError = stored ? null : outcome.error.slice(0, ERROR_MAX);
      await tx.message.update({
        where: { id: row.id },
        data: stored
          ? { mediaState: 'stored', mediaError: null, mediaPath: outcome.path, mediaSize: outcome.size }
          : { mediaState: outcome.state, mediaError },
      });
      const event: MessageMediaEvent = {
        sessionId,
        waMessageId,
        chatJid: row.chatJid,
        type: row.type,
        mediaState: outcome.state,
        mediaError,
        mediaSize: stored ? outcome.size : null,
        mediaMime: row.mediaMime,
        at: new Date(),
      };
      await this.outbox.write(tx, [{ event: 'message.media', sessionId, payload: mediaPayload(event) }]);
      return event;
    });
    if (!event) return false;
    this.events.emit('message.media', event);
    return true;
  }
}
