import type { PostOutcome } from '../retry-policy';

/** What a broker confirm counts as for the retry policy and the outbox row (status 200: accepted). */
export const ACCEPTED = (started: number): PostOutcome => ({
  kind: 'response',
  status: 200,
  retryAfter: null,
  body: '',
  latencyMs: Math.round((performance.now() - started) * 10) / 10,
});

export class BrokerTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no confirm within ${timeoutMs} ms`);
  }
}

/** Runs `work` and fails with BrokerTimeout when it takes longer than `ms` (the work itself goes on). */
export async function withDeadline<T>(ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new BrokerTimeout(ms)), ms);
  });
  const running = work();
  running.catch(() => undefined);
  try {
    return await Promise.race([running, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A failed publish as a retryable outcome; the message never carries the URL (it holds credentials). */
export function brokerError(error: unknown, started: number, timeoutMs: number): PostOutcome {
  const latencyMs = Math.round((performance.now() - started) * 10) / 10;
  if (error instanceof BrokerTimeout)
    return { kind: 'timeout', error: `no confirm within ${timeoutMs} ms`, latencyMs };
  const e = error as { code?: string | number; message?: string };
  const detail =
    typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) ? e.code : (e.message ?? String(error));
  return { kind: 'network', error: redactUrls(detail).slice(0, 300), latencyMs };
}

/** Client libraries quote the URL they failed to reach in some messages: its credentials go. */
export const redactUrls = (text: string): string =>
  text.replace(/\b(amqps?|nats|tls|wss?):\/\/[^\s'"]*/gi, (url) => maskedBrokerUrl(url) ?? '***');

/**
 * A broker URL as people and logs may see it: scheme, host and port; the credentials, vhost and
 * query masked (`amqp://rabbit.internal:5672/***`).
 */
export function maskedBrokerUrl(url: string | null): string | null {
  if (!url) return url;
  try {
    const parsed = new URL(url);
    const hidden =
      parsed.username || parsed.password || (parsed.pathname && parsed.pathname !== '/') || parsed.search;
    return `${parsed.protocol}//${parsed.host}${hidden ? '/***' : ''}`;
  } catch {
    return '***';
  }
}

/**
 * After a connect fails, other publishes to that broker fail at once for this long instead of each
 * waiting out a connect timeout: a broker that is down must not keep dispatcher lanes (shared with
 * webhooks) busy. Their rows are retried with the usual backoff.
 */
export const UNREACHABLE_MS = 1_000;

/** A connect failure in a few words, for the fail-fast answers that follow it. */
export const errorText = (error: unknown): string => {
  const e = error as { code?: unknown; message?: string };
  return typeof e.code === 'string' ? e.code : redactUrls(e.message ?? String(error)).slice(0, 120);
};
