import type { AppConfig } from '../config/app-config';
import type { SecretBox } from '../crypto/secret-box';

export const JWT_ISSUER = 'wa-gateway';
/** Access tokens for the REST API. */
export const API_AUDIENCE = 'wa-gateway:api';
/** Short-lived tokens for the WebSocket; never accepted by the REST API (and the reverse). */
export const WS_AUDIENCE = 'wa-gateway:ws';
export const WS_TOKEN_TTL_SECONDS = 60;

/** Claims of our JWTs besides the standard ones: `sid` is the login (refresh-token family). */
export interface AccessClaims {
  sub: string;
  sid: string;
  aud: string;
  iss: string;
  iat: number;
  exp: number;
}

/** JWT_SECRET when set, otherwise a key derived from TOKEN_ENCRYPTION_KEY for this one purpose. */
export function jwtSecret(config: AppConfig, box: SecretBox): string {
  return config.JWT_SECRET ?? box.deriveKey('jwt').toString('hex');
}
