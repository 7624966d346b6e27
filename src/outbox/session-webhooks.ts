import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import type { WebhookEventName } from './event-names';

/** A session's own webhook: a URL (null: the global webhook applies), its events, its sealed secret. */
export interface SessionWebhook {
  url: string | null;
  events: WebhookEventName[];
  /** Sealed with SecretBox ('webhook-secret'); null until one is made. */
  secret: string | null;
}

type Db = Prisma.TransactionClient;

const toWebhook = (row: { url: string | null; events: unknown; secret: string | null }): SessionWebhook => ({
  url: row.url,
  events: Array.isArray(row.events) ? (row.events as WebhookEventName[]) : [],
  secret: row.secret,
});

/** True for a write refused because the session it names does not exist. */
const isMissingSession = (error: unknown): boolean =>
  error instanceof Prisma.PrismaClientKnownRequestError &&
  (error.code === 'P2003' ||
    (error.meta?.driverAdapterError as { cause?: { kind?: string } } | undefined)?.cause?.kind ===
      'ForeignKeyConstraintViolation');

/** The session_webhooks table: each session's own webhook target and signing secret. */
@Injectable()
export class SessionWebhooks {
  constructor(private readonly prisma: PrismaService) {}

  async find(sessionId: string, tx?: Db): Promise<SessionWebhook | null> {
    const row = await (tx ?? this.prisma).sessionWebhook.findUnique({ where: { sessionId } });
    return row ? toWebhook(row) : null;
  }

  async findMany(sessionIds: string[]): Promise<Map<string, SessionWebhook>> {
    if (sessionIds.length === 0) return new Map();
    const rows = await this.prisma.sessionWebhook.findMany({ where: { sessionId: { in: sessionIds } } });
    return new Map(rows.map((row) => [row.sessionId, toWebhook(row)]));
  }

  /** Sets the session's URL and/or events (what is undefined stays); 404 when there is no such session. */
  async setTarget(
    sessionId: string,
    change: { url?: string | null; events?: WebhookEventName[] },
    tx?: Db,
  ): Promise<void> {
    const data = {
      ...(change.url !== undefined ? { url: change.url } : {}),
      ...(change.events !== undefined ? { events: change.events } : {}),
    };
    await this.write(() =>
      (tx ?? this.prisma).sessionWebhook.upsert({
        where: { sessionId },
        create: { sessionId, ...data },
        update: data,
      }),
    );
  }

  /** Stores `sealed` as the session's secret unless it has one already; returns the one it has now. */
  async secretOrSet(sessionId: string, sealed: string): Promise<string> {
    await this.write(
      () => this.prisma.$executeRaw`
        INSERT INTO session_webhooks (session_id, secret, updated_at) VALUES (${sessionId}, ${sealed}, UTC_TIMESTAMP(3))
        ON DUPLICATE KEY UPDATE secret = COALESCE(secret, VALUES(secret)), updated_at = UTC_TIMESTAMP(3)`,
    );
    const row = await this.prisma.sessionWebhook.findUniqueOrThrow({ where: { sessionId } });
    return row.secret!;
  }

  /** Replaces the session's secret; 404 when there is no such session. */
  async setSecret(sessionId: string, sealed: string): Promise<void> {
    await this.write(() =>
      this.prisma.sessionWebhook.upsert({
        where: { sessionId },
        create: { sessionId, secret: sealed },
        update: { secret: sealed },
      }),
    );
  }

  /** Re-encrypts every stored secret inside the caller's transaction (a key rotation); returns how many. */
  async resealSecrets(tx: Db, reseal: (sealed: string) => string): Promise<number> {
    const rows = await tx.sessionWebhook.findMany({ where: { secret: { not: null } } });
    for (const row of rows) {
      await tx.sessionWebhook.update({
        where: { sessionId: row.sessionId },
        data: { secret: reseal(row.secret!) },
      });
    }
    return rows.length;
  }

  private async write(statement: () => Promise<unknown>): Promise<void> {
    try {
      await statement();
    } catch (error) {
      if (isMissingSession(error) || (error as { errno?: number }).errno === 1452)
        throw new DomainError('SESSION_NOT_FOUND', 'Session not found');
      throw error;
    }
  }
}
