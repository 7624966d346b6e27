import type { IncomingMessage } from 'node:http';
import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import type { UserPrincipal } from '../auth/principal';
import { WsTokenService } from '../auth/ws-token.service';
import {
  DomainEvents,
  type DomainEventMap,
  type DomainEventName,
  type UserAccessChangedEvent,
} from '../common/domain-events';
import { RealtimeRelay } from './realtime-relay';

/** Close codes in the application range (4000-4999): the HTTP status they stand for, plus 4000. */
export const WS_CLOSE_UNAUTHORIZED = 4401;

const HEARTBEAT_MS = 30_000;
/**
 * An event for a client whose access was checked longer ago than this waits for a fresh check (one
 * query per client at most this often). A change made in this process closes its sockets at once;
 * one made through another gateway process is seen here within this time.
 */
const RECHECK_MS = 2_000;

/** Events only people who may act on sessions receive: a QR lets its viewer link a phone. */
const OPERATOR_ONLY: ReadonlySet<DomainEventName> = new Set(['session.qr']);
const FORWARDED: readonly DomainEventName[] = [
  'session.status',
  'session.qr',
  'message.stored',
  'message.status',
  'message.media',
  'message.edited',
  'message.revoked',
  'campaign.progress',
  'group.joined',
  'group.updated',
  'group.participants',
  'poll.vote',
  'presence.update',
];

const FORWARDED_NAMES: ReadonlySet<string> = new Set(FORWARDED);

/** Status updates and channel posts are stored but not pushed as messages (see docs/webhooks.md). */
const isConversation = (m: DomainEventMap['message.stored']): boolean =>
  m.chatKind !== 'status' && m.chatKind !== 'newsletter';

interface Client {
  socket: WebSocket;
  principal: UserPrincipal;
  alive: boolean;
  checkedAt: number;
  /** Events (their frames) held while the client's access is checked again, in order; null when no check runs. */
  held: { event: DomainEventName; frame: string }[] | null;
}

/**
 * /ws: pushes session status, QR codes, messages and campaign progress to logged-in users. A client
 * connects with `?token=<ws token>` (POST /api/v1/auth/ws-token); a missing, bad or expired token
 * is refused with close code 4401; a token opens one socket. Each client receives only what its
 * role, as it stands now, may see: a logout, deactivation, password change or reset, or role change
 * closes the user's sockets with 4401 (the app gets a new token and connects again with its new role).
 * In a cluster, the events of sessions other processes hold come through the relay (RealtimeRelay)
 * and are filtered here exactly like this process's own.
 */
@WebSocketGateway({ path: '/ws' })
export class RealtimeGateway
  implements OnGatewayConnection, OnGatewayDisconnect, OnModuleInit, OnModuleDestroy
{
  private readonly logger = new Logger(RealtimeGateway.name);
  private readonly clients = new Map<WebSocket, Client>();
  private readonly unsubscribe: (() => void)[] = [];
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly wsTokens: WsTokenService,
    private readonly events: DomainEvents,
    private readonly relay: RealtimeRelay,
  ) {}

  onModuleInit(): void {
    for (const name of FORWARDED) {
      this.unsubscribe.push(this.events.on(name, (data) => this.forward(name, data)));
    }
    // Other processes' events reach this process's clients only (never the domain event bus).
    this.unsubscribe.push(
      this.relay.onRelayed((name, payload) => {
        if (FORWARDED_NAMES.has(name)) this.broadcast(name as DomainEventName, payload);
      }),
    );
    this.unsubscribe.push(this.events.on('user.access_changed', (change) => this.revoke(change)));
    this.heartbeat = setInterval(() => this.checkAlive(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  onModuleDestroy(): void {
    for (const off of this.unsubscribe) off();
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const client of this.clients.values()) client.socket.close(1001, 'Server shutting down');
    this.clients.clear();
  }

  async handleConnection(socket: WebSocket, request: IncomingMessage): Promise<void> {
    const token = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token');
    const principal = token ? await this.wsTokens.verifyWsToken(token).catch(() => null) : null;
    if (!principal) {
      socket.close(WS_CLOSE_UNAUTHORIZED, 'Unauthorized');
      return;
    }
    const client: Client = { socket, principal, alive: true, checkedAt: Date.now(), held: null };
    this.clients.set(socket, client);
    socket.on('pong', () => (client.alive = true));
    socket.on('error', () => socket.terminate());
    this.send(client, 'ready', { role: principal.role });
  }

  handleDisconnect(socket: WebSocket): void {
    this.clients.delete(socket);
  }

  /** An event of this process: to its clients, and to the other processes' clients through the relay. */
  private forward<K extends DomainEventName>(name: K, data: DomainEventMap[K]): void {
    if (name === 'message.stored' && !isConversation(data as DomainEventMap['message.stored'])) return;
    if (this.clients.size === 0 && !this.relay.active) return;
    // Serialised once, for every client here and for the relay.
    const payload = JSON.stringify(data);
    this.relay.publish(name, (data as { sessionId?: string }).sessionId ?? null, payload);
    this.broadcast(name, payload);
  }

  /** `payload`: the event's data as JSON. */
  private broadcast(name: DomainEventName, payload: string): void {
    if (this.clients.size === 0) return;
    const frame = `{"event":${JSON.stringify(name)},"data":${payload}}`;
    const now = Date.now();
    for (const client of this.clients.values()) {
      if (client.held) client.held.push({ event: name, frame });
      else if (now - client.checkedAt > RECHECK_MS) {
        client.held = [{ event: name, frame }];
        void this.recheck(client);
      } else this.deliver(client, name, frame);
    }
  }

  /** Sends what the client's current role may see. */
  private deliver(client: Client, event: DomainEventName, frame: string): void {
    if (OPERATOR_ONLY.has(event) && client.principal.role === 'viewer') return;
    this.sendFrame(client, frame);
  }

  /** Checks the client's access again, then sends (or drops, closing the socket) what was held meanwhile. */
  private async recheck(client: Client): Promise<void> {
    const current = await this.wsTokens.current(client.principal).catch((error: unknown) => {
      // The database did not answer: keep the last known access until the next check.
      this.logger.debug(`Could not check a WebSocket client's access: ${String(error)}`);
      return client.principal;
    });
    const held = client.held ?? [];
    client.held = null;
    client.checkedAt = Date.now();
    if (!current || current.role !== client.principal.role) {
      this.close(client, 'Access changed');
      return;
    }
    for (const { event, frame } of held) this.deliver(client, event, frame);
  }

  /** Closes the sockets of a user (or of one of their logins) whose access ended or changed. */
  private revoke(change: UserAccessChangedEvent): void {
    for (const client of [...this.clients.values()]) {
      const { userId, loginId } = client.principal;
      if (userId !== change.userId || (change.loginId && loginId !== change.loginId)) continue;
      this.close(client, 'Access changed');
    }
  }

  private close(client: Client, reason: string): void {
    this.clients.delete(client.socket);
    client.held = null;
    client.socket.close(WS_CLOSE_UNAUTHORIZED, reason);
  }

  private send(client: Client, event: string, data: unknown): void {
    this.sendFrame(client, JSON.stringify({ event, data }));
  }

  private sendFrame(client: Client, frame: string): void {
    if (client.socket.readyState !== client.socket.OPEN) return;
    client.socket.send(frame, (error) => {
      if (error) this.logger.debug(`Dropped a WebSocket client: ${error.message}`);
    });
  }

  private checkAlive(): void {
    for (const client of this.clients.values()) {
      if (!client.alive) {
        client.socket.terminate();
        this.clients.delete(client.socket);
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }
}
