import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors';
import { SessionRepository } from '../../whatsapp/session.repository';
import { WhatsAppPort } from '../../whatsapp/whatsapp.port';
import type { AutoReply } from '../simulator/directory';
import { WrongPairingCodeError } from '../simulator/link-code-pairing';
import { messageText } from '../simulator/message-log';
import type { DisconnectCode } from '../simulator/whatsapp-simulator';
import { SandboxRuntime } from './sandbox-runtime';
import { receivedTypeName } from './received-type';

export interface SandboxContact {
  phoneNumber: string;
  pushName: string;
  autoReply: string | null;
}

/** What a user (or a CI script) can do with the simulated WhatsApp in sandbox mode. */
@Injectable()
export class SandboxService {
  private readonly contacts = new Map<string, SandboxContact>();

  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly sessions: SessionRepository,
    private readonly whatsapp: WhatsAppPort,
  ) {}

  get simulator() {
    return this.runtime.simulator;
  }

  listContacts(): SandboxContact[] {
    return [...this.contacts.values()];
  }

  createContact(phoneNumber: string, pushName?: string, autoReplyText?: string): SandboxContact {
    const autoReply: AutoReply | undefined =
      autoReplyText === undefined
        ? undefined
        : autoReplyText === 'echo'
          ? { kind: 'echo' }
          : { kind: 'fixed', text: autoReplyText };
    if (this.simulator.hasUser(phoneNumber)) this.simulator.setAutoReply(phoneNumber, autoReply);
    else this.simulator.createContact(phoneNumber, { pushName, autoReply });
    const contact = {
      phoneNumber,
      pushName: this.simulator.user(phoneNumber).pushName,
      autoReply: autoReplyText ?? null,
    };
    this.contacts.set(phoneNumber, contact);
    return contact;
  }

  /** The contact writes a text to the phone linked to the session. */
  async contactSends(phoneNumber: string, sessionId: string, text: string): Promise<{ messageId: string }> {
    this.requireContact(phoneNumber);
    const session = await this.linkedSession(sessionId);
    const messageId = await this.simulator.sendMessage(phoneNumber, session.phoneNumber!, { text });
    return { messageId };
  }

  /** What the contact's simulated phone received (decrypted), newest last. */
  received(
    phoneNumber: string,
  ): { id: string; from: string; type: string; typeName: string; text: string | null; at: Date }[] {
    this.requireContact(phoneNumber);
    return this.simulator.receivedMessages(phoneNumber).map((m) => {
      const type = Object.keys(m.message).find((k) => k !== 'messageContextInfo') ?? 'unknown';
      return {
        id: m.id,
        from: m.fromPhoneNumber,
        // The protocol's name (`extendedTextMessage`), and what people call it ("text").
        type,
        typeName: receivedTypeName(type, m.message),
        text: messageText(m.message) ?? null,
        at: m.receivedAt,
      };
    });
  }

  /** A simulated phone scans the session's current QR. */
  async link(sessionId: string, phoneNumber: string): Promise<{ phoneNumber: string; deviceId: number }> {
    const qr = this.whatsapp.qrOf(sessionId);
    if (!qr) throw new DomainError('NO_QR', 'The session is not showing a QR code');
    const device = await this.simulator.linkDevice(qr, { phoneNumber });
    return { phoneNumber: device.phoneNumber, deviceId: device.deviceId };
  }

  /** The simulated phone types the pairing code a session showed for its number; resolves once linked. */
  async typePairingCode(
    phoneNumber: string,
    code: string,
  ): Promise<{ phoneNumber: string; deviceId: number }> {
    if (!this.simulator.awaitsPairingCode(phoneNumber)) {
      throw new DomainError('CONFLICT', 'No session is waiting for a pairing code for this number');
    }
    try {
      const device = await this.simulator.enterPairingCode(phoneNumber, code);
      return { phoneNumber: device.phoneNumber, deviceId: device.deviceId };
    } catch (error) {
      if (error instanceof WrongPairingCodeError) {
        throw new DomainError('UNPROCESSABLE_ENTITY', 'The phone could not use this code: it does not match');
      }
      throw error;
    }
  }

  /** WhatsApp closes the session's connection with this code (401, 408, 428, 440, 500, 515). */
  async disconnect(sessionId: string, code: DisconnectCode): Promise<void> {
    const session = await this.linkedSession(sessionId);
    const deviceId = Number(/:(\d+)@/.exec(session.jid ?? '')?.[1] ?? NaN);
    if (!Number.isInteger(deviceId)) throw new DomainError('NOT_LINKED', 'The session has no linked device');
    this.simulator.disconnect({ phoneNumber: session.phoneNumber!, deviceId }, code);
  }

  private requireContact(phoneNumber: string): void {
    if (!this.simulator.hasUser(phoneNumber)) {
      throw new DomainError('CONTACT_NOT_FOUND', `No simulated contact ${phoneNumber}`);
    }
  }

  private async linkedSession(sessionId: string) {
    const session = await this.sessions.find(sessionId);
    if (!session) throw new DomainError('SESSION_NOT_FOUND', 'Session not found');
    if (!session.phoneNumber) throw new DomainError('NOT_LINKED', 'The session was never linked to a phone');
    return session;
  }
}
