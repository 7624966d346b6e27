import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors';
import { MessageRevisions, type RevisableMessage } from '../messages/message-revisions';
import type { WAMessageKey } from './baileys';
import { ConnectionRegistry } from './connection-registry';
import { decodeRawMessage } from './raw-message';
import { MessageEditsPort, type MessageEditResult, type MessageRevokeResult } from './whatsapp.port';

/** WhatsApp takes an edit within 15 minutes of the message; later ones its clients drop. */
export const EDIT_WINDOW_MS = 15 * 60_000;
/** WhatsApp's delete-for-everyone window is about two days; the gateway keeps to 48 hours. */
export const REVOKE_WINDOW_MS = 48 * 60 * 60_000;

/**
 * Edits and deletes-for-everyone of messages this session sent: checked against the stored message
 * (its own, a text for an edit, not deleted, within WhatsApp's window), sent on the session's socket
 * (Baileys `edit` / `delete` with the stored key), then applied to the stored message by
 * MessageRevisions, which raises the event. Baileys' echo of the same edit then finds it applied.
 */
@Injectable()
export class MessageEdits extends MessageEditsPort {
  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly revisions: MessageRevisions,
  ) {
    super();
  }

  async edit(sessionId: string, waMessageId: string, text: string): Promise<MessageEditResult> {
    const socket = this.registry.connectedSocket(sessionId);
    const stored = await this.outbound(sessionId, waMessageId);
    if (stored.type !== 'text') throw notEditable('only a text can be edited');
    const key = this.usable(stored, EDIT_WINDOW_MS, 'an edit is possible for 15 minutes');
    const sent = await socket.sendMessage(key.remoteJid!, { text, edit: key });
    if (!sent?.key.id) throw new Error('WhatsApp did not accept the edit');
    const at = new Date();
    await this.revisions.edit({
      sessionId,
      waMessageId,
      direction: 'outbound',
      chatJid: stored.chatJid,
      editId: sent.key.id,
      text,
      at,
    });
    return { messageId: waMessageId, editId: sent.key.id, text, editedAt: at.toISOString() };
  }

  async revoke(sessionId: string, waMessageId: string): Promise<MessageRevokeResult> {
    const socket = this.registry.connectedSocket(sessionId);
    const stored = await this.outbound(sessionId, waMessageId);
    const key = this.usable(stored, REVOKE_WINDOW_MS, 'a delete for everyone is possible for 48 hours');
    const sent = await socket.sendMessage(key.remoteJid!, { delete: key });
    if (!sent) throw new Error('WhatsApp did not accept the delete');
    const at = new Date();
    await this.revisions.revoke({
      sessionId,
      waMessageId,
      direction: 'outbound',
      chatJid: stored.chatJid,
      at,
    });
    return { messageId: waMessageId, revokedAt: at.toISOString() };
  }

  private async outbound(sessionId: string, waMessageId: string): Promise<RevisableMessage> {
    const stored = await this.revisions.find(sessionId, waMessageId, 'outbound');
    if (!stored) {
      throw new DomainError('MESSAGE_NOT_FOUND', `No message ${waMessageId} sent by this session`);
    }
    return stored;
  }

  /** The stored key of a message that may still be changed, else MESSAGE_NOT_EDITABLE. */
  private usable(stored: RevisableMessage, windowMs: number, why: string): WAMessageKey {
    if (stored.revokedAt) throw notEditable('the message was deleted');
    if (Date.now() - stored.waTimestamp.getTime() > windowMs) throw notEditable(why);
    const key = decodeRawMessage(stored.raw)?.key;
    if (!key?.id || !key.remoteJid) throw notEditable('the message as sent is not kept');
    return key;
  }
}

const notEditable = (why: string) =>
  new DomainError('MESSAGE_NOT_EDITABLE', `Message cannot be changed: ${why}`);
