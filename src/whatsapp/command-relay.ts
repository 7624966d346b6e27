import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DomainError, ERROR_STATUS, type ErrorCode } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { ConnectionRegistry, SessionNotConnectedError } from './connection-registry';
import { MessageEdits } from './message-edits';
import { SessionCommands, type CommandAnswer, type CommandError } from './session-commands';
import { SessionLeases } from './session-leases';
import { WhatsAppChatState } from './whatsapp-chat-state';
import { WhatsAppContacts } from './whatsapp-contacts';
import { WhatsAppGroups } from './whatsapp-groups';
import {
  LiveSessionPort,
  type ChatStatePort,
  type ContactsPort,
  type GroupsPort,
  type MessageEditsPort,
  type PairingCode,
  type WhatsAppPort,
} from './whatsapp.port';
import { shutdownWait } from '../common/process-faults';

/** The work on a session's live socket any process may be asked for: each port, by the name a command carries. */
export interface RelayedPorts {
  groups: GroupsPort;
  chatState: ChatStatePort;
  contacts: ContactsPort;
  edits: MessageEditsPort;
  whatsapp: Pick<WhatsAppPort, 'checkNumbers' | 'requestPairingCode'>;
}
export type RelayTarget = keyof RelayedPorts;
type MethodOf<T extends RelayTarget> = keyof RelayedPorts[T] & string;
type Call<T extends RelayTarget, M extends MethodOf<T>> = RelayedPorts[T][M] extends (
  sessionId: string,
  ...args: infer A
) => Promise<infer R>
  ? { args: A; result: R }
  : never;

/** Every method of those ports (checked complete by the compiler), and the only ones a command may name. */
const RELAYED: { [T in RelayTarget]: Record<MethodOf<T>, true> } = {
  groups: {
    list: true,
    details: true,
    create: true,
    update: true,
    changeParticipants: true,
    leave: true,
    inviteCode: true,
    revokeInvite: true,
    join: true,
  },
  chatState: { sendPresence: true, subscribePresence: true, markRead: true },
  contacts: { profile: true, profilePictureUrl: true, setBlocked: true, blocklist: true },
  edits: { edit: true, revoke: true },
  whatsapp: { checkNumbers: true, requestPairingCode: true },
};

/** How often a requester reads its command's row while it waits for the answer. */
const ANSWER_POLL_MS = 40;
/** How often expired commands are pruned. */
const PRUNE_EVERY_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Any process serves any request: the one place that decides where work on a session's live socket
 * runs. Held by this process: the port's method runs here, as it always did. Held by another live
 * process (its lease has not run out): the call is written to session_commands and waited for
 * (SESSION_COMMAND_TIMEOUT_SECONDS, reading the row every ANSWER_POLL_MS); the holder finds it within
 * OUTBOUND_POLL_MS (one indexed query for all the sessions it holds), claims it once, runs the same
 * method and writes its answer or its DomainError, which the requester returns or throws as its own.
 * Held by nobody: it runs here, and answers as before (SESSION_NOT_CONNECTED).
 *
 * The ports the API uses (GroupsPort, ChatStatePort, ContactsPort, MessageEditsPort) are bound to
 * `port(...)`, and this is the LiveSessionPort, so their callers need not know where the socket is.
 */
@Injectable()
export class CommandRelay extends LiveSessionPort implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CommandRelay.name);
  private readonly local: RelayedPorts;
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private pollFailing = false;
  private lastPrune = 0;
  private stopping = false;

  constructor(
    private readonly config: AppConfig,
    private readonly registry: ConnectionRegistry,
    private readonly leases: SessionLeases,
    private readonly commands: SessionCommands,
    groups: WhatsAppGroups,
    chatState: WhatsAppChatState,
    contacts: WhatsAppContacts,
    edits: MessageEdits,
  ) {
    super();
    this.local = { groups, chatState, contacts, edits, whatsapp: registry };
  }

  /** A port whose every method runs where the session is held (see the class comment). */
  port<T extends RelayTarget>(target: T): RelayedPorts[T] {
    const port: Record<string, (sessionId: string, ...args: unknown[]) => Promise<unknown>> = {};
    for (const method of Object.keys(RELAYED[target]))
      port[method] = (sessionId, ...args) => this.runWhereHeld(sessionId, target, method, args);
    return port as unknown as RelayedPorts[T];
  }

  /** One method of a port, run where the session is held. */
  private run<T extends RelayTarget, M extends MethodOf<T>>(
    sessionId: string,
    target: T,
    method: M,
    args: Call<T, M>['args'],
  ): Promise<Call<T, M>['result']> {
    return this.runWhereHeld(sessionId, target, method, args) as Promise<Call<T, M>['result']>;
  }

  checkNumbers(sessionId: string, jids: string[]): Promise<{ jid: string; exists: boolean }[]> {
    return this.run(sessionId, 'whatsapp', 'checkNumbers', [jids]);
  }

  requestPairingCode(sessionId: string, phoneNumber: string): Promise<PairingCode> {
    return this.run(sessionId, 'whatsapp', 'requestPairingCode', [phoneNumber]);
  }

  /** 409 SESSION_NOT_CONNECTED unless the session is connected here or on the live process holding it. */
  async requireConnected(sessionId: string): Promise<void> {
    const connected = this.registry.isHeld(sessionId)
      ? this.registry.statusOf(sessionId) === 'connected'
      : (await this.leases.heldElsewhere(sessionId))?.status === 'connected';
    if (!connected) throw new SessionNotConnectedError(sessionId);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.poll(), this.config.OUTBOUND_POLL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    // Commands under way get a second to write their answers (their sockets close after this).
    if (this.running.size === 0) return;
    await Promise.race([Promise.allSettled(this.running), shutdownWait(1_000)]);
  }

  private async runWhereHeld(sessionId: string, target: RelayTarget, method: string, args: unknown[]) {
    if (this.registry.isHeld(sessionId) || !(await this.leases.heldElsewhere(sessionId)))
      return this.runHere(sessionId, target, method, args);
    return this.relay(sessionId, target, method, args);
  }

  /** Calls the local port's method; only a method RELAYED names (a command row is data, not code). */
  private runHere(sessionId: string, target: string, method: string, args: unknown[]): Promise<unknown> {
    if (!Object.hasOwn(RELAYED, target) || !Object.hasOwn(RELAYED[target as RelayTarget], method))
      throw new Error(`Unknown session command ${target}.${method}`);
    const port = this.local[target as RelayTarget] as unknown as Record<
      string,
      (sessionId: string, ...args: unknown[]) => Promise<unknown>
    >;
    return port[method](sessionId, ...args);
  }

  /** Writes the command for the session's holder and waits for its answer. */
  private async relay(sessionId: string, target: string, method: string, args: unknown[]): Promise<unknown> {
    const id = randomUUID();
    const seconds = this.config.SESSION_COMMAND_TIMEOUT_SECONDS;
    await this.commands.insert(
      { id, sessionId, target, method, args, requestedBy: this.leases.owner },
      seconds,
    );
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      await sleep(ANSWER_POLL_MS);
      const answer = await this.commands.answer(id);
      if (answer?.status === 'done' || answer?.status === 'failed') return this.settle(id, answer);
    }
    if (await this.commands.withdraw(id))
      throw new DomainError(
        'SESSION_HOLDER_UNAVAILABLE',
        `The gateway process holding session ${sessionId} did not take the request within ${seconds} s; nothing was done`,
      );
    const last = await this.commands.answer(id);
    if (last?.status === 'done' || last?.status === 'failed') return this.settle(id, last);
    throw new DomainError(
      'SESSION_COMMAND_TIMEOUT',
      `The gateway process holding session ${sessionId} did not finish the request within ${seconds} s; it may still take effect`,
    );
  }

  /** The holder's answer, returned or thrown as if the method ran here. */
  private async settle(id: string, answer: Extract<CommandAnswer, { status: 'done' | 'failed' }>) {
    await this.commands.forget(id);
    if (answer.status === 'done') return answer.value;
    const { code, message, details } = answer.error;
    if (code !== null && Object.hasOwn(ERROR_STATUS, code))
      throw new DomainError(code as ErrorCode, message, details ?? undefined);
    // An unexpected error on the holder (logged there): answered as the holder would, a plain 500.
    throw new Error(`Session command failed on its holder: ${message}`);
  }

  /** The holder's side: claims and runs the commands of the sessions this process holds. */
  private async poll(): Promise<void> {
    if (this.polling || this.stopping) return;
    this.polling = true;
    try {
      const held = this.registry.heldSessionIds();
      for (const id of await this.commands.pendingFor(held)) this.track(this.execute(id));
      if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = Date.now();
        await this.commands.prune();
      }
      if (this.pollFailing) this.logger.log('Looking for session commands again');
      this.pollFailing = false;
    } catch (error) {
      if (!this.pollFailing) this.logger.warn({ err: error }, 'Could not look for session commands');
      this.pollFailing = true;
    } finally {
      this.polling = false;
    }
  }

  private track(run: Promise<void>): void {
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  private async execute(id: string): Promise<void> {
    try {
      const command = await this.commands.claim(id, this.leases.owner);
      if (!command) return;
      let value: unknown;
      try {
        value = await this.runHere(command.sessionId, command.target, command.method, command.args);
      } catch (error) {
        if (!(error instanceof DomainError))
          this.logger.error(
            { err: error, sessionId: command.sessionId },
            `Session command ${command.target}.${command.method} failed`,
          );
        await this.commands.fail(id, storedError(error));
        return;
      }
      await this.commands.finish(id, value);
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not run a session command');
    }
  }
}

const storedError = (error: unknown): CommandError =>
  error instanceof DomainError
    ? { code: error.code, message: error.message, details: error.details ?? null }
    : { code: null, message: error instanceof Error ? error.message : String(error), details: null };
