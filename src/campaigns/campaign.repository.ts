import { Injectable } from '@nestjs/common';
import type { Campaign, Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { withLists, type CampaignRow } from './campaign-view';

export type CampaignStatus = Campaign['status'];
type Db = Prisma.TransactionClient;

/** The campaigns table and campaign_lists (which lists a campaign sends to). */
@Injectable()
export class CampaignRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The campaign with its list ids, or null. */
  find(id: number): Promise<CampaignRow | null> {
    return this.prisma.campaign.findUnique({ where: { id }, include: withLists });
  }

  /** The campaign row alone, or null (`tx`: read inside the caller's transaction). */
  findRow(id: number, tx?: Db): Promise<Campaign | null> {
    return (tx ?? this.prisma).campaign.findUnique({ where: { id } });
  }

  async page(
    where: Prisma.CampaignWhereInput,
    page: { skip: number; take: number },
  ): Promise<{ rows: CampaignRow[]; total: number }> {
    const [rows, total] = await Promise.all([
      this.prisma.campaign.findMany({ where, include: withLists, orderBy: { id: 'desc' }, ...page }),
      this.prisma.campaign.count({ where }),
    ]);
    return { rows, total };
  }

  async create(data: Prisma.CampaignUncheckedCreateInput, listIds: number[], tx: Db): Promise<number> {
    const created = await tx.campaign.create({
      data: { ...data, lists: { create: listIds.map((listId) => ({ listId })) } },
    });
    return created.id;
  }

  /** Changes the campaign (and replaces its lists when `listIds` is given). */
  async update(id: number, data: Prisma.CampaignUncheckedUpdateInput, listIds: number[] | undefined, tx: Db) {
    await tx.campaign.update({
      where: { id },
      data: {
        ...data,
        ...(listIds ? { lists: { deleteMany: {}, create: listIds.map((listId) => ({ listId })) } } : {}),
      },
    });
  }

  /** Deletes the campaign (with its recipients) unless it is running; false when it was running. */
  async deleteUnlessRunning(id: number, tx: Db): Promise<boolean> {
    return (await tx.campaign.deleteMany({ where: { id, status: { not: 'running' } } })).count > 0;
  }

  /** Locks the campaign's row for the rest of the transaction and returns its status (undefined: none). */
  async lockStatus(id: number, tx: Db): Promise<CampaignStatus | undefined> {
    const [row] = await tx.$queryRaw<{ status: CampaignStatus }[]>`
      SELECT status FROM campaigns WHERE id = ${id} FOR UPDATE`;
    return row?.status;
  }

  /** The conditional status change: only while the campaign is in one of `statuses` (and `where`). */
  async move(
    id: number,
    statuses: CampaignStatus[],
    where: Prisma.CampaignWhereInput,
    data: Prisma.CampaignUpdateManyMutationInput,
    tx: Db,
  ): Promise<boolean> {
    const { count } = await tx.campaign.updateMany({
      where: { ...where, id, status: { in: statuses } },
      data,
    });
    return count > 0;
  }

  /** Scheduled campaigns whose time has come, the earliest first. */
  async dueScheduled(now: Date, take: number): Promise<number[]> {
    const rows = await this.prisma.campaign.findMany({
      where: { status: 'scheduled', scheduledAt: { lte: now } },
      orderBy: { scheduledAt: 'asc' },
      take,
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }

  /** A scheduled campaign back to draft with the reason; false when it was no longer scheduled. */
  async unscheduleWithReason(id: number, reason: string): Promise<boolean> {
    const { count } = await this.prisma.campaign.updateMany({
      where: { id, status: 'scheduled' },
      data: { status: 'draft', pauseReason: reason.slice(0, 255) },
    });
    return count > 0;
  }

  /** Campaigns of these sessions matching `where` (ids, sessions and statuses), oldest first. */
  ofSessions(
    sessionIds: string[],
    where: Prisma.CampaignWhereInput,
  ): Promise<{ id: number; sessionId: string; status: CampaignStatus }[]> {
    return this.prisma.campaign.findMany({
      where: { ...where, sessionId: { in: sessionIds } },
      select: { id: true, sessionId: true, status: true },
      orderBy: { id: 'asc' },
    });
  }

  /** The stored counters (refreshed from the recipients by CampaignProgress). */
  async setCounters(
    id: number,
    counters: Pick<
      Campaign,
      'totalCount' | 'sentCount' | 'deliveredCount' | 'readCount' | 'failedCount' | 'skippedCount'
    >,
    tx: Db,
  ): Promise<void> {
    await tx.campaign.update({ where: { id }, data: counters });
  }

  /**
   * Campaigns by status, and their stored counters summed over every campaign (a read of the
   * campaigns table alone, never of the recipients).
   */
  async totals(): Promise<{
    byStatus: { status: CampaignStatus; count: number }[];
    recipients: Record<'total' | 'sent' | 'delivered' | 'read' | 'failed' | 'skipped', number>;
  }> {
    const groups = await this.prisma.campaign.groupBy({
      by: ['status'],
      _count: { _all: true },
      _sum: {
        totalCount: true,
        sentCount: true,
        deliveredCount: true,
        readCount: true,
        failedCount: true,
        skippedCount: true,
      },
    });
    const sum = (field: keyof (typeof groups)[number]['_sum']) =>
      groups.reduce((n, g) => n + (g._sum[field] ?? 0), 0);
    return {
      byStatus: groups.map((g) => ({ status: g.status, count: g._count._all })),
      recipients: {
        total: sum('totalCount'),
        sent: sum('sentCount'),
        delivered: sum('deliveredCount'),
        read: sum('readCount'),
        failed: sum('failedCount'),
        skipped: sum('skippedCount'),
      },
    };
  }

  /** The campaign's list ids, in order. */
  async listIdsOf(campaignId: number): Promise<number[]> {
    const links = await this.prisma.campaignList.findMany({
      where: { campaignId },
      select: { listId: true },
      orderBy: { listId: 'asc' },
    });
    return links.map((l) => l.listId);
  }

  /** Campaigns that have not started yet and still send to this list. */
  async notStartedUsing(listId: number): Promise<number[]> {
    const rows = await this.prisma.campaignList.findMany({
      where: { listId, campaign: { status: { in: ['draft', 'scheduled'] } } },
      select: { campaignId: true },
    });
    return rows.map((r) => r.campaignId);
  }
}
