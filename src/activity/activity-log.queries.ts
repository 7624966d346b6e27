import { Injectable } from '@nestjs/common';
import type { ActivityLog, Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import type { ActivityFilterDto } from './dto/activity-query.dto';
import { likeLiteral } from '../common/like-literal';

/** One row of the audit log as the API shows it. */
export interface ActivityView {
  id: number;
  createdAt: Date;
  actorId: number | null;
  actorLabel: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  metadata: unknown;
  ip: string | null;
  userAgent: string | null;
}

export interface ActivityPage {
  items: ActivityView[];
  pagination: { page: number; limit: number; total: number; pages: number };
}

export const mapActivity = (row: ActivityLog): ActivityView => ({
  id: Number(row.id),
  createdAt: row.createdAt,
  actorId: row.actorId,
  actorLabel: row.actorLabel,
  action: row.action,
  targetType: row.targetType,
  targetId: row.targetId,
  metadata: row.metadata,
  ip: row.ip,
  userAgent: row.userAgent,
});

function whereOf(filter: ActivityFilterDto): Prisma.ActivityLogWhereInput {
  const action = filter.action?.endsWith('.*') ? { startsWith: filter.action.slice(0, -1) } : filter.action;
  return {
    actorId: filter.actorId,
    actorLabel: filter.actor ? { contains: likeLiteral(filter.actor) } : undefined,
    action,
    targetType: filter.targetType,
    targetId: filter.targetId,
    createdAt: filter.from || filter.to ? { gte: filter.from, lt: filter.to } : undefined,
  };
}

const EXPORT_BATCH = 500;

/** Reading the audit log: newest first, filtered, a page at a time or all of it in batches. */
@Injectable()
export class ActivityLogQueries {
  constructor(private readonly prisma: PrismaService) {}

  async page(filter: ActivityFilterDto, page: number, limit: number): Promise<ActivityPage> {
    const where = whereOf(filter);
    const [rows, total] = await Promise.all([
      this.prisma.activityLog.findMany({
        where,
        orderBy: { id: 'desc' },
        skip: (page - 1) * limit,
        take: limit,
      }),
      this.prisma.activityLog.count({ where }),
    ]);
    return {
      items: rows.map(mapActivity),
      pagination: { page, limit, total, pages: Math.ceil(total / limit) },
    };
  }

  /** Every matching row, fetched in batches by id so memory stays flat however long the log is. */
  async *all(filter: ActivityFilterDto): AsyncGenerator<ActivityView> {
    const where = whereOf(filter);
    let before: bigint | undefined;
    for (;;) {
      const rows = await this.prisma.activityLog.findMany({
        where: before === undefined ? where : { AND: [where, { id: { lt: before } }] },
        orderBy: { id: 'desc' },
        take: EXPORT_BATCH,
      });
      for (const row of rows) yield mapActivity(row);
      if (rows.length < EXPORT_BATCH) return;
      before = rows[rows.length - 1].id;
    }
  }
}
