import { Injectable, Logger } from '@nestjs/common';
import { ActivityService, type ActivityEntry } from '../activity/activity.service';
import type { Prisma } from '../generated/prisma/client';
import { Database, type Tx } from '../prisma/database';
import { CampaignProgress } from './campaign-progress.service';
import { CampaignRecipientStore } from './campaign-recipient-store';
import { CampaignRepository, type CampaignStatus } from './campaign.repository';

export const PAUSE_MANUAL = 'manual';
export const PAUSE_SESSION = 'session_disconnected';
export const PAUSE_REFUSED = 'whatsapp_refused';
export const PAUSE_MEDIA = 'media_missing';

type Audit = Omit<ActivityEntry, 'targetType' | 'targetId'>;

/**
 * Every change of a campaign's status goes through here: one conditional UPDATE (so concurrent
 * schedulers, senders, receipts and people cannot both win), its activity row in the same
 * transaction, then a progress push. Also the changes the system makes by itself.
 */
@Injectable()
export class CampaignTransitions {
  private readonly logger = new Logger(CampaignTransitions.name);

  constructor(
    private readonly campaigns: CampaignRepository,
    private readonly recipients: CampaignRecipientStore,
    private readonly database: Database,
    private readonly activity: ActivityService,
    private readonly progress: CampaignProgress,
  ) {}

  /** Moves the campaign from one of `from` (and `where`) with `data`; false when it was not there. */
  async move(
    id: number,
    from: CampaignStatus[] | { status: CampaignStatus[]; where: Prisma.CampaignWhereInput },
    data: Prisma.CampaignUpdateManyMutationInput,
    audit: Audit,
    also?: (tx: Tx) => Promise<boolean | void>,
  ): Promise<boolean> {
    const [statuses, where] = Array.isArray(from) ? [from, {}] : [from.status, from.where];
    const moved = await this.database
      .transaction(async (tx) => {
        if (!(await this.campaigns.move(id, statuses, where, data, tx))) return false;
        if ((await also?.(tx)) === false) throw new Rollback();
        await this.activity.record({ ...audit, targetType: 'campaign', targetId: id }, tx);
        return true;
      })
      .catch((error: unknown) => {
        if (error instanceof Rollback) return false;
        throw error;
      });
    if (moved) await this.progress.publish(id);
    return moved;
  }

  /** The campaign pauses itself (WhatsApp refused a send, its media is gone, ...); a person must resume it. */
  async pauseBySystem(
    id: number,
    code: string,
    reason: string,
    metadata: Record<string, unknown> = {},
  ): Promise<boolean> {
    const from: CampaignStatus[] = code === PAUSE_SESSION ? ['running'] : ['running', 'paused'];
    const moved = await this.move(
      id,
      from,
      { status: 'paused', pauseCode: code, pauseReason: reason.slice(0, 255), pausedBySystem: true },
      { action: 'campaign.paused', actorLabel: 'system', metadata: { ...metadata, code, reason } },
    );
    if (moved) this.logger.warn(`Campaign ${id} paused: ${reason}`);
    return moved;
  }

  /** Pauses the running campaigns of a session that went away; they resume when it is back. */
  async pauseForSession(sessionId: string, reason: string): Promise<void> {
    const running = await this.campaigns.ofSessions([sessionId], { status: 'running' });
    for (const { id } of running) await this.pauseBySystem(id, PAUSE_SESSION, reason, { sessionId });
  }

  /** Resumes the campaigns that paused because this session was gone. */
  async resumeForSession(sessionId: string): Promise<void> {
    const paused = await this.campaigns.ofSessions([sessionId], {
      status: 'paused',
      pauseCode: PAUSE_SESSION,
    });
    for (const { id } of paused) {
      await this.move(
        id,
        { status: ['paused'], where: { pauseCode: PAUSE_SESSION } },
        { status: 'running', pauseCode: null, pauseReason: null, pausedBySystem: false },
        {
          action: 'campaign.resumed',
          actorLabel: 'system',
          metadata: { sessionId, reason: 'session connected again' },
        },
      );
    }
  }

  /** Completes a running campaign once no recipient is pending or being sent. */
  async complete(id: number): Promise<boolean> {
    return this.move(
      id,
      ['running'],
      { status: 'completed', completedAt: new Date() },
      { action: 'campaign.completed', actorLabel: 'system' },
      async (tx) => (await this.recipients.openCount(id, tx)) === 0,
    );
  }
}

/** Thrown inside a transition's transaction to undo it without an error. */
class Rollback extends Error {}
