import { EventEmitter } from 'node:events';
import { Agent } from 'node:https';
import type * as B from '@whiskeysockets/baileys';
import { certChainFromAnotherRoot } from './cert-chain';
import { Delivery } from './delivery';
import { Directory, type CompanionDevice, type WhatsAppUser } from './directory';
import { FaultPlan } from './faults';
import { GroupControl } from './group-control';
import { GroupDirectory } from './group-directory';
import { decryptMedia, uploadToken, type MediaKind } from './media-crypto';
import { MediaHost } from './media-host';
import type { ChatState, ChatStateSeen, OnlineState } from './presence-desk';
import type { ReceivedMessage } from './message-log';
import { editMessageContent, revokeMessageContent, seenAs, type SeenMessage } from './message-revisions';
import { buildOutgoingMessage } from './outgoing-content';
import type { CompanionEnrollment } from './pairing-desk';
import { PollControl } from './poll-control';
import { ProfileDesk, type UserProfile } from './profile-desk';
import type { SimulatorContext } from './simulator-context';
import { describeDevice } from './simulator-context';
import { SimulatorServer } from './simulator-server';
import type {
  AutoReply,
  DeviceInfo,
  OutgoingContent,
  ReceiptType,
  ResolvedSimulatorOptions,
  SenderAddressing,
  SimulatorEndpoints,
  SimulatorEventMap,
  SimulatorOptions,
  UserInfo,
} from './types';

/** Close codes the simulator can make Baileys report (`lastDisconnect.error.output.statusCode`). */
export type DisconnectCode = 401 | 428 | 440 | 500 | 515 | 408;

/** The socket settings a Baileys socket needs to talk to this simulator (spread into makeWASocket's config). */
export interface SandboxSocketConfig {
  waWebSocketUrl: string;
  /** Trusts the simulator's TLS certificate only; used by Baileys for media uploads. */
  fetchAgent: Agent;
}

const DEFAULTS: ResolvedSimulatorOptions = {
  host: '127.0.0.1',
  port: 0,
  qrRefCount: 5,
  autoDeliveryReceipts: true,
  pairingTimeoutMs: 10_000,
};

/**
 * A WhatsApp server that unmodified Baileys pairs with, logs in to, messages through and gets
 * disconnected by (see docs/simulator.md). Users ("accounts" and "contacts") live in memory; each has a
 * simulated phone that decrypts what it receives, so tests can assert exactly what arrived.
 *
 * Baileys only trusts it after `enableSandboxBaileys(simulator)` (src/sandbox/baileys-sandbox-switch.ts).
 */
export class WhatsAppSimulator extends EventEmitter<SimulatorEventMap> {
  readonly faults = new FaultPlan();
  private readonly options: ResolvedSimulatorOptions;
  private genuineCertChain: Uint8Array | undefined;
  private readonly directory = new Directory();
  private readonly media = new MediaHost();
  private readonly server: SimulatorServer;
  private readonly delivery = new Delivery(this.faults);
  private endpoints: SimulatorEndpoints | undefined;
  private agent: Agent | undefined;
  /** Where the media of each message a simulated user sent is served, by message id. */
  private readonly mediaUrls = new Map<string, string>();
  /** Groups of simulated users and the account (see docs/simulator.md, Groups). */
  readonly groups: GroupControl;
  /** Polls: those a phone received, votes encrypted as WhatsApp does, polls a user sends (docs/simulator.md). */
  readonly polls: PollControl;
  private nextNewsletterServerId = 100;
  /** Profile pictures, about texts and block lists (docs/simulator.md: Profiles and block lists). */
  private readonly profiles = new ProfileDesk(this.directory, this);

  constructor(options: SimulatorOptions = {}) {
    super();
    this.options = { ...DEFAULTS, ...options };
    const context: SimulatorContext = {
      options: this.options,
      directory: this.directory,
      faults: this.faults,
      media: this.media,
      delivery: this.delivery,
      groups: new GroupDirectory(),
      events: this,
      messageOrigins: new Map(),
      profiles: this.profiles,
    };
    this.server = new SimulatorServer(context);
    this.groups = new GroupControl({
      directory: this.directory,
      groups: context.groups,
      actions: this.server.groupActions,
      messenger: this.server.groupMessenger,
      notifier: this.server.groupNotifier,
      media: this.media,
    });
    this.polls = new PollControl({
      directory: this.directory,
      groups: context.groups,
      messenger: this.server.messenger,
      groupMessenger: this.server.groupMessenger,
    });
  }

  /** The root key Baileys must trust (`WA_CERT_DETAILS.PUBLIC_KEY`); fresh for every simulator. */
  get rootPublicKey(): Buffer {
    return Buffer.from(this.server.identity.rootPublicKey);
  }

  /**
   * From now on, handshakes get a certificate chain for this server's own static key but signed by a
   * root key nobody trusts, as an impostor would serve; `false` serves the genuine chain again.
   */
  serveUntrustedCertChain(untrusted = true): void {
    const identity = this.server.identity;
    this.genuineCertChain ??= identity.certChain;
    identity.certChain = untrusted ? certChainFromAnotherRoot(identity) : this.genuineCertChain;
  }

  async start(): Promise<SimulatorEndpoints> {
    if (this.endpoints) return this.endpoints;
    await this.media.startTls();
    const { baseUrl, webSocketUrl } = await this.server.listen(this.options.host, this.options.port);
    this.media.setPlainBaseUrl(baseUrl);
    this.agent = new Agent({ ca: this.media.certificatePem, keepAlive: false });
    this.endpoints = { webSocketUrl, mediaBaseUrl: baseUrl, uploadHost: this.media.uploadHost };
    return this.endpoints;
  }

  async stop(): Promise<void> {
    await this.server.close();
    await this.media.stop();
    this.agent?.destroy();
    this.agent = undefined;
    this.endpoints = undefined;
  }

  /** Where the simulator listens; throws before `start()`. */
  endpointsOrThrow(): SimulatorEndpoints {
    if (!this.endpoints) throw new Error('simulator not started');
    return this.endpoints;
  }

  socketConfig(): SandboxSocketConfig {
    if (!this.endpoints || !this.agent) throw new Error('simulator not started');
    return { waWebSocketUrl: this.endpoints.webSocketUrl, fetchAgent: this.agent };
  }

  /** PEM of the upload listener's certificate, for clients that build their own agent. */
  get tlsCertificate(): string {
    return this.media.certificatePem;
  }

  createAccount(phoneNumber: string, options: { pushName?: string } = {}): UserInfo {
    return describeUser(this.directory.create(phoneNumber, options.pushName));
  }

  /** A contact is a user like an account; it may answer every text automatically. */
  createContact(phoneNumber: string, options: { pushName?: string; autoReply?: AutoReply } = {}): UserInfo {
    const user = this.directory.create(phoneNumber, options.pushName);
    user.autoReply = options.autoReply;
    return describeUser(user);
  }

  hasUser(phoneNumber: string): boolean {
    return this.directory.findByPhone(phoneNumber) !== undefined;
  }

  user(phoneNumber: string): UserInfo {
    return describeUser(this.requireUser(phoneNumber));
  }

  setAutoReply(phoneNumber: string, autoReply: AutoReply | undefined): void {
    this.requireUser(phoneNumber).autoReply = autoReply;
  }

  /** The phone of `phoneNumber` scans `qr` (created on the fly if needed); resolves once linked. */
  async linkDevice(qr: string, options: { phoneNumber: string; pushName?: string }): Promise<DeviceInfo> {
    const user =
      this.directory.findByPhone(options.phoneNumber) ??
      this.directory.create(options.phoneNumber, options.pushName);
    return this.server.pairing.link(qr, user);
  }

  /**
   * Links a companion to `phoneNumber` (created on the fly if needed) without a socket or a scan,
   * for seeding many linked sessions at once (benchmarks): returns the pair-success stanza the
   * client applies to its credentials (Baileys' `configureSuccessfulPairing`); it then logs in as
   * any linked device.
   */
  enrollDevice(
    phoneNumber: string,
    companion: CompanionEnrollment,
    options: { pushName?: string } = {},
  ): { device: DeviceInfo; pairSuccess: B.BinaryNode } {
    const user =
      this.directory.findByPhone(phoneNumber) ?? this.directory.create(phoneNumber, options.pushName);
    return this.server.pairing.enroll(user, companion);
  }

  /**
   * The phone of `phoneNumber` (created on the fly if needed) types the pairing code a companion
   * shows after asking for one with this number (Baileys `requestPairingCode`); resolves once
   * linked. A wrong code throws (WrongPairingCodeError) and links nothing.
   */
  async enterPairingCode(
    phoneNumber: string,
    code: string,
    options: { pushName?: string } = {},
  ): Promise<DeviceInfo> {
    const user =
      this.directory.findByPhone(phoneNumber) ?? this.directory.create(phoneNumber, options.pushName);
    return this.server.linkCodes.enterCode(user, code);
  }

  /** Whether a companion has asked for a pairing code for `phoneNumber` and waits for it to be typed. */
  awaitsPairingCode(phoneNumber: string): boolean {
    return this.server.linkCodes.awaits(phoneNumber);
  }

  devices(phoneNumber: string): DeviceInfo[] {
    return [...this.requireUser(phoneNumber).companions.values()].map(describeDevice);
  }

  /** `from` sends `content` to every linked device of `to`; returns the message id. */
  async sendMessage(
    from: string,
    to: string,
    content: OutgoingContent,
    options: { id?: string; addressing?: SenderAddressing } = {},
  ): Promise<string> {
    const sender = this.requireUser(from);
    const built = await buildOutgoingMessage(content, sender, this.media);
    const id = await this.server.messenger.send(sender, this.requireUser(to), built.message, {
      ...options,
      ...built,
    });
    if (built.publishedUrl) this.mediaUrls.set(id, built.publishedUrl);
    return id;
  }

  /**
   * `from` edits the text of a message it sent `to` (a phone number, or a group's jid) as a phone
   * does (MESSAGE_EDIT); returns the edit's id.
   */
  editMessage(from: string, to: string, messageId: string, text: string): Promise<string> {
    if (to.endsWith('@g.us'))
      return this.groups.sendProtocol(from, to, editMessageContent(to, messageId, text));
    const content = editMessageContent(this.requireUser(to).pnJid, messageId, text);
    return this.server.messenger.send(this.requireUser(from), this.requireUser(to), content, {
      stanzaType: 'text',
    });
  }

  /** `from` deletes for everyone a message it sent `to` (a phone number or a group's jid); returns the revoke's id. */
  revokeMessage(
    from: string,
    to: string,
    messageId: string,
    options: { author?: string } = {},
  ): Promise<string> {
    if (to.endsWith('@g.us')) {
      // A group admin may delete another member's message: the key names its author.
      const author = options.author ? this.requireUser(options.author).pnJid : undefined;
      return this.groups.sendProtocol(from, to, revokeMessageContent(to, messageId, author));
    }
    const content = revokeMessageContent(this.requireUser(to).pnJid, messageId);
    return this.server.messenger.send(this.requireUser(from), this.requireUser(to), content, {
      stanzaType: 'text',
    });
  }

  /** Message `messageId` as the phone of `phoneNumber` shows it: the edits and the delete it received. */
  messageAsSeen(phoneNumber: string, messageId: string): SeenMessage | undefined {
    return seenAs(this.requireUser(phoneNumber).inbox.list(), messageId);
  }

  /** A status update from `from` (`status@broadcast`, sender keys) to the companions of `to`; returns its id. */
  async sendStatus(
    from: string,
    to: string[],
    content: OutgoingContent,
    options: { id?: string } = {},
  ): Promise<string> {
    const sender = this.requireUser(from);
    const built = await buildOutgoingMessage(content, sender, this.media);
    const recipients = to.map((phone) => this.requireUser(phone));
    return this.server.groupMessenger.sendStatus(sender, recipients, built.message, {
      ...built,
      id: options.id,
    });
  }

  /**
   * A channel (`<id>@newsletter`) post delivered to the companions of `to`, in plaintext as WhatsApp
   * sends newsletters; returns the message id and the newsletter JID.
   */
  async sendNewsletterMessage(
    to: string,
    content: OutgoingContent,
    options: { newsletterJid?: string; id?: string } = {},
  ): Promise<{ id: string; newsletterJid: string }> {
    const recipient = this.requireUser(to);
    const newsletterJid = options.newsletterJid ?? '120363000000000001@newsletter';
    const built = await buildOutgoingMessage(content, recipient, this.media);
    const id = this.server.groupMessenger.sendNewsletter(newsletterJid, recipient, built.message, {
      ...built,
      id: options.id,
      serverId: this.nextNewsletterServerId++,
    });
    return { id, newsletterJid };
  }

  /** How many download requests the media of a message a simulated user sent got from the simulator. */
  mediaRequests(messageId: string): number {
    const url = this.mediaUrls.get(messageId);
    return url ? this.media.requestsFor(url) : 0;
  }

  /** Messages the phone of `phoneNumber` received (own-device copies left out unless asked for). */
  receivedMessages(phoneNumber: string, options: { includeOwnDevice?: boolean } = {}): ReceivedMessage[] {
    return this.requireUser(phoneNumber)
      .inbox.list()
      .filter((m) => options.includeOwnDevice || !m.fromOwnDevice);
  }

  /** Waits for the next message the phone of `phoneNumber` receives (from now, or since `sinceIndex`). */
  waitForMessage(
    phoneNumber: string,
    options: { timeoutMs?: number; match?: (m: ReceivedMessage) => boolean; sinceIndex?: number } = {},
  ): Promise<ReceivedMessage> {
    const inbox = this.requireUser(phoneNumber).inbox;
    const match = options.match ?? (() => true);
    return inbox.waitFor(
      (m) => !m.fromOwnDevice && match(m),
      options.timeoutMs ?? 10_000,
      options.sinceIndex ?? inbox.size,
    );
  }

  /** The plain bytes of a media message a companion uploaded and sent. */
  async downloadMedia(received: ReceivedMessage): Promise<Buffer> {
    const found = mediaOf(received.message);
    if (!found?.content.fileEncSha256 || !found.content.mediaKey) throw new Error('not a media message');
    const encrypted = this.media.uploaded(uploadToken(found.content.fileEncSha256));
    if (!encrypted) throw new Error('media was never uploaded to this simulator');
    return decryptMedia(encrypted, found.content.mediaKey, found.kind);
  }

  /** `phoneNumber` (who received `messageId`) tells the sending device it was delivered/read/played. */
  sendReceipt(phoneNumber: string, messageId: string, type: ReceiptType): void {
    const user = this.requireUser(phoneNumber);
    const received = user.inbox.find(messageId);
    if (!received) throw new Error(`${phoneNumber} never received ${messageId}`);
    const device = this.directory.findByPhone(received.fromPhoneNumber)?.companions.get(received.fromDevice);
    if (!device) return;
    const attrs: Record<string, string> = {
      id: messageId,
      from: user.pnJid,
      t: String(Math.floor(Date.now() / 1000)),
    };
    // In a group the receipt comes from the group, naming the member.
    if (received.chatJid) {
      const lid =
        this.groups.has(received.chatJid) && this.groups.info(received.chatJid).addressingMode === 'lid';
      Object.assign(attrs, { from: received.chatJid, participant: lid ? user.lidJid : user.pnJid });
    }
    if (type !== 'delivery') attrs.type = type;
    this.delivery.receipt(device, { tag: 'receipt', attrs });
  }

  /**
   * The phone of `account` reads messages `contact` sent it: its companions get WhatsApp's
   * `read-self` receipt (`<receipt type='read-self' from=account recipient=contact id><list><item
   * id/>…</list>`), as when a person reads a chat on the phone. Answers how many devices it reached.
   */
  readOnPhone(account: string, contact: string, messageIds: string[]): number {
    const user = this.requireUser(account);
    const chat = this.requireUser(contact);
    const [first, ...rest] = messageIds;
    if (!first) return 0;
    const stanza: B.BinaryNode = {
      tag: 'receipt',
      attrs: {
        id: first,
        from: user.pnJid,
        recipient: chat.pnJid,
        type: 'read-self',
        t: String(Math.floor(Date.now() / 1000)),
      },
      ...(rest.length > 0
        ? {
            content: [
              { tag: 'list', attrs: {}, content: rest.map((id) => ({ tag: 'item', attrs: { id } })) },
            ],
          }
        : {}),
    };
    let reached = 0;
    for (const device of user.companions.values()) {
      this.delivery.receipt(device, stanza);
      reached++;
    }
    return reached;
  }

  /**
   * `from` (a simulated user) shows `state` to `to`: online/offline reaches `to`'s companions only
   * when they subscribed to `from`'s presence; composing/recording/paused always do. Answers how
   * many devices it reached (presence is not queued for offline devices).
   */
  sendPresence(from: string, to: string, state: OnlineState | ChatState): number {
    return this.server.presence.send(this.requireUser(from), this.requireUser(to), state);
  }

  /** What `phoneNumber` last announced (available/unavailable) and who subscribed to its presence. */
  presenceOf(phoneNumber: string): { state?: OnlineState; subscribers: string[] } {
    return this.server.presence.presenceOf(phoneNumber);
  }

  /** Chat states (typing, recording, paused) shown to a user (phone number) or in a group (jid). */
  chatStatesSeen(phoneNumberOrGroup: string): ChatStateSeen[] {
    return this.server.presence.chatStatesSeen(phoneNumberOrGroup);
  }

  /** Ids of messages `phoneNumber` sent that its phone got read receipts for (type read or read-self). */
  readReceiptsReceived(phoneNumber: string): string[] {
    return this.server.presence.readReceiptsReceived(phoneNumber);
  }

  /**
   * What `phoneNumber` shows others: a profile picture URL and an about text (null removes one,
   * undefined leaves it). Answers the profile as it is now.
   */
  setProfile(
    phoneNumber: string,
    profile: { pictureUrl?: string | null; about?: string | null },
  ): UserProfile {
    return this.profiles.setProfile(this.requireUser(phoneNumber), profile);
  }

  profileOf(phoneNumber: string): UserProfile {
    this.requireUser(phoneNumber);
    return this.profiles.profileOf(phoneNumber);
  }

  /** The phone numbers `phoneNumber` (an account, through its companions) blocked, in the order blocked. */
  blocklistOf(phoneNumber: string): string[] {
    this.requireUser(phoneNumber);
    return this.profiles.blocklistOf(phoneNumber);
  }

  /** Ends a device's connection so that Baileys reports `code` (408 by going silent until its keep-alive gives up). */
  disconnect(device: { phoneNumber: string; deviceId: number }, code: DisconnectCode): void {
    const companion = this.requireDevice(device.phoneNumber, device.deviceId);
    const connection = this.server.connectionOf(companion);
    if (code === 401) {
      companion.user.companions.delete(companion.deviceId);
      this.emit('device-removed', describeDevice(companion));
    }
    if (!connection) return;
    switch (code) {
      case 401:
        return connection.streamError(401, { tag: 'conflict', attrs: { type: 'device_removed' } });
      case 428:
        return connection.close();
      case 440:
        return connection.replaced();
      case 408:
        return connection.silence();
      case 500:
      case 515:
        return connection.streamError(code);
    }
  }

  /** Drops a device's TCP connection without any goodbye (a network cut). */
  cutConnection(device: { phoneNumber: string; deviceId: number }): void {
    this.server.connectionOf(this.requireDevice(device.phoneNumber, device.deviceId))?.cut();
  }

  private requireUser(phoneNumber: string): WhatsAppUser {
    const user = this.directory.findByPhone(phoneNumber);
    if (!user) throw new Error(`no simulated user ${phoneNumber}`);
    return user;
  }

  private requireDevice(phoneNumber: string, deviceId: number): CompanionDevice {
    const device = this.requireUser(phoneNumber).companions.get(deviceId);
    if (!device) throw new Error(`${phoneNumber} has no device ${deviceId}`);
    return device;
  }
}

function describeUser(user: WhatsAppUser): UserInfo {
  return { phoneNumber: user.phoneNumber, pnJid: user.pnJid, lidJid: user.lidJid, pushName: user.pushName };
}

type MediaMessage = { mediaKey?: Uint8Array | null; fileEncSha256?: Uint8Array | null };

function mediaOf(message: B.proto.IMessage): { kind: MediaKind; content: MediaMessage } | undefined {
  if (message.imageMessage) return { kind: 'image', content: message.imageMessage };
  if (message.videoMessage) return { kind: 'video', content: message.videoMessage };
  if (message.audioMessage) return { kind: 'audio', content: message.audioMessage };
  if (message.documentMessage) return { kind: 'document', content: message.documentMessage };
  if (message.stickerMessage) return { kind: 'sticker', content: message.stickerMessage };
  return undefined;
}
