import * as B from '@whiskeysockets/baileys';
import { messageText, type ReceivedMessage } from './message-log';

const Type = B.proto.Message.ProtocolMessage.Type;

/**
 * A phone's edit of a message it sent to `toJid`, as WhatsApp phones send it: the protocol message
 * (naming the message by its key, from the sender's side) wrapped in `editedMessage`.
 */
export function editMessageContent(toJid: string, messageId: string, text: string): B.proto.IMessage {
  return {
    editedMessage: {
      message: {
        protocolMessage: {
          key: { remoteJid: toJid, fromMe: true, id: messageId },
          type: Type.MESSAGE_EDIT,
          editedMessage: { conversation: text },
          timestampMs: Date.now(),
        },
      },
    },
  };
}

/**
 * A phone's delete-for-everyone of a message it sent to `toJid`; with `authorJid`, a group admin's
 * delete of a message that member wrote.
 */
export function revokeMessageContent(toJid: string, messageId: string, authorJid?: string): B.proto.IMessage {
  const key = authorJid
    ? { remoteJid: toJid, fromMe: false, id: messageId, participant: authorJid }
    : { remoteJid: toJid, fromMe: true, id: messageId };
  return { protocolMessage: { key, type: Type.REVOKE } };
}

/** A message as the receiving phone shows it after the edits and deletes it received for it. */
export interface SeenMessage {
  id: string;
  /** The text shown now (the last edit's, else the original's). */
  text: string | undefined;
  /** The texts of each edit received, in order. */
  edits: string[];
  revoked: boolean;
}

/**
 * What a phone shows for message `id`, from everything it received (the message and the protocol
 * messages naming it; only those from the message's own sender count, as on a phone).
 */
export function seenAs(received: ReceivedMessage[], id: string): SeenMessage | undefined {
  const original = received.find((m) => m.id === id);
  if (!original) return undefined;
  const seen: SeenMessage = { id, text: messageText(original.message), edits: [], revoked: false };
  for (const m of received) {
    const p = B.normalizeMessageContent(m.message)?.protocolMessage;
    if (!p || p.key?.id !== id || m.fromPhoneNumber !== original.fromPhoneNumber) continue;
    if (p.type === Type.REVOKE) seen.revoked = true;
    if (p.type === Type.MESSAGE_EDIT && p.editedMessage) {
      const text = messageText(B.normalizeMessageContent(p.editedMessage) ?? p.editedMessage);
      if (text !== undefined) {
        seen.edits.push(text);
        seen.text = text;
      }
    }
  }
  return seen;
}
