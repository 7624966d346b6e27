import type { Campaign } from '../generated/prisma/client';

export type CampaignRow = Campaign & { lists: { listId: number }[] };

export interface CampaignView {
  id: number;
  name: string;
  sessionId: string;
  template: string;
  media: { type: string; mimetype: string | null; fileName: string | null } | null;
  listIds: number[];
  status: Campaign['status'];
  scheduledAt: Date | null;
  timeZone: string;
  minDelayMs: number;
  maxDelayMs: number;
  perMinuteCap: number | null;
  perDayCap: number | null;
  /** Shows "typing…" for a random typingMinMs..typingMaxMs before each message. */
  typing: boolean;
  typingMinMs: number;
  typingMaxMs: number;
  quietHoursStart: string | null;
  quietHoursEnd: string | null;
  missingVariables: string;
  pauseReason: string | null;
  pauseCode: string | null;
  pausedBySystem: boolean;
  counts: { total: number; sent: number; delivered: number; read: number; failed: number; skipped: number };
  startedAt: Date | null;
  completedAt: Date | null;
  createdById: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export const withLists = { lists: { select: { listId: true } } } as const;

export const toCampaignView = (c: CampaignRow): CampaignView => ({
  id: c.id,
  name: c.name,
  sessionId: c.sessionId,
  template: c.template,
  media: c.mediaPath
    ? { type: c.mediaType ?? 'document', mimetype: c.mediaMime, fileName: c.mediaFileName }
    : null,
  listIds: c.lists.map((l) => l.listId).sort((a, b) => a - b),
  status: c.status,
  scheduledAt: c.scheduledAt,
  timeZone: c.timeZone,
  minDelayMs: c.minDelayMs,
  maxDelayMs: c.maxDelayMs,
  perMinuteCap: c.perMinuteCap,
  perDayCap: c.perDayCap,
  typing: c.typing,
  typingMinMs: c.typingMinMs,
  typingMaxMs: c.typingMaxMs,
  quietHoursStart: c.quietHoursStart,
  quietHoursEnd: c.quietHoursEnd,
  missingVariables: c.missingVars,
  pauseReason: c.pauseReason,
  pauseCode: c.pauseCode,
  pausedBySystem: c.pausedBySystem,
  counts: {
    total: c.totalCount,
    sent: c.sentCount,
    delivered: c.deliveredCount,
    read: c.readCount,
    failed: c.failedCount,
    skipped: c.skippedCount,
  },
  startedAt: c.startedAt,
  completedAt: c.completedAt,
  createdById: c.createdById,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});
