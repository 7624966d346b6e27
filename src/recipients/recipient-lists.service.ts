import { Injectable } from '@nestjs/common';
import { ActivityService, audited } from '../activity/activity.service';
import { userIdOf, type Actor } from '../auth/actor';
import { DomainError } from '../common/errors';
import { PrismaService } from '../prisma/prisma.service';
import type { CreateRecipientListDto, UpdateRecipientListDto } from './dto/recipient-list.dto';
import { toListView, type RecipientListView } from './recipient-view';

const withCount = { _count: { select: { recipients: true } } } as const;

/** Asked before a list is deleted; throws (a DomainError) to refuse it. */
export type ListDeletionGuard = (listId: number) => Promise<void>;

/**
 * Recipient lists: create, rename, delete, and list them with their recipient counts (the owner of
 * recipient_lists). What uses a list (campaigns) guards its deletion through addDeletionGuard.
 */
@Injectable()
export class RecipientListsService {
  private readonly deletionGuards: ListDeletionGuard[] = [];

  constructor(
    private readonly prisma: PrismaService,
    private readonly activity: ActivityService,
  ) {}

  addDeletionGuard(guard: ListDeletionGuard): void {
    this.deletionGuards.push(guard);
  }

  /** Which of these list ids exist. */
  async existing(ids: number[]): Promise<Set<number>> {
    const rows = await this.prisma.recipientList.findMany({
      where: { id: { in: ids } },
      select: { id: true },
    });
    return new Set(rows.map((r) => r.id));
  }

  async list(): Promise<RecipientListView[]> {
    const rows = await this.prisma.recipientList.findMany({ include: withCount, orderBy: { id: 'desc' } });
    return rows.map(toListView);
  }

  async get(id: number): Promise<RecipientListView> {
    const row = await this.prisma.recipientList.findUnique({ where: { id }, include: withCount });
    if (!row) throw new DomainError('LIST_NOT_FOUND', 'Recipient list not found');
    return toListView(row);
  }

  async create(dto: CreateRecipientListDto, actor: Actor): Promise<RecipientListView> {
    const row = await this.prisma.$transaction(async (tx) => {
      const created = await tx.recipientList.create({
        data: { name: dto.name, description: dto.description ?? null, createdById: userIdOf(actor) },
        include: withCount,
      });
      await this.activity.record(
        {
          ...audited(actor),
          action: 'recipient_list.created',
          targetType: 'recipient_list',
          targetId: created.id,
          metadata: { name: dto.name },
        },
        tx,
      );
      return created;
    });
    return toListView(row);
  }

  async update(id: number, dto: UpdateRecipientListDto, actor: Actor): Promise<RecipientListView> {
    const before = await this.get(id);
    await this.prisma.$transaction(async (tx) => {
      await tx.recipientList.update({
        where: { id },
        data: { name: dto.name, description: dto.description === undefined ? undefined : dto.description },
      });
      await this.activity.record(
        {
          ...audited(actor),
          action: 'recipient_list.updated',
          targetType: 'recipient_list',
          targetId: id,
          metadata: { from: before.name, name: dto.name ?? before.name },
        },
        tx,
      );
    });
    return this.get(id);
  }

  /** Deletes the list with its recipients. Refused while a campaign that has not started uses it. */
  async remove(id: number, actor: Actor): Promise<void> {
    const list = await this.get(id);
    for (const guard of this.deletionGuards) await guard(id);
    await this.prisma.$transaction(async (tx) => {
      await tx.recipientList.delete({ where: { id } });
      await this.activity.record(
        {
          ...audited(actor),
          action: 'recipient_list.deleted',
          targetType: 'recipient_list',
          targetId: id,
          metadata: { name: list.name, recipients: list.recipientCount },
        },
        tx,
      );
    });
  }
}
