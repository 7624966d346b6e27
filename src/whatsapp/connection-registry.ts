import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Logger as PinoLogger } from 'pino';
import { DomainError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { createBaileysLogger } from '../logging/baileys-logger';
import { AuthStateStore } from './auth-state.store';
import { generateMessageIDV2, type WASocket } from './baileys';
import { AutoReader } from './auto-reader';
import { ContactUpdates } from './contact-updates';
import { GroupNotices } from './group-notices';
import { OutboundMessages } from './outbound-messages';
import { formatPairingCode, SessionNotLinkingError } from './pairing-code';
import { PresenceReporter } from './presence-reporter';
import { decideOnClose } from './reconnect-policy';
import { SessionConnection } from './session-connection';
import { SessionLeases } from './session-leases';
import { SessionStateWrites } from './session-state-writes';
import { SessionRepository, type StatusChange } from './session.repository';
import { installSignatureChecks } from './signature-checks';
import { SessionProxies } from './session-proxies';
import { WhatsappIngest } from './whatsapp-ingest';
import {
  WhatsAppPort,
  type LiveStatus,
  type OutboundContent,
  type PairingCode,
  type SendOptions,
  type SentMessage,
} from './whatsapp.port';
import { shutdownWait } from '../common/process-faults';

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

/** How long a pairing-code request waits for a session that is still opening to show its first QR. */
const PAIRING_WAIT_MS = 10_000;

/** At shutdown, how long the last state writes (keys, status, leases) may take while the database is down. */
const SHUTDOWN_WRITES_MS = 1_500;

/** How long a hand-over waits for the session's sends under way before closing its socket. */
const HAND_OVER_SENDS_MS = 10_000;

/** Status changes merged when one waits behind another (latest wins, fields it does not set are kept). */
const mergeStatus = (older: StatusChange, newer: StatusChange): StatusChange => ({ ...older, ...newer });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

interface Runtime {
  connection: SessionConnection;
  status: LiveStatus;
  qr: string | null;
  /** When the session began showing QR codes (its QR timeout runs from there). */
  qrSince?: number;
  attempt: number;
  timers: Set<NodeJS.Timeout>;
  stopped: boolean;
  /** Called once the session leaves `connecting` (connected, showing a QR) or is stopped. */
  settled: (() => void)[];
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
  /** Sends under way per session (a hand-over lets them finish first). */
  private readonly sendsUnderWay = new Map<string, number>();
  /**
   * State written on socket events (status, QR, lease release, forgetting credentials): retried
   * while the database is down instead of rejecting with nobody listening (see SessionStateWrites).
   */
  private readonly writes = new SessionStateWrites();

  constructor(
    private readonly config: AppConfig,
    private readonly authStore: AuthStateStore,
    private readonly leases: SessionLeases,
    private readonly state: SessionRepository,
    private readonly ingest: WhatsappIngest,
    private readonly outbound: OutboundMessages,
    private readonly proxies: SessionProxies,
    private readonly groups: GroupNotices,
    private readonly presence: PresenceReporter,
    private readonly autoReader: AutoReader,
    private readonly contactUpdates: ContactUpdates,
  ) {
    super();
    this.baileysLogger = createBaileysLogger(config);
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
    // A stop whose release still waits for the database: the supervisor leaves the session until it
    // lands (the row may still say wanted); a connect request overrides it.
    if (this.writes.hasPending(sessionId)) {
      if (ifWanted) return;
      this.writes.cancel(sessionId, 'lease');
    }
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
      settled: [],
    };
    this.runtimes.set(sessionId, runtime);
    void this.writeStatus(sessionId, { status: 'connecting' });
    await this.openSocket(sessionId, runtime);
  }

  /**
   * Resolves once a session held here is connected, shows a QR or is no longer held, or after
   * `timeoutMs` (a login that keeps failing): the supervisor's restore keeps a place for a session
   * until then.
   */
  untilSettled(sessionId: string, timeoutMs: number): Promise<void> {
    const runtime = this.runtimes.get(sessionId);
    if (!runtime || runtime.stopped || runtime.status !== 'connecting') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      function done() {
        clearTimeout(timer);
        runtime!.settled = runtime!.settled.filter((f) => f !== done);
        resolve();
      }
      runtime.settled.push(done);
    });
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
    await this.writeStatus(sessionId, {
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
    const socket = this.connectedSocket(sessionId);
    this.sendsUnderWay.set(sessionId, (this.sendsUnderWay.get(sessionId) ?? 0) + 1);
    try {
      return await this.outbound.send(sessionId, socket, jid, prepared);
    } finally {
      const left = (this.sendsUnderWay.get(sessionId) ?? 1) - 1;
      if (left > 0) this.sendsUnderWay.set(sessionId, left);
      else this.sendsUnderWay.delete(sessionId);
    }
  }

  /**
   * Gives the session to another process (balancing): no new send starts here, the sends under way
   * finish, then the socket is closed with its keys stored, the row says `connecting` (it is moving,
   * not stopped) and the lease is freed for the process that opens it next with the saved
   * credentials. Sends queued meanwhile wait in the outbound queue for the new holder.
   */
  async handOver(sessionId: string): Promise<void> {
    const runtime = await this.runtimeAfterStart(sessionId);
    if (!runtime || runtime.stopped) return;
    runtime.status = 'connecting';
    const until = Date.now() + HAND_OVER_SENDS_MS;
    while (this.sendsUnderWay.has(sessionId) && Date.now() < until) await sleep(20);
    if (runtime.stopped) return;
    await this.teardown(sessionId, runtime, () => runtime.connection.close(), 'free', {
      status: 'connecting',
      reason: 'moving to another gateway process',
      code: null,
    });
  }

  newMessageId(sessionId: string): string {
    return generateMessageIDV2(this.connectedSocket(sessionId).user?.id);
  }

  async checkNumbers(sessionId: string, jids: string[]): Promise<{ jid: string; exists: boolean }[]> {
    return (await this.connectedSocket(sessionId).onWhatsApp(...jids)) ?? [];
  }

  /**
   * Asks WhatsApp for a pairing code for `phoneNumber` (E.164) on a session held here that is waiting
   * to be linked; a session still opening its socket is given a few seconds to show its first QR.
   * The session then links as with a QR scan, within the same QR timeout.
   */
  async requestPairingCode(sessionId: string, phoneNumber: string): Promise<PairingCode> {
    const until = Date.now() + PAIRING_WAIT_MS;
    let runtime = this.runtimes.get(sessionId);
    while (runtime?.status === 'connecting' && !runtime.stopped && Date.now() < until) {
      await sleep(100);
      runtime = this.runtimes.get(sessionId);
    }
    if (!runtime || runtime.stopped) throw new SessionNotLinkingError(sessionId, 'connect it first');
    if (runtime.status === 'connected') throw new SessionNotLinkingError(sessionId, 'it is already linked');
    if (runtime.status !== 'qr_pending')
      throw new SessionNotLinkingError(sessionId, 'it is still connecting');
    const code = await runtime.connection.requestPairingCode(phoneNumber.replace(/\D/g, ''));
    const deadline = (runtime.qrSince ?? Date.now()) + this.config.QR_TIMEOUT_SECONDS * 1000;
    return {
      code: formatPairingCode(code),
      phoneNumber,
      expiresInSeconds: Math.max(0, Math.ceil((deadline - Date.now()) / 1000)),
    };
  }

  /** The live socket of a connected session held here. */
  connectedSocket(sessionId: string): WASocket {
    const runtime = this.runtimes.get(sessionId);
    if (!runtime || runtime.status !== 'connected') throw new SessionNotConnectedError(sessionId);
    return runtime.connection.requireSocket();
  }

  /**
   * Closes every socket (credentials kept), marks the sessions disconnected ('gateway stopped', still
   * wanted, so the next start reconnects them) and frees the leases so another process can take over
   * at once. While the database is down the writes get SHUTDOWN_WRITES_MS, then are given up: the
   * leases then expire by themselves.
   */
  async onModuleDestroy(): Promise<void> {
    this.shuttingDown = true;
    const closed = Promise.allSettled(
      [...this.runtimes].map(([id, runtime]) =>
        this.teardown(id, runtime, () => runtime.connection.close(), 'free', {
          status: 'disconnected',
          reason: 'gateway stopped',
          code: null,
        }),
      ),
    ).then(() => this.leases.releaseAll());
    const done = await Promise.race([
      closed.then(
        () => true,
        () => true,
      ),
      shutdownWait(SHUTDOWN_WRITES_MS).then(() => false),
    ]);
    this.writes.stop();
    if (!done)
      this.logger.warn(
        "The database did not take the sessions' last state in time; their leases will expire",
      );
  }

  /** Writes a status change through the retrying writes; resolves once stored (or superseded). */
  private writeStatus(sessionId: string, change: StatusChange, committed?: () => void): Promise<void> {
    return this.writes.persist(
      sessionId,
      'status',
      change,
      (c) =>
        this.state.setStatus(sessionId, c, { committed: c.status === 'connected' ? committed : undefined }),
      mergeStatus,
    );
  }

  private async openSocket(sessionId: string, runtime: Runtime): Promise<void> {
    // Here rather than at start: it loads Baileys, which a gateway with no session does without.
    installSignatureChecks();
    const logger = this.baileysLogger.child({ sessionId });
    runtime.connection = new SessionConnection({
      sessionId,
      authStore: this.authStore,
      logger,
      socketOverrides: () => this.proxies.socketOverrides(sessionId),
      groups: this.groups.forSession(sessionId, logger),
      listener: {
        onQr: (qr) => {
          runtime.qr = qr;
          if (runtime.status !== 'qr_pending') {
            runtime.status = 'qr_pending';
            runtime.qrSince = Date.now();
            this.settle(runtime);
            this.later(runtime, this.config.QR_TIMEOUT_SECONDS * 1000, () => {
              if (runtime.status === 'qr_pending')
                this.disconnect(sessionId, 'QR code was not scanned in time').catch((error: unknown) =>
                  this.logger.error(
                    { err: error, sessionId },
                    'Could not stop a session after its QR timeout',
                  ),
                );
            });
            // Never rejects (retried while the database is down): nothing to wait for here.
            void this.writeStatus(sessionId, { status: 'qr_pending' });
          }
          void this.writes.persist(sessionId, 'qr', qr, (latest) => this.state.recordQr(sessionId, latest));
        },
        onOpen: (me) => {
          runtime.qr = null;
          runtime.attempt = 0;
          const connection = runtime.connection;
          // 'connected' only once stored with the phone number (one update): until then a send is
          // refused as not connected, and nobody hears of it before the row says so.
          void this.writeStatus(
            sessionId,
            {
              status: 'connected',
              phoneNumber: me.phoneNumber,
              jid: me.jid,
              lid: me.lid,
              pushName: me.pushName,
              code: null,
              reason: null,
            },
            () => {
              if (!runtime.stopped && runtime.connection === connection && connection.isOpen) {
                runtime.status = 'connected';
                this.settle(runtime);
              }
            },
          );
        },
        onClose: (code, registered, message) => {
          void this.handleClose(sessionId, runtime, code, registered, message).catch((error: unknown) =>
            this.logger.error({ err: error, sessionId }, 'Could not handle a closed WhatsApp socket'),
          );
        },
        onMessages: (messages, ownNumber) => {
          this.ingest.accept(sessionId, messages, ownNumber);
          this.autoReader.consider(sessionId, messages, (keys) =>
            runtime.connection.requireSocket().readMessages(keys),
          );
        },
        onPresence: (update) => this.presence.accept(sessionId, update),
        onContacts: (contacts, own) => this.contactUpdates.acceptContacts(sessionId, contacts, own),
        onChatUpdates: (updates) => this.contactUpdates.acceptChatUpdates(sessionId, updates),
        onMessageUpdates: (updates) => {
          this.ingest.acceptUpdates(sessionId, updates);
          this.contactUpdates.acceptMessageUpdates(sessionId, updates);
        },
        onLidMapping: (mapping) => this.ingest.acceptLidMapping(sessionId, mapping),
        getMessage: (key) => this.ingest.findSentContent(sessionId, key),
      },
    });
    try {
      await this.ingest.prepare(sessionId);
      await runtime.connection.open();
    } catch (error) {
      this.logger.error({ err: error, sessionId }, 'Could not open the WhatsApp socket');
      await this.teardown(sessionId, runtime, async () => undefined, 'free');
      await this.writeStatus(sessionId, {
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
    error: string | undefined,
  ): Promise<void> {
    if (runtime.stopped) return;
    const decision = decideOnClose(code, { attempt: runtime.attempt, registered, error });
    if (decision.action === 'stop') {
      await this.teardown(sessionId, runtime, async () => undefined, 'unwanted');
      if (decision.clearAuth)
        await this.writes.persist(sessionId, 'auth', null, () => this.authStore.clear(sessionId));
      await this.writeStatus(sessionId, {
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
    // Not awaited: the reconnect must not wait for the database (it would wait out an outage).
    void this.writeStatus(sessionId, {
      status: 'connecting',
      code: code ?? null,
      reason: decision.reason,
    });
    this.later(runtime, decision.delayMs, () => {
      if (!runtime.stopped)
        this.openSocket(sessionId, runtime).catch((error: unknown) =>
          this.logger.error({ err: error, sessionId }, 'Could not reopen the WhatsApp socket'),
        );
    });
  }

  private settle(runtime: Runtime): void {
    for (const done of runtime.settled) done();
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
   * as not to be connected, in one statement). With `parting` (a clean stop of the gateway, a
   * hand-over) the row's status is written before the lease is freed, so it does not keep saying
   * `connected` and cannot overwrite what the next holder writes.
   */
  private teardown(
    sessionId: string,
    runtime: Runtime,
    close: () => Promise<void>,
    lease: 'keep' | 'free' | 'unwanted',
    parting?: StatusChange,
  ): Promise<void> {
    const done = this.closeRuntime(sessionId, runtime, close, lease, parting).finally(() =>
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
    parting?: StatusChange,
  ): Promise<void> {
    runtime.stopped = true;
    this.settle(runtime);
    this.writes.cancel(sessionId, 'qr');
    for (const timer of runtime.timers) clearTimeout(timer);
    runtime.timers.clear();
    this.runtimes.delete(sessionId);
    try {
      await close();
    } catch (error) {
      this.logger.warn({ err: error, sessionId }, 'Error while closing a WhatsApp socket');
    }
    // The keys must be in the database before another process may take the session over; retried
    // while the database is down (the lease is not freed before), given up at shutdown.
    await this.writes.persist(sessionId, 'lease', lease, async (leave) => {
      await this.authStore.flush();
      if (parting) await this.state.setStatus(sessionId, parting);
      if (leave !== 'keep') await this.leases.release(sessionId, { wanted: leave === 'free' });
    });
  }
}
