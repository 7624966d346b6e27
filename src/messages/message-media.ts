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

/**
 * What a state write found: done, the message not pending any more (another download settled it),
 * or no such message yet (stored in the capture's journal while the database was failing).
 */
export type MediaWrite = 'done' | 'not_pending' | 'missing';

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
  async skip(sessionId: string, waMessageId: string): Promise<MediaWrite> {
    const where = { sessionId, waMessageId, direction: 'inbound' as const };
    const { count } = await this.prisma.message.updateMany({
      where: { ...where, mediaState: 'pending' },
      data: { mediaState: 'skipped' },
    });
    if (count > 0) return 'done';
    return (await this.prisma.message.findFirst({ where, select: { id: true } })) ? 'not_pending' : 'missing';
  }

  /**
   * Settles a pending download with its `message.media` webhook row, atomically. Writes nothing
   * when the message is not pending (e.g. a retry another download already settled) or not there.
   */
  async settle(sessionId: string, waMessageId: string, outcome: MediaOutcome): Promise<MediaWrite> {
    const where = { sessionId, waMessageId, direction: 'inbound' as const };
    const stored = outcome.state === 'stored';
    const mediaError = stored ? null : outcome.error.slice(0, ERROR_MAX);
    const event = await this.prisma.$transaction(async (tx) => {
      // The conditional update locks the row: of two downloads of one message, one settles it.
      const { count } = await tx.message.updateMany({
        where: { ...where, mediaState: 'pending' },
        data: stored
          ? { mediaState: 'stored', mediaError: null, mediaPath: outcome.path, mediaSize: outcome.size }
          : { mediaState: outcome.state, mediaError },
      });
      const row = await tx.message.findFirst({
        where,
        select: { chatJid: true, type: true, mediaMime: true },
      });
      if (count === 0) return row ? 'not_pending' : 'missing';
      const event: MessageMediaEvent = {
        sessionId,
        waMessageId,
        chatJid: row!.chatJid,
        type: row!.type,
        mediaState: outcome.state,
        mediaError,
        mediaSize: stored ? outcome.size : null,
        mediaMime: row!.mediaMime,
        at: new Date(),
      };
      await this.outbox.write(tx, [{ event: 'message.media', sessionId, payload: mediaPayload(event) }]);
      return event;
    });
    if (typeof event === 'string') return event;
    this.events.emit('message.media', event);
    return 'done';
  }
}
