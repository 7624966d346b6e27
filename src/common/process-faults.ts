import { Logger } from '@nestjs/common';

/**
 * The process's last resort, installed by main.ts: every promise is meant to be awaited or caught
 * where it starts (a database outage once killed the process through unawaited status writes), so
 * an unhandled rejection here is a bug to fix; it is logged and counted (health details), and the
 * process goes on instead of dying with every session. Also a deadline for a clean stop: Nest's
 * shutdown hooks bound their own database work, and if something still hangs (the database is
 * gone mid-shutdown) the process exits anyway.
 */
const SHUTDOWN_DEADLINE_MS = 4_500;
/**
 * What the shutdown hooks may spend waiting for the database, all together, counted from the signal.
 * Nest runs the modules' hooks one module after another: waits of 1-1.5 s each, harmless alone, added
 * up past the deadline during a database outage. The rest of the deadline is for closing the pools.
 */
const SHUTDOWN_WAITS_MS = 3_300;
let signalledAt: number | null = null;

const logger = new Logger('Process');
let unhandled = 0;

/** How many unhandled rejections this process has seen. */
export function unhandledRejectionCount(): number {
  return unhandled;
}

/**
 * What is logged of a rejection: its type, a short message and the stack's frames, never the values
 * it may carry (a request body, an SQL parameter).
 */
export function describeFault(reason: unknown): { type: string; message: string; frames: string[] } {
  if (!(reason instanceof Error)) return { type: typeof reason, message: '', frames: [] };
  const frames = (reason.stack ?? '')
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '))
    .slice(0, 10)
    .map((line) => line.trim());
  return { type: reason.name, message: reason.message.split('\n')[0].slice(0, 200), frames };
}

export function installProcessGuards(): void {
  process.on('unhandledRejection', (reason) => {
    unhandled++;
    logger.error({ fault: describeFault(reason), count: unhandled }, 'Unhandled promise rejection (a bug)');
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.once(signal, () => {
      signalledAt ??= Date.now();
      setTimeout(() => {
        logger.error(`Shutdown did not finish within ${SHUTDOWN_DEADLINE_MS} ms; exiting`);
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
    });
}

/**
 * A shutdown hook's bounded wait for the database: `ms`, or less once the process's shared budget
 * since SIGTERM/SIGINT runs out. Without a signal (an app closed by a test or a script) it is `ms`.
 * The timer does not hold the process open once the work it bounds is done (a script that closed
 * its app exits at once).
 */
export function shutdownWait(ms: number): Promise<void> {
  const left = signalledAt === null ? ms : Math.max(0, signalledAt + SHUTDOWN_WAITS_MS - Date.now());
  return new Promise((resolve) => setTimeout(resolve, Math.min(ms, left)).unref());
}
