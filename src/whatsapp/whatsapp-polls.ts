import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/errors';
import { MessageQueries } from '../messages/message-queries.service';
import {
  decryptPollVote,
  isPnUser,
  jidNormalizedUser,
  normalizeMessageContent,
  type proto,
  type WAMessage,
  type WAMessageKey,
} from './baileys';
import { lidJidOf, phoneJidOf } from './chat-addressing';
import { LidMappings } from './lid-mappings';
import { jidUser } from './message-normalizer';
import { PollVotes } from './poll-votes';
import { PollsPort, type PollResults } from './whatsapp.port';
import { decodeRawMessage } from './raw-message';

/** A vote can overtake the store of its poll (a contact's poll, voted on at once): looked up again. */
const LOOKUPS = 5;
const LOOKUP_DELAY_MS = 400;

/** A poll as its creation message says, with the secret its votes are encrypted with. */
interface StoredPoll {
  key: WAMessageKey;
  question: string;
  options: string[];
  multiple: boolean;
  secret: Uint8Array | null;
}

type KeyWithAlts = WAMessageKey & { participantAlt?: string | null; remoteJidAlt?: string | null };

function pollOf(raw: WAMessage | null): StoredPoll | null {
  const content = normalizeMessageContent(raw?.message);
  const poll =
    content?.pollCreationMessage ?? content?.pollCreationMessageV3 ?? content?.pollCreationMessageV2;
  if (!raw?.key || !poll) return null;
  return {
    key: raw.key,
    question: poll.name ?? '',
    options: (poll.options ?? []).map((o) => o.optionName ?? ''),
    multiple: (poll.selectableOptionsCount ?? 0) !== 1,
    secret:
      raw.message?.messageContextInfo?.messageSecret ?? content?.messageContextInfo?.messageSecret ?? null,
  };
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const unique = (jids: (string | null | undefined)[]): string[] => [
  ...new Set(jids.filter((j): j is string => Boolean(j)).map((j) => jidNormalizedUser(j))),
];

/**
 * Poll votes: a contact's vote arrives as a pollUpdateMessage encrypted with the poll's
 * messageSecret (kept with the stored poll), the poll's id and the creator's and voter's jids.
 * Baileys 7 no longer decrypts them itself; this does, names the options by their text, and keeps
 * each voter's current vote (PollVotes), which reports `poll.vote`.
 */
@Injectable()
export class WhatsAppPolls extends PollsPort {
  private readonly logger = new Logger(WhatsAppPolls.name);
  /** Votes of a session are handled in arrival order, so a changed vote lands after the first. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly messages: MessageQueries,
    private readonly votes: PollVotes,
    private readonly lids: LidMappings,
  ) {
    super();
  }

  /** True when the message is a poll vote (then handled here, never stored as a message). */
  accept(sessionId: string, msg: WAMessage, ownNumber: string): boolean {
    const update = normalizeMessageContent(msg.message)?.pollUpdateMessage;
    if (!update) return false;
    const previous = this.queues.get(sessionId) ?? Promise.resolve();
    const next = previous
      .then(() => this.applyVote(sessionId, msg, update, ownNumber))
      .catch((error: unknown) => this.logger.warn({ err: error, sessionId }, 'Could not apply a poll vote'));
    this.queues.set(sessionId, next);
    void next.finally(() => {
      if (this.queues.get(sessionId) === next) this.queues.delete(sessionId);
    });
    return true;
  }

  async results(sessionId: string, pollMessageId: string): Promise<PollResults> {
    const poll = pollOf(decodeRawMessage(await this.messages.rawOf(sessionId, pollMessageId)));
    if (!poll) {
      throw new DomainError('MESSAGE_NOT_FOUND', `No stored poll ${pollMessageId} in this session`);
    }
    const votes = await this.votes.of(sessionId, pollMessageId);
    return {
      messageId: pollMessageId,
      question: poll.question,
      multiple: poll.multiple,
      options: poll.options.map((text) => {
        const voters = votes.filter((v) => v.options.includes(text)).map((v) => v.voter);
        return { text, votes: voters.length, voters };
      }),
    };
  }

  private async applyVote(
    sessionId: string,
    msg: WAMessage,
    update: proto.Message.IPollUpdateMessage,
    ownNumber: string,
  ): Promise<void> {
    const pollId = update.pollCreationMessageKey?.id;
    if (!pollId || !update.vote?.encPayload || !update.vote.encIv || !msg.key) return;
    const poll = await this.findPoll(sessionId, pollId);
    if (!poll?.secret) {
      this.logger.warn({ sessionId, pollId }, 'A vote on a poll that is not stored; ignored');
      return;
    }
    const mine = this.ownJids(sessionId, ownNumber);
    const creators = poll.key.fromMe ? mine : this.authorJids(poll.key as KeyWithAlts);
    const voters = msg.key.fromMe ? mine : this.authorJids(msg.key as KeyWithAlts);
    const vote = this.decrypt(update.vote, { pollId, secret: poll.secret, creators, voters });
    if (!vote) {
      this.logger.warn({ sessionId, pollId }, 'A poll vote could not be decrypted; ignored');
      return;
    }
    const chosen = new Set((vote.selected.selectedOptions ?? []).map((h) => Buffer.from(h).toString('hex')));
    const ms = Number(update.senderTimestampMs?.toString() ?? 0);
    const seconds = Number(msg.messageTimestamp?.toString() ?? 0);
    await this.votes.record({
      sessionId,
      pollMessageId: pollId,
      chatJid: jidNormalizedUser(poll.key.remoteJid ?? ''),
      voter: this.phoneOf(sessionId, vote.voterJid),
      selectedOptions: poll.options.filter((text) => chosen.has(sha256(text))),
      at: new Date(ms || seconds * 1000 || Date.now()),
    });
  }

  /**
   * Which jids WhatsApp used is not said (the phone jid or the LID, of either side): each pair is
   * tried, and only the right one passes AES-GCM's authentication.
   */
  private decrypt(
    vote: proto.Message.IPollEncValue,
    ctx: { pollId: string; secret: Uint8Array; creators: string[]; voters: string[] },
  ): { selected: proto.Message.PollVoteMessage; voterJid: string } | null {
    for (const voterJid of ctx.voters) {
      for (const pollCreatorJid of ctx.creators) {
        try {
          const selected = decryptPollVote(vote, {
            pollCreatorJid,
            pollMsgId: ctx.pollId,
            pollEncKey: ctx.secret,
            voterJid,
          });
          return { selected, voterJid };
        } catch {
          // not this pair
        }
      }
    }
    return null;
  }

  private async findPoll(sessionId: string, pollId: string): Promise<StoredPoll | null> {
    for (let attempt = 1; ; attempt++) {
      const poll = pollOf(decodeRawMessage(await this.messages.rawOf(sessionId, pollId)));
      if (poll || attempt >= LOOKUPS) return poll;
      await sleep(LOOKUP_DELAY_MS);
    }
  }

  private ownJids(sessionId: string, ownNumber: string): string[] {
    const lid = this.lids.lidOf(sessionId, ownNumber);
    return unique([phoneJidOf(ownNumber), lid ? lidJidOf(lid) : null]);
  }

  private authorJids(key: KeyWithAlts): string[] {
    return unique([key.participant, key.participantAlt, key.remoteJid, key.remoteJidAlt]);
  }

  /** The voter as the API names people: phone digits, or the LID user when no phone is known. */
  private phoneOf(sessionId: string, jid: string): string {
    if (isPnUser(jid)) return jidUser(jid);
    return this.lids.phoneOf(sessionId, jid) ?? jidUser(jid);
  }
}
