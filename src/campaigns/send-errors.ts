import { Prisma } from '../generated/prisma/client';

/** WhatsApp's refusals in a send's ack: keep sending and the number gets banned, so the campaign pauses. */
export const REFUSAL_CODES: Record<number, string> = {
  429: 'rate limit reached',
  463: 'reach-out to new contacts restricted',
  479: 'message refused as spam',
};

export function refusalReason(code: number): string {
  return `WhatsApp refused a message with error ${code} (${REFUSAL_CODES[code] ?? 'refused'}); resume when it is safe to send again`;
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
