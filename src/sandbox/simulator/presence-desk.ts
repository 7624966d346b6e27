import * as B from '@whiskeysockets/baileys';
import type { BinaryNode } from '@whiskeysockets/baileys';
import type { CompanionDevice, WhatsAppUser } from './directory';
import type { SimulatorContext } from './simulator-context';
import { unixNow } from './simulator-context';
import type { ReceiptInfo } from './types';

export type OnlineState = 'available' | 'unavailable';
export type ChatState = 'composing' | 'recording' | 'paused';

/** A chat state a user's phone saw: who typed (phone number), in which chat, and when. */
export interface ChatStateSeen {
  from: string;
  state: ChatState;
  /** The group jid when it was shown in a group. */
  groupJid?: string;
  at: Date;
}

interface PresenceRecord {
  /** What the user last announced (companions: `<presence type=…>`); undefined before anything. */
  state?: OnlineState;
  lastSeen?: number;
  /** Phone numbers of the users who subscribed to this user's presence. */
  subscribers: Set<string>;
  /** Chat states other users showed to this user (or to a group it is in: kept under the group). */
  chatStates: ChatStateSeen[];
  /** Read receipts this user's phone got for messages it sent (ids). */
  readReceipts: string[];
}

/**
 * Presence both ways (SIMULATOR.md: presence): companions announce online/offline (`<presence
 * type=available|unavailable>`), subscribe to a contact (`<presence type=subscribe to=…>`, answered
 * with the contact's presence) and show chat states (`<chatstate to=…><composing/>`); a simulated
 * contact does the same towards companions through the control API. Read receipts a contact's phone
 * got are recorded here too.
 */
export class PresenceDesk {
  private readonly records = new Map<string, PresenceRecord>();

  constructor(private readonly ctx: SimulatorContext) {
    ctx.events.on('receipt', (r: ReceiptInfo) => {
      if (r.type === 'read' || r.type === 'read-self')
        this.record(r.toPhoneNumber).readReceipts.push(...r.messageIds);
    });
  }

  /** A companion's `<presence>`: online/offline, or a subscription to a contact. */
  onPresence(device: CompanionDevice, node: BinaryNode): void {
    const { type, to } = node.attrs;
    if (type === 'subscribe' && to) {
      const target = this.ctx.directory.resolve(to)?.user;
      if (!target) return;
      this.record(target.phoneNumber).subscribers.add(device.user.phoneNumber);
      this.tellDevice(device, this.presenceNode(target));
      return;
    }
    if (type === 'available' || type === 'unavailable') {
      const own = this.record(device.user.phoneNumber);
      own.state = type;
      if (type === 'unavailable') own.lastSeen = Number(unixNow());
    }
  }

  /** A companion's `<chatstate to=…><composing|paused/></chatstate>`. */
  onChatState(device: CompanionDevice, node: BinaryNode): void {
    const to = node.attrs.to;
    const child = Array.isArray(node.content) ? (node.content[0] as BinaryNode | undefined) : undefined;
    if (!to || !child) return;
    const state: ChatState =
      child.tag === 'composing' && child.attrs.media === 'audio' ? 'recording' : (child.tag as ChatState);
    const seen: ChatStateSeen = { from: device.user.phoneNumber, state, at: new Date() };
    if (B.isJidGroup(to)) {
      this.record(to).chatStates.push({ ...seen, groupJid: to });
      return;
    }
    const target = this.ctx.directory.resolve(to)?.user;
    if (target) this.record(target.phoneNumber).chatStates.push(seen);
  }

  /** The presence `phoneNumber` last announced, and who subscribed to it. */
  presenceOf(phoneNumber: string): { state?: OnlineState; subscribers: string[] } {
    const r = this.record(phoneNumber);
    return { state: r.state, subscribers: [...r.subscribers] };
  }

  /** Chat states shown to `phoneNumberOrGroup` (a user's phone number or a group jid). */
  chatStatesSeen(phoneNumberOrGroup: string): ChatStateSeen[] {
    return [...this.record(phoneNumberOrGroup).chatStates];
  }

  /** Ids of the messages of `phoneNumber` its phone got read receipts for. */
  readReceiptsReceived(phoneNumber: string): string[] {
    return [...this.record(phoneNumber).readReceipts];
  }

  /**
   * `from` shows `state` to `to`: online/offline reaches `to` only when `to` subscribed to `from`
   * (as on WhatsApp); a chat state always reaches the chat. Answers how many devices it reached.
   */
  send(from: WhatsAppUser, to: WhatsAppUser, state: OnlineState | ChatState): number {
    if (state === 'available' || state === 'unavailable') {
      const own = this.record(from.phoneNumber);
      own.state = state;
      if (state === 'unavailable') own.lastSeen = Number(unixNow());
      if (!own.subscribers.has(to.phoneNumber)) return 0;
      return this.tellUser(to, this.presenceNode(from));
    }
    const child: BinaryNode =
      state === 'recording' ? { tag: 'composing', attrs: { media: 'audio' } } : { tag: state, attrs: {} };
    return this.tellUser(to, { tag: 'chatstate', attrs: { from: from.pnJid }, content: [child] });
  }

  private presenceNode(user: WhatsAppUser): BinaryNode {
    const r = this.record(user.phoneNumber);
    const attrs: Record<string, string> = { from: user.pnJid, type: r.state ?? 'unavailable' };
    if (r.state !== 'available') attrs.last = String(r.lastSeen ?? 'deny');
    return { tag: 'presence', attrs };
  }

  /** Presence is not queued for offline devices: it means nothing later. */
  private tellUser(user: WhatsAppUser, node: BinaryNode): number {
    let reached = 0;
    for (const device of user.companions.values()) if (this.tellDevice(device, node)) reached++;
    return reached;
  }

  private tellDevice(device: CompanionDevice, node: BinaryNode): boolean {
    if (!device.connection?.isOpen) return false;
    device.connection.send(node);
    return true;
  }

  private record(key: string): PresenceRecord {
    let r = this.records.get(key);
    if (!r) {
      r = { subscribers: new Set(), chatStates: [], readReceipts: [] };
      this.records.set(key, r);
    }
    return r;
  }
}
