import { Injectable, Logger } from '@nestjs/common';
import { isJidGroup, isLidUser, isPnUser, type WAMessage, type WAMessageKey } from './baileys';
import { SessionRepository } from './session.repository';

/** A message a person would read: received in a direct or group chat, with content (no notices). */
const isReadable = (m: WAMessage): boolean => {
  const jid = m.key?.remoteJid;
  if (!jid || m.key.fromMe || !m.key.id || !m.message || m.messageStubType) return false;
  return isPnUser(jid) || isLidUser(jid) || Boolean(isJidGroup(jid));
};

/**
 * The `autoRead` session setting: marks received messages read (blue ticks) as they arrive.
 * Status updates, channel posts and notices are left alone, as a person's phone does.
 */
@Injectable()
export class AutoReader {
  private readonly logger = new Logger(AutoReader.name);

  constructor(private readonly sessions: SessionRepository) {}

  /** Never throws into Baileys' event handling; a failed receipt is logged. */
  consider(sessionId: string, messages: WAMessage[], read: (keys: WAMessageKey[]) => Promise<void>): void {
    // The setting is asked per upsert: answered from the cache without a promise when it is off.
    const known = this.sessions.autoReadCached(sessionId);
    if (known === false) return;
    const keys = messages.filter(isReadable).map((m) => m.key);
    if (keys.length === 0) return;
    void (known === undefined ? this.sessions.autoReadOf(sessionId) : Promise.resolve(true))
      .then((on) => (on ? read(keys) : undefined))
      .catch((error: unknown) =>
        this.logger.warn({ err: error, sessionId }, 'Could not mark received messages read'),
      );
  }
}
