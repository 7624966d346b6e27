import type { Logger } from '@nestjs/common';

const PAUSE_MS = 20;

/**
 * What the retention jobs share: one run at a time; deletes in rounds with a short pause between
 * them, so pruning a large table never holds locks for long; the outcome logged.
 */
export class PruneJob {
  private running = false;
  private stopped = false;

  constructor(
    private readonly logger: Logger,
    /** What goes, for the log lines: "old webhook deliveries". */
    private readonly what: string,
  ) {}

  /** No new round starts after this (the app is shutting down). */
  stop(): void {
    this.stopped = true;
  }

  /** Runs `round` until it deletes fewer than `full` rows; returns how many went in all. */
  async rounds(round: () => Promise<number>, full: number): Promise<number> {
    let total = 0;
    while (!this.stopped) {
      const removed = await round();
      total += removed;
      if (removed < full) break;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
    return total;
  }

  /** Runs `prune` unless a run is under way, and logs what it removed or why it could not. */
  async run(prune: () => Promise<number>): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const removed = await prune();
      if (removed > 0) this.logger.log({ removed }, `Pruned ${this.what}`);
    } catch (error) {
      this.logger.warn({ err: error }, `Could not prune ${this.what}`);
    } finally {
      this.running = false;
    }
  }
}
