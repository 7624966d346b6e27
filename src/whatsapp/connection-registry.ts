import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import pino, { type Logger as PinoLogger } from 'pino';
import { DomainError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { logFormat } from '../logging/log-format';
import { AuthStateStore } from './auth-state.store';
import { generateMessageIDV2, type WASocket } from './baileys';
import { OutboundMessages } from './outbound-messages';
import { decideOnClose } from './reconnect-policy';
import { SessionConnection } from './session-connection';
import { SessionLeases } from './session-leases';
import { SessionRepository } from './session.repository';
import { WhatsAppSocketSettings } from './socket-settings';
import { WhatsappIngest } from './whatsapp-ingest';
import {
  WhatsAppPort,
  type LiveStatus,
  type OutboundContent,
  type SendOptions,
  type SentMessage,
} from './whatsapp.port';

export class SessionNotConnectedError extends DomainError {
  constructor(sessionId: string) {
    super('SESSION_NOT_CONNECTED', `Session ${sessionId} is not connected`);
  }
}

export class SessionHeldElsewhereError extends DomainError {
  constructor(sessionId: string) {
    super('SESSION_HELD_ELSEWHERE', `Session ${sessionId} is held by another gateway process`);
  }
}

interface Runtime {
  connection: SessionConnection;
  status: LiveStatus;
  qr: string | null;
  attempt: number;
  timers: Set<NodeJS.Timeout>;
  stopped: boolean;
}

/**
 * The connection registry: one Baileys socket per session held by this process, created, tracked
 * and torn down only here. It applies the reconnect policy on every close, keeps the session's
 * lease, and persists every state change. The rest of the gateway sees it as the WhatsAppPort.
 */
@Injectable()
export class ConnectionRegistry extends WhatsAppPort implements OnModuleDestroy {
  private readonly logger = new Logger(ConnectionRegistry.name);
  private readonly baileysLogger: PinoLogger;
  private readonly runtimes = new Map<string, Runtime>();
  private readonly starting = new Map<string, Promise<void>>();
  /** Teardowns under way: a start waits for them, so it cannot take a lease that is being let go. */
  private readonly stopping = new Map<string, Promise<void>>();
  private shuttingDown = false;

  constructor(
    private readonly config: AppConfig,
    private readonly authStore: AuthStateStore,
    private readonly leases: SessionLeases,
    private readonly state: SessionRepository,
    private readonly ingest: WhatsappIngest,
    private readonly outbound: OutboundMessages,
    private readonly socketSettings: WhatsAppSocketSettings,
  ) {
    super();
    // Baileys is chatty at info; its warnings and errors are what an operator needs.
    const level = config.LOG_LEVEL === 'silent' || config.LOG_LEVEL === 'fatal' ? config.LOG_LEVEL : 'error';
    this.baileysLogger = pino({ level, base: { component: 'baileys' }, ...logFormat(config) });
  }

  heldSessionIds(): string[] {
    return [...this.runtimes.keys()];
  }

  isHeld(sessionId: string): boolean {
    return this.runtimes.has(sessionId);
  }

  statusOf(sessionId: string): LiveStatus | null {
    return this.runtimes.get(sessionId)?.status ?? null;
  }

  qrOf(sessionId: string): string | null {
    return this.runtimes.get(sessionId)?.qr ?? null;
  }

  /**
   * Opens the session's socket in this process, taking its lease and marking it wanted (a connect
   * request). With `ifWanted` (the supervisor) it opens only a session that still wants to be
   * connected and that nobody holds, and otherwise does nothing. No-op when already open; a call
   * while a start is under way joins it, so one session never gets two sockets, which WhatsApp
   * would answer with 440 (replaced).
   */
  connect(sessionId: string, options: { ifWanted?: boolean } = {}): Promise<void> {
    if (this.runtimes.has(sessionId) || this.shuttingDown) return Promise.resolve();
    const stopping = this.stopping.get(sessionId);
    if (stopping) return stopping.catch(() => undefined).then(() => this.connect(sessionId, options));
    const inFlight = this.starting.get(sessionId);
    // A supervisor's start may end without opening anything; a connect request then tries itself.
    if (inFlight) return options.ifWanted ? inFlight : inFlight.then(() => this.connect(sessionId));
    const starting = this.open(sessionId, options.ifWanted ?? false).finally(() =>
      this.starting.delete(sessionId),
    );
    this.starting.set(sessionId, starting);
    return starting;
  }

  private async open(sessionId: string, ifWanted: boolean): Promise<void> {
    if (!(await this.leases.acquire(sessionId, { want: !ifWanted }))) {
      if (ifWanted) return;
      throw new SessionHeldElsewhereError(sessionId);
    }
    const runtime: Runtime = {
      connection: null as unknown as SessionConnection,
      status: 'connecting',
      qr: null,
      attempt: 0,
      timers: new Set(),
      stopped: false,
    };
    this.runtimes.set(sessionId, runtime);
    await this.state.setStatus(sessionId, { status: 'connecting' });
    await this.openSocket(sessionId, runtime);
  }

  /** Closes the socket (credentials kept), releases the lease and marks the session disconnected. */
  async disconnect(sessionId: string, reason: string, options: { keepWanted?: boolean } = {}): Promise<void> {
    const runtime = await this.runtimeAfterStart(sessionId);
    if (runtime)
      await this.teardown(
        sessionId,
        runtime,
        () => runtime.connection.close(),
        options.keepWanted ? 'free' : 'unwanted',
      );
    await this.state.setStatus(sessionId, {
      status: 'disconnected',
      reason,
      code: null,
      ...(options.keepWanted ? {} : { shouldConnect: false }),
    });
  }

  /** Unlinks the device from WhatsApp and forgets its credentials. */
  async logout(sessionId: string): Promise<void> {
    const runtime = await this.runtimeAfterStart(sessionId);
    if (runtime) await this.teardown(sessionId, runtime, () => runtime.connection.logout(), 'unwanted');
    await this.authStore.clear(sessionId);
    await this.state.setStatus(sessionId, {
      status: 'logged_out',
      reason: 'logged out',
      shouldConnect: false,
    });
  }

  /** Closes a socket because this process lost the lease (another process took the session over). */
  async abandon(sessionId: string): Promise<void> {
    const runtime = await this.runtimeAfterStart(sessionId);
    if (runtime) await this.teardown(sessionId, runtime, () => runtime.connection.close(), 'keep');
  }

  /** Sends and stores the message as outbound (the stored messages it refers to are checked first). */
  async send(
    sessionId: string,
    jid: string,
    content: OutboundContent,
    options: SendOptions = {},
  ): Promise<SentMessage> {
    const prepared = await this.outbound.prepare(sessionId, content, options);
    return this.outbound.send(sessionId, this.connectedSocket(sessionId), jid, prepared);
  }

  newMessageId(sessionId: string): string {
    return generateMessageIDV2(this.connectedSocket(sessionId).user?.id);
  }

  async checkNumbers(sessionId: string, jids: string[]): Promise<{ jid: string; exists: boolean }[]> {
    return (await this.connectedSocket(sessionId).onWhatsApp(...jids)) ?? [];
  }

  /** The live socket of a connected session held here. */
  connectedSocket(sessionId: string): WASocket {
    const runtime = this.runtimes.get(sessionId);
    if (!runtime || runtime.status !== 'connected') throw new SessionNotConnectedError(sessionId);
    return runtime.connection.requireSocket();
  }

  /** Closes every socket (credentials kept) and frees the leases so another process can take over at once. */
  async onModuleDestroy(): Promise<void> {
    this.shuttingDown = true;
    await Promise.allSettled(
      [...this.runtimes].map(([id, runtime]) =>
        this.teardown(id, runtime, () => runtime.connection.close(), 'free'),
      ),
    );
    await this.leases.releaseAll();
  }

  private async openSocket(sessionId: string, runtime: Runtime): Promise<void> {
    const logger = this.baileysLogger.child({ sessionId });
    runtime.connection = new SessionConnection({
      sessionId,
      authStore: this.authStore,
      logger,
      socketOverrides: this.socketSettings.overrides,
      listener: {
        onQr: (qr) => {
          runtime.qr = qr;
          if (runtime.status !== 'qr_pending') {
            runtime.status = 'qr_pending';
            this.later(runtime, this.config.QR_TIMEOUT_SECONDS * 1000, () => {
              if (runtime.status === 'qr_pending')
                void this.disconnect(sessionId, 'QR code was not scanned in time');
            });
            void this.state.setStatus(sessionId, { status: 'qr_pending' });
          }
          void this.state.recordQr(sessionId, qr);
        },
        onOpen: (me) => {
          runtime.status = 'connected';
          runtime.qr = null;
          runtime.attempt = 0;
          void this.state.setStatus(sessionId, {
            status: 'connected',
            phoneNumber: me.phoneNumber,
            jid: me.jid,
            lid: me.lid,
            pushName: me.pushName,
            code: null,
            reason: null,
          });
        },
        onClose: (code, registered) => void this.handleClose(sessionId, runtime, code, registered),
        onMessages: (messages, ownNumber) => this.ingest.accept(sessionId, messages, ownNumber, logger),
        onMessageUpdates: (updates) => this.ingest.acceptUpdates(sessionId, updates),
        getMessage: (key) => this.ingest.findSentContent(sessionId, key),
      },
    });
    try {
      await runtime.connection.open();
    } catch (error) {
      this.logger.error({ err: error, sessionId }, 'Could not open the WhatsApp socket');
      await this.teardown(sessionId, runtime, async () => undefined, 'free');
      await this.state.setStatus(sessionId, {
        status: 'disconnected',
        reason: 'could not open the socket',
        code: null,
      });
    }
  }

  private async handleClose(
    sessionId: string,
    runtime: Runtime,
    code: number | undefined,
    registered: boolean,
  ): Promise<void> {
    if (runtime.stopped) return;
    const decision = decideOnClose(code, { attempt: runtime.attempt, registered });
    if (decision.action === 'stop') {
      await this.teardown(sessionId, runtime, async () => undefined, 'unwanted');
      if (decision.clearAuth) await this.authStore.clear(sessionId);
      await this.state.setStatus(sessionId, {
        status: decision.status,
        code: code ?? null,
        reason: decision.reason,
        shouldConnect: false,
      });
      this.logger.warn(`Session ${sessionId} stopped: ${decision.reason} (${code})`);
      return;
    }
    runtime.attempt += 1;
    runtime.status = 'connecting';
    await this.state.setStatus(sessionId, {
      status: 'connecting',
      code: code ?? null,
      reason: decision.reason,
    });
    this.later(runtime, decision.delayMs, () => {
      if (!runtime.stopped) void this.openSocket(sessionId, runtime);
    });
  }

  private later(runtime: Runtime, ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      runtime.timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    runtime.timers.add(timer);
  }

  /** The session's runtime once a start under way has finished, so that a stop cannot overtake it. */
  private async runtimeAfterStart(sessionId: string): Promise<Runtime | undefined> {
    await this.starting.get(sessionId)?.catch(() => undefined);
    return this.runtimes.get(sessionId);
  }

  /**
   * Closes the runtime, then leaves the lease as `lease` says: `keep` (it was lost to another
   * process), `free` (anyone may open the session again) or `unwanted` (freed, and the session marked
   * as not to be connected, in one statement).
   */
  private teardown(
    sessionId: string,
    runtime: Runtime,
    close: () => Promise<void>,
    lease: 'keep' | 'free' | 'unwanted',
  ): Promise<void> {
    const done = this.closeRuntime(sessionId, runtime, close, lease).finally(() =>
      this.stopping.delete(sessionId),
    );
    this.stopping.set(sessionId, done);
    return done;
  }

  private async closeRuntime(
    sessionId: string,
    runtime: Runtime,
    close: () => Promise<void>,
    lease: 'keep' | 'free' | 'unwanted',
  ): Promise<void> {
    runtime.stopped = true;
    for (const timer of runtime.timers) clearTimeout(timer);
    runtime.timers.clear();
    this.runtimes.delete(sessionId);
    try {
      await close();
    } catch (error) {
      this.logger.warn({ err: error, sessionId }, 'Error while closing a WhatsApp socket');
    }
    // The keys must be in the database before another process may take the session over.
    await this.authStore.flush();
    if (lease !== 'keep') await this.leases.release(sessionId, { wanted: lease === 'free' });
  }
}
