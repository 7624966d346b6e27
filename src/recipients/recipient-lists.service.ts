import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { ActivityService } from '../activity/activity.service';
import { PrismaService } from '../prisma/prisma.service';
import type { Actor } from '../sessions/sessions.service';
import type { CreateRecipientListDto, UpdateRecipientListDto } from './dto/recipient-list.dto';
import { toListView, type RecipientListView } from './recipient-view';

const withCount = { _count: { select: { recipients: true } } } as const;

/** Recipient lists: create, rename, delete, and list them with their recipient counts. */
@Injectable()
export class RecipientListsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly activity: ActivityService,
  ) {}

  async list(): Promise<RecipientListView[]> {
    const rows = await this.prisma.recipientList.findMany({ include: withCount, orderBy: { id: 'desc' } });
    return rows.map(toListView);
  }

  async get(id: number): Promise<RecipientListView> {
    const row = await this.prisma.recipientList.findUnique({ where: { id }, include: withCount });
    if (!row) throw new NotFoundException({ message: 'Recipient list not found', code: 'LIST_NOT_FOUND' });
    return toListView(row);
  }

  async create(dto: CreateRecipientListDto, actor: Actor): Promise<RecipientListView> {
    const createdById = actor.principal?.kind === 'user' ? actor.principal.userId : null;
    const row = await this.prisma.$transaction(async (tx) => {
      const created = await tx.recipientList.create({
        data: { name: dto.name, description: dto.description ?? null, createdById },
        include: withCount,
      });
      await this.activity.record(
        {
          ...actor,
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
          ...actor,
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
    const waiting = await this.prisma.campaignList.findMany({
      where: { listId: id, campaign: { status: { in: ['draft', 'scheduled'] } } },
      select: { campaignId: true },
    });
    if (waiting.length > 0) {
      throw new ConflictException({
        message: `The list is used by campaigns that have not started yet (${waiting.map((w) => w.campaignId).join(', ')}); remove it from them first`,
        code: 'LIST_IN_USE',
      });
    }
    await this.prisma.$transaction(async (tx) => {
      await tx.recipientList.delete({ where: { id } });
      await this.activity.record(
        {
          ...actor,
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
