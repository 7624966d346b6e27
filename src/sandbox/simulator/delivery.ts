import type { BinaryNode } from '@whiskeysockets/baileys';
import type { CompanionDevice } from './directory';
import type { FaultPlan } from './faults';

/**
 * Hands stanzas to companion devices: straight away when the device is connected, otherwise into its
 * offline queue, delivered with the `offline` attr at its next login (Baileys then upserts them as
 * `append`). Receipts go through the receipt faults (drop, delay).
 */
export class Delivery {
  constructor(private readonly faults: FaultPlan) {}

  toDevice(device: CompanionDevice, stanza: BinaryNode): void {
    const connection = device.connection;
    if (connection?.isOpen) {
      connection.send(stanza);
    } else {
      device.offlineQueue.push(stanza);
    }
  }

  receipt(device: CompanionDevice, stanza: BinaryNode): void {
    if (this.faults.dropReceipts) return;
    const delayMs = this.faults.receiptDelayMs;
    if (delayMs > 0) {
      setTimeout(() => this.toDevice(device, stanza), delayMs);
    } else {
      this.toDevice(device, stanza);
    }
  }

  /** Sends everything queued for a device that just went active; returns how many stanzas. */
  flushOffline(device: CompanionDevice): number {
    const connection = device.connection;
    if (!connection?.isOpen) return 0;
    const queued = device.offlineQueue.splice(0);
    for (const stanza of queued) {
      connection.send({ ...stanza, attrs: { ...stanza.attrs, offline: '1' } });
    }
    return queued.length;
  }
}
