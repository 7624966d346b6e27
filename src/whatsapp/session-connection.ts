import type { Logger } from 'pino';
import type { AuthStateStore } from './auth-state.store';
import type { GroupSocketHooks } from './group-notices';
import type { PresenceUpdate } from './presence-reporter';
import { keepInboundMessageOrder } from './inbound-order';
import {
  baileys,
  makeWASocket,
  type proto,
  type ConnectionState,
  type Contact,
  type UserFacingSocketConfig,
  type WAMessage,
  type WAMessageKey,
  type WAMessageUpdate,
  type WASocket,
} from './baileys';

/** What a connection reports to its owner (the registry). */
export interface ConnectionListener {
  onQr(qr: string): void;
  onOpen(me: { jid: string; lid: string | null; phoneNumber: string; pushName: string | null }): void;
  /** `error`: Baileys' message for the close, when it gave one. */
  onClose(code: number | undefined, registered: boolean, error?: string): void;
  onMessages(messages: WAMessage[], ownNumber: string): void;
  onMessageUpdates(updates: WAMessageUpdate[]): void;
  /** Baileys learned the phone number of a LID (JIDs). */
  onLidMapping?(mapping: { lid: string; pn: string }): void;
  /** A contact's presence or chat state (after a presence subscription, or typing in a chat). */
  onPresence?(update: PresenceUpdate): void;
  /** Contacts and their names (contacts.upsert / contacts.update); `ownNumber` once logged in. */
  onContacts?(contacts: Partial<Contact>[], ownNumber: string | null): void;
  /** Chats changed (chats.update): unreadCount 0 when one was read on another device. */
  onChatUpdates?(updates: { id?: string | null; unreadCount?: number | null }[]): void;
  /** Looks up a message this session sent, so Baileys can re-encrypt it on a retry receipt. */
  getMessage(key: WAMessageKey): Promise<proto.IMessage | undefined>;
}

export interface ConnectionOptions {
  sessionId: string;
  authStore: AuthStateStore;
  logger: Logger;
  listener: ConnectionListener;
  /**
   * Extra socket settings, read at each open (the sandbox points the socket at the simulator, a
   * session's proxy adds its agents).
   */
  socketOverrides: () => Promise<Partial<UserFacingSocketConfig>>;
  /** The group metadata cache and group listeners (group-notices.ts). */
  groups?: GroupSocketHooks;
}

const phoneOf = (jid: string): string => jid.split('@')[0].split(':')[0];

/**
 * WhatsApp paired this device: pair-success gave it an account signature. `me` alone is not enough,
 * since Baileys sets it (the bare phone jid) as soon as a pairing code is asked for.
 */
const isLinked = (creds: { me?: unknown; account?: unknown }): boolean => Boolean(creds.me && creds.account);

/**
 * One Baileys socket for one session, from open to close. It does not decide anything: it turns
 * Baileys' events into calls on its listener, which owns the reconnect policy.
 */
export class SessionConnection {
  private socket: WASocket | null = null;
  private closedByUs = false;
  private registered = false;

  constructor(private readonly options: ConnectionOptions) {}

  get isOpen(): boolean {
    return this.socket !== null && !this.closedByUs;
  }

  async open(): Promise<void> {
    const { sessionId, authStore, logger, listener } = this.options;
    let auth = await authStore.load(sessionId);
    // A pairing code that never completed (wrong code, abandoned) leaves `me` and `registered` in the
    // creds; WhatsApp answers a login with them with 401. Start over as a new device instead.
    if (auth.restored && auth.creds.me && !isLinked(auth.creds)) {
      logger.warn('Discarding the credentials of a pairing code that never completed');
      await authStore.clear(sessionId);
      auth = await authStore.load(sessionId);
    }
    this.registered = auth.restored && isLinked(auth.creds);
    const socketOverrides = await this.options.socketOverrides();
    const socket = makeWASocket({
      auth: { creds: auth.creds, keys: auth.keys },
      logger,
      browser: baileys().Browsers.ubuntu('WA Gateway'),
      markOnlineOnConnect: false,
      syncFullHistory: false,
      shouldSyncHistoryMessage: () => false,
      generateHighQualityLinkPreview: false,
      getMessage: (key) => listener.getMessage(key),
      ...(this.options.groups ? { cachedGroupMetadata: this.options.groups.cachedGroupMetadata } : {}),
      ...socketOverrides,
    });
    this.socket = socket;
    keepInboundMessageOrder(socket);
    this.options.groups?.attach(socket);

    socket.ev.on('creds.update', () => {
      auth.saveCreds().catch((error: unknown) => logger.error({ err: error }, 'Could not save credentials'));
    });
    socket.ev.on('connection.update', (update) => this.onConnectionUpdate(update));
    // The own number, asked with every upsert and contacts update: split once per login, not per message.
    let known: { jid: string; phone: string } | null = null;
    const own = (): string | null => {
      const me = socket.user?.id;
      if (!me) return null;
      if (known?.jid !== me) known = { jid: me, phone: phoneOf(me) };
      return known.phone;
    };
    socket.ev.on('messages.upsert', ({ messages }) => {
      const phone = own();
      if (phone) listener.onMessages(messages, phone);
    });
    socket.ev.on('messages.update', (updates) => listener.onMessageUpdates(updates));
    socket.ev.on('lid-mapping.update', (mapping) => listener.onLidMapping?.(mapping));
    socket.ev.on('presence.update', (update) => listener.onPresence?.(update as PresenceUpdate));
    socket.ev.on('contacts.upsert', (contacts) => listener.onContacts?.(contacts, own()));
    socket.ev.on('contacts.update', (contacts) => listener.onContacts?.(contacts, own()));
    socket.ev.on('chats.update', (updates) => listener.onChatUpdates?.(updates));
  }

  /** Closes the socket without logging out; the saved credentials stay valid. */
  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket || this.closedByUs) return;
    this.closedByUs = true;
    socket.ev.removeAllListeners(undefined as never);
    await socket.end(undefined);
    this.socket = null;
  }

  /** Unlinks this device from the WhatsApp account, then closes. */
  async logout(): Promise<void> {
    const socket = this.socket;
    if (!socket || this.closedByUs) return;
    this.closedByUs = true;
    socket.ev.removeAllListeners(undefined as never);
    try {
      await socket.logout();
    } catch {
      // The socket may already be closed; the credentials are cleared by the caller either way.
    }
    this.socket = null;
  }

  /**
   * Asks WhatsApp for a pairing code for this phone number (digits with country code) instead of a QR
   * scan; the socket must be registering (showing QR codes). Answers Baileys' 8 characters.
   */
  requestPairingCode(phoneDigits: string): Promise<string> {
    return this.requireSocket().requestPairingCode(phoneDigits);
  }

  /** The live socket, for sending and queries; throws when the session is not connected. */
  requireSocket(): WASocket {
    if (!this.socket || this.closedByUs) throw new Error('Session is not connected');
    return this.socket;
  }

  private onConnectionUpdate(update: Partial<ConnectionState>): void {
    const { listener } = this.options;
    if (this.closedByUs) return;
    if (update.qr) listener.onQr(update.qr);
    if (update.connection === 'open' && this.socket?.user) {
      this.registered = true;
      const user = this.socket.user;
      listener.onOpen({
        jid: user.id,
        lid: user.lid ?? null,
        phoneNumber: phoneOf(user.id),
        pushName: user.name ?? null,
      });
    }
    if (update.connection === 'close') {
      const error = update.lastDisconnect?.error as
        { message?: string; output?: { statusCode?: number } } | undefined;
      const registered = this.registered || Boolean(this.socket && isLinked(this.socket.authState.creds));
      this.closedByUs = true;
      this.socket?.ev.removeAllListeners(undefined as never);
      this.socket = null;
      listener.onClose(error?.output?.statusCode, registered, error?.message);
    }
  }
}
