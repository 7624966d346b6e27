import { Injectable } from '@nestjs/common';
import { ActivityService } from '../activity/activity.service';
import { ValidationFailedException } from '../common/validation';
import { AppConfig } from '../config/app-config';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import type { Actor } from '../sessions/sessions.service';
import { removeCampaignMedia, storeCampaignMedia } from './campaign-media';
import { campaignNotFound, checkSettings, requireStatus } from './campaign-rules';
import { toCampaignView, withLists, type CampaignRow, type CampaignView } from './campaign-view';
import type { CampaignMediaDto, CampaignQueryDto } from './dto/campaign-actions.dto';
import type { CreateCampaignDto, UpdateCampaignDto } from './dto/campaign.dto';

const THROTTLE_FIELDS = [
  'name',
  'minDelayMs',
  'maxDelayMs',
  'perMinuteCap',
  'perDayCap',
  'quietHoursStart',
  'quietHoursEnd',
] as const;

export interface CampaignPage {
  items: CampaignView[];
  pagination: { page: number; limit: number; total: number; pages: number };
}

/** Campaign records: create, edit, list, delete, and their media. The lifecycle is CampaignLifecycle's. */
@Injectable()
export class CampaignsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
    private readonly activity: ActivityService,
  ) {}

  async row(id: number): Promise<CampaignRow> {
    const row = await this.prisma.campaign.findUnique({ where: { id }, include: withLists });
    if (!row) throw campaignNotFound();
    return row;
  }

  async get(id: number): Promise<CampaignView> {
    return toCampaignView(await this.row(id));
  }

  async list(query: CampaignQueryDto): Promise<CampaignPage> {
    const where: Prisma.CampaignWhereInput = { status: query.status, sessionId: query.sessionId };
    const [rows, total] = await Promise.all([
      this.prisma.campaign.findMany({
        where,
        include: withLists,
        orderBy: { id: 'desc' },
        skip: (query.page - 1) * query.limit,
        take: query.limit,
      }),
      this.prisma.campaign.count({ where }),
    ]);
    return {
      items: rows.map(toCampaignView),
      pagination: { page: query.page, limit: query.limit, total, pages: Math.ceil(total / query.limit) },
    };
  }

  async create(dto: CreateCampaignDto, actor: Actor): Promise<CampaignView> {
    const settings = {
      timeZone: dto.timeZone ?? 'UTC',
      minDelayMs: dto.minDelayMs ?? 3000,
      maxDelayMs: dto.maxDelayMs ?? Math.max(8000, dto.minDelayMs ?? 0),
      quietHoursStart: dto.quietHoursStart ?? null,
      quietHoursEnd: dto.quietHoursEnd ?? null,
    };
    const timeZone = checkSettings(settings);
    await this.checkReferences(dto.sessionId, dto.listIds);
    const createdById = actor.principal?.kind === 'user' ? actor.principal.userId : null;
    const id = await this.prisma.$transaction(async (tx) => {
      const created = await tx.campaign.create({
        data: {
          name: dto.name,
          sessionId: dto.sessionId,
          template: dto.template,
          ...settings,
          timeZone,
          perMinuteCap: dto.perMinuteCap ?? null,
          perDayCap: dto.perDayCap ?? null,
          createdById,
          lists: { create: dto.listIds.map((listId) => ({ listId })) },
        },
      });
      await this.activity.record(
        {
          ...actor,
          action: 'campaign.created',
          targetType: 'campaign',
          targetId: created.id,
          metadata: { name: dto.name, listIds: dto.listIds },
        },
        tx,
      );
      return created.id;
    });
    return this.get(id);
  }

  /** Before the start everything may change; afterwards only the name and the throttle. */
  async update(id: number, dto: UpdateCampaignDto, actor: Actor): Promise<CampaignView> {
    const current = await this.row(id);
    requireStatus(current, ['draft', 'scheduled', 'running', 'paused'], 'edit');
    const started = current.status === 'running' || current.status === 'paused';
    const changed = Object.keys(dto).filter((k) => dto[k as keyof UpdateCampaignDto] !== undefined);
    const frozen = changed.filter((k) => !(THROTTLE_FIELDS as readonly string[]).includes(k));
    if (started && frozen.length > 0) {
      throw new ValidationFailedException(
        frozen.map((field) => ({
          field,
          errors: ['cannot change once the campaign has started (only the name and the throttle can)'],
        })),
        'The campaign has started',
      );
    }
    const merged = { ...current, ...dto };
    const timeZone = checkSettings({
      ...merged,
      quietHoursStart: merged.quietHoursStart ?? null,
      quietHoursEnd: merged.quietHoursEnd ?? null,
    });
    if (dto.sessionId !== undefined || dto.listIds !== undefined) {
      await this.checkReferences(
        dto.sessionId ?? current.sessionId,
        dto.listIds ?? current.lists.map((l) => l.listId),
      );
    }
    await this.prisma.$transaction(async (tx) => {
      await tx.campaign.update({
        where: { id },
        data: {
          name: dto.name,
          sessionId: dto.sessionId,
          template: dto.template,
          timeZone: dto.timeZone === undefined ? undefined : timeZone,
          minDelayMs: dto.minDelayMs,
          maxDelayMs: dto.maxDelayMs,
          perMinuteCap: dto.perMinuteCap,
          perDayCap: dto.perDayCap,
          quietHoursStart: dto.quietHoursStart,
          quietHoursEnd: dto.quietHoursEnd,
          ...(dto.listIds
            ? { lists: { deleteMany: {}, create: dto.listIds.map((listId) => ({ listId })) } }
            : {}),
        },
      });
      await this.activity.record(
        {
          ...actor,
          action: 'campaign.updated',
          targetType: 'campaign',
          targetId: id,
          metadata: { fields: changed },
        },
        tx,
      );
    });
    return this.get(id);
  }

  /** Deletes a campaign that is not running, with its recipients and media file. */
  async remove(id: number, actor: Actor): Promise<void> {
    const current = await this.row(id);
    requireStatus(current, ['draft', 'scheduled', 'paused', 'completed', 'cancelled'], 'delete');
    await this.prisma.$transaction(async (tx) => {
      const gone = await tx.campaign.deleteMany({ where: { id, status: { not: 'running' } } });
      if (gone.count === 0)
        requireStatus(
          { status: 'running' },
          ['draft', 'scheduled', 'paused', 'completed', 'cancelled'],
          'delete',
        );
      await this.activity.record(
        {
          ...actor,
          action: 'campaign.deleted',
          targetType: 'campaign',
          targetId: id,
          metadata: { name: current.name },
        },
        tx,
      );
    });
    await removeCampaignMedia(this.config.MEDIA_PATH, current.mediaPath);
  }

  async setMedia(
    id: number,
    file: Express.Multer.File | undefined,
    dto: CampaignMediaDto,
    actor: Actor,
  ): Promise<CampaignView> {
    if (!file)
      throw new ValidationFailedException([
        { field: 'file', errors: ['upload the media as the multipart field "file"'] },
      ]);
    const current = await this.row(id);
    requireStatus(current, ['draft', 'scheduled'], 'change the media of');
    const fields = await storeCampaignMedia(this.config.MEDIA_PATH, id, file, dto);
    await this.prisma.$transaction(async (tx) => {
      await tx.campaign.update({ where: { id }, data: fields });
      await this.activity.record(
        {
          ...actor,
          action: 'campaign.media_set',
          targetType: 'campaign',
          targetId: id,
          metadata: { type: fields.mediaType, mime: fields.mediaMime, size: file.size },
        },
        tx,
      );
    });
    await removeCampaignMedia(this.config.MEDIA_PATH, current.mediaPath);
    return this.get(id);
  }

  async removeMedia(id: number, actor: Actor): Promise<CampaignView> {
    const current = await this.row(id);
    requireStatus(current, ['draft', 'scheduled'], 'change the media of');
    await this.prisma.$transaction(async (tx) => {
      await tx.campaign.update({
        where: { id },
        data: { mediaPath: null, mediaMime: null, mediaType: null, mediaFileName: null },
      });
      await this.activity.record(
        { ...actor, action: 'campaign.media_removed', targetType: 'campaign', targetId: id },
        tx,
      );
    });
    await removeCampaignMedia(this.config.MEDIA_PATH, current.mediaPath);
    return this.get(id);
  }

  private async checkReferences(sessionId: string, listIds: number[]): Promise<void> {
    const [session, lists] = await Promise.all([
      this.prisma.whatsappSession.findUnique({ where: { id: sessionId }, select: { id: true } }),
      this.prisma.recipientList.findMany({ where: { id: { in: listIds } }, select: { id: true } }),
    ]);
    const errors = [];
    if (!session) errors.push({ field: 'sessionId', errors: [`there is no session "${sessionId}"`] });
    const missing = listIds.filter((id) => !lists.some((l) => l.id === id));
    if (missing.length > 0)
      errors.push({ field: 'listIds', errors: [`no recipient list ${missing.join(', ')}`] });
    if (errors.length > 0) throw new ValidationFailedException(errors);
  }
}
