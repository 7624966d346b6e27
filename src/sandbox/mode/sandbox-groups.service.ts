import { Injectable } from '@nestjs/common';
import { DomainError, type ErrorCode } from '../../common/errors';
import { GroupError } from '../simulator/group-actions';
import type { GroupInfo, ParticipantOutcome } from '../simulator/group-control';
import { messageText } from '../simulator/message-log';
import { SandboxRuntime } from './sandbox-runtime';

const GROUP_JID = /^\d{1,20}(-\d{1,20})?(@g\.us)?$/;

export interface SandboxGroupMessage {
  member: string;
  id: string;
  from: string;
  text: string | null;
  mentions: string[];
  at: Date;
}

/**
 * Groups in sandbox mode: simulated contacts create and run groups and write in them; the session's
 * phone number can be a member like any contact. What each member's phone decrypted can be read back.
 */
@Injectable()
export class SandboxGroupsService {
  constructor(private readonly runtime: SandboxRuntime) {}

  private get simulator() {
    return this.runtime.simulator;
  }

  create(owner: string, members: string[], subject?: string, addressingMode?: 'pn' | 'lid'): GroupInfo {
    for (const phone of [owner, ...members]) this.requireUser(phone);
    return this.run(() => this.simulator.groups.create(owner, members, { subject, addressingMode }));
  }

  info(jid: string): GroupInfo {
    return this.simulator.groups.info(this.requireGroup(jid));
  }

  async send(
    jid: string,
    from: string,
    text: string,
    mentions: string[] = [],
  ): Promise<{ messageId: string }> {
    const group = this.requireGroup(jid);
    for (const phone of [from, ...mentions]) this.requireUser(phone);
    const messageId = await this.runAsync(() => this.simulator.groups.send(from, group, { text, mentions }));
    return { messageId };
  }

  /** What members' phones decrypted in the group (one member's, or everyone's), oldest first. */
  received(jid: string, member?: string): SandboxGroupMessage[] {
    const group = this.requireGroup(jid);
    if (member) this.requireUser(member);
    const members = member
      ? [member]
      : this.simulator.groups.info(group).participants.map((p) => p.phoneNumber);
    return members.flatMap((phone) =>
      this.simulator.groups.received(phone, group).map((m) => ({
        member: phone,
        id: m.id,
        from: m.fromPhoneNumber,
        text: messageText(m.message) ?? null,
        mentions: m.message.extendedTextMessage?.contextInfo?.mentionedJid ?? [],
        at: m.receivedAt,
      })),
    );
  }

  changeParticipants(
    jid: string,
    actor: string,
    action: 'add' | 'remove' | 'promote' | 'demote',
    participants: string[],
  ): ParticipantOutcome[] {
    const group = this.requireGroup(jid);
    this.requireUser(actor);
    return this.run(() => this.simulator.groups[action](actor, group, participants));
  }

  setSubject(jid: string, actor: string, subject: string): GroupInfo {
    const group = this.requireGroup(jid);
    this.requireUser(actor);
    this.run(() => this.simulator.groups.setSubject(actor, group, subject));
    return this.simulator.groups.info(group);
  }

  /** Whether the member's phone read (or, with the sender keys it holds, could read) a group message. */
  async decryptable(
    jid: string,
    messageId: string,
    member: string,
  ): Promise<{ member: string; decryptable: boolean }> {
    const group = this.requireGroup(jid);
    this.requireUser(member);
    try {
      return { member, decryptable: await this.simulator.groups.canDecrypt(member, group, messageId) };
    } catch {
      throw new DomainError('MESSAGE_NOT_FOUND', 'No sender-key message with that id in the group');
    }
  }

  private requireGroup(jid: string): string {
    if (!GROUP_JID.test(jid)) {
      throw new DomainError('VALIDATION_ERROR', 'Not a group id', [
        { field: 'jid', errors: ['jid must be a group id such as 120363012345678901@g.us'] },
      ]);
    }
    if (!this.simulator.groups.has(jid))
      throw new DomainError('NOT_FOUND', 'No simulated group with that id');
    return jid;
  }

  private requireUser(phoneNumber: string): void {
    if (!this.simulator.hasUser(phoneNumber)) {
      throw new DomainError('CONTACT_NOT_FOUND', `No simulated contact ${phoneNumber}`);
    }
  }

  private run<T>(action: () => T): T {
    try {
      return action();
    } catch (error) {
      throw asDomainError(error);
    }
  }

  private async runAsync<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw asDomainError(error);
    }
  }
}

/** WhatsApp's refusal in the gateway's words: 401/403 → 403, 404 → 404, 400 → 400, the rest → 409. */
function asDomainError(error: unknown): unknown {
  if (!(error instanceof GroupError)) return error;
  const code: ErrorCode =
    error.code === 401 || error.code === 403
      ? 'FORBIDDEN'
      : error.code === 404
        ? 'NOT_FOUND'
        : error.code === 400
          ? 'BAD_REQUEST'
          : 'CONFLICT';
  return new DomainError(code, `WhatsApp refused: ${error.text}`);
}
