import { Injectable } from '@nestjs/common';
import { ActivityService, audited } from '../activity/activity.service';
import { type Actor } from '../auth/actor';
import { principalLabel } from '../auth/principal';
import { DomainError, validationFailed } from '../common/errors';
import { Database } from '../prisma/database';
import { SessionRepository } from '../whatsapp/session.repository';
import { CampaignAudience } from './campaign-audience';
import { CampaignProgress } from './campaign-progress.service';
import { CampaignRecipientStore } from './campaign-recipient-store';
import { checkSettings, messageProblems, notReady, requireStatus } from './campaign-rules';
import { skipMissingVariables } from './campaign-snapshot';
import { CampaignTransitions, PAUSE_MANUAL, PAUSE_SESSION } from './campaign-transitions';
import type { CampaignView } from './campaign-view';
import { CampaignRepository } from './campaign.repository';
import { CampaignsService } from './campaigns.service';
import type {
  MissingVariablePolicy,
  PauseCampaignDto,
  RetryCampaignDto,
  ScheduleCampaignDto,
  StartCampaignDto,
} from './dto/campaign-actions.dto';
import { parseZonedDateTime } from './time-zone';

const START_TIMEOUT_MS = 5 * 60_000;
const audit = (actor: Actor | null) => (actor ? audited(actor) : { actorLabel: 'system' });

/** A person's (or the scheduler's) moves of a campaign: schedule, start, pause, resume, cancel, retry. */
@Injectable()
export class CampaignLifecycle {
  constructor(
    private readonly database: Database,
    private readonly repository: CampaignRepository,
    private readonly recipients: CampaignRecipientStore,
    private readonly sessions: SessionRepository,
    private readonly campaigns: CampaignsService,
    private readonly audience: CampaignAudience,
    private readonly transitions: CampaignTransitions,
    private readonly progress: CampaignProgress,
    private readonly activity: ActivityService,
  ) {}

  async schedule(id: number, dto: ScheduleCampaignDto, actor: Actor): Promise<CampaignView> {
    const c = await this.campaigns.row(id);
    requireStatus(c, ['draft', 'scheduled'], 'schedule');
    const timeZone = checkSettings({ ...c, timeZone: dto.timeZone ?? c.timeZone });
    const at = parseZonedDateTime(dto.scheduledAt, timeZone);
    if (!at) {
      throw validationFailed([
        {
          field: 'scheduledAt',
          errors: ['must be a date-time such as 2026-12-01T09:00 (in timeZone) or an ISO 8601 instant'],
        },
      ]);
    }
    if (at.getTime() < Date.now() - 60_000)
      throw validationFailed([{ field: 'scheduledAt', errors: [`${at.toISOString()} is in the past`] }]);
    await this.checkReady(c, dto.missingVariables);
    await this.transitions.move(
      id,
      ['draft', 'scheduled'],
      {
        status: 'scheduled',
        scheduledAt: at,
        timeZone,
        missingVars: dto.missingVariables ?? c.missingVars,
        pauseReason: null,
      },
      {
        ...audit(actor),
        action: 'campaign.scheduled',
        metadata: { scheduledAt: at.toISOString(), timeZone, asGiven: dto.scheduledAt },
      },
    );
    return this.campaigns.get(id);
  }

  async unschedule(id: number, actor: Actor): Promise<CampaignView> {
    requireStatus(await this.campaigns.row(id), ['scheduled'], 'unschedule');
    await this.transitions.move(
      id,
      ['scheduled'],
      { status: 'draft', scheduledAt: null },
      { ...audit(actor), action: 'campaign.unscheduled' },
    );
    return this.campaigns.get(id);
  }

  /**
   * Starts now: snapshots the lists into the campaign's recipients, applies the missing-variable
   * policy, and sets it running (or paused until its session is connected). `actor` null is the scheduler.
   */
  async start(id: number, dto: StartCampaignDto, actor: Actor | null): Promise<CampaignView> {
    const c = await this.campaigns.row(id);
    requireStatus(c, ['draft', 'scheduled'], 'start');
    if (actor) await this.checkReady(c, dto.missingVariables);
    else if (messageProblems(c).length > 0) throw notReady(messageProblems(c));
    const policy: MissingVariablePolicy = dto.missingVariables ?? (c.missingVars as MissingVariablePolicy);
    const connected = (await this.sessions.find(c.sessionId))?.status === 'connected';
    await this.database.transaction(
      async (tx) => {
        const locked = await this.repository.lockStatus(id, tx);
        if (!locked) throw new DomainError('CAMPAIGN_NOT_FOUND', 'Campaign not found');
        requireStatus({ status: locked }, ['draft', 'scheduled'], 'start');
        const total = await this.recipients.snapshot(tx, id);
        if (total === 0) throw notReady(['its recipient lists are empty']);
        const skipped =
          policy === 'skip' ? await skipMissingVariables(this.recipients, tx, id, c.template) : 0;
        await this.repository.update(
          id,
          {
            status: connected ? 'running' : 'paused',
            startedAt: new Date(),
            completedAt: null,
            missingVars: policy,
            totalCount: total,
            pauseCode: connected ? null : PAUSE_SESSION,
            pauseReason: connected ? null : `Waiting for session ${c.sessionId} to be connected`,
            pausedBySystem: !connected,
          },
          undefined,
          tx,
        );
        await this.activity.record(
          {
            ...audit(actor),
            action: 'campaign.started',
            targetType: 'campaign',
            targetId: id,
            metadata: {
              recipients: total,
              skippedMissingVariables: skipped,
              missingVariables: policy,
              scheduled: actor === null,
              waitingForSession: !connected,
            },
          },
          tx,
        );
      },
      { timeout: START_TIMEOUT_MS },
    );
    await this.progress.publish(id);
    return this.campaigns.get(id);
  }

  /** Pauses a running campaign (or turns the system's pause into a person's, which nothing lifts by itself). */
  async pause(id: number, dto: PauseCampaignDto, actor: Actor): Promise<CampaignView> {
    requireStatus(await this.campaigns.row(id), ['running', 'paused'], 'pause');
    const who = actor.principal ? principalLabel(actor.principal) : 'system';
    await this.transitions.move(
      id,
      ['running', 'paused'],
      {
        status: 'paused',
        pauseCode: PAUSE_MANUAL,
        pauseReason: (dto.reason ?? `Paused by ${who}`).slice(0, 255),
        pausedBySystem: false,
      },
      { ...audit(actor), action: 'campaign.paused', metadata: { reason: dto.reason ?? null } },
    );
    return this.campaigns.get(id);
  }

  /** Resumes a paused campaign; if its session is not connected it waits for it (and resumes by itself). */
  async resume(id: number, actor: Actor): Promise<CampaignView> {
    const c = await this.campaigns.row(id);
    requireStatus(c, ['paused'], 'resume');
    const connected = (await this.sessions.find(c.sessionId))?.status === 'connected';
    await this.transitions.move(
      id,
      ['paused'],
      connected
        ? { status: 'running', pauseCode: null, pauseReason: null, pausedBySystem: false }
        : {
            pauseCode: PAUSE_SESSION,
            pauseReason: `Waiting for session ${c.sessionId} to be connected`,
            pausedBySystem: true,
          },
      {
        ...audit(actor),
        action: 'campaign.resumed',
        metadata: { waitingForSession: !connected, previousReason: c.pauseReason },
      },
    );
    return this.campaigns.get(id);
  }

  /** Cancels the campaign; recipients not sent yet are marked skipped ('campaign cancelled'). */
  async cancel(id: number, actor: Actor): Promise<CampaignView> {
    requireStatus(await this.campaigns.row(id), ['draft', 'scheduled', 'running', 'paused'], 'cancel');
    await this.transitions.move(
      id,
      ['draft', 'scheduled', 'running', 'paused'],
      { status: 'cancelled', completedAt: new Date(), pauseCode: null, pausedBySystem: false },
      { ...audit(actor), action: 'campaign.cancelled' },
      (tx) => this.recipients.skipPending(tx, id, 'campaign cancelled'),
    );
    return this.campaigns.get(id);
  }

  /** Puts failed recipients (and, when asked, those marked for review) back in the queue. */
  async retry(id: number, dto: RetryCampaignDto, actor: Actor): Promise<CampaignView & { retried: number }> {
    const c = await this.campaigns.row(id);
    requireStatus(c, ['running', 'paused', 'completed'], 'retry');
    const statuses = dto.includeReview ? (['failed', 'review'] as const) : (['failed'] as const);
    let retried = 0;
    await this.transitions.move(
      id,
      ['running', 'paused', 'completed'],
      c.status === 'completed' ? { status: 'running', completedAt: null } : {},
      { ...audit(actor), action: 'campaign.retried', metadata: { statuses } },
      async (tx) => {
        retried = await this.recipients.requeue(tx, id, [...statuses]);
        return retried > 0;
      },
    );
    if (retried === 0)
      throw new DomainError('NOTHING_TO_RETRY', `No ${statuses.join(' or ')} recipients to retry`);
    return { ...(await this.campaigns.get(id)), retried };
  }

  /** Refuses a start that would go wrong: no message, or recipients lacking variables with no policy chosen. */
  private async checkReady(
    c: Awaited<ReturnType<CampaignsService['row']>>,
    policy: MissingVariablePolicy | undefined,
  ): Promise<void> {
    const problems = messageProblems(c);
    if (problems.length > 0) throw notReady(problems);
    const report = await this.audience.missingReport(c.template, this.audience.fromLists(c.id));
    if (report.recipients === 0) throw notReady(['its recipient lists are empty']);
    if (report.missing.count > 0 && !policy) {
      const by = Object.entries(report.missing.byVariable)
        .map(([v, n]) => `${v}: ${n}`)
        .join(', ');
      throw new DomainError(
        'MISSING_VARIABLES',
        `${report.missing.count} of ${report.recipients} recipients lack template variables (${by}); see GET /api/v1/campaigns/${c.id}/preview, ` +
          "fix the lists, or say missingVariables 'skip' or 'blank'",
        report.missing.recipients
          .slice(0, 20)
          .map((r) => ({ field: r.phone, errors: r.missing.map((v) => `lacks ${v}`) })),
      );
    }
  }
}
