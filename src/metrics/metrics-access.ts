import { safeEqual } from '../crypto/secret-box';

/** Where /metrics is served: `api` on the API port, `own` on METRICS_PORT. */
export type MetricsListener = 'api' | 'own';

export type MetricsVerdict = 'allowed' | 'not_found' | 'unauthorized';

export interface MetricsAccessConfig {
  METRICS_TOKEN?: string;
  METRICS_PORT: number;
}

/**
 * Who may read /metrics on a listener. Only a request bearing METRICS_TOKEN (compared in constant
 * time): with no token configured /metrics does not exist (404), and when METRICS_PORT is set it
 * exists only there, so the API port answers 404 as for any unknown path.
 */
export function metricsAccess(
  config: MetricsAccessConfig,
  listener: MetricsListener,
  authorization: string | undefined,
): MetricsVerdict {
  const token = config.METRICS_TOKEN;
  if (!token) return 'not_found';
  if (config.METRICS_PORT > 0 !== (listener === 'own')) return 'not_found';
  const presented = bearerToken(authorization);
  return presented !== null && safeEqual(presented, token) ? 'allowed' : 'unauthorized';
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(authorization: string | undefined): string | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
  return match ? match[1] : null;
}
