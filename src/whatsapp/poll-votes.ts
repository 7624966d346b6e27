import { Injectable } from '@nestjs/common';
import { DomainEvents, type PollVoteEvent } from '../common/domain-events';
import { OutboxWriter } from '../outbox/outbox-writer';
import { PrismaService } from '../prisma/prisma.service';

/** One voter's current choice on a poll. */
export interface CurrentVote {
  voter: string;
  options: string[];
}

/** The webhook body of a `poll.vote` (the session id, event name and delivery id are added by the outbox). */
export const pollVotePayload = (vote: PollVoteEvent): Record<string, unknown> => ({
  pollMessageId: vote.pollMessageId,
  chatJid: vote.chatJid,
  voter: vote.voter,
  selectedOptions: vote.selectedOptions,
  timestamp: String(Math.floor(vote.at.getTime() / 1000)),
});

const optionsOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/**
 * The current votes on polls (`poll_votes`): one row per voter, replaced by the voter's newer vote,
 * written with its outbox row in one transaction. A vote no newer than the one kept (WhatsApp
 * delivering it again after a reconnect) changes nothing and is not reported twice.
 */
@Injectable()
export class PollVotes {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxWriter,
    private readonly events: DomainEvents,
  ) {}

  /** Keeps the vote and reports it; answers false when a vote as new was already kept. */
  async record(vote: PollVoteEvent): Promise<boolean> {
    const { sessionId, pollMessageId, voter } = vote;
    const fresh = await this.prisma.$transaction(async (tx) => {
      const kept = await tx.$queryRaw<{ updated_at: Date }[]>`SELECT updated_at FROM poll_votes
        WHERE session_id = ${sessionId} AND poll_message_id = ${pollMessageId} AND voter = ${voter}
        FOR UPDATE`;
      if (kept[0] && kept[0].updated_at.getTime() >= vote.at.getTime()) return false;
      await tx.pollVote.upsert({
        where: { sessionId_pollMessageId_voter: { sessionId, pollMessageId, voter } },
        create: { sessionId, pollMessageId, voter, options: vote.selectedOptions, updatedAt: vote.at },
        update: { options: vote.selectedOptions, updatedAt: vote.at },
      });
      await this.outbox.write(tx, [{ event: 'poll.vote', sessionId, payload: pollVotePayload(vote) }]);
      return true;
    });
    if (fresh) this.events.emit('poll.vote', vote);
    return fresh;
  }

  /** Every voter's current choice on a poll, by voter. */
  async of(sessionId: string, pollMessageId: string): Promise<CurrentVote[]> {
    const rows = await this.prisma.pollVote.findMany({
      where: { sessionId, pollMessageId },
      select: { voter: true, options: true },
      orderBy: { voter: 'asc' },
    });
    return rows.map((r) => ({ voter: r.voter, options: optionsOf(r.options) }));
  }
}
