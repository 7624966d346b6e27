import { Injectable } from '@nestjs/common';
import { DomainError, validationFailed } from '../../common/errors';
import { SessionRepository } from '../../whatsapp/session.repository';
import type { ReceivedMessage } from '../simulator/message-log';
import type { ChatState, ChatStateSeen, OnlineState } from '../simulator/presence-desk';
import { SandboxRuntime } from './sandbox-runtime';

/** What a contact's presence route did: how many of the session's devices saw it. */
export interface ContactPresenceResult {
  phoneNumber: string;
  sessionId: string;
  state: OnlineState | ChatState;
  devicesReached: number;
  /** Whether the session subscribed to the contact's presence (needed to see online/offline). */
  subscribed: boolean;
}

export interface ContactReadResult {
  phoneNumber: string;
  sessionId: string;
  /** Ids the contact sent read receipts for. */
  read: string[];
  /** Ids asked for that the contact never received from the session (in their direct chat). */
  notFound: string[];
}

/** A simulated contact's presence as the sandbox shows it, and what the accounts showed it. */
export interface ContactPresenceView {
  phoneNumber: string;
  state: OnlineState | null;
  subscribers: string[];
  chatStates: ChatStateSeen[];
  readReceipts: string[];
}

/** Content a phone never sends read receipts for: it is not shown as a message of its own. */
const NOT_READ_ON_ITS_OWN = [
  'protocolMessage',
  'editedMessage',
  'reactionMessage',
  'pollUpdateMessage',
] as const;

/**
 * Presence and read receipts in sandbox mode, from a simulated contact to a session: the contact
 * types, records, pauses, goes online or offline (the session hears it as presence.update) and reads
 * the messages the session sent it (blue ticks: their status becomes read).
 */
@Injectable()
export class SandboxPresenceService {
  /** `contact:id` of the messages a contact already read through this service (a chat is read once). */
  private readonly readByContact = new Set<string>();

  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly sessions: SessionRepository,
  ) {}

  private get simulator() {
    return this.runtime.simulator;
  }

  async showPresence(
    phone: string,
    sessionId: string,
    state: OnlineState | ChatState,
  ): Promise<ContactPresenceResult> {
    this.requireContact(phone);
    const account = await this.accountOf(sessionId);
    const devicesReached = this.simulator.sendPresence(phone, account, state);
    const subscribed = this.simulator.presenceOf(phone).subscribers.includes(account);
    return { phoneNumber: phone, sessionId, state, devicesReached, subscribed };
  }

  /** The contact reads `messageIds` the session sent it, or (none given) every unread one of the chat. */
  async read(phone: string, sessionId: string, messageIds?: string[]): Promise<ContactReadResult> {
    this.requireContact(phone);
    const account = await this.accountOf(sessionId);
    const fromAccount = this.simulator
      .receivedMessages(phone)
      .filter((m) => m.fromPhoneNumber === account && !m.chatJid);
    const byId = new Map(fromAccount.map((m) => [m.id, m]));
    const chosen = messageIds
      ? messageIds.filter((id) => byId.has(id))
      : fromAccount
          .filter((m) => shownAsMessage(m) && !this.readByContact.has(`${phone}:${m.id}`))
          .map((m) => m.id);
    for (const id of chosen) {
      this.simulator.sendReceipt(phone, id, 'read');
      this.readByContact.add(`${phone}:${id}`);
    }
    return {
      phoneNumber: phone,
      sessionId,
      read: chosen,
      notFound: (messageIds ?? []).filter((id) => !byId.has(id)),
    };
  }

  view(phone: string): ContactPresenceView {
    this.requireContact(phone);
    const { state, subscribers } = this.simulator.presenceOf(phone);
    return {
      phoneNumber: phone,
      state: state ?? null,
      subscribers,
      chatStates: this.simulator.chatStatesSeen(phone),
      readReceipts: this.simulator.readReceiptsReceived(phone),
    };
  }

  private requireContact(phone: string): void {
    if (!/^\d{8,15}$/.test(phone))
      throw validationFailed([
        { field: 'phone', errors: ['phone must be 8-15 digits with the country code'] },
      ]);
    if (!this.simulator.hasUser(phone))
      throw new DomainError('CONTACT_NOT_FOUND', `No simulated contact ${phone}`);
  }

  /** The phone number of the account linked to the session. */
  private async accountOf(sessionId: string): Promise<string> {
    const session = await this.sessions.find(sessionId);
    if (!session) throw new DomainError('SESSION_NOT_FOUND', 'Session not found');
    if (!session.phoneNumber) throw new DomainError('NOT_LINKED', 'The session was never linked to a phone');
    return session.phoneNumber;
  }
}

function shownAsMessage(m: ReceivedMessage): boolean {
  return !NOT_READ_ON_ITS_OWN.some((kind) => m.message[kind]);
}
