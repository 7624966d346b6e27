import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { Clock } from './clock';
import { JWT_ISSUER, WS_AUDIENCE, WS_TOKEN_TTL_SECONDS } from './jwt-settings';
import type { UserPrincipal } from './principal';
import { UserPrincipals } from './user-principals';

export interface WsToken {
  token: string;
  expiresIn: number;
}

/** Used tokens are kept this long past their expiry, for gateway processes whose clocks run behind. */
const USE_KEPT_AFTER_EXPIRY_MS = 60_000;

/**
 * Short-lived JWTs for opening the WebSocket (`/ws?token=...`): a URL may end up in a log, so the
 * token lives 60 s, has its own audience (useless as an API access token) and opens one socket only.
 * The owner of ws_token_uses, where each token's first use is recorded for every gateway process.
 */
@Injectable()
export class WsTokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly principals: UserPrincipals,
    private readonly prisma: PrismaService,
    private readonly clock: Clock,
  ) {}

  async issue(principal: UserPrincipal): Promise<WsToken> {
    const token = await this.jwt.signAsync(
      { sid: principal.loginId },
      {
        subject: String(principal.userId),
        audience: WS_AUDIENCE,
        expiresIn: WS_TOKEN_TTL_SECONDS,
        jwtid: randomUUID(),
      },
    );
    return { token, expiresIn: WS_TOKEN_TTL_SECONDS };
  }

  /**
   * The user a WebSocket token stands for, or null when it is invalid, expired, of another audience,
   * already used, or its user is inactive, logged out, or must change their password first. A token
   * with a valid signature is spent by this call, whatever the answer.
   */
  async verifyWsToken(token: string): Promise<UserPrincipal | null> {
    let claims: { sub?: unknown; sid?: unknown; jti?: unknown; exp?: unknown };
    try {
      claims = await this.jwt.verifyAsync<typeof claims>(token, {
        audience: WS_AUDIENCE,
        issuer: JWT_ISSUER,
        algorithms: ['HS256'],
      });
    } catch {
      return null;
    }
    if (typeof claims.jti !== 'string' || typeof claims.exp !== 'number') return null;
    if (!(await this.recordUse(claims.jti, new Date(claims.exp * 1000)))) return null;
    return this.stillValid(claims.sub, claims.sid);
  }

  /**
   * The principal of an open socket as it stands now, by the same rules as at connection: null when
   * its login ended or its user was deactivated or must change their password; the role may differ.
   */
  current(principal: UserPrincipal): Promise<UserPrincipal | null> {
    return this.stillValid(principal.userId, principal.loginId);
  }

  /** Deletes up to `limit` records of tokens that have expired (they can no longer be presented). */
  pruneExpiredUses(limit = 1_000): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - USE_KEPT_AFTER_EXPIRY_MS);
    return this.prisma.$executeRaw`DELETE FROM ws_token_uses WHERE expires_at < ${cutoff} LIMIT ${limit}`;
  }

  private async stillValid(subject: unknown, loginId: unknown): Promise<UserPrincipal | null> {
    const principal = await this.principals.fromClaims(subject, loginId);
    return principal && !principal.mustChangePassword ? principal : null;
  }

  /** Records the first use of a token; false when some gateway process has seen it before. */
  private async recordUse(jti: string, expiresAt: Date): Promise<boolean> {
    try {
      await this.prisma.wsTokenUse.create({ data: { jti, expiresAt } });
      return true;
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return false;
      throw error;
    }
  }
}
