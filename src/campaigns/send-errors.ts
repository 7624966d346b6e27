import { Prisma } from '../generated/prisma/client';

/** What WhatsApp's refusal codes in a send's ack mean. */
export const REFUSAL_CODES: Record<number, string> = {
  429: 'rate limit reached',
  463: 'reach-out to new contacts restricted',
  479: 'message refused as spam',
};

/**
 * Why a campaign paused after WhatsApp refused a send. Any refusal pauses it: carrying on against
 * 429/463/479 is how a number gets banned, and a refusal without a code is treated the same way.
 */
export function refusalReason(code: number | null): string {
  const what = code ? `with error ${code} (${REFUSAL_CODES[code] ?? 'refused'})` : '(no error code reported)';
  return `WhatsApp refused a message ${what}; resume when it is safe to send again`;
}

/** A database failure: the send may or may not have reached WhatsApp, so the row cannot be retried blindly. */
export function isDatabaseError(error: unknown): boolean {
  return (
    error instanceof Prisma.PrismaClientKnownRequestError ||
    error instanceof Prisma.PrismaClientUnknownRequestError ||
    error instanceof Prisma.PrismaClientInitializationError ||
    error instanceof Prisma.PrismaClientRustPanicError ||
    (error instanceof Error && error.name === 'DriverAdapterError')
  );
}

export const errorText = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).slice(0, 400);

/** Exponential backoff with jitter for a transient send error: base, 2x base, 4x ... up to an hour. */
export function retryDelay(baseMs: number, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(3_600_000, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.75 + random() * 0.5));
}
