import { baileys } from './baileys';
import { isCertificateRejection, UNTRUSTED_SERVER_REASON } from './signature-checks';

export type CloseDecision =
  | { action: 'reconnect'; delayMs: number; reason: string }
  | { action: 'stop'; status: 'logged_out' | 'disconnected'; clearAuth: boolean; reason: string };

export interface CloseContext {
  /** Reconnects in a row without reaching `connected` (resets when the session opens). */
  attempt: number;
  /** Whether this socket ever got past the QR (had credentials when the close came). */
  registered: boolean;
  /** Baileys' message for the close, when it gave one. */
  error?: string;
}

const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 60_000;

/** Capped exponential backoff with jitter: 1 s, 2 s, 4 s ... up to 60 s, each scaled by 0.5-1.0. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt));
  return Math.round(ceiling * (0.5 + random() * 0.5));
}

/**
 * What to do when WhatsApp closes a session's socket, by close code. Only transient failures are
 * retried; a logout, a replacement by another client or broken session data stop the session so
 * that the gateway never loops against WhatsApp. A server whose certificate chain fails the checks
 * (400 from Baileys' handshake) is not WhatsApp: the session stops rather than keep knocking.
 */
export function decideOnClose(code: number | undefined, ctx: CloseContext): CloseDecision {
  const { DisconnectReason } = baileys();
  if (isCertificateRejection(ctx.error))
    return {
      action: 'stop',
      status: 'disconnected',
      clearAuth: false,
      reason: `${UNTRUSTED_SERVER_REASON} (${ctx.error})`,
    };
  switch (code) {
    case DisconnectReason.restartRequired:
      return { action: 'reconnect', delayMs: 0, reason: 'restart required' };
    case DisconnectReason.loggedOut:
      return { action: 'stop', status: 'logged_out', clearAuth: true, reason: 'logged out from the phone' };
    case DisconnectReason.connectionReplaced:
      return {
        action: 'stop',
        status: 'disconnected',
        clearAuth: false,
        reason: 'replaced by another client',
      };
    case DisconnectReason.badSession:
      return { action: 'stop', status: 'disconnected', clearAuth: false, reason: 'bad session data' };
    case DisconnectReason.multideviceMismatch:
      return { action: 'stop', status: 'disconnected', clearAuth: false, reason: 'multi-device mismatch' };
    case DisconnectReason.forbidden:
      return { action: 'stop', status: 'disconnected', clearAuth: false, reason: 'forbidden by WhatsApp' };
    case DisconnectReason.timedOut:
      // 408 before pairing means the QR codes ran out: waiting for a scan is over.
      if (!ctx.registered)
        return { action: 'stop', status: 'disconnected', clearAuth: false, reason: 'QR code expired' };
      return { action: 'reconnect', delayMs: backoffDelay(ctx.attempt), reason: 'connection lost' };
    default:
      return {
        action: 'reconnect',
        delayMs: backoffDelay(ctx.attempt),
        reason: `connection closed (${code ?? 'no code'})`,
      };
  }
}
