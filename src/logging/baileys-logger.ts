import pino, { type Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { logFormat } from './log-format';
import { maskedErrorSerializer } from './mask-secrets';

/** pino's numeric level of warn. */
const WARN = 40;

/**
 * Lines Baileys logs at warn/error for what is normal operation; they go to debug. WhatsApp ends the
 * stream with code 515 ("restart required") right after every pairing, and Baileys reconnects.
 */
function isExpectedNoise(args: unknown[]): boolean {
  const [first, message] = args;
  if (message !== 'stream errored out' || typeof first !== 'object' || first === null) return false;
  const node = (first as { fullErrorNode?: { attrs?: { code?: string } } }).fullErrorNode;
  return node?.attrs?.code === '515';
}

/**
 * The pino logger handed to Baileys (one child per session): its warnings and errors are what an
 * operator needs; it is chatty below that, and some of its errors are expected (see above), which
 * are logged at debug instead.
 */
export function createBaileysLogger(config: AppConfig): Logger {
  const level = config.LOG_LEVEL === 'silent' || config.LOG_LEVEL === 'fatal' ? config.LOG_LEVEL : 'error';
  return pino({
    level,
    base: { component: 'baileys' },
    serializers: { err: maskedErrorSerializer },
    hooks: {
      logMethod(args, method, numericLevel) {
        if (numericLevel >= WARN && isExpectedNoise(args as unknown[])) {
          // Re-entering at debug: dropped unless debug is on (it is not for Baileys by default).
          if (this.isLevelEnabled('debug')) (this.debug as (...a: unknown[]) => void)(...(args as unknown[]));
          return;
        }
        return method.apply(this, args);
      },
    },
    ...logFormat(config),
  });
}
