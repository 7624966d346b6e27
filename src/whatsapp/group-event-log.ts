import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import {
  DomainEvents,
  type GroupJoinedEvent,
  type GroupParticipantsEvent,
  type GroupUpdatedEvent,
} from '../common/domain-events';
import type { OutboxEvent } from '../outbox/event-names';
import { OutboxWriter } from '../outbox/outbox-writer';
import { PruneJob } from '../common/prune-job';
import { PrismaService } from '../prisma/prisma.service';

/** How long a reported notification is remembered: WhatsApp replays them within days (offline queue). */
const KEEP_DAYS = 30;
const PRUNE_EVERY_MS = 60 * 60 * 1000;
const PRUNE_ROUND = 1_000;

/** One group event to report, by name. */
export type GroupEventToReport =
  | { name: 'group.joined'; event: GroupJoinedEvent }
  | { name: 'group.updated'; event: GroupUpdatedEvent }
  | { name: 'group.participants'; event: GroupParticipantsEvent };

/** The webhook body of a group event (the session id, event name and delivery id are added by the outbox). */
export function groupPayload({ name, event }: GroupEventToReport): Record<string, unknown> {
  const common = {
    groupId: event.groupId,
    author: event.author,
    noticeId: event.noticeId,
    timestamp: String(Math.floor(event.at.getTime() / 1000)),
  };
  switch (name) {
    case 'group.joined':
      return { ...common, subject: event.subject, how: event.how };
    case 'group.updated':
      return { ...common, changes: event.changes };
    case 'group.participants':
      return {
        ...common,
        action: event.action,
        participants: event.participants,
        ...(event.left ? { left: true } : {}),
      };
  }
}

/**
 * The group notifications already reported (`group_events`): each event is written with its outbox
 * rows in one transaction, once per notification id, so a notification WhatsApp delivers again after
 * a reconnect (or to a second process) is not reported twice; listeners hear of it after commit.
 */
@Injectable()
export class GroupEventLog implements OnModuleDestroy {
  private readonly pruning = new PruneJob(new Logger(GroupEventLog.name), 'old group event records');

  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxWriter,
    private readonly events: DomainEvents,
  ) {}

  /** Records the events not recorded yet and reports them; answers how many were new. */
  async report(sessionId: string, reports: GroupEventToReport[]): Promise<number> {
    if (reports.length === 0) return 0;
    const fresh = await this.prisma.$transaction(async (tx) => {
      const kept: GroupEventToReport[] = [];
      for (const report of reports) {
        const inserted = await tx.$executeRaw`INSERT IGNORE INTO group_events
          (session_id, notice_id, event, group_jid) VALUES
          (${sessionId}, ${report.event.noticeId.slice(0, 128)}, ${report.name}, ${report.event.groupId})`;
        if (inserted > 0) kept.push(report);
      }
      const rows: OutboxEvent[] = kept.map((r) => ({ event: r.name, sessionId, payload: groupPayload(r) }));
      if (rows.length) await this.outbox.write(tx, rows);
      return kept;
    });
    for (const { name, event } of fresh) this.emit(name, event);
    return fresh.length;
  }

  onModuleDestroy(): void {
    this.pruning.stop();
  }

  /** Hourly: forgets what was reported more than KEEP_DAYS ago, a thousand rows at a time. */
  @Interval(PRUNE_EVERY_MS)
  async pruneOld(now = new Date()): Promise<void> {
    const before = new Date(now.getTime() - KEEP_DAYS * 24 * 60 * 60 * 1000);
    await this.pruning.run(() =>
      this.pruning.rounds(
        () =>
          this.prisma.$executeRaw`DELETE FROM group_events WHERE created_at < ${before} LIMIT ${PRUNE_ROUND}`,
        PRUNE_ROUND,
      ),
    );
  }

  private emit(name: GroupEventToReport['name'], event: GroupEventToReport['event']): void {
    if (name === 'group.joined') this.events.emit(name, event as GroupJoinedEvent);
    else if (name === 'group.updated') this.events.emit(name, event as GroupUpdatedEvent);
    else this.events.emit(name, event as GroupParticipantsEvent);
  }
}
