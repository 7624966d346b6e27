import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { JWT_ISSUER, WS_AUDIENCE, WS_TOKEN_TTL_SECONDS } from './jwt-settings';
import type { UserPrincipal } from './principal';
import { UserPrincipals } from './user-principals';

export interface WsToken {
  token: string;
  expiresIn: number;
}

/**
 * Short-lived JWTs for opening the WebSocket (`/ws?token=...`): a URL may end up in a log, so the
 * token lives 60 s and has its own audience, useless as an API access token.
 */
@Injectable()
export class WsTokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly principals: UserPrincipals,
  ) {}

  async issue(principal: UserPrincipal): Promise<WsToken> {
    const token = await this.jwt.signAsync(
      { sid: principal.loginId },
      { subject: String(principal.userId), audience: WS_AUDIENCE, expiresIn: WS_TOKEN_TTL_SECONDS },
    );
    return { token, expiresIn: WS_TOKEN_TTL_SECONDS };
  }

  /**
   * The user a WebSocket token stands for, or null when it is invalid, expired, of another audience,
   * or its user is inactive, logged out, or must change their password first.
   */
  async verifyWsToken(token: string): Promise<UserPrincipal | null> {
    let claims: { sub?: unknown; sid?: unknown };
    try {
      claims = await this.jwt.verifyAsync<{ sub?: unknown; sid?: unknown }>(token, {
        audience: WS_AUDIENCE,
        issuer: JWT_ISSUER,
        algorithms: ['HS256'],
      });
    } catch {
      return null;
    }
    const principal = await this.principals.fromClaims(claims.sub, claims.sid);
    return principal && !principal.mustChangePassword ? principal : null;
  }
}
