import { randomBytes } from 'node:crypto';
import * as B from '@whiskeysockets/baileys';
import type { BinaryNode } from '@whiskeysockets/baileys';
import type { CompanionDevice, WhatsAppUser } from './directory';
import { bundleFromRetryReceipt, takeCompanionBundle } from './key-bundles';
import type { PeerAddress } from './signal-endpoint';
import type { SimulatorContext } from './simulator-context';
import { unixNow } from './simulator-context';
import type { SenderAddressing } from './types';

export interface SendOptions {
  id?: string;
  /** Stanza `type`: `text` or `media`. */
  stanzaType: string;
  /** `mediatype` attr of `<enc>` for media. */
  mediaType?: string;
  addressing?: SenderAddressing;
}

export function newMessageId(): string {
  return `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;
}

function peerOf(device: CompanionDevice): PeerAddress {
  return { user: device.user.lidUser, device: device.deviceId };
}

/**
 * A simulated user's phone sending to the companions of another user: one Signal encryption per device
 * (pkmsg until the device has answered), in the stanza shape Baileys expects, queued if the device is
 * offline. It also answers retry receipts by re-encrypting under a fresh session.
 */
export class ContactMessenger {
  constructor(private readonly ctx: SimulatorContext) {}

  async send(
    from: WhatsAppUser,
    to: WhatsAppUser,
    message: B.proto.IMessage,
    options: SendOptions,
  ): Promise<string> {
    const id = options.id ?? newMessageId();
    const timestamp = Math.floor(Date.now() / 1000);
    from.sent.set(id, {
      id,
      message,
      stanzaType: options.stanzaType,
      toPhoneNumber: to.phoneNumber,
      timestamp,
    });
    // A user who blocked the sender never gets its messages (the sender sees no delivery).
    if (this.ctx.profiles.isBlocked(to.phoneNumber, from.phoneNumber)) return id;
    for (const device of to.companions.values()) {
      const enc = await this.encrypt(from, device, message, this.ctx.faults.takeUndecryptable());
      this.ctx.delivery.toDevice(device, this.stanza(from, id, String(timestamp), enc, options));
    }
    return id;
  }

  /**
   * A companion could not decrypt a message from `from` and asked again. Start a fresh session from the
   * bundle in the receipt's `<keys>` (or, without one, from the device's uploaded prekeys) and resend.
   */
  async answerRetry(from: WhatsAppUser, device: CompanionDevice, receipt: BinaryNode): Promise<boolean> {
    const sent = from.sent.get(receipt.attrs.id);
    if (!sent) return false;
    const retry = B.getBinaryNodeChild(receipt, 'retry');
    const bundle = bundleFromRetryReceipt(receipt) ?? takeCompanionBundle(device);
    await from.phone.startSession(peerOf(device), bundle);
    const plaintext = B.writeRandomPadMax16(B.proto.Message.encode(sent.message).finish());
    const enc = await from.phone.encrypt(peerOf(device), plaintext);
    const stanza = this.stanza(from, sent.id, String(sent.timestamp), enc, {
      stanzaType: sent.stanzaType,
      mediaType: mediaTypeOf(sent.message),
    });
    const encNode = (stanza.content as BinaryNode[])[0];
    encNode.attrs.count = retry?.attrs.count ?? '1';
    this.ctx.delivery.toDevice(device, stanza);
    return true;
  }

  private async encrypt(
    from: WhatsAppUser,
    device: CompanionDevice,
    message: B.proto.IMessage,
    garble: boolean,
  ) {
    const peer = peerOf(device);
    if (!from.phone.hasSession(peer)) {
      await from.phone.startSession(peer, takeCompanionBundle(device));
    }
    if (garble) {
      // A ciphertext no session can open: Baileys answers with a retry receipt.
      return { type: 'msg' as const, ciphertext: randomBytes(64) };
    }
    return from.phone.encrypt(peer, B.writeRandomPadMax16(B.proto.Message.encode(message).finish()));
  }

  private stanza(
    from: WhatsAppUser,
    id: string,
    t: string,
    enc: { type: string; ciphertext: Buffer },
    options: Omit<SendOptions, 'id'>,
  ): BinaryNode {
    const attrs: Record<string, string> = {
      id,
      t: t || unixNow(),
      type: options.stanzaType,
      notify: from.pushName,
    };
    switch (options.addressing ?? 'pn') {
      case 'pn':
        Object.assign(attrs, { from: from.pnJid, sender_lid: from.lidJid });
        break;
      case 'pn-only':
        attrs.from = from.pnJid;
        break;
      case 'lid':
        Object.assign(attrs, { from: from.lidJid, sender_pn: from.pnJid, addressing_mode: 'lid' });
        break;
      case 'lid-only':
        Object.assign(attrs, { from: from.lidJid, addressing_mode: 'lid' });
        break;
    }
    const encAttrs: Record<string, string> = { v: '2', type: enc.type };
    if (options.mediaType) encAttrs.mediatype = options.mediaType;
    return { tag: 'message', attrs, content: [{ tag: 'enc', attrs: encAttrs, content: enc.ciphertext }] };
  }
}

export function mediaTypeOf(message: B.proto.IMessage): string | undefined {
  if (message.imageMessage) return 'image';
  if (message.videoMessage) return 'video';
  if (message.audioMessage) return message.audioMessage.ptt ? 'ptt' : 'audio';
  if (message.documentMessage) return 'document';
  if (message.stickerMessage) return 'sticker';
  return undefined;
}
