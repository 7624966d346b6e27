import type { DomainEvents, OutboxConflictEvent } from '../common/domain-events';

/** Runs of a transaction that InnoDB rolled back for a lock conflict, before the error is thrown. */
const MAX_RUNS = 4;

/** A deadlock (1213) or a lock wait timeout (1205), through Prisma's driver adapter or not; else null. */
export function lockConflictOf(error: unknown): OutboxConflictEvent['kind'] | null {
  const e = error as {
    errno?: number;
    code?: string;
    message?: string;
    meta?: { driverAdapterError?: { cause?: { kind?: string; code?: number } } };
  };
  const cause = e?.meta?.driverAdapterError?.cause;
  if (e?.errno === 1213 || cause?.kind === 'TransactionWriteConflict' || cause?.code === 1213)
    return 'deadlock';
  if (e?.errno === 1205 || cause?.code === 1205) return 'lock_wait_timeout';
  if (e?.code === 'P2034' || /deadlock found/i.test(e?.message ?? '')) return 'deadlock';
  if (/lock wait timeout exceeded/i.test(e?.message ?? '')) return 'lock_wait_timeout';
  return null;
}

/**
 * Runs `work` (one whole transaction) again when the database rolled it back for a deadlock or a
 * lock wait timeout: InnoDB undoes the whole transaction then, so running it again is the retry of
 * the statement that lost. Each conflict is reported as an 'outbox.conflict' event (counted in
 * /metrics). Any other error, or a conflict on the last run, is thrown.
 */
export async function withConflictRetries<T>(
  events: DomainEvents,
  operation: OutboxConflictEvent['operation'],
  work: () => Promise<T>,
): Promise<T> {
  for (let run = 1; ; run++) {
    try {
      return await work();
    } catch (error) {
      const kind = lockConflictOf(error);
      if (!kind) throw error;
      events.emit('outbox.conflict', { operation, kind });
      if (run >= MAX_RUNS) throw error;
      // The winner of the conflict usually commits within milliseconds; a short, growing pause.
      await new Promise((resolve) => setTimeout(resolve, 5 * run));
    }
  }
}
