import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ConnectionRegistry } from './connection-registry';

/** How long a login may keep its place before the next session is let in anyway. */
const SETTLE_TIMEOUT_MS = 30_000;

/**
 * Opens the saved sessions the supervisor claims, at most SESSION_RESTORE_CONCURRENCY at a time.
 * A session keeps its place from its lease through its handshake and login until it is connected,
 * shows a QR or is stopped, so a restart with a thousand sessions opens them in a steady stream
 * instead of a thousand handshakes (and their database reads) at once. The queue runs beside the
 * supervision passes, which go on renewing leases and writing heartbeats meanwhile.
 */
@Injectable()
export class SessionRestore implements OnModuleDestroy {
  private readonly logger = new Logger(SessionRestore.name);
  private readonly waiting: string[] = [];
  /** Waiting or opening. */
  private readonly queued = new Set<string>();
  private opening = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly registry: ConnectionRegistry,
  ) {}

  /** Queues sessions to open (those already queued or held are skipped). */
  enqueue(sessionIds: string[]): void {
    for (const id of sessionIds) {
      if (this.queued.has(id) || this.registry.isHeld(id)) continue;
      this.queued.add(id);
      this.waiting.push(id);
    }
    this.pump();
  }

  /** Sessions still waiting are left for the next start (or another process). */
  onModuleDestroy(): void {
    for (const id of this.waiting.splice(0)) this.queued.delete(id);
  }

  private pump(): void {
    while (this.opening < this.config.SESSION_RESTORE_CONCURRENCY && this.waiting.length > 0) {
      const id = this.waiting.shift()!;
      this.opening++;
      void this.open(id).finally(() => {
        this.opening--;
        this.queued.delete(id);
        this.pump();
      });
    }
  }

  private async open(sessionId: string): Promise<void> {
    try {
      await this.registry.connect(sessionId, { ifWanted: true });
      await this.registry.untilSettled(sessionId, SETTLE_TIMEOUT_MS);
    } catch (error) {
      this.logger.error({ err: error, sessionId }, 'Could not start session');
    }
  }
}
