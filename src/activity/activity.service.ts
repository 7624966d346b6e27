import { Injectable } from '@nestjs/common';
import type { Actor } from '../auth/actor';
import { principalLabel } from '../auth/principal';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { sanitizeMetadata } from './metadata-sanitizer';

/** Who acted, as the audit log keeps it (`audited(actor)` makes it from an Actor). */
export interface AuditActor {
  /** The user's id when a user acted. */
  actorId?: number | null;
  /** For display: a user's email, 'master-key', 'session-token:<prefix>'; 'system' when omitted. */
  actorLabel?: string;
  ip?: string | null;
  userAgent?: string | null;
}

/** One audited action. Action names are dotted: `auth.login`, `user.created`, `session.deleted`. */
export interface ActivityEntry extends AuditActor {
  action: string;
  targetType?: string;
  targetId?: string | number;
  /** Never put a credential here; keys and values that look like one are dropped anyway. */
  metadata?: Record<string, unknown>;
}

/** How the activity log records an actor: a user's id and email, the kind of credential, or 'system'. */
export function audited(actor: Actor): AuditActor {
  const { principal } = actor;
  return {
    actorId: principal?.kind === 'user' ? principal.userId : null,
    actorLabel: principal ? principalLabel(principal) : 'system',
    ip: actor.ip,
    userAgent: actor.userAgent,
  };
}

const clip = (value: string | null | undefined, max: number): string | null =>
  value === undefined || value === null ? null : value.slice(0, max);

/**
 * Writes the audit log (the owner of activity_logs, with ActivityLogQueries for reading it). Pass a
 * transaction to record inside the caller's transaction.
 */
@Injectable()
export class ActivityService {
  constructor(private readonly prisma: PrismaService) {}

  async record(entry: ActivityEntry, tx?: Prisma.TransactionClient): Promise<void> {
    await (tx ?? this.prisma).activityLog.create({
      data: {
        actorId: entry.actorId ?? null,
        actorLabel: clip(entry.actorLabel ?? 'system', 254) ?? 'system',
        action: entry.action.slice(0, 64),
        targetType: clip(entry.targetType, 32),
        targetId: clip(entry.targetId === undefined ? undefined : String(entry.targetId), 128),
        metadata: entry.metadata ? sanitizeMetadata(entry.metadata) : undefined,
        ip: clip(entry.ip, 64),
        userAgent: clip(entry.userAgent, 512),
      },
    });
  }
}
