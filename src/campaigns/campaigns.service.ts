import { Injectable } from '@nestjs/common';
import { ActivityService, audited } from '../activity/activity.service';
import { userIdOf, type Actor } from '../auth/actor';
import type { FieldError } from '../common/api-envelope';
import { validationFailed } from '../common/errors';
import { MediaStore } from '../media/media-store';
import { checkMediaType, mediaKindOf } from '../media/media-types';
import { Database, type Tx } from '../prisma/database';
import { RecipientListsService } from '../recipients/recipient-lists.service';
import { SessionRepository } from '../whatsapp/session.repository';
import { campaignMediaFields } from './campaign-media';
import { campaignNotFound, checkSettings, requireStatus } from './campaign-rules';
import { toCampaignView, type CampaignRow, type CampaignView } from './campaign-view';
import { CampaignRepository } from './campaign.repository';
import type { CampaignMediaDto, CampaignQueryDto } from './dto/campaign-actions.dto';
import type { CreateCampaignDto, UpdateCampaignDto } from './dto/campaign.dto';

const THROTTLE_FIELDS = [
  'name',
  'minDelayMs',
  'maxDelayMs',
  'perMinuteCap',
  'perDayCap',
  'typing',
  'typingMinMs',
  'typingMaxMs',
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
    private readonly campaigns: CampaignRepository,
    private readonly sessions: SessionRepository,
    private readonly lists: RecipientListsService,
    private readonly media: MediaStore,
    private readonly database: Database,
    private readonly activity: ActivityService,
  ) {}

  async row(id: number): Promise<CampaignRow> {
    const row = await this.campaigns.find(id);
    if (!row) throw campaignNotFound();
    return row;
  }

  async get(id: number): Promise<CampaignView> {
    return toCampaignView(await this.row(id));
  }

  async list(query: CampaignQueryDto): Promise<CampaignPage> {
    const { rows, total } = await this.campaigns.page(
      { status: query.status, sessionId: query.sessionId },
      { skip: (query.page - 1) * query.limit, take: query.limit },
    );
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
      typing: dto.typing ?? false,
      typingMinMs: dto.typingMinMs ?? 1000,
      typingMaxMs: dto.typingMaxMs ?? Math.max(3000, dto.typingMinMs ?? 0),
      quietHoursStart: dto.quietHoursStart ?? null,
      quietHoursEnd: dto.quietHoursEnd ?? null,
    };
    const timeZone = checkSettings(settings);
    await this.checkReferences(dto.sessionId, dto.listIds);
    const id = await this.database.transaction(async (tx) => {
      const created = await this.campaigns.create(
        {
          name: dto.name,
          sessionId: dto.sessionId,
          template: dto.template,
          ...settings,
          timeZone,
          perMinuteCap: dto.perMinuteCap ?? null,
          perDayCap: dto.perDayCap ?? null,
          createdById: userIdOf(actor),
        },
        dto.listIds,
        tx,
      );
      await this.audit('campaign.created', created, actor, tx, { name: dto.name, listIds: dto.listIds });
      return created;
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
      throw validationFailed(
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
    await this.database.transaction(async (tx) => {
      await this.campaigns.update(
        id,
        {
          name: dto.name,
          sessionId: dto.sessionId,
          template: dto.template,
          timeZone: dto.timeZone === undefined ? undefined : timeZone,
          minDelayMs: dto.minDelayMs,
          maxDelayMs: dto.maxDelayMs,
          perMinuteCap: dto.perMinuteCap,
          perDayCap: dto.perDayCap,
          typing: dto.typing,
          typingMinMs: dto.typingMinMs,
          typingMaxMs: dto.typingMaxMs,
          quietHoursStart: dto.quietHoursStart,
          quietHoursEnd: dto.quietHoursEnd,
        },
        dto.listIds,
        tx,
      );
      await this.audit('campaign.updated', id, actor, tx, { fields: changed });
    });
    return this.get(id);
  }

  /** Deletes a campaign that is not running, with its recipients and media file. */
  async remove(id: number, actor: Actor): Promise<void> {
    const deletable = ['draft', 'scheduled', 'paused', 'completed', 'cancelled'] as const;
    const current = await this.row(id);
    requireStatus(current, [...deletable], 'delete');
    await this.database.transaction(async (tx) => {
      if (!(await this.campaigns.deleteUnlessRunning(id, tx)))
        requireStatus({ status: 'running' }, [...deletable], 'delete');
      await this.audit('campaign.deleted', id, actor, tx, { name: current.name });
    });
    await this.media.remove(current.mediaPath);
  }

  async setMedia(
    id: number,
    file: Express.Multer.File | undefined,
    dto: CampaignMediaDto,
    actor: Actor,
  ): Promise<CampaignView> {
    if (!file)
      throw validationFailed([{ field: 'file', errors: ['upload the media as the multipart field "file"'] }]);
    const current = await this.row(id);
    requireStatus(current, ['draft', 'scheduled'], 'change the media of');
    const type = dto.type ?? mediaKindOf(file.mimetype);
    checkMediaType(type, file.mimetype);
    const stored = await this.media.saveCampaignMedia(id, file.mimetype, file.buffer);
    const fields = campaignMediaFields(stored, file, type, dto.fileName);
    await this.database.transaction(async (tx) => {
      await this.campaigns.update(id, fields, undefined, tx);
      await this.audit('campaign.media_set', id, actor, tx, {
        type: fields.mediaType,
        mime: fields.mediaMime,
        size: file.size,
      });
    });
    await this.media.remove(current.mediaPath);
    return this.get(id);
  }

  async removeMedia(id: number, actor: Actor): Promise<CampaignView> {
    const current = await this.row(id);
    requireStatus(current, ['draft', 'scheduled'], 'change the media of');
    await this.database.transaction(async (tx) => {
      await this.campaigns.update(
        id,
        { mediaPath: null, mediaMime: null, mediaType: null, mediaFileName: null },
        undefined,
        tx,
      );
      await this.audit('campaign.media_removed', id, actor, tx);
    });
    await this.media.remove(current.mediaPath);
    return this.get(id);
  }

  private audit(action: string, id: number, actor: Actor, tx: Tx, metadata?: Record<string, unknown>) {
    return this.activity.record(
      { ...audited(actor), action, targetType: 'campaign', targetId: id, metadata },
      tx,
    );
  }

  private async checkReferences(sessionId: string, listIds: number[]): Promise<void> {
    const [session, lists] = await Promise.all([
      this.sessions.exists(sessionId),
      this.lists.existing(listIds),
    ]);
    const errors: FieldError[] = [];
    if (!session) errors.push({ field: 'sessionId', errors: [`there is no session "${sessionId}"`] });
    const missing = listIds.filter((id) => !lists.has(id));
    if (missing.length > 0)
      errors.push({ field: 'listIds', errors: [`no recipient list ${missing.join(', ')}`] });
    if (errors.length > 0) throw validationFailed(errors);
  }
}
