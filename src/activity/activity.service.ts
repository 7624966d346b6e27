import { Injectable } from '@nestjs/common';
import { principalLabel, type Principal } from '../auth/principal';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { sanitizeMetadata } from './metadata-sanitizer';

/** One audited action. Action names are dotted: `auth.login`, `user.created`, `session.deleted`. */
export interface ActivityEntry {
  action: string;
  /** Who acted; omitted (or null) for the system itself, then `actorLabel` or 'system' is shown. */
  principal?: Principal | null;
  actorLabel?: string;
  targetType?: string;
  targetId?: string | number;
  /** Never put a credential here; keys and values that look like one are dropped anyway. */
  metadata?: Record<string, unknown>;
  ip?: string | null;
  userAgent?: string | null;
}

const clip = (value: string | null | undefined, max: number): string | null =>
  value === undefined || value === null ? null : value.slice(0, max);

/** Writes the audit log. Pass a transaction client to record inside the caller's transaction. */
@Injectable()
export class ActivityService {
  constructor(private readonly prisma: PrismaService) {}

  async record(entry: ActivityEntry, tx?: Prisma.TransactionClient): Promise<void> {
    const principal = entry.principal ?? null;
    await (tx ?? this.prisma).activityLog.create({
      data: {
        actorId: principal?.kind === 'user' ? principal.userId : null,
        actorLabel:
          clip(principal ? principalLabel(principal) : (entry.actorLabel ?? 'system'), 254) ?? 'system',
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
