import * as B from '@whiskeysockets/baileys';
import type { BinaryNode } from '@whiskeysockets/baileys';
import type { ContactMessenger } from './contact-messenger';
import type { CompanionDevice } from './directory';
import type { GroupMessenger } from './group-messenger';
import type { SimulatorContext } from './simulator-context';
import { unixNow } from './simulator-context';

const RELAYED_RECEIPT_TYPES = new Set(['inactive', 'read', 'read-self', 'played']);

/**
 * Receipts a companion sends: delivery/read receipts for messages it received (reported as events, and
 * relayed to the sending companion when one sent it), and retry receipts (answered by re-encrypting).
 * Every receipt is acked, as the server does.
 */
export class ReceiptHandler {
  constructor(
    private readonly ctx: SimulatorContext,
    private readonly messenger: ContactMessenger,
    private readonly groups: GroupMessenger,
  ) {}

  async handle(device: CompanionDevice, receipt: BinaryNode): Promise<void> {
    const { id, to, type } = receipt.attrs;
    const ackAttrs: Record<string, string> = { class: 'receipt', id, from: to ?? 's.whatsapp.net' };
    if (type) ackAttrs.type = type;
    device.connection?.send({ tag: 'ack', attrs: ackAttrs });
    if (B.isJidGroup(to) || B.isJidStatusBroadcast(to ?? '')) return this.groups.onReceipt(device, receipt);
    const target = to ? this.ctx.directory.resolve(to) : undefined;
    if (!target) return;

    if (type === 'retry') {
      await this.messenger.answerRetry(target.user, device, receipt);
      return;
    }
    const ids = [
      id,
      ...B.getBinaryNodeChildren(B.getBinaryNodeChild(receipt, 'list'), 'item').map((i) => i.attrs.id),
    ];
    this.ctx.events.emit('receipt', {
      toPhoneNumber: target.user.phoneNumber,
      fromPhoneNumber: device.user.phoneNumber,
      fromDevice: device.deviceId,
      messageIds: ids,
      type,
    });
    this.relayToSendingCompanion(device, ids, type);
  }

  /** A receipt for a message another companion sent goes back to that companion. */
  private relayToSendingCompanion(device: CompanionDevice, ids: string[], type: string | undefined): void {
    // "inactive" is Baileys' receipt for a message delivered while it shows itself offline.
    if (type !== undefined && !RELAYED_RECEIPT_TYPES.has(type)) return;
    for (const id of ids) {
      const origin = this.ctx.messageOrigins.get(id);
      if (!origin || origin.user === device.user) continue;
      const attrs: Record<string, string> = { id, from: device.user.pnJid, t: unixNow() };
      if (type && type !== 'inactive') attrs.type = type;
      this.ctx.delivery.receipt(origin, { tag: 'receipt', attrs });
    }
  }
}
