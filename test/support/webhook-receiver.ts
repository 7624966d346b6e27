import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One POST the receiver got. */
export interface ReceivedHook {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

export interface HookReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** How to answer the n-th request (0-based) for this delivery id. */
export type Responder = (hook: ReceivedHook, nthForDelivery: number) => HookReply;

/**
 * A real HTTP webhook receiver on 127.0.0.1 (keep-alive), recording every POST. It can be stopped
 * and started again on the same port to play a receiver that is down.
 */
export class WebhookReceiver {
  readonly hooks: ReceivedHook[] = [];
  respond: Responder = () => ({ status: 200, body: 'ok' });
  port = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly seen = new Map<string, number>();

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          // recorded raw
        }
        const hook: ReceivedHook = { at: Date.now(), path: req.url ?? '', headers: req.headers, raw, body };
        this.hooks.push(hook);
        const id = String(req.headers['x-delivery-id'] ?? '');
        const n = this.seen.get(id) ?? 0;
        this.seen.set(id, n + 1);
        const reply = this.respond(hook, n);
        res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
        res.end(reply.body ?? '');
      });
    });
    server.keepAliveTimeout = 60_000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Closes the port (connections refused from now on). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Requests for a delivery id, in arrival order. */
  forDelivery(id: string): ReceivedHook[] {
    return this.hooks.filter((h) => h.headers['x-delivery-id'] === id);
  }

  clear(): void {
    this.hooks.length = 0;
    this.seen.clear();
  }
}

/** What a receiver does to check X-Signature: HMAC-SHA256 of the raw body with the shared secret. */
/**
 * X-Webhook-Signature `t=...,v1=...` checked as docs/webhooks.md tells receivers to: the HMAC of
 * "<t>.<raw body>", and t within `toleranceSeconds` of now.
 */
export function verifyTimestampedSignature(
  secret: string,
  hook: ReceivedHook,
  toleranceSeconds = 300,
): boolean {
  const header = String(hook.headers['x-webhook-signature'] ?? '');
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
  return createHmac('sha256', secret).update(`${parts.t}.${hook.raw}`).digest('hex') === parts.v1;
}

export const verifySignature = (secret: string, hook: ReceivedHook): boolean =>
  createHmac('sha256', secret).update(hook.raw).digest('hex') === hook.headers['x-signature'];
