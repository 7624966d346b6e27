import * as B from '@whiskeysockets/baileys';
import type { BinaryNode } from '@whiskeysockets/baileys';
import type { ContactMessenger } from './contact-messenger';
import type { CompanionDevice, WhatsAppUser } from './directory';
import type { GroupMessenger } from './group-messenger';
import { messageText, type ReceivedMessage } from './message-log';
import type { SimulatorContext } from './simulator-context';
import { unixNow } from './simulator-context';

interface Addressed {
  jid: string;
  enc: BinaryNode;
}

/**
 * What happens to a `<message>` a companion sends: the server acks it (or refuses it with an error code
 * when a fault says so), then every per-device `<enc>` goes to its device. Simulated phones decrypt and
 * record it; other companions get it forwarded (or queued). Delivered-to-phone messages get an automatic
 * delivery receipt unless turned off.
 */
export class OutboundRouter {
  constructor(
    private readonly ctx: SimulatorContext,
    private readonly messenger: ContactMessenger,
    private readonly groups: GroupMessenger,
  ) {}

  async route(sender: CompanionDevice, node: BinaryNode): Promise<void> {
    const { id, to } = node.attrs;
    if (!id || !to) return;
    const connection = sender.connection;
    const refusal = this.ctx.faults.takeSendRefusal();
    const ackAttrs: Record<string, string> = { class: 'message', id, from: to, t: unixNow() };
    if (refusal !== undefined) ackAttrs.error = String(refusal);
    connection?.send({ tag: 'ack', attrs: ackAttrs });
    if (refusal !== undefined) return;
    if (B.isJidGroup(to)) return this.groups.route(sender, node);

    const decrypted: ReceivedMessage[] = [];
    for (const { jid, enc } of addressedEncs(node)) {
      const target = this.ctx.directory.resolve(jid);
      if (!target) continue;
      if (target.device === 0) {
        const received = await this.decryptOnPhone(sender, target.user, node, enc);
        if (received) decrypted.push(received);
        continue;
      }
      const companion = target.user.companions.get(target.device);
      if (companion && companion !== sender) this.forward(sender, companion, node, enc);
    }
    // The delivery receipt leaves before anyone can see (and read) the message, as on WhatsApp.
    if (this.ctx.options.autoDeliveryReceipts && decrypted.some((m) => !m.fromOwnDevice)) {
      this.ctx.delivery.receipt(sender, { tag: 'receipt', attrs: { id, from: to, t: unixNow() } });
    }
    for (const received of decrypted) {
      const recipient = this.ctx.directory.findByPhone(received.toPhoneNumber);
      recipient?.inbox.add(received);
      this.ctx.events.emit('message-received', received);
      if (recipient && !received.fromOwnDevice) this.autoReply(recipient, sender.user, received);
    }
  }

  private async decryptOnPhone(
    sender: CompanionDevice,
    recipient: WhatsAppUser,
    node: BinaryNode,
    enc: BinaryNode,
  ): Promise<ReceivedMessage | undefined> {
    if (!(enc.content instanceof Uint8Array)) return undefined;
    let decoded: B.proto.Message;
    try {
      const padded = await recipient.phone.decrypt(
        { user: sender.user.lidUser, device: sender.deviceId },
        enc.attrs.type,
        enc.content,
      );
      decoded = B.proto.Message.decode(B.unpadRandomMax16(padded));
    } catch {
      return undefined;
    }
    const fromOwnDevice = recipient === sender.user;
    const received: ReceivedMessage = {
      id: node.attrs.id,
      fromPhoneNumber: sender.user.phoneNumber,
      fromDevice: sender.deviceId,
      toPhoneNumber: recipient.phoneNumber,
      message: (fromOwnDevice && decoded.deviceSentMessage?.message) || decoded,
      fromOwnDevice,
      stanzaType: node.attrs.type ?? 'text',
      receivedAt: new Date(),
    };
    return received;
  }

  /** Another companion gets the same ciphertext, addressed from the sending device. */
  private forward(sender: CompanionDevice, target: CompanionDevice, node: BinaryNode, enc: BinaryNode): void {
    const attrs: Record<string, string> = {
      id: node.attrs.id,
      from: sender.user.deviceJid(sender.deviceId),
      sender_lid: sender.user.deviceLid(sender.deviceId),
      t: unixNow(),
      type: node.attrs.type ?? 'text',
      notify: sender.user.pushName,
    };
    if (target.user === sender.user && node.attrs.to) attrs.recipient = node.attrs.to;
    if (node.attrs.category) attrs.category = node.attrs.category;
    this.ctx.messageOrigins.set(node.attrs.id, sender);
    this.ctx.delivery.toDevice(target, { tag: 'message', attrs, content: [enc] });
  }

  private autoReply(recipient: WhatsAppUser, senderUser: WhatsAppUser, received: ReceivedMessage): void {
    const rule = recipient.autoReply;
    const text = messageText(received.message);
    if (!rule || text === undefined) return;
    const reply = rule.kind === 'echo' ? text : rule.text;
    setImmediate(() => {
      void this.messenger
        .send(recipient, senderUser, { conversation: reply }, { stanzaType: 'text' })
        .catch(() => undefined);
    });
  }
}

/** `<participants><to jid><enc/></to>…` for fan-out sends, or bare `<enc>` for a single device (retries, peer). */
function addressedEncs(node: BinaryNode): Addressed[] {
  const participants = B.getBinaryNodeChild(node, 'participants');
  if (participants) {
    return B.getBinaryNodeChildren(participants, 'to').flatMap((to) => {
      const enc = B.getBinaryNodeChild(to, 'enc');
      return enc ? [{ jid: to.attrs.jid, enc }] : [];
    });
  }
  return B.getBinaryNodeChildren(node, 'enc').map((enc) => ({ jid: node.attrs.to, enc }));
}
