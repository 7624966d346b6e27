import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import * as B from '@whiskeysockets/baileys';
import type { ContactMessenger } from './contact-messenger';
import type { Directory, WhatsAppUser } from './directory';
import type { GroupDirectory, SimulatedGroup } from './group-directory';
import type { GroupMessenger } from './group-messenger';
import type { ReceivedMessage } from './message-log';

/** A poll as a simulated phone received it, with the secret its votes are encrypted with. */
export interface ReceivedPoll {
  id: string;
  /** Phone number of the poll's creator. */
  creatorPhoneNumber: string;
  /** The group it was sent in; absent for a direct chat. */
  chatJid?: string;
  question: string;
  options: string[];
  /** 1: single choice; 0: any number (WhatsApp's selectableOptionsCount). */
  selectableCount: number;
  messageSecret: Buffer;
}

export interface PollToSend {
  question: string;
  options: string[];
  /** Let voters choose several options (else one). */
  multiple?: boolean;
}

interface PollControlDeps {
  directory: Directory;
  groups: GroupDirectory;
  messenger: ContactMessenger;
  groupMessenger: GroupMessenger;
}

const sha256 = (data: string): Buffer => createHash('sha256').update(data).digest();
const hmac = (key: Buffer, data: Buffer): Buffer => createHmac('sha256', key).update(data).digest();

/**
 * A vote as WhatsApp encrypts it: the key is HMAC-SHA256(HMAC-SHA256(zeros32, secret), pollId ‖
 * creatorJid ‖ voterJid ‖ "Poll Vote" ‖ 0x01), the plaintext a PollVoteMessage of the SHA-256 of
 * each chosen option's name, sealed with AES-256-GCM (12-byte iv, aad `pollId\0voterJid`, tag appended).
 */
export function encryptPollVote(
  selectedOptions: string[],
  ctx: { pollId: string; creatorJid: string; voterJid: string; secret: Buffer },
): { encPayload: Buffer; encIv: Buffer } {
  const key0 = hmac(Buffer.alloc(32), ctx.secret);
  const sign = Buffer.concat([
    Buffer.from(ctx.pollId),
    Buffer.from(ctx.creatorJid),
    Buffer.from(ctx.voterJid),
    Buffer.from('Poll Vote'),
    Buffer.from([1]),
  ]);
  const key = hmac(key0, sign);
  const plaintext = B.proto.Message.PollVoteMessage.encode({
    selectedOptions: selectedOptions.map(sha256),
  }).finish();
  const encIv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, encIv);
  cipher.setAAD(Buffer.from(`${ctx.pollId}\u0000${ctx.voterJid}`));
  const encPayload = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { encPayload, encIv };
}

function pollOf(received: ReceivedMessage): ReceivedPoll | undefined {
  const m = received.message;
  const poll = m.pollCreationMessage ?? m.pollCreationMessageV3 ?? m.pollCreationMessageV2;
  const secret = m.messageContextInfo?.messageSecret;
  if (!poll || !secret) return undefined;
  return {
    id: received.id,
    creatorPhoneNumber: received.fromPhoneNumber,
    chatJid: received.chatJid,
    question: poll.name ?? '',
    options: (poll.options ?? []).map((o) => o.optionName ?? ''),
    selectableCount: poll.selectableOptionsCount ?? 0,
    messageSecret: Buffer.from(secret),
  };
}

/**
 * Polls (`simulator.polls`): what polls a simulated phone received, votes encrypted exactly as
 * WhatsApp does (with the poll's messageSecret), and polls a simulated user sends.
 */
export class PollControl {
  constructor(private readonly deps: PollControlDeps) {}

  /** The polls `phoneNumber`'s phone received, oldest first. */
  received(phoneNumber: string): ReceivedPoll[] {
    return this.user(phoneNumber)
      .inbox.list()
      .filter((m) => !m.fromOwnDevice)
      .map(pollOf)
      .filter((p): p is ReceivedPoll => p !== undefined);
  }

  /** A poll `phoneNumber`'s phone received, by message id. */
  poll(phoneNumber: string, pollMessageId: string): ReceivedPoll {
    const found = this.received(phoneNumber).find((p) => p.id === pollMessageId);
    if (!found) throw new Error(`${phoneNumber} never received a poll ${pollMessageId}`);
    return found;
  }

  /**
   * `voter` votes on a poll it received (an empty list withdraws the vote): a pollUpdateMessage to the
   * poll's chat, in the direct chat with its creator or in its group. Answers the vote message's id.
   */
  async vote(voter: string, pollMessageId: string, options: string[]): Promise<string> {
    const poll = this.poll(voter, pollMessageId);
    for (const option of options)
      if (!poll.options.includes(option)) throw new Error(`the poll has no option "${option}"`);
    const user = this.user(voter);
    const creator = this.user(poll.creatorPhoneNumber);
    const group = poll.chatJid ? this.group(poll.chatJid) : undefined;
    const jidOf = (u: WhatsAppUser) => (group ? group.jidOf(u) : u.pnJid);
    const vote = encryptPollVote(options, {
      pollId: poll.id,
      creatorJid: jidOf(creator),
      voterJid: jidOf(user),
      secret: poll.messageSecret,
    });
    const message: B.proto.IMessage = {
      pollUpdateMessage: {
        pollCreationMessageKey: {
          remoteJid: group ? group.jid : creator.pnJid,
          fromMe: false,
          id: poll.id,
          ...(group ? { participant: jidOf(creator) } : {}),
        },
        vote,
        senderTimestampMs: Date.now(),
      },
    };
    if (group) return this.deps.groupMessenger.sendToGroup(user, group, message, { stanzaType: 'poll' });
    return this.deps.messenger.send(user, creator, message, { stanzaType: 'poll' });
  }

  /** `from` sends a poll to `to` (a phone number) in their direct chat; answers its id. */
  send(from: string, to: string, poll: PollToSend): Promise<string> {
    const creation = {
      name: poll.question,
      options: poll.options.map((optionName) => ({ optionName })),
      selectableOptionsCount: poll.multiple ? 0 : 1,
    };
    const message: B.proto.IMessage = {
      messageContextInfo: { messageSecret: randomBytes(32) },
      ...(poll.multiple ? { pollCreationMessage: creation } : { pollCreationMessageV3: creation }),
    };
    return this.deps.messenger.send(this.user(from), this.user(to), message, { stanzaType: 'poll' });
  }

  private user(phoneNumber: string): WhatsAppUser {
    const user = this.deps.directory.findByPhone(phoneNumber);
    if (!user) throw new Error(`no simulated user ${phoneNumber}`);
    return user;
  }

  private group(groupJid: string): SimulatedGroup {
    const group = this.deps.groups.find(groupJid);
    if (!group) throw new Error(`no simulated group ${groupJid}`);
    return group;
  }
}
