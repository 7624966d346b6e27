import { Injectable } from '@nestjs/common';
import type { proto } from './baileys';
import { ConnectionRegistry } from './connection-registry';
import { ChatStatePort, type PresenceState, type ReadKey } from './whatsapp.port';

/**
 * Presence and read receipts through the session's socket. Baileys drops an online/offline update
 * when the account has no push name yet (a freshly linked device may not); the presence stanza is
 * then sent with the phone number as the name, which WhatsApp accepts.
 */
@Injectable()
export class WhatsAppChatState extends ChatStatePort {
  constructor(private readonly registry: ConnectionRegistry) {
    super();
  }

  async sendPresence(sessionId: string, state: PresenceState, jid: string | null): Promise<void> {
    const socket = this.registry.connectedSocket(sessionId);
    const global = state === 'available' || state === 'unavailable';
    if (global && !socket.authState.creds.me?.name) {
      const name = (socket.user?.id ?? '').split('@')[0].split(':')[0];
      await socket.sendNode({ tag: 'presence', attrs: { name, type: state } });
      return;
    }
    await socket.sendPresenceUpdate(state, global ? undefined : (jid ?? undefined));
  }

  async subscribePresence(sessionId: string, jid: string): Promise<void> {
    await this.registry.connectedSocket(sessionId).presenceSubscribe(jid);
  }

  async markRead(sessionId: string, keys: ReadKey[]): Promise<void> {
    if (keys.length === 0) return;
    const socket = this.registry.connectedSocket(sessionId);
    await socket.readMessages(
      keys.map((k): proto.IMessageKey => ({
        remoteJid: k.chatJid,
        id: k.messageId,
        fromMe: false,
        ...(k.participant ? { participant: k.participant } : {}),
      })),
    );
  }
}
