/** What one POST (or broker publish) came to; `refused` is final (a broker output no longer configured). */
export type PostOutcome =
  | { kind: 'response'; status: number; retryAfter: string | null; body: string; latencyMs: number }
  | { kind: 'network' | 'timeout' | 'refused'; error: string; latencyMs: number };

export interface RetrySettings {
  /** Retries after the first attempt (WEBHOOK_MAX_RETRIES): attempts = 1 + maxRetries. */
  maxRetries: number;
  /** Base delay in ms (WEBHOOK_RETRY_DELAY): retry n waits about retryDelay * 2^(n-1). */
  retryDelay: number;
}

export type Verdict =
  | { action: 'delivered'; statusCode: number }
  | { action: 'retry'; delayMs: number; statusCode: number | null; error: string }
  | { action: 'dead'; statusCode: number | null; error: string };

/** No single wait is longer than this, whatever the backoff or a receiver's Retry-After says. */
export const MAX_DELAY_MS = 60 * 60 * 1000;
const JITTER = 0.2;

/**
 * The wait before retry `retry` (1 = the first retry): exponential with ±20 % jitter, so retries
 * of many rows spread out, yet each wait is still longer than the one before it.
 */
export function backoffMs(retry: number, baseMs: number, random: () => number = Math.random): number {
  const exact = baseMs * 2 ** Math.max(0, retry - 1);
  return Math.min(MAX_DELAY_MS, Math.round(exact * (1 - JITTER + 2 * JITTER * random())));
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(MAX_DELAY_MS, Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.min(MAX_DELAY_MS, Math.max(0, at - now));
}

/**
 * The seed's retry logic: 2xx is delivered; network errors, timeouts and 5xx are retried with
 * backoff; 429 is retried after its Retry-After (else backoff); any other status is final. After
 * attempt 1 + maxRetries the row is dead.
 */
export function judge(
  outcome: PostOutcome,
  attempt: number,
  settings: RetrySettings,
  random: () => number = Math.random,
): Verdict {
  if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) {
    return { action: 'delivered', statusCode: outcome.status };
  }
  const statusCode = outcome.kind === 'response' ? outcome.status : null;
  const error = describe(outcome);
  const retryable =
    outcome.kind === 'response'
      ? outcome.status >= 500 || outcome.status === 429
      : outcome.kind !== 'refused';
  if (!retryable || attempt > settings.maxRetries) return { action: 'dead', statusCode, error };
  const retryAfter =
    outcome.kind === 'response' && outcome.status === 429 ? parseRetryAfter(outcome.retryAfter) : null;
  const delayMs = retryAfter ?? backoffMs(attempt, settings.retryDelay, random);
  return { action: 'retry', delayMs, statusCode, error };
}

function describe(outcome: PostOutcome): string {
  if (outcome.kind !== 'response') {
    const label = { timeout: 'timeout', network: 'network error', refused: 'refused' }[outcome.kind];
    return `${label}: ${outcome.error}`;
  }
  const snippet = outcome.body.replace(/\s+/g, ' ').trim().slice(0, 200);
  return `HTTP ${outcome.status}${snippet ? `: ${snippet}` : ''}`;
}
