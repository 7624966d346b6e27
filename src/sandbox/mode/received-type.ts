import type { proto } from '@whiskeysockets/baileys';

/** Protocol content names, as people call them. */
const NAMES: Record<string, string> = {
  conversation: 'text',
  extendedTextMessage: 'text',
  imageMessage: 'image',
  videoMessage: 'video',
  ptvMessage: 'video note',
  documentMessage: 'document',
  documentWithCaptionMessage: 'document',
  stickerMessage: 'sticker',
  locationMessage: 'location',
  liveLocationMessage: 'live location',
  contactMessage: 'contact',
  contactsArrayMessage: 'contacts',
  reactionMessage: 'reaction',
  pollCreationMessage: 'poll',
  pollCreationMessageV2: 'poll',
  pollCreationMessageV3: 'poll',
  pollUpdateMessage: 'poll vote',
  editedMessage: 'edit',
  groupInviteMessage: 'group invite',
};

/**
 * What a received message is, in words ("text", "image", "voice note", "edit"…), from its protocol
 * content name (`extendedTextMessage`); an unknown name is spelt out ("buttonsMessage" -> "buttons").
 */
export function receivedTypeName(protocolName: string, message: proto.IMessage): string {
  if (protocolName === 'audioMessage') return message.audioMessage?.ptt ? 'voice note' : 'audio';
  if (protocolName === 'protocolMessage') {
    const type = message.protocolMessage?.type;
    // ProtocolMessage.Type: 0 REVOKE, 14 MESSAGE_EDIT.
    if (type === 0) return 'delete';
    if (type === 14) return 'edit';
    return 'protocol';
  }
  return (
    NAMES[protocolName] ??
    protocolName
      .replace(/Message$/, '')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase()
  );
}
