import { backoffMs, judge, MAX_DELAY_MS, parseRetryAfter, type PostOutcome } from './retry-policy';

const response = (status: number, retryAfter: string | null = null): PostOutcome => ({
  kind: 'response',
  status,
  retryAfter,
  body: 'nope',
  latencyMs: 1,
});
const settings = { maxRetries: 3, retryDelay: 1000 };

describe('webhook retry policy (the seed: 3 retries, backoff, 5xx/network/timeout/429 retried)', () => {
  it('2xx is delivered', () => {
    expect(judge(response(204), 1, settings)).toEqual({ action: 'delivered', statusCode: 204 });
  });

  it.each([500, 502, 503])('%i is retried until attempt 1 + maxRetries, then dead', (status) => {
    for (const attempt of [1, 2, 3]) expect(judge(response(status), attempt, settings).action).toBe('retry');
    expect(judge(response(status), 4, settings)).toMatchObject({
      action: 'dead',
      statusCode: status,
      error: `HTTP ${status}: nope`,
    });
  });

  it.each([400, 401, 404, 410, 422])('%i is final at once', (status) => {
    expect(judge(response(status), 1, settings)).toMatchObject({ action: 'dead', statusCode: status });
  });

  it('network errors and timeouts are retried', () => {
    expect(judge({ kind: 'network', error: 'ECONNREFUSED', latencyMs: 1 }, 1, settings)).toMatchObject({
      action: 'retry',
      statusCode: null,
      error: 'network error: ECONNREFUSED',
    });
    expect(judge({ kind: 'timeout', error: 'no answer', latencyMs: 1 }, 2, settings).action).toBe('retry');
  });

  it('429 waits for Retry-After (seconds or a date), else backs off', () => {
    expect(judge(response(429, '7'), 1, settings)).toMatchObject({ action: 'retry', delayMs: 7000 });
    const at = new Date(Date.now() + 30_000).toUTCString();
    const delay = (judge(response(429, at), 1, settings) as { delayMs: number }).delayMs;
    expect(delay).toBeGreaterThan(28_000);
    expect(delay).toBeLessThanOrEqual(30_000);
    expect(judge(response(429), 1, settings, () => 0.5)).toMatchObject({ action: 'retry', delayMs: 1000 });
  });

  it('backoff doubles with ±20 % jitter, so each wait is longer than the one before', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 1000, () => 0.5))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(1, 1000, () => 0)).toBe(800);
    expect(backoffMs(1, 1000, () => 1)).toBe(1200);
    expect(backoffMs(2, 1000, () => 0)).toBeGreaterThan(backoffMs(1, 1000, () => 1));
    expect(backoffMs(40, 1000)).toBe(MAX_DELAY_MS);
  });

  it('reads Retry-After defensively', () => {
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter('999999')).toBe(MAX_DELAY_MS);
  });
});
