import { isDomainError } from '../common/errors';
import { Prisma } from '../generated/prisma/client';

/** Attempts of a queued send on errors that may pass (a media upload, a socket hiccup). */
export const MAX_SEND_ATTEMPTS = 3;

/**
 * A database failure around a send: the message may or may not have reached WhatsApp, so it is
 * never retried blindly; WhatsApp's own answer settles it.
 */
export function isUncertainSendError(error: unknown): boolean {
  return (
    error instanceof Prisma.PrismaClientKnownRequestError ||
    error instanceof Prisma.PrismaClientUnknownRequestError ||
    error instanceof Prisma.PrismaClientInitializationError ||
    (error instanceof Error && error.name === 'DriverAdapterError')
  );
}

const text = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).slice(0, 200);

/**
 * What a failed send (one that did not leave) means for its row: a DomainError (the quoted message is
 * gone, the account is not in the group, ...) will not get better, so the send fails; anything else
 * is retried until `attempts` (this one included) reaches MAX_SEND_ATTEMPTS.
 */
export function outcomeOfSendError(
  error: unknown,
  attempts: number,
): { action: 'fail' | 'retry'; reason: string } {
  if (isDomainError(error)) return { action: 'fail', reason: `${error.code}: ${text(error)}` };
  if (attempts >= MAX_SEND_ATTEMPTS)
    return { action: 'fail', reason: `failed after ${attempts} attempts: ${text(error)}` };
  return { action: 'retry', reason: text(error) };
}
