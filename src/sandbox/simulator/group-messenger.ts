import { randomBytes } from 'node:crypto';
import * as B from '@whiskeysockets/baileys';
import type { BinaryNode } from '@whiskeysockets/baileys';
import { newMessageId } from './contact-messenger';
import type { CompanionDevice, WhatsAppUser } from './directory';
import { GroupError, requireMember } from './group-actions';
import type { SimulatedGroup } from './group-directory';
import { bundleFromRetryReceipt, takeCompanionBundle } from './key-bundles';
import type { ReceivedMessage } from './message-log';
import { SenderKeyStore, type SenderKeyOwner } from './sender-keys';
import type { EncryptedPayload, PeerAddress } from './signal-endpoint';
import type { SimulatorContext } from './simulator-context';
import { unixNow } from './simulator-context';

export const STATUS_BROADCAST = 'status@broadcast';

export interface ChatSendOptions {
  id?: string;
  /** Stanza `type`: `text` or `media`. */
  stanzaType: string;
  /** `mediatype` of the `<enc>` nodes for media. */
  mediaType?: string;
}

/** A message sent with a sender key (`skmsg`), kept for retries and for the rotation check. */
interface SenderKeySend {
  chatJid: string;
  owner: SenderKeyOwner;
  skmsg: Buffer;
}

/** What a companion's group message carried, as the server saw it. */
export interface CompanionGroupSend {
  id: string;
  groupJid: string;
  fromPhoneNumber: string;
  fromDevice: number;
  /** Devices the message carried a pairwise `<enc>` (the sender key) for, as Baileys named them. */
  keyRecipients: string[];
  /** Whether it carried an `skmsg`. */
  skmsg: boolean;
}

interface ContactSend extends SenderKeySend {
  from: WhatsAppUser;
  message: B.proto.IMessage;
  options: ChatSendOptions;
  t: string;
  /** `from`, `participant`, `addressing_mode`… of the stanza. */
  addressing: Record<string, string>;
}

function peerOf(device: CompanionDevice): PeerAddress {
  return { user: device.user.lidUser, device: device.deviceId };
}

function pad(message: B.proto.IMessage): Buffer {
  return B.writeRandomPadMax16(B.proto.Message.encode(message).finish());
}

function encNode(type: string, ciphertext: Uint8Array, mediaType?: string): BinaryNode {
  const attrs: Record<string, string> = { v: '2', type };
  if (mediaType) attrs.mediatype = mediaType;
  return { tag: 'enc', attrs, content: ciphertext };
}

/**
 * Group (and status broadcast) messages with Signal sender keys, both ways, as the WhatsApp server
 * relays them:
 * - from a companion: `<message to=<group>>` with `<participants>` (per-device pkmsg/msg holding the
 *   sender key distribution message) and one `<enc type='skmsg'>`; simulated phones process the key and
 *   decrypt, other companions get their own `<enc>` plus the skmsg, the sender gets delivery receipts;
 * - from a simulated user: its own sender key, distributed once per device (pkmsg/msg), then skmsg only;
 *   a retry receipt is answered with the message and the key again over a fresh pairwise session.
 * Every member's sender-key state is kept per chat, so a test can ask whether a removed member's old key
 * still opens a later message.
 */
export class GroupMessenger {
  private readonly keys = new WeakMap<WhatsAppUser, SenderKeyStore>();
  private readonly companionSends = new Map<string, SenderKeySend>();
  /** Every group message companions sent, oldest first. */
  readonly fromCompanions: CompanionGroupSend[] = [];
  private readonly contactSends = new Map<string, ContactSend>();
  /** Retry receipts member phones sent, by `message id|phone` (one each). */
  private readonly retried = new Set<string>();
  /** Devices (`phone:device`) that already hold a user's key for a chat, by `chat|phone`. */
  private readonly holders = new Map<string, Set<string>>();

  constructor(private readonly ctx: SimulatorContext) {}

  /** A companion's message to a group (the ack has been sent). */
  async route(sender: CompanionDevice, node: BinaryNode): Promise<void> {
    const group = this.ctx.groups.find(node.attrs.to);
    if (!group || !group.has(sender.user)) return;
    const id = node.attrs.id;
    const owner: SenderKeyOwner = { phoneNumber: sender.user.phoneNumber, device: sender.deviceId };
    const skmsg = B.getBinaryNodeChildren(node, 'enc').find((e) => e.attrs.type === 'skmsg');
    const skmsgBytes = skmsg?.content instanceof Uint8Array ? Buffer.from(skmsg.content) : undefined;
    if (skmsgBytes) this.companionSends.set(id, { chatJid: group.jid, owner, skmsg: skmsgBytes });

    const pairwise = new Map<CompanionDevice, BinaryNode>();
    const recipients = B.getBinaryNodeChildren(B.getBinaryNodeChild(node, 'participants'), 'to');
    this.fromCompanions.push({
      id,
      groupJid: group.jid,
      fromPhoneNumber: owner.phoneNumber,
      fromDevice: owner.device,
      keyRecipients: recipients.map((to) => to.attrs.jid),
      skmsg: !!skmsgBytes,
    });
    for (const to of recipients) {
      const enc = B.getBinaryNodeChild(to, 'enc');
      const target = this.ctx.directory.resolve(to.attrs.jid);
      if (!enc || !target || !group.has(target.user)) continue;
      if (target.device === 0) {
        await this.phoneTakesKey(group.jid, sender, target.user, enc);
        continue;
      }
      const companion = target.user.companions.get(target.device);
      if (companion && companion !== sender) pairwise.set(companion, enc);
    }

    const attrs = this.companionStanzaAttrs(group, sender, node);
    const received: ReceivedMessage[] = [];
    for (const member of group.users()) {
      // A resend after a retry reaches everyone again; phones keep one copy of each message.
      const alreadyRead = member.inbox.list().some((m) => m.id === id && m.chatJid === group.jid);
      if (skmsgBytes && !alreadyRead) {
        const read = await this.phoneReads(member, owner, skmsgBytes, group.jid, node);
        if (read) received.push(read);
        else if (member !== sender.user) this.askAgain(sender, group, member, node);
      }
      for (const companion of member.companions.values()) {
        if (companion === sender) continue;
        const encs = [pairwise.get(companion), skmsg].filter((e): e is BinaryNode => !!e);
        if (encs.length)
          this.ctx.delivery.toDevice(companion, { tag: 'message', attrs: { ...attrs }, content: encs });
      }
    }
    this.ctx.messageOrigins.set(id, sender);
    for (const message of received) {
      const recipient = this.ctx.directory.findByPhone(message.toPhoneNumber);
      if (this.ctx.options.autoDeliveryReceipts && recipient && !message.fromOwnDevice) {
        this.ctx.delivery.receipt(sender, {
          tag: 'receipt',
          attrs: { id, from: group.jid, participant: group.jidOf(recipient), t: unixNow() },
        });
      }
      recipient?.inbox.add(message);
      this.ctx.events.emit('message-received', message);
    }
  }

  /** The member's phone forgets every sender key it holds for the chat (a reinstalled phone). */
  forgetKeys(member: WhatsAppUser, chatJid: string): void {
    this.keysOf(member).forget(chatJid, { phoneNumber: member.phoneNumber, device: 0 });
  }

  /**
   * A member's phone that cannot open a companion's skmsg asks for it again, once per message, as
   * phones do: `<receipt type='retry' from=<group> participant=<member>>`. Baileys then clears its
   * sender-key memory of the group and sends the message to everyone again with its key.
   */
  private askAgain(
    sender: CompanionDevice,
    group: SimulatedGroup,
    member: WhatsAppUser,
    node: BinaryNode,
  ): void {
    const key = `${node.attrs.id}|${member.phoneNumber}`;
    if (this.retried.has(key)) return;
    this.retried.add(key);
    const t = unixNow();
    this.ctx.delivery.toDevice(sender, {
      tag: 'receipt',
      attrs: { id: node.attrs.id, from: group.jid, participant: group.jidOf(member), type: 'retry', t },
      content: [
        { tag: 'retry', attrs: { count: '1', id: node.attrs.id, t, v: '1' } },
        { tag: 'registration', attrs: {}, content: B.encodeBigEndian(member.phone.registrationId) },
      ],
    });
  }

  /** A simulated member writes in a group; every member's devices get it. Returns the message id. */
  async sendToGroup(
    from: WhatsAppUser,
    group: SimulatedGroup,
    message: B.proto.IMessage,
    options: ChatSendOptions,
  ): Promise<string> {
    requireMember(group, from);
    if (group.announce && !group.isAdmin(from)) throw new GroupError(401, 'not-authorized');
    const addressing: Record<string, string> = { from: group.jid, addressing_mode: group.addressingMode };
    if (group.addressingMode === 'lid')
      Object.assign(addressing, { participant: from.lidJid, participant_pn: from.pnJid });
    else Object.assign(addressing, { participant: from.pnJid, participant_lid: from.lidJid });
    return this.fanOut(from, group.jid, group.users(), message, options, addressing);
  }

  /** A status update (`status@broadcast`) from a simulated user to the given users' devices. */
  async sendStatus(
    from: WhatsAppUser,
    to: WhatsAppUser[],
    message: B.proto.IMessage,
    options: ChatSendOptions,
  ): Promise<string> {
    const addressing = { from: STATUS_BROADCAST, participant: from.pnJid, participant_lid: from.lidJid };
    return this.fanOut(from, STATUS_BROADCAST, to, message, options, addressing);
  }

  /**
   * A channel post: `<message from=<id>@newsletter server_id>` with the message in `<plaintext>`
   * (newsletters are not end-to-end encrypted), to every companion of `to`.
   */
  sendNewsletter(
    newsletterJid: string,
    to: WhatsAppUser,
    message: B.proto.IMessage,
    options: ChatSendOptions & { serverId: number },
  ): string {
    const id = options.id ?? newMessageId();
    const plaintextAttrs: Record<string, string> = options.mediaType ? { mediatype: options.mediaType } : {};
    for (const device of to.companions.values()) {
      this.ctx.delivery.toDevice(device, {
        tag: 'message',
        attrs: {
          from: newsletterJid,
          id,
          server_id: String(options.serverId),
          t: unixNow(),
          type: options.stanzaType,
        },
        content: [
          { tag: 'plaintext', attrs: plaintextAttrs, content: B.proto.Message.encode(message).finish() },
        ],
      });
    }
    return id;
  }

  /**
   * A companion's receipt for a group or status message: a retry is answered with the message and the
   * sender key over a fresh pairwise session; other receipts are reported, and relayed to the
   * companion that sent the message.
   */
  async onReceipt(device: CompanionDevice, receipt: BinaryNode): Promise<void> {
    const { id, to, type, participant } = receipt.attrs;
    if (type === 'retry') {
      await this.answerRetry(device, receipt);
      return;
    }
    const ids = [
      id,
      ...B.getBinaryNodeChildren(B.getBinaryNodeChild(receipt, 'list'), 'item').map((i) => i.attrs.id),
    ];
    const author = participant ? this.ctx.directory.resolve(participant)?.user : undefined;
    if (author) {
      this.ctx.events.emit('receipt', {
        toPhoneNumber: author.phoneNumber,
        fromPhoneNumber: device.user.phoneNumber,
        fromDevice: device.deviceId,
        messageIds: ids,
        type,
        chatJid: to,
      });
    }
    if (type !== undefined && !['inactive', 'read', 'played'].includes(type)) return;
    const group = this.ctx.groups.find(to);
    for (const messageId of ids) {
      const origin = this.ctx.messageOrigins.get(messageId);
      if (!origin || origin.user === device.user) continue;
      const attrs: Record<string, string> = {
        id: messageId,
        from: to,
        participant: group ? group.jidOf(device.user) : device.user.pnJid,
        t: unixNow(),
      };
      if (type && type !== 'inactive') attrs.type = type;
      this.ctx.delivery.receipt(origin, { tag: 'receipt', attrs });
    }
  }

  /**
   * Whether `member`'s phone read message `messageId` of `chatJid`, or could with the sender keys it
   * holds now (tried on a copy; a message already read has used up its key in the live state).
   */
  async couldDecrypt(member: WhatsAppUser, chatJid: string, messageId: string): Promise<boolean> {
    const sent = this.companionSends.get(messageId) ?? this.contactSends.get(messageId);
    if (!sent || sent.chatJid !== chatJid)
      throw new Error(`no sender-key message ${messageId} in ${chatJid}`);
    const read = member.inbox.list().some((m) => m.id === messageId && m.chatJid === chatJid);
    return read || this.keysOf(member).couldDecrypt(chatJid, sent.owner, sent.skmsg);
  }

  private async fanOut(
    from: WhatsAppUser,
    chatJid: string,
    recipients: WhatsAppUser[],
    message: B.proto.IMessage,
    options: ChatSendOptions,
    addressing: Record<string, string>,
  ): Promise<string> {
    const id = options.id ?? newMessageId();
    const t = unixNow();
    const owner: SenderKeyOwner = { phoneNumber: from.phoneNumber, device: 0 };
    const store = this.keysOf(from);
    const skdm = await store.ownDistribution(chatJid, owner);
    const skmsg = await store.encrypt(chatJid, owner, pad(message));
    const send: ContactSend = { chatJid, owner, skmsg, from, message, options, t, addressing };
    this.contactSends.set(id, send);
    const attrs = { ...addressing, id, t, type: options.stanzaType, notify: from.pushName };
    const holders = this.holdersOf(chatJid, from);
    // A fault can garble what companions get: Baileys then asks again with a retry receipt.
    const companionSkmsg = this.ctx.faults.takeUndecryptable() ? randomBytes(skmsg.length) : skmsg;
    for (const user of recipients) {
      if (user !== from) await this.phoneReceivesFromPhone(user, send, skdm, id);
      for (const device of user.companions.values()) {
        const encs: BinaryNode[] = [];
        const holder = `${user.phoneNumber}:${device.deviceId}`;
        if (!holders.has(holder)) {
          const enc = await this.pairwise(from, device, distribution(chatJid, skdm));
          encs.push(encNode(enc.type, enc.ciphertext, options.mediaType));
          holders.add(holder);
        }
        encs.push(encNode('skmsg', companionSkmsg, options.mediaType));
        this.ctx.delivery.toDevice(device, { tag: 'message', attrs: { ...attrs }, content: encs });
      }
    }
    return id;
  }

  private async answerRetry(device: CompanionDevice, receipt: BinaryNode): Promise<void> {
    const sent = this.contactSends.get(receipt.attrs.id);
    if (!sent) return;
    const bundle = bundleFromRetryReceipt(receipt) ?? takeCompanionBundle(device);
    await sent.from.phone.startSession(peerOf(device), bundle);
    const skdm = await this.keysOf(sent.from).ownDistribution(sent.chatJid, sent.owner);
    const enc = await sent.from.phone.encrypt(
      peerOf(device),
      pad({ ...sent.message, ...distribution(sent.chatJid, skdm) }),
    );
    const node = encNode(enc.type, enc.ciphertext, sent.options.mediaType);
    node.attrs.count = B.getBinaryNodeChild(receipt, 'retry')?.attrs.count ?? '1';
    this.holdersOf(sent.chatJid, sent.from).add(`${device.user.phoneNumber}:${device.deviceId}`);
    this.ctx.delivery.toDevice(device, {
      tag: 'message',
      attrs: {
        ...sent.addressing,
        id: receipt.attrs.id,
        t: sent.t,
        type: sent.options.stanzaType,
        notify: sent.from.pushName,
      },
      content: [node],
    });
  }

  /** A member's phone decrypts the pairwise `<enc>` a companion sent it and stores the sender key inside. */
  private async phoneTakesKey(
    chatJid: string,
    sender: CompanionDevice,
    member: WhatsAppUser,
    enc: BinaryNode,
  ): Promise<void> {
    if (!(enc.content instanceof Uint8Array)) return;
    try {
      const padded = await member.phone.decrypt(peerOf(sender), enc.attrs.type, enc.content);
      const decoded = B.proto.Message.decode(B.unpadRandomMax16(padded));
      const skdm = (decoded.deviceSentMessage?.message ?? decoded).senderKeyDistributionMessage;
      if (!skdm?.axolotlSenderKeyDistributionMessage) return;
      await this.keysOf(member).processDistribution(
        skdm.groupId ?? chatJid,
        { phoneNumber: sender.user.phoneNumber, device: sender.deviceId },
        skdm.axolotlSenderKeyDistributionMessage,
      );
    } catch {
      // A phone that cannot open it simply has no key: the skmsg will not decrypt either.
    }
  }

  private async phoneReads(
    member: WhatsAppUser,
    owner: SenderKeyOwner,
    skmsg: Buffer,
    chatJid: string,
    node: BinaryNode,
  ): Promise<ReceivedMessage | undefined> {
    let message: B.proto.Message;
    try {
      const padded = await this.keysOf(member).decrypt(chatJid, owner, skmsg);
      message = B.proto.Message.decode(B.unpadRandomMax16(padded));
    } catch {
      return undefined;
    }
    return {
      id: node.attrs.id,
      fromPhoneNumber: owner.phoneNumber,
      fromDevice: owner.device,
      toPhoneNumber: member.phoneNumber,
      message,
      fromOwnDevice: member.phoneNumber === owner.phoneNumber,
      stanzaType: node.attrs.type ?? 'text',
      receivedAt: new Date(),
      chatJid,
    };
  }

  /** Simulated phones exchange through the same keys: the first message carries the key, then skmsg. */
  private async phoneReceivesFromPhone(
    user: WhatsAppUser,
    send: ContactSend,
    skdm: Uint8Array,
    id: string,
  ): Promise<void> {
    const holders = this.holdersOf(send.chatJid, send.from);
    const holder = `${user.phoneNumber}:0`;
    if (!holders.has(holder)) {
      await this.keysOf(user).processDistribution(send.chatJid, send.owner, skdm);
      holders.add(holder);
    }
    const node: BinaryNode = { tag: 'message', attrs: { id, type: send.options.stanzaType } };
    const received = await this.phoneReads(user, send.owner, send.skmsg, send.chatJid, node);
    if (!received) return;
    user.inbox.add(received);
    this.ctx.events.emit('message-received', received);
  }

  private async pairwise(
    from: WhatsAppUser,
    device: CompanionDevice,
    message: B.proto.IMessage,
  ): Promise<EncryptedPayload> {
    const peer = peerOf(device);
    if (!from.phone.hasSession(peer)) await from.phone.startSession(peer, takeCompanionBundle(device));
    return from.phone.encrypt(peer, pad(message));
  }

  private companionStanzaAttrs(
    group: SimulatedGroup,
    sender: CompanionDevice,
    node: BinaryNode,
  ): Record<string, string> {
    const pn = sender.user.deviceJid(sender.deviceId);
    const lid = sender.user.deviceLid(sender.deviceId);
    const attrs: Record<string, string> = {
      id: node.attrs.id,
      from: group.jid,
      t: unixNow(),
      type: node.attrs.type ?? 'text',
      notify: sender.user.pushName,
      addressing_mode: group.addressingMode,
    };
    if (group.addressingMode === 'lid') Object.assign(attrs, { participant: lid, participant_pn: pn });
    else Object.assign(attrs, { participant: pn, participant_lid: lid });
    return attrs;
  }

  private keysOf(user: WhatsAppUser): SenderKeyStore {
    let store = this.keys.get(user);
    if (!store) {
      store = new SenderKeyStore();
      this.keys.set(user, store);
    }
    return store;
  }

  private holdersOf(chatJid: string, from: WhatsAppUser): Set<string> {
    const key = `${chatJid}|${from.phoneNumber}`;
    let set = this.holders.get(key);
    if (!set) {
      set = new Set();
      this.holders.set(key, set);
    }
    return set;
  }
}

function distribution(chatJid: string, skdm: Uint8Array): B.proto.IMessage {
  return { senderKeyDistributionMessage: { groupId: chatJid, axolotlSenderKeyDistributionMessage: skdm } };
}
