import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors';
import type { PollToSend } from '../simulator/poll-control';
import { SandboxRuntime } from './sandbox-runtime';

/** A poll a simulated phone received, as the sandbox shows it (its secret stays in the simulator). */
export interface SandboxPoll {
  messageId: string;
  from: string;
  chatJid: string | null;
  question: string;
  options: string[];
  multiple: boolean;
}

/**
 * Polls in sandbox mode: what polls a simulated contact's phone received, its votes on them (encrypted
 * as WhatsApp does, so the session decrypts them like real ones), and polls a contact sends.
 */
@Injectable()
export class SandboxPollsService {
  constructor(private readonly runtime: SandboxRuntime) {}

  private get simulator() {
    return this.runtime.simulator;
  }

  received(phone: string): SandboxPoll[] {
    this.requireUser(phone);
    return this.simulator.polls.received(phone).map((p) => ({
      messageId: p.id,
      from: p.creatorPhoneNumber,
      chatJid: p.chatJid ?? null,
      question: p.question,
      options: p.options,
      multiple: p.selectableCount !== 1,
    }));
  }

  async vote(pollMessageId: string, voter: string, options: string[]): Promise<{ messageId: string }> {
    this.requireUser(voter);
    const poll = this.simulator.polls.received(voter).find((p) => p.id === pollMessageId);
    if (!poll) throw new DomainError('MESSAGE_NOT_FOUND', `${voter} never received that poll`);
    const unknown = options.findIndex((o) => !poll.options.includes(o));
    if (unknown >= 0) {
      throw new DomainError('VALIDATION_ERROR', 'Not an option of the poll', [
        { field: `options.${unknown}`, errors: [`the poll has no option "${options[unknown]}"`] },
      ]);
    }
    if (poll.selectableCount === 1 && options.length > 1) {
      throw new DomainError('VALIDATION_ERROR', 'A single-choice poll', [
        { field: 'options', errors: ['this poll takes one option'] },
      ]);
    }
    return { messageId: await this.simulator.polls.vote(voter, pollMessageId, options) };
  }

  async send(from: string, to: string, poll: PollToSend): Promise<{ messageId: string }> {
    this.requireUser(from);
    this.requireUser(to);
    return { messageId: await this.simulator.polls.send(from, to, poll) };
  }

  private requireUser(phoneNumber: string): void {
    if (!this.simulator.hasUser(phoneNumber)) {
      throw new DomainError('CONTACT_NOT_FOUND', `No simulated contact ${phoneNumber}`);
    }
  }
}
