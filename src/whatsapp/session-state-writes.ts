import { Logger } from '@nestjs/common';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5_000;

interface Pending<T> {
  value: T;
  write: (value: T) => Promise<void>;
  merge?: (older: T, newer: T) => T;
  waiters: (() => void)[];
}

/**
 * The registry's writes of session state (status, QR, lease release) that happen on socket events,
 * where nobody waits for them: one after another per session, retried with backoff while the
 * database fails, latest state wins (a newer write of the same kind replaces one still waiting,
 * merged with it when given `merge`). A write's promise never rejects: it resolves once written,
 * replaced by a newer one that was written, cancelled, or given up at shutdown.
 */
export class SessionStateWrites {
  private readonly logger = new Logger(SessionStateWrites.name);
  /** Per session: the writes waiting, by kind, in the order first queued. */
  private readonly queues = new Map<string, Map<string, Pending<unknown>>>();
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;
  private wakeUp = new Set<() => void>();

  persist<T>(
    sessionId: string,
    kind: string,
    value: T,
    write: (value: T) => Promise<void>,
    merge?: (older: T, newer: T) => T,
  ): Promise<void> {
    if (this.stopped) return write(value).catch(() => undefined);
    let queue = this.queues.get(sessionId);
    if (!queue) this.queues.set(sessionId, (queue = new Map()));
    return new Promise<void>((resolve) => {
      const waiting = queue.get(kind) as Pending<T> | undefined;
      if (waiting) {
        waiting.value = merge ? merge(waiting.value, value) : value;
        waiting.write = write;
        waiting.waiters.push(resolve);
      } else queue.set(kind, { value, write, merge, waiters: [resolve] } as Pending<unknown>);
      this.start(sessionId);
    });
  }

  /** True while a write of this session is under way or waits (for the database, or its turn). */
  hasPending(sessionId: string): boolean {
    return this.running.has(sessionId) || Boolean(this.queues.get(sessionId)?.size);
  }

  /** Drops a waiting write (e.g. a lease release, once the session is opened here again). */
  cancel(sessionId: string, kind: string): void {
    const pending = this.queues.get(sessionId)?.get(kind);
    if (!pending) return;
    this.queues.get(sessionId)!.delete(kind);
    for (const resolve of pending.waiters) resolve();
  }

  /**
   * At shutdown: each waiting write gets one more attempt, then is given up (the caller bounds how
   * long it waits); nothing retries afterwards.
   */
  stop(): void {
    this.stopped = true;
    for (const wake of this.wakeUp) wake();
  }

  /** Idle once nothing waits: for shutdown, which waits a bounded time for the last writes. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private start(sessionId: string): void {
    if (this.running.has(sessionId)) return;
    const run = this.run(sessionId).finally(() => {
      this.running.delete(sessionId);
      if (this.queues.get(sessionId)?.size) this.start(sessionId);
      else this.queues.delete(sessionId);
    });
    this.running.set(sessionId, run);
  }

  private async run(sessionId: string): Promise<void> {
    let delay = 0;
    for (
      let queue = this.queues.get(sessionId);
      queue && queue.size > 0;
      queue = this.queues.get(sessionId)
    ) {
      const [kind, pending] = queue.entries().next().value as [string, Pending<unknown>];
      queue.delete(kind);
      try {
        await pending.write(pending.value);
        delay = 0;
        for (const resolve of pending.waiters) resolve();
      } catch (error) {
        if (this.stopped) {
          this.logger.warn({ err: error, sessionId, kind }, 'Gave up a session state write at shutdown');
          for (const resolve of pending.waiters) resolve();
          continue;
        }
        // Back under anything newer of its kind (which wins), and keeps its place before the others.
        const newer = queue.get(kind);
        const merged: Pending<unknown> = newer
          ? {
              ...newer,
              value: newer.merge ? newer.merge(pending.value, newer.value) : newer.value,
              waiters: [...pending.waiters, ...newer.waiters],
            }
          : pending;
        const rest = [...queue].filter(([k]) => k !== kind);
        queue.clear();
        queue.set(kind, merged);
        for (const [k, p] of rest) queue.set(k, p);
        delay = Math.min(MAX_RETRY_MS, Math.max(FIRST_RETRY_MS, delay * 2));
        if (delay === FIRST_RETRY_MS)
          this.logger.warn({ err: error, sessionId, kind }, 'Could not write session state; retrying');
        await new Promise<void>((resolve) => {
          const wake = () => (clearTimeout(timer), this.wakeUp.delete(wake), resolve());
          const timer = setTimeout(wake, delay);
          this.wakeUp.add(wake);
        });
      }
    }
  }
}
