import type { IncomingMessage } from 'node:http';
import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import type { UserPrincipal } from '../auth/principal';
import { WsTokenService } from '../auth/ws-token.service';
import { DomainEvents, type DomainEventMap, type DomainEventName } from '../common/domain-events';

/** Close codes in the application range (4000-4999): the HTTP status they stand for, plus 4000. */
export const WS_CLOSE_UNAUTHORIZED = 4401;

const HEARTBEAT_MS = 30_000;

/** Events only people who may act on sessions receive: a QR lets its viewer link a phone. */
const OPERATOR_ONLY: ReadonlySet<DomainEventName> = new Set(['session.qr']);
const FORWARDED: DomainEventName[] = [
  'session.status',
  'session.qr',
  'message.stored',
  'message.status',
  'campaign.progress',
];

interface Client {
  socket: WebSocket;
  principal: UserPrincipal;
  alive: boolean;
}

/**
 * /ws: pushes session status, QR codes, messages and campaign progress to logged-in users. A client
 * connects with `?token=<ws token>` (POST /api/v1/auth/ws-token); a missing, bad or expired token
 * is refused with close code 4401. Each client receives only what its role may see.
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
  ) {}

  onModuleInit(): void {
    for (const name of FORWARDED) {
      this.unsubscribe.push(this.events.on(name, (data) => this.broadcast(name, data)));
    }
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
    const client: Client = { socket, principal, alive: true };
    this.clients.set(socket, client);
    socket.on('pong', () => (client.alive = true));
    socket.on('error', () => socket.terminate());
    this.send(client, 'ready', { role: principal.role });
  }

  handleDisconnect(socket: WebSocket): void {
    this.clients.delete(socket);
  }

  private broadcast<K extends DomainEventName>(name: K, data: DomainEventMap[K]): void {
    for (const client of this.clients.values()) {
      if (OPERATOR_ONLY.has(name) && client.principal.role === 'viewer') continue;
      this.send(client, name, data);
    }
  }

  private send(client: Client, event: string, data: unknown): void {
    if (client.socket.readyState !== client.socket.OPEN) return;
    client.socket.send(JSON.stringify({ event, data }), (error) => {
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
