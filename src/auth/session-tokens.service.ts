import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors';
import { hashToken, newOpaqueToken } from '../crypto/secret-box';
import type { Prisma, SessionToken } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { Clock } from './clock';

/** Session tokens look like `wag_<43 url-safe characters>`. */
export const SESSION_TOKEN_PREFIX = 'wag';
const DISPLAY_PREFIX_LENGTH = 12;
/** lastUsedAt is written at most this often per token, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** A session token as shown to people: never its hash. */
export interface SessionTokenRecord {
  id: number;
  sessionId: string;
  name: string;
  /** The first characters of the token (e.g. `wag_AbCdEfGh`), to recognise it in a list. */
  prefix: string;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdById: number | null;
  createdAt: Date;
}

export interface IssueSessionTokenOptions {
  name: string;
  expiresAt?: Date | null;
  createdById?: number | null;
}

export interface VerifiedSessionToken {
  sessionId: string;
  tokenId: number;
  prefix: string;
}

const toRecord = (row: SessionToken): SessionTokenRecord => ({
  id: row.id,
  sessionId: row.sessionId,
  name: row.name,
  prefix: row.prefix,
  lastUsedAt: row.lastUsedAt,
  expiresAt: row.expiresAt,
  revokedAt: row.revokedAt,
  createdById: row.createdById,
  createdAt: row.createdAt,
});

/** Bearer tokens that belong to one WhatsApp session; only their SHA-256 is stored. The owner of session_tokens. */
@Injectable()
export class SessionTokensService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly clock: Clock,
  ) {}

  /** A new token; `token` is shown once and cannot be read again. */
  async issue(
    sessionId: string,
    options: IssueSessionTokenOptions,
    tx?: Prisma.TransactionClient,
  ): Promise<{ token: string; record: SessionTokenRecord }> {
    const token = newOpaqueToken(SESSION_TOKEN_PREFIX);
    const row = await (tx ?? this.prisma).sessionToken.create({
      data: {
        sessionId,
        name: options.name,
        tokenHash: hashToken(token),
        prefix: token.slice(0, DISPLAY_PREFIX_LENGTH),
        expiresAt: options.expiresAt ?? null,
        createdById: options.createdById ?? null,
      },
    });
    return { token, record: toRecord(row) };
  }

  /** Every token of the session, newest first, revoked ones included. */
  async list(sessionId: string): Promise<SessionTokenRecord[]> {
    const rows = await this.prisma.sessionToken.findMany({
      where: { sessionId },
      orderBy: { id: 'desc' },
    });
    return rows.map(toRecord);
  }

  /** Revokes the token (idempotent). 404 when the session has no such token. */
  async revoke(
    sessionId: string,
    tokenId: number,
    tx?: Prisma.TransactionClient,
  ): Promise<SessionTokenRecord> {
    const db = tx ?? this.prisma;
    await db.sessionToken.updateMany({
      where: { id: tokenId, sessionId, revokedAt: null },
      data: { revokedAt: this.clock.now() },
    });
    const row = await db.sessionToken.findFirst({ where: { id: tokenId, sessionId } });
    if (!row) throw new DomainError('NOT_FOUND', 'Token not found');
    return toRecord(row);
  }

  /** Revokes a live token and issues a new one with the same name, creator and expiry. */
  async rotate(
    sessionId: string,
    tokenId: number,
  ): Promise<{ token: string; record: SessionTokenRecord; revoked: SessionTokenRecord }> {
    return this.prisma.$transaction(async (tx) => {
      const old = await tx.sessionToken.findFirst({ where: { id: tokenId, sessionId } });
      if (!old) throw new DomainError('NOT_FOUND', 'Token not found');
      if (old.revokedAt) throw new DomainError('CONFLICT', 'Token is already revoked');
      const revoked = await this.revoke(sessionId, tokenId, tx);
      const issued = await this.issue(
        sessionId,
        { name: old.name, expiresAt: old.expiresAt, createdById: old.createdById },
        tx,
      );
      return { ...issued, revoked };
    });
  }

  /** The session and token a presented token stands for, or null if unknown, revoked or expired. */
  async verify(token: string): Promise<VerifiedSessionToken | null> {
    if (!token.startsWith(`${SESSION_TOKEN_PREFIX}_`) || token.length > 200) return null;
    const row = await this.prisma.sessionToken.findUnique({ where: { tokenHash: hashToken(token) } });
    const now = this.clock.now();
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return null;
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      await this.prisma.sessionToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
    }
    return { sessionId: row.sessionId, tokenId: row.id, prefix: row.prefix };
  }
}
