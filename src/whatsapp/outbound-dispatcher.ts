import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DomainEvents } from '../common/domain-events';
import { isDomainError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { MediaStore } from '../media/media-store';
import { MessageQueries } from '../messages/message-queries.service';
import { OutboundQueue, UNKNOWN_AFTER_CRASH, type OutboundRow } from '../messages/outbound-queue';
import { ConnectionRegistry } from './connection-registry';
import { fromQueued } from './outbound-content';
import { OutboundReceipts } from './outbound-receipts';
import { SessionLeases } from './session-leases';
import { isUncertainSendError, outcomeOfSendError } from './send-outcome';
import { shutdownWait } from '../common/process-faults';

/** How often queued sends past their time to live are failed (by any process). */
const EXPIRE_EVERY_MS = 1_000;
/** How many of a session's queued sends are read at once (each is still claimed and sent on its own). */
const RUN_SIZE = 20;
/** How often the poll tries while the database does not answer. */
const FAILING_POLL_MS = 2_000;

/**
 * Sends the queued messages of the sessions this process holds: one at a time per session, in the
 * order they were accepted. A send accepted here is woken at once; sends accepted by other processes
 * are found by a short poll (OUTBOUND_POLL_MS, one indexed query for all held sessions), and a session
 * that comes back (connected) is drained at once.
 *
 * A send found in flight that this process is not sending was left by a holder that died (or lost
 * the session): it is settled by WhatsApp's answer for its fixed id (the message stored as sent, or
 * a receipt, see OutboundReceipts); with none within OUTBOUND_SETTLE_SECONDS of the session being
 * connected here, it fails as `unknown_after_crash`. It is never sent again: it may have left.
 */
@Injectable()
export class OutboundDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OutboundDispatcher.name);
  private readonly draining = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  /** WhatsApp ids being sent by this process now. */
  private readonly sendingHere = new Set<string>();
  /** When each session was last seen connected here (the settle bound runs from there). */
  private readonly connectedSince = new Map<string, number>();
  private readonly listeners = new Set<(sessionId: string, waMessageId: string) => void>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  /** The poll is failing (the database is down): said once, and once when it works again. */
  private pollFailing = false;
  private lastPoll = 0;
  private lastExpiry = 0;
  private stopping = false;
  private offs: (() => void)[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly registry: ConnectionRegistry,
    private readonly leases: SessionLeases,
    private readonly queue: OutboundQueue,
    private readonly receipts: OutboundReceipts,
    private readonly messages: MessageQueries,
    private readonly media: MediaStore,
    private readonly events: DomainEvents,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.poll(), this.config.OUTBOUND_POLL_MS);
    this.timer.unref();
    this.offs.push(
      this.events.on('session.status', (e) => {
        if (e.status === 'connected') {
          this.connectedSince.set(e.sessionId, Date.now());
          this.wake(e.sessionId);
        } else this.connectedSince.delete(e.sessionId);
      }),
      this.receipts.onSettled((sessionId, waMessageId) => {
        this.notify(sessionId, waMessageId);
        this.wake(sessionId);
      }),
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    for (const off of this.offs) off();
    // Only a send being handed to WhatsApp is worth waiting for (a claim waiting for a database that
    // is down is not): it gets a second to finish and be recorded.
    if (this.sendingHere.size === 0) return;
    await Promise.race([Promise.allSettled(this.draining.values()), shutdownWait(1_000)]);
  }

  /** Called when one of this process's sends settles (sent or failed). */
  onSettled(listener: (sessionId: string, waMessageId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drains the session's queue now when this process holds it (a no-op otherwise). */
  wake(sessionId: string): void {
    if (this.stopping || !this.registry.isHeld(sessionId)) return;
    if (this.draining.has(sessionId)) {
      this.again.add(sessionId);
      return;
    }
    const run = (async () => {
      do {
        this.again.delete(sessionId);
        await this.drain(sessionId).catch((error: unknown) =>
          this.logger.error({ err: error, sessionId }, 'Could not send queued messages'),
        );
      } while (this.again.has(sessionId) && !this.stopping);
    })().finally(() => this.draining.delete(sessionId));
    this.draining.set(sessionId, run);
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopping) return;
    // While the database is down, look once in a while only.
    if (this.pollFailing && Date.now() - this.lastPoll < FAILING_POLL_MS) return;
    this.lastPoll = Date.now();
    this.polling = true;
    try {
      const connected = this.registry
        .heldSessionIds()
        .filter((id) => this.registry.statusOf(id) === 'connected');
      for (const id of connected) if (!this.connectedSince.has(id)) this.connectedSince.set(id, Date.now());
      for (const id of await this.queue.sessionsWithWork(connected)) this.wake(id);
      if (Date.now() - this.lastExpiry >= EXPIRE_EVERY_MS) {
        this.lastExpiry = Date.now();
        for (const row of await this.queue.expire()) this.notify(row.sessionId, row.waMessageId);
      }
      if (this.pollFailing) this.logger.log('Looking for queued messages again');
      this.pollFailing = false;
    } catch (error) {
      if (!this.pollFailing) this.logger.warn({ err: error }, 'Could not look for queued messages');
      this.pollFailing = true;
    } finally {
      this.polling = false;
    }
  }

  private async drain(sessionId: string): Promise<void> {
    while (this.canSend(sessionId)) {
      const run = await this.queue.nextRun(sessionId, this.leases.owner, RUN_SIZE);
      const [head] = run;
      if (!head) return;
      if (head.status === 'sending') {
        // Our own send under way wakes the queue when it is done.
        if (this.sendingHere.has(head.waMessageId)) return;
        if (!(await this.settleLeftover(head))) return;
        continue;
      }
      // One after another, each claimed once the one before it is settled; a send that cannot be
      // claimed (expired, or the lease moved) ends the run and the queue is read again.
      let sentAll = true;
      for (const row of run) {
        if (!this.canSend(sessionId)) return;
        const claimed = await this.queue.claim(row, this.leases.owner);
        if (!claimed) {
          sentAll = false;
          break;
        }
        if (!(await this.sendOne(claimed))) return;
      }
      // The whole queue was in this run: a send accepted here since then woke the queue again
      // (`again`), and one accepted by another process is found by the poll; no read to find nothing.
      if (sentAll && run.length < RUN_SIZE) return;
    }
  }

  private canSend(sessionId: string): boolean {
    return !this.stopping && this.registry.statusOf(sessionId) === 'connected';
  }

  /** True when the send was settled (the queue moves on); false when it is still waiting for an answer. */
  private async settleLeftover(row: OutboundRow): Promise<boolean> {
    this.receipts.watch(row.sessionId, row.waMessageId);
    if (await this.messages.findOutbound(row.sessionId, row.waMessageId)) {
      await this.settled(row, this.queue.markSent(row.id));
      return true;
    }
    const since = Math.max(
      this.connectedSince.get(row.sessionId) ?? Date.now(),
      row.claimedAt?.getTime() ?? 0,
    );
    if (Date.now() - since < this.config.OUTBOUND_SETTLE_SECONDS * 1000) return false;
    this.logger.warn(
      `Session ${row.sessionId}: send ${row.waMessageId} was in flight when its sender stopped and WhatsApp never confirmed it`,
    );
    await this.settled(
      row,
      this.queue.markFailed(
        row,
        `${UNKNOWN_AFTER_CRASH}: in flight when its gateway process stopped, and WhatsApp did not confirm it within ${this.config.OUTBOUND_SETTLE_SECONDS} s; check the chat before sending again`,
      ),
    );
    return true;
  }

  /** Sends one claimed row; false when the session's queue must stop for now. */
  private async sendOne(row: OutboundRow): Promise<boolean> {
    const { sessionId, waMessageId } = row;
    this.sendingHere.add(waMessageId);
    this.receipts.watch(sessionId, waMessageId);
    try {
      const { content, quotedMessageId } = await fromQueued(row.content, (path) => this.media.read(path));
      const sent = await this.registry.send(sessionId, row.toJid, content, {
        messageId: waMessageId,
        quotedMessageId,
      });
      await this.settled(row, this.queue.markSent(row.id, toDate(sent.timestamp)));
      return true;
    } catch (error) {
      return this.afterError(row, error);
    } finally {
      this.sendingHere.delete(waMessageId);
    }
  }

  private async afterError(row: OutboundRow, error: unknown): Promise<boolean> {
    if (isDomainError(error, 'SESSION_NOT_CONNECTED')) {
      // It never left: back to the queue, sent once the session is back (or failed by its TTL).
      await this.queue.release(row.id, null, { undoAttempt: true });
      return false;
    }
    if (await this.messages.findOutbound(row.sessionId, row.waMessageId).catch(() => null)) {
      await this.settled(row, this.queue.markSent(row.id));
      return true;
    }
    if (isUncertainSendError(error)) {
      // The database failed around the send: it may have left. Left `sending` for WhatsApp's answer.
      this.logger.warn(
        { err: error, sessionId: row.sessionId },
        'Send outcome unknown; waiting for WhatsApp',
      );
      return false;
    }
    const outcome = outcomeOfSendError(error, row.attempts);
    if (outcome.action === 'fail') {
      await this.settled(row, this.queue.markFailed(row, outcome.reason));
      return true;
    }
    this.logger.warn({ err: error, sessionId: row.sessionId }, 'Send failed; retrying');
    await this.queue.release(row.id, outcome.reason, { undoAttempt: false });
    return false;
  }

  private async settled(row: OutboundRow, write: Promise<boolean>): Promise<void> {
    await write;
    this.receipts.unwatch(row.sessionId, row.waMessageId);
    this.notify(row.sessionId, row.waMessageId);
  }

  private notify(sessionId: string, waMessageId: string): void {
    for (const listener of this.listeners) listener(sessionId, waMessageId);
  }
}

const toDate = (seconds: string): Date => {
  const n = Number(seconds);
  return Number.isFinite(n) && n > 0 ? new Date(n * 1000) : new Date();
};
