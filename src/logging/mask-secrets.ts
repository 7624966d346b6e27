import pino from 'pino';

/** Query parameters whose values are credentials (a WebSocket token, a webhook receiver's key...). */
const SECRET_PARAMS =
  /([?&](?:token|access_token|api[_-]?key|key|secret|password|pass|signature|sig|auth)=)[^&#\s"']+/gi;
/** `scheme://user:password@` or `scheme://token@` in a URL. */
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@"']+@/gi;

/** The text with URL credentials (userinfo, secret query parameters) replaced by `***`. */
export function maskUrlSecrets(text: string): string {
  return text.replace(USERINFO, '$1***@').replace(SECRET_PARAMS, '$1***');
}

/**
 * pino's error serializer, with URL credentials masked in the message and stack: errors from HTTP
 * clients and drivers often quote the URL they were given, and a webhook URL may carry a token.
 */
export function maskedErrorSerializer(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  if (typeof serialized !== 'object' || serialized === null) return serialized;
  for (const field of ['message', 'stack'] as const) {
    const value = serialized[field];
    if (typeof value === 'string') serialized[field] = maskUrlSecrets(value);
  }
  return serialized;
}
