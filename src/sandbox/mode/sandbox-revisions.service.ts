import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors';
import type { SeenMessage } from '../simulator/message-revisions';
import { SandboxRuntime } from './sandbox-runtime';

/**
 * Edits and deletes in sandbox mode: a simulated contact edits or deletes (for everyone) a message
 * it sent, as its phone would; and what a contact's phone shows for a message after the edits and
 * deletes it received (from a session's `PATCH` / `DELETE` of its messages).
 */
@Injectable()
export class SandboxRevisionsService {
  constructor(private readonly runtime: SandboxRuntime) {}

  private get simulator() {
    return this.runtime.simulator;
  }

  async edit(phone: string, messageId: string, to: string, text: string): Promise<{ editId: string }> {
    this.requireUser(phone);
    return { editId: await this.simulator.editMessage(phone, to, messageId, text) };
  }

  async revoke(phone: string, messageId: string, to: string): Promise<{ revokeId: string }> {
    this.requireUser(phone);
    return { revokeId: await this.simulator.revokeMessage(phone, to, messageId) };
  }

  seen(phone: string, messageId: string): SeenMessage {
    this.requireUser(phone);
    const seen = this.simulator.messageAsSeen(phone, messageId);
    if (!seen) throw new DomainError('MESSAGE_NOT_FOUND', `${phone} never received ${messageId}`);
    return seen;
  }

  private requireUser(phoneNumber: string): void {
    if (!this.simulator.hasUser(phoneNumber)) {
      throw new DomainError('CONTACT_NOT_FOUND', `No simulated contact ${phoneNumber}`);
    }
  }
}
