import type { TransportSingleOptions } from 'pino';
import type { AppConfig } from '../config/app-config';

/**
 * How log lines look: readable (pino-pretty, one line each) when a person watches a terminal in
 * development, JSON lines otherwise (production, files, log collectors, CI).
 */
export function logFormat(config: AppConfig): { transport?: TransportSingleOptions } {
  return config.NODE_ENV === 'development' && process.stdout.isTTY
    ? { transport: { target: 'pino-pretty', options: { singleLine: true } } }
    : {};
}
