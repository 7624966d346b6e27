import { Injectable, Logger } from '@nestjs/common';
import { OutboundQueue } from '../messages/outbound-queue';
import { SendReceiptsPort, type InFlightSends, type SendReceipt } from './whatsapp.port';

/**
 * WhatsApp's own answer for sends in flight. A send's id is fixed before it leaves, so a receipt for
 * that id (sent, delivered, read) proves it reached WhatsApp, even when the process that sent it died
 * before recording it: the next holder of the session gets the receipts WhatsApp kept for the device
 * while it was away. The ids watched are the session's sends in flight, read before its socket opens
 * (so receipts that arrive first are not missed): the queued sends (settled here, in the queue) and
 * those of each kind registered (a campaign's recipients, settled by their owner); and each send this
 * process makes.
 */
@Injectable()
export class OutboundReceipts extends SendReceiptsPort {
  private readonly logger = new Logger(OutboundReceipts.name);
  private readonly watched = new Map<string, Map<string, InFlightSends>>();
  private readonly listeners = new Set<(sessionId: string, waMessageId: string) => void>();
  /** The queue's own sends: a receipt marks the row sent, and the dispatcher moves on. */
  private readonly queued: InFlightSends;
  private readonly kinds: InFlightSends[];

  constructor(queue: OutboundQueue) {
    super();
    this.queued = {
      inFlightIds: (sessionId) => queue.inFlightIds(sessionId),
      settle: async (sessionId, waMessageId) => {
        if (await queue.markSentById(sessionId, waMessageId))
          for (const listener of this.listeners) listener(sessionId, waMessageId);
        return true;
      },
    };
    this.kinds = [this.queued];
  }

  register(sends: InFlightSends): void {
    this.kinds.push(sends);
  }

  /** Before the session's socket opens: the sends it has in flight, of every kind. Never throws. */
  async load(sessionId: string): Promise<void> {
    await Promise.all(
      this.kinds.map(async (sends) => {
        try {
          for (const id of await sends.inFlightIds(sessionId)) this.watch(sessionId, id, sends);
        } catch (error) {
          this.logger.warn({ err: error, sessionId }, 'Could not load the sends in flight');
        }
      }),
    );
  }

  watch(sessionId: string, waMessageId: string, sends: InFlightSends = this.queued): void {
    let ids = this.watched.get(sessionId);
    if (!ids) this.watched.set(sessionId, (ids = new Map()));
    ids.set(waMessageId, sends);
  }

  unwatch(sessionId: string, waMessageId: string): void {
    const ids = this.watched.get(sessionId);
    ids?.delete(waMessageId);
    if (ids?.size === 0) this.watched.delete(sessionId);
  }

  /** Called when a queued send is settled by a receipt (the dispatcher then moves on). */
  onSettled(listener: (sessionId: string, waMessageId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A receipt (or status update) for a message this session sent; cheap for ids not watched. */
  accept(sessionId: string, waMessageId: string, receipt: SendReceipt): void {
    const sends = this.watched.get(sessionId)?.get(waMessageId);
    if (!sends) return;
    void sends
      .settle(sessionId, waMessageId, receipt)
      .then((done) => {
        if (done) this.unwatch(sessionId, waMessageId);
      })
      .catch((error: unknown) =>
        this.logger.warn({ err: error, sessionId }, 'Could not settle a send by its receipt'),
      );
  }
}
