import { Injectable, Logger } from '@nestjs/common';
import { OutboundQueue } from '../messages/outbound-queue';

/**
 * WhatsApp's own answer for queued sends in flight. A send's id is fixed before it leaves, so a
 * receipt for that id (delivered, read) proves it reached WhatsApp, even when the process that sent
 * it died before recording it: the next holder of the session gets the receipts WhatsApp kept for the
 * device while it was away. The ids watched are the session's `sending` rows, loaded before its
 * socket opens (so receipts that arrive first are not missed), and each send this process makes.
 */
@Injectable()
export class OutboundReceipts {
  private readonly logger = new Logger(OutboundReceipts.name);
  private readonly watched = new Map<string, Set<string>>();
  private readonly listeners = new Set<(sessionId: string, waMessageId: string) => void>();

  constructor(private readonly queue: OutboundQueue) {}

  /** Before the session's socket opens: the sends it has in flight. Never throws. */
  async load(sessionId: string): Promise<void> {
    try {
      for (const id of await this.queue.inFlightIds(sessionId)) this.watch(sessionId, id);
    } catch (error) {
      this.logger.warn({ err: error, sessionId }, 'Could not load the sends in flight');
    }
  }

  watch(sessionId: string, waMessageId: string): void {
    let ids = this.watched.get(sessionId);
    if (!ids) this.watched.set(sessionId, (ids = new Set()));
    ids.add(waMessageId);
  }

  unwatch(sessionId: string, waMessageId: string): void {
    const ids = this.watched.get(sessionId);
    ids?.delete(waMessageId);
    if (ids?.size === 0) this.watched.delete(sessionId);
  }

  /** Called when a send is settled by a receipt (the dispatcher then moves on). */
  onSettled(listener: (sessionId: string, waMessageId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A receipt (or status update) for a message this session sent; cheap for ids not watched. */
  accept(sessionId: string, waMessageId: string): void {
    if (!this.watched.get(sessionId)?.has(waMessageId)) return;
    void this.queue
      .markSentById(sessionId, waMessageId)
      .then((settled) => {
        this.unwatch(sessionId, waMessageId);
        if (settled) for (const listener of this.listeners) listener(sessionId, waMessageId);
      })
      .catch((error: unknown) =>
        this.logger.warn({ err: error, sessionId }, 'Could not settle a send by its receipt'),
      );
  }
}
