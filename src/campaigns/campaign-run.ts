import { Logger } from '@nestjs/common';
import { isDomainError } from '../common/errors';
import { parseGroupJid } from '../common/group-jid';
import { phoneToJid } from '../common/phone';
import type { AppConfig } from '../config/app-config';
import type { Campaign } from '../generated/prisma/client';
import type { MediaStore } from '../media/media-store';
import type { MessageQueries } from '../messages/message-queries.service';
import type { ChatStatePort, OutboundMedia, PresenceState, WhatsAppPort } from '../whatsapp/whatsapp.port';
import { campaignContent } from './campaign-media';
import type { CampaignProgress } from './campaign-progress.service';
import type { CampaignRecipientStore, DueRecipient } from './campaign-recipient-store';
import { CampaignTransitions, PAUSE_MEDIA } from './campaign-transitions';
import type { CampaignRepository } from './campaign.repository';
import { errorText, isDatabaseError, retryDelay } from './send-errors';
import { renderTemplate } from './template';
import { drawGap, drawTyping, nextSendTime } from './throttle';
import { startOfDay } from './time-zone';

export interface RunContext {
  config: AppConfig;
  campaigns: CampaignRepository;
  whatsapp: WhatsAppPort;
  chatState: ChatStatePort;
  messages: MessageQueries;
  media: MediaStore;
  store: CampaignRecipientStore;
  progress: CampaignProgress;
  transitions: CampaignTransitions;
  /** Rows this process is sending right now; the crash recovery leaves them alone. */
  inFlight: Set<number>;
}

/** attempted: a send went to WhatsApp (or may have), so the throttle counts it; none: nothing happened. */
type Outcome = 'attempted' | 'skipped' | 'none';
const MAX_SLEEP_MS = 1000;

/**
 * One running campaign in the process holding its session: one recipient at a time, each after
 * the throttle allows it. Per send: check the number is on WhatsApp, choose the message id, commit
 * the row as 'sending' with that id, send, then mark it 'sent'. Stops when the campaign is no
 * longer running, its session is not connected here, or the process shuts down.
 */
export class CampaignRun {
  private readonly logger = new Logger(CampaignRun.name);
  private stopped = false;
  private wake: (() => void) | null = null;
  private media: OutboundMedia | null = null;
  /** When the last message left after showing "typing…" (the throttle counts from there). */
  private typedAt: Date | null = null;

  constructor(
    readonly campaignId: number,
    private readonly ctx: RunContext,
  ) {}

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  async run(): Promise<void> {
    const { store, progress } = this.ctx;
    const id = this.campaignId;
    let lastSendAt = await store.lastSentAt(id);
    let today = null as { start: number; sent: number } | null;
    let gap: ReturnType<typeof drawGap> | null = null;
    let typingMs: number | null = null;
    try {
      while (!this.stopped) {
        const c = await this.ctx.campaigns.findRow(id);
        if (!c || c.status !== 'running' || this.ctx.whatsapp.statusOf(c.sessionId) !== 'connected') return;
        if (c.mediaPath && !this.media && !(await this.loadMedia(c, c.mediaPath))) return;
        gap ??= drawGap(c);
        typingMs ??= drawTyping(c);
        const now = new Date();
        const dayStart = startOfDay(now, c.timeZone).getTime();
        if (c.perDayCap !== null && today?.start !== dayStart)
          today = { start: dayStart, sent: await store.sentSince(id, new Date(dayStart)) };
        const next = nextSendTime(c, { now, lastSendAt, gap, sentToday: today?.sent ?? 0, leadMs: typingMs });
        if (next.at > now) {
          progress.waits.set(id, { reason: next.reason!, until: next.at });
          await this.sleep(next.at.getTime() - now.getTime());
          continue;
        }
        const row = await store.nextDue(id);
        if (!row) {
          const openAt = await store.nextOpenAt(id);
          if (!openAt) {
            await this.ctx.transitions.complete(id);
            return;
          }
          progress.waits.set(id, { reason: 'retry backoff', until: openAt });
          await this.sleep(openAt.getTime() - Date.now());
          continue;
        }
        progress.waits.delete(id);
        const startedAt = new Date();
        this.typedAt = null;
        const outcome = await this.sendOne(c, row, typingMs);
        if (outcome === 'attempted') {
          lastSendAt = this.typedAt ?? startedAt;
          gap = drawGap(c);
          typingMs = drawTyping(c);
          if (today) today.sent += 1;
        }
        if (outcome !== 'none') progress.changed(id);
      }
    } finally {
      progress.waits.delete(id);
    }
  }

  private async sendOne(c: Campaign, row: DueRecipient, typingMs: number): Promise<Outcome> {
    const { whatsapp, store, config } = this.ctx;
    let jid: string;
    try {
      // A group recipient (its jid) needs no number check: a group the account is not in is
      // refused by the send itself (NOT_A_PARTICIPANT, GROUP_NOT_FOUND), like a number WhatsApp refuses.
      const group = parseGroupJid(row.phone);
      const [found] = group
        ? [{ jid: group, exists: true }]
        : (await whatsapp.checkNumbers(c.sessionId, [phoneToJid(row.phone)])).filter((r) => r.exists);
      if (!found) {
        await store.skipOne(row.id, 'not on WhatsApp');
        return 'skipped';
      }
      jid = found.jid;
    } catch (error) {
      if (isDomainError(error, 'SESSION_NOT_CONNECTED')) return 'none';
      const giveUp = row.attempts + 1 >= config.CAMPAIGN_MAX_ATTEMPTS;
      await store.defer(
        row.id,
        new Date(Date.now() + retryDelay(config.CAMPAIGN_RETRY_DELAY_MS, row.attempts + 1)),
        `number check failed: ${errorText(error)}`,
        giveUp,
      );
      return 'skipped';
    }
    if (typingMs > 0 && !(await this.showTyping(c, jid, typingMs))) return 'none';
    let messageId: string;
    try {
      messageId = whatsapp.newMessageId(c.sessionId);
    } catch {
      if (typingMs > 0) await this.presence(c.sessionId, 'paused', jid);
      return 'none';
    }
    this.ctx.inFlight.add(row.id);
    try {
      if (!(await store.markSending(row.id, messageId))) return 'none';
      try {
        await whatsapp.send(
          c.sessionId,
          jid,
          campaignContent(c, renderTemplate(c.template, row), this.media),
          {
            messageId,
          },
        );
      } catch (error) {
        if (typingMs > 0) await this.presence(c.sessionId, 'paused', jid);
        return await this.afterSendError(c, row, messageId, error);
      }
      await store.markSent(row.id, messageId);
      if (typingMs > 0) await this.presence(c.sessionId, 'paused', jid);
      return 'attempted';
    } finally {
      this.ctx.inFlight.delete(row.id);
    }
  }

  /**
   * Shows "typing…" to the recipient for `ms`, then checks the campaign may still send (it may
   * have been paused or cancelled meanwhile). False: nothing is sent now (the row stays pending).
   */
  private async showTyping(c: Campaign, jid: string, ms: number): Promise<boolean> {
    await this.presence(c.sessionId, 'composing', jid);
    const until = Date.now() + ms;
    while (!this.stopped && Date.now() < until) await this.sleep(until - Date.now());
    const now = this.stopped ? null : await this.ctx.campaigns.findRow(c.id);
    if (!now || now.status !== 'running') {
      await this.presence(c.sessionId, 'paused', jid);
      return false;
    }
    this.typedAt = new Date();
    return true;
  }

  /** A chat state for the recipient; a failure never fails the recipient (typing is only a look). */
  private async presence(sessionId: string, state: PresenceState, jid: string): Promise<void> {
    await this.ctx.chatState
      .sendPresence(sessionId, state, jid)
      .catch((error: unknown) =>
        this.logger.debug(`Campaign ${this.campaignId}: ${state} presence not sent: ${errorText(error)}`),
      );
  }

  /**
   * What a failed send means. Not connected: it never left, so back to pending. Stored as sent:
   * it went. A database error: unknown, so 'review'. Anything else failed before the message was
   * handed to WhatsApp: retried with backoff, then 'failed'.
   */
  private async afterSendError(
    c: Campaign,
    row: DueRecipient,
    messageId: string,
    error: unknown,
  ): Promise<Outcome> {
    const { store, config, messages } = this.ctx;
    if (isDomainError(error, 'SESSION_NOT_CONNECTED')) {
      await store.release(row.id, messageId, { undoAttempt: true });
      return 'none';
    }
    const stored = await messages.findOutbound(c.sessionId, messageId).catch(() => null);
    if (stored) {
      await store.markSent(row.id, messageId);
      return 'attempted';
    }
    if (isDatabaseError(error)) {
      await store.settle(
        row.id,
        messageId,
        'review',
        `send outcome unknown (database error: ${errorText(error)}); check the chat before resending`,
      );
      return 'attempted';
    }
    // A group the account is not in (or that is gone) will not take a retry either.
    if (isDomainError(error, 'NOT_A_PARTICIPANT') || isDomainError(error, 'GROUP_NOT_FOUND')) {
      await store.settle(row.id, messageId, 'failed', errorText(error));
      return 'attempted';
    }
    const attempt = row.attempts + 1;
    this.logger.warn(
      `Campaign ${c.id}: sending to recipient ${row.id} failed (attempt ${attempt}): ${errorText(error)}`,
    );
    if (attempt >= config.CAMPAIGN_MAX_ATTEMPTS)
      await store.settle(row.id, messageId, 'failed', errorText(error));
    else {
      const nextAttemptAt = new Date(Date.now() + retryDelay(config.CAMPAIGN_RETRY_DELAY_MS, attempt));
      await store.release(row.id, messageId, { undoAttempt: false, nextAttemptAt, error: errorText(error) });
    }
    return 'attempted';
  }

  /** The campaign's file, read once per run; sent from where the store keeps it (no copy per recipient). */
  private async loadMedia(c: Campaign, path: string): Promise<boolean> {
    try {
      const data = await this.ctx.media.read(path);
      this.media = {
        data,
        mimetype: c.mediaMime ?? 'application/octet-stream',
        stored: { path, size: data.length },
      };
      return true;
    } catch (error) {
      await this.ctx.transitions.pauseBySystem(
        c.id,
        PAUSE_MEDIA,
        `The campaign's media file cannot be read (${errorText(error)})`,
      );
      return false;
    }
  }

  /** Waits up to a second at a time, so pause, cancel and shutdown are seen quickly. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, Math.min(ms, MAX_SLEEP_MS)));
      this.wake = done;
    });
  }
}
