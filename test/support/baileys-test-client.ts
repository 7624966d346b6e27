import * as B from '@whiskeysockets/baileys';
import { pino } from 'pino';
import type { SandboxSocketConfig } from '../../src/sandbox/simulator/whatsapp-simulator';
import { memoryAuthState } from './memory-auth-state';

export type WASocket = ReturnType<typeof B.makeWASocket>;

const silentLogger = pino({ level: 'silent' });

/** Settings that keep raw-Baileys tests fast and quiet (short timeouts, no history sync, no presence). */
export interface TestSocketTimings {
  keepAliveIntervalMs?: number;
  qrTimeout?: number;
  defaultQueryTimeoutMs?: number;
  connectTimeoutMs?: number;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What a client needs from a simulator: the in-process `WhatsAppSimulator`, or a proxy to one in another process. */
export interface SimulatorAccess {
  socketConfig(): SandboxSocketConfig;
  linkDevice(qr: string, options: { phoneNumber: string }): Promise<unknown>;
}

/**
 * One unmodified Baileys client driven against the simulator: opens sockets with in-memory (or given)
 * credentials, pairs through the simulated phone, reconnects after 515, and records what Baileys emits.
 */
export class BaileysTestClient {
  socket: WASocket | undefined;
  readonly upserts: B.WAMessage[] = [];
  /** `notify` for live messages, `append` for offline-queued ones, by message id. */
  readonly upsertTypes = new Map<string, B.MessageUpsertType>();
  readonly updates: B.WAMessageUpdate[] = [];
  private upsertListeners: Array<() => void> = [];

  constructor(
    private readonly simulator: SimulatorAccess,
    readonly auth: B.AuthenticationState = memoryAuthState(),
    private readonly timings: TestSocketTimings = {},
  ) {}

  /** Forgets what was received so far (a benchmark's client would otherwise hold every message). */
  forgetReceived(): void {
    this.upserts.length = 0;
    this.upsertTypes.clear();
    this.updates.length = 0;
  }

  /** Opens a new socket with the current credentials. */
  connect(extra: Partial<B.UserFacingSocketConfig> = {}): WASocket {
    const socket = B.makeWASocket({
      ...this.simulator.socketConfig(),
      auth: this.auth,
      logger: silentLogger,
      printQRInTerminal: false,
      markOnlineOnConnect: false,
      shouldSyncHistoryMessage: () => false,
      fireInitQueries: true,
      keepAliveIntervalMs: this.timings.keepAliveIntervalMs ?? 30_000,
      qrTimeout: this.timings.qrTimeout ?? 30_000,
      defaultQueryTimeoutMs: this.timings.defaultQueryTimeoutMs ?? 10_000,
      connectTimeoutMs: this.timings.connectTimeoutMs ?? 10_000,
      ...extra,
    });
    socket.ev.on('creds.update', (update) => Object.assign(this.auth.creds, update));
    socket.ev.on('messages.upsert', ({ messages, type }) => {
      this.upserts.push(...messages);
      for (const message of messages) if (message.key.id) this.upsertTypes.set(message.key.id, type);
      for (const listener of this.upsertListeners) listener();
    });
    socket.ev.on('messages.update', (updates) => this.updates.push(...updates));
    this.socket = socket;
    return socket;
  }

  /** Resolves with the next QR string the current socket shows. */
  nextQr(timeoutMs = 10_000): Promise<string> {
    const socket = this.requireSocket();
    return withTimeout(
      new Promise<string>((resolve) => {
        const onUpdate = (update: Partial<B.ConnectionState>): void => {
          if (update.qr) {
            socket.ev.off('connection.update', onUpdate);
            resolve(update.qr);
          }
        };
        socket.ev.on('connection.update', onUpdate);
      }),
      timeoutMs,
      'a QR code',
    );
  }

  /** Resolves when the current socket is open. */
  waitForOpen(timeoutMs = 10_000): Promise<void> {
    const socket = this.requireSocket();
    return withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.ev.on('connection.update', (update) => {
          if (update.connection === 'open') resolve();
          if (update.connection === 'close')
            reject(new Error(`closed with ${statusOf(update)} before opening`));
        });
      }),
      timeoutMs,
      'connection open',
    );
  }

  /** Resolves with `lastDisconnect.error.output.statusCode` when the current socket closes. */
  waitForClose(timeoutMs = 15_000): Promise<number | undefined> {
    const socket = this.requireSocket();
    return withTimeout(
      new Promise<number | undefined>((resolve) => {
        socket.ev.on('connection.update', (update) => {
          if (update.connection === 'close') resolve(statusOf(update));
        });
      }),
      timeoutMs,
      'connection close',
    );
  }

  /** Full first-time link: show a QR, let the simulated phone scan it, restart after 515, log in. */
  async pair(phoneNumber: string): Promise<void> {
    this.connect();
    const qr = await this.nextQr();
    const closed = this.waitForClose();
    await this.simulator.linkDevice(qr, { phoneNumber });
    const code = await closed;
    if (code !== B.DisconnectReason.restartRequired)
      throw new Error(`expected 515 after pairing, got ${code}`);
    await this.reconnect();
  }

  /** A new socket with the saved credentials, resolved once open. */
  async reconnect(): Promise<void> {
    this.connect();
    await this.waitForOpen();
  }

  /** Resolves with the first upserted message (received so far or later) that matches. */
  waitForUpsert(match: (m: B.WAMessage) => boolean, timeoutMs = 10_000): Promise<B.WAMessage> {
    return withTimeout(
      new Promise<B.WAMessage>((resolve) => {
        const check = (): void => {
          const found = this.upserts.find(match);
          if (found) {
            this.upsertListeners = this.upsertListeners.filter((l) => l !== check);
            resolve(found);
          }
        };
        this.upsertListeners.push(check);
        check();
      }),
      timeoutMs,
      'an upserted message',
    );
  }

  /** Waits until Baileys reports `status` for message `id` (in an update or in the upsert itself). */
  async waitForStatus(id: string, status: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      // A receipt arriving while Baileys buffers events is merged into the upsert instead of an update.
      const updated = this.updates.some((u) => u.key.id === id && u.update.status === status);
      const upserted = this.upserts.some((m) => m.key.id === id && m.status === status);
      if (updated || upserted) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`message ${id} never reached status ${status}`);
  }

  /** Closes the socket without logging out. */
  end(): void {
    void this.socket?.end(undefined);
    this.socket = undefined;
  }

  get meId(): string {
    const id = this.auth.creds.me?.id;
    if (!id) throw new Error('not paired');
    return id;
  }

  private requireSocket(): WASocket {
    if (!this.socket) throw new Error('no socket; call connect() first');
    return this.socket;
  }
}

function statusOf(update: Partial<B.ConnectionState>): number | undefined {
  const error = update.lastDisconnect?.error as { output?: { statusCode?: number } } | undefined;
  return error?.output?.statusCode;
}

/** libsignal logs session changes with console.log/warn; tests silence them. */
export function silenceLibsignalConsole(): () => void {
  const { log, warn, info, error } = console;
  const isSignalNoise = (args: unknown[]): boolean =>
    args.some((a) => typeof a === 'string' && /session|prekey|Session|bad mac|Decrypted message/i.test(a));
  console.log = (...args: unknown[]) => (isSignalNoise(args) ? undefined : log(...args));
  console.warn = (...args: unknown[]) => (isSignalNoise(args) ? undefined : warn(...args));
  console.info = (...args: unknown[]) => (isSignalNoise(args) ? undefined : info(...args));
  console.error = (...args: unknown[]) => (isSignalNoise(args) ? undefined : error(...args));
  return () => Object.assign(console, { log, warn, info, error });
}
