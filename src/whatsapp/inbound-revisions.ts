import { Injectable, Logger } from '@nestjs/common';
import { MessageRevisions, type RevisionResult } from '../messages/message-revisions';
import { baileys, normalizeMessageContent, type proto, type WAMessage } from './baileys';
import { chatAddressOf, type PhoneOfLid } from './chat-addressing';

/** An edit or a delete-for-everyone carried by a protocol message, in the gateway's words. */
export interface ParsedRevision {
  kind: 'edit' | 'revoke';
  /** The message edited or deleted. */
  targetId: string;
  /** The protocol message's own id (an edit is applied once per id). */
  revisionId: string;
  /** outbound: this account (the API, or its phone) made it; inbound: a contact did. */
  direction: 'inbound' | 'outbound';
  chatJid: string;
  /** Group messages: the author's phone digits, when known. */
  author: string | null;
  /** An edit's new text (a text, or a media caption). */
  text?: string;
  at: Date;
}

/** The text of an edited message: a text, or the caption of a media message. */
function editedText(m: proto.IMessage | null | undefined): string | undefined {
  const content = normalizeMessageContent(m);
  if (!content) return undefined;
  return (
    content.conversation ??
    content.extendedTextMessage?.text ??
    content.imageMessage?.caption ??
    content.videoMessage?.caption ??
    content.documentMessage?.caption ??
    undefined
  );
}

/** A protobuf number (a number or a Long) as a number, or null when absent. */
const numberOf = (v: unknown): number | null => (v === null || v === undefined ? null : Number(String(v)));

/**
 * The edit or delete a message carries, or null. Baileys passes both on as the protocol message in
 * `messages.upsert` (a contact's, and the echo of this account's own) and again as a
 * `messages.update` without the protocol message's id; the upsert is used, since its id makes each
 * edit count once.
 */
export function revisionOf(msg: WAMessage, phoneOfLid: PhoneOfLid, ownNumber = ''): ParsedRevision | null {
  const p = normalizeMessageContent(msg.message)?.protocolMessage;
  const key = msg.key;
  if (!p?.key?.id || !key?.id || !key.remoteJid) return null;
  const Type = baileys().proto.Message.ProtocolMessage.Type;
  if (p.type !== Type.MESSAGE_EDIT && p.type !== Type.REVOKE) return null;
  const address = chatAddressOf(key, phoneOfLid);
  const sentAt = (numberOf(msg.messageTimestamp) ?? Date.now() / 1000) * 1000;
  const base = {
    targetId: p.key.id,
    revisionId: key.id,
    direction: key.fromMe ? ('outbound' as const) : ('inbound' as const),
    chatJid: address.chatJid,
    author: address.participant,
  };
  if (p.type === Type.REVOKE) {
    // A group admin's delete names another author's message (fromMe false, its participant).
    const author = p.key.fromMe === false ? chatAddressOf(p.key, phoneOfLid).participant : null;
    const direction = author === null ? base.direction : author === ownNumber ? 'outbound' : 'inbound';
    return { ...base, direction, kind: 'revoke', at: new Date(sentAt) };
  }
  const text = editedText(p.editedMessage);
  if (text === undefined) return null;
  return { ...base, kind: 'edit', text, at: new Date(numberOf(p.timestampMs) ?? sentAt) };
}

/** Waits between tries: the edited message may still be on its way to the database, or it is down. */
const RETRY_MS = [500, 1_000, 2_000, 4_000, 8_000, 15_000];

/**
 * Applies the edits and deletes a session hears to the stored messages (MessageRevisions), which
 * raise `message.edited` / `message.revoked`. A revision whose message is not stored yet, or that
 * meets a failing database, is tried again for about half a minute, then given up with a log line:
 * revisions are not journaled like messages (an edit is not worth holding back the capture for).
 */
@Injectable()
export class InboundRevisions {
  private readonly logger = new Logger(InboundRevisions.name);

  constructor(private readonly revisions: MessageRevisions) {}

  /** True when the message was an edit or a delete (handled here, not a message to store). */
  accept(sessionId: string, msg: WAMessage, phoneOfLid: PhoneOfLid, ownNumber: string): boolean {
    const revision = revisionOf(msg, phoneOfLid, ownNumber);
    if (!revision) return false;
    void this.apply(sessionId, revision, 0);
    return true;
  }

  private async apply(sessionId: string, r: ParsedRevision, attempt: number): Promise<void> {
    const target = {
      sessionId,
      waMessageId: r.targetId,
      direction: r.direction,
      chatJid: r.chatJid,
      author: r.author,
    };
    let result: RevisionResult | 'failed';
    try {
      result =
        r.kind === 'edit'
          ? await this.revisions.edit({ ...target, editId: r.revisionId, text: r.text!, at: r.at })
          : await this.revisions.revoke({ ...target, at: r.at });
    } catch (error) {
      this.logger.warn({ err: error, sessionId }, 'Could not store a message revision');
      result = 'failed';
    }
    if (result !== 'missing' && result !== 'failed') return;
    const wait = RETRY_MS[attempt];
    if (wait === undefined) {
      this.logger.warn({ sessionId, kind: r.kind, result }, 'Gave up a message revision');
      return;
    }
    setTimeout(() => void this.apply(sessionId, r, attempt + 1), wait).unref();
  }
}
