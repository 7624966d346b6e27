import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { hashToken, newOpaqueToken } from '../crypto/secret-box';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { Clock } from './clock';
import { UsersRepository } from './users.repository';

export const REFRESH_TOKEN_PREFIX = 'wrt';

export interface IssuedRefreshToken {
  token: string;
  familyId: string;
  expiresAt: Date;
}

export type RotationResult =
  | { outcome: 'rotated'; userId: number; next: IssuedRefreshToken }
  | { outcome: 'invalid' }
  /** A token that was already rotated or revoked came back: its whole family is now revoked. */
  | { outcome: 'reused'; userId: number; familyId: string };

/**
 * Rotating refresh tokens. A login starts a family; each refresh replaces the token with a new one of
 * the same family. Presenting a replaced token again means it was copied: the family is revoked.
 * Only SHA-256 hashes are stored. The owner of refresh_tokens.
 */
@Injectable()
export class RefreshTokensService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly users: UsersRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** The first token of a new login. */
  startFamily(userId: number, tx?: Prisma.TransactionClient): Promise<IssuedRefreshToken> {
    return this.issue(userId, randomUUID(), tx ?? this.prisma);
  }

  async rotate(token: string): Promise<RotationResult> {
    if (!token.startsWith(`${REFRESH_TOKEN_PREFIX}_`) || token.length > 200) return { outcome: 'invalid' };
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const row = await tx.refreshToken.findUnique({ where: { tokenHash: hashToken(token) } });
      if (!row) return { outcome: 'invalid' };
      // The conditional update is the race guard: of two concurrent refreshes with one token, one wins.
      const claimed = await tx.refreshToken.updateMany({
        where: { id: row.id, revokedAt: null, replacedAt: null, expiresAt: { gt: now } },
        data: { replacedAt: now },
      });
      if (claimed.count === 1) {
        const user = await this.users.findById(row.userId, tx);
        if (!user?.active) return { outcome: 'invalid' };
        return {
          outcome: 'rotated',
          userId: row.userId,
          next: await this.issue(row.userId, row.familyId, tx),
        };
      }
      if (row.revokedAt === null && row.replacedAt === null) return { outcome: 'invalid' }; // merely expired
      await this.revokeFamily(row.familyId, tx);
      return { outcome: 'reused', userId: row.userId, familyId: row.familyId };
    });
  }

  /** Ends one login: its refresh tokens stop working and so do its access tokens. */
  async revokeFamily(familyId: string, tx?: Prisma.TransactionClient): Promise<number> {
    const result = await (tx ?? this.prisma).refreshToken.updateMany({
      where: { familyId, revokedAt: null },
      data: { revokedAt: this.clock.now() },
    });
    return result.count;
  }

  /** Ends every login of a user (password change or reset, deactivation). */
  async revokeAllOfUser(userId: number, tx?: Prisma.TransactionClient): Promise<number> {
    const result = await (tx ?? this.prisma).refreshToken.updateMany({
      where: { userId, revokedAt: null },
      data: { revokedAt: this.clock.now() },
    });
    return result.count;
  }

  /**
   * Deletes the logins whose every refresh token expired more than a day ago (up to `limit` of them),
   * and returns how many tokens went. A login with one live token is kept whole, so a copied old
   * token of it is still recognised as reused.
   */
  async pruneExpired(limit = 1_000): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - 86_400_000);
    return this.prisma.$executeRaw`
      DELETE token FROM refresh_tokens token
      JOIN (
        SELECT family_id FROM refresh_tokens GROUP BY family_id HAVING MAX(expires_at) < ${cutoff} LIMIT ${limit}
      ) expired ON expired.family_id = token.family_id`;
  }

  private async issue(
    userId: number,
    familyId: string,
    db: Prisma.TransactionClient,
  ): Promise<IssuedRefreshToken> {
    const token = newOpaqueToken(REFRESH_TOKEN_PREFIX);
    const expiresAt = new Date(this.clock.now().getTime() + this.config.REFRESH_TOKEN_TTL_DAYS * 86_400_000);
    await db.refreshToken.create({ data: { userId, familyId, tokenHash: hashToken(token), expiresAt } });
    return { token, familyId, expiresAt };
  }
}
