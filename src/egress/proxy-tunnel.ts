import { promises as dns } from 'node:dns';
import type { ClientRequest, Agent as HttpAgent } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { SocksClient } from 'socks';
import { SocksProxyAgent } from 'socks-proxy-agent';
import { Agent, Client, type Dispatcher } from 'undici';
import type { EgressPolicy } from './address-policy';
import { guardedLookup } from './egress-guard';
import type { ProxyUrl } from './proxy-url';

/** A proxy that did not open the tunnel: unreachable, refused, or too slow. Never quotes the proxy URL. */
export class ProxyTunnelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProxyTunnelError';
  }
}

/** Extra trust for the TLS of the destination (the simulator's certificate in sandbox mode). */
export interface DestinationTls {
  ca?: string | Buffer | (string | Buffer)[];
}

const bracketed = (host: string): string => (isIP(host) === 6 ? `[${host}]` : host);

/**
 * A TCP connection to host:port through the proxy: HTTP CONNECT for http(s) proxies, SOCKS5 CONNECT
 * for socks5 (the name resolved here) and socks5h (the proxy resolves it). Settles within timeoutMs.
 */
export async function openTunnel(
  proxy: ProxyUrl,
  target: { host: string; port: number },
  timeoutMs: number,
): Promise<Socket> {
  return proxy.scheme === 'socks5' || proxy.scheme === 'socks5h'
    ? socksTunnel(proxy, target, timeoutMs)
    : connectTunnel(proxy, target, timeoutMs);
}

async function socksTunnel(
  proxy: ProxyUrl,
  target: { host: string; port: number },
  timeoutMs: number,
): Promise<Socket> {
  let host = target.host;
  if (proxy.scheme === 'socks5' && !isIP(host)) {
    try {
      host = (await dns.lookup(host)).address;
    } catch {
      throw new ProxyTunnelError('the destination host name does not resolve');
    }
  }
  try {
    const { socket } = await SocksClient.createConnection({
      proxy: {
        host: proxy.host,
        port: proxy.port,
        type: 5,
        ...(proxy.username !== null ? { userId: proxy.username, password: proxy.password ?? '' } : {}),
      },
      command: 'connect',
      destination: { host, port: target.port },
      timeout: timeoutMs,
    });
    return socket;
  } catch {
    throw new ProxyTunnelError('the SOCKS5 proxy did not open a connection');
  }
}

async function connectTunnel(
  proxy: ProxyUrl,
  target: { host: string; port: number },
  timeoutMs: number,
): Promise<Socket> {
  const authority = `${bracketed(target.host)}:${target.port}`;
  const headers: Record<string, string> = { host: authority };
  if (proxy.username !== null || proxy.password !== null)
    headers['proxy-authorization'] =
      `Basic ${Buffer.from(`${proxy.username ?? ''}:${proxy.password ?? ''}`).toString('base64')}`;
  const client = new Client(`${proxy.scheme}://${bracketed(proxy.host)}:${proxy.port}`, {
    connect: { timeout: timeoutMs },
  });
  try {
    const { statusCode, socket } = await client.connect({
      path: authority,
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (statusCode !== 200) {
      socket.on('error', () => undefined).destroy();
      throw new ProxyTunnelError(`the proxy refused the connection (HTTP ${statusCode})`);
    }
    return socket as Socket;
  } catch (error) {
    if (error instanceof ProxyTunnelError) throw error;
    throw new ProxyTunnelError('the HTTP proxy did not open a connection');
  } finally {
    // The tunnel's socket is detached from the client; closing it leaves the tunnel open.
    void client.close().catch(() => undefined);
  }
}

function startTls(socket: Socket, servername: string | undefined, tls: DestinationTls): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tlsConnect({ socket, servername, ALPNProtocols: ['http/1.1'], ...tls });
    secure.once('secureConnect', () => {
      secure.removeListener('error', reject);
      resolve(secure);
    });
    secure.once('error', reject);
  });
}

/** The first address of `host` the policy allows (guardedLookup's check), or its EgressRefusedError. */
function allowedAddress(policy: EgressPolicy, host: string): Promise<string> {
  return new Promise((resolve, reject) =>
    guardedLookup(policy)(host, {}, (error, address) => (error ? reject(error) : resolve(address as string))),
  );
}

export interface ProxiedDispatcherOptions {
  connections?: number;
  headersTimeout?: number;
  bodyTimeout?: number;
  /** Opening the tunnel (and the proxy's answer) gives up after this long. */
  connectTimeoutMs?: number;
  tls?: DestinationTls;
}

/**
 * An undici dispatcher whose connections go through the proxy, with the egress guard kept as it is
 * without a proxy: a host name is resolved and checked here (guardedLookup) and the proxy is asked
 * for that checked address, never for the name, so neither the proxy's DNS nor a rebinding name can
 * lead elsewhere; an IP literal is passed as it is (the callers' checkUrl judged it). TLS is end to
 * end, verified against the host name.
 */
export function proxiedDispatcher(
  proxy: ProxyUrl,
  policy: EgressPolicy,
  options: ProxiedDispatcherOptions = {},
): Agent {
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  return new Agent({
    connections: options.connections,
    headersTimeout: options.headersTimeout,
    bodyTimeout: options.bodyTimeout,
    connect: (opts, callback) => {
      const open = async (): Promise<Socket> => {
        const hostname = opts.hostname.replace(/^\[(.*)\]$/, '$1');
        const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
        const address = isIP(hostname) ? hostname : await allowedAddress(policy, hostname);
        const socket = await openTunnel(proxy, { host: address, port }, timeoutMs);
        if (opts.protocol !== 'https:') return socket;
        try {
          return await startTls(socket, isIP(hostname) ? undefined : hostname, options.tls ?? {});
        } catch (error) {
          socket.destroy();
          throw error;
        }
      };
      open().then(
        (socket) => callback(null, socket),
        (error: Error) => callback(error, null),
      );
    },
  });
}

/** How many proxies' dispatchers one ProxyDispatchers keeps open. */
const MAX_DISPATCHERS = 500;

/** Proxied dispatchers by proxy URL, made on first use and closed together (at shutdown). */
export class ProxyDispatchers {
  private readonly byUrl = new Map<string, Dispatcher>();

  constructor(
    private readonly policy: EgressPolicy,
    private readonly options: ProxiedDispatcherOptions = {},
  ) {}

  for(proxy: ProxyUrl): Dispatcher {
    let dispatcher = this.byUrl.get(proxy.href);
    if (!dispatcher) {
      // Proxies removed or changed leave their dispatcher behind: past MAX_DISPATCHERS the oldest is
      // closed (gracefully: requests under way finish first).
      const oldest = this.byUrl.size >= MAX_DISPATCHERS ? this.byUrl.keys().next().value : undefined;
      if (oldest !== undefined) {
        void this.byUrl
          .get(oldest)!
          .close()
          .catch(() => undefined);
        this.byUrl.delete(oldest);
      }
      dispatcher = proxiedDispatcher(proxy, this.policy, this.options);
      this.byUrl.set(proxy.href, dispatcher);
    }
    return dispatcher;
  }

  async close(): Promise<void> {
    const all = [...this.byUrl.values()];
    this.byUrl.clear();
    await Promise.all(all.map((d) => d.destroy().catch(() => undefined)));
  }
}

/** What the agent packages' connect() is given (agent-base's AgentConnectOpts). */
type AgentConnectOpts = Parameters<HttpsProxyAgent<string>['connect']>[1];

/** https-proxy-agent with extra trust for the destination's TLS (its own options reach only the proxy's). */
class HttpsProxyAgentTrusting extends HttpsProxyAgent<string> {
  constructor(
    proxy: string,
    private readonly destinationTls: DestinationTls,
  ) {
    super(proxy);
  }

  override connect(req: ClientRequest, opts: AgentConnectOpts): Promise<Socket> {
    return super.connect(req, { ...opts, ...this.destinationTls } as AgentConnectOpts);
  }
}

/** socks-proxy-agent with extra trust for the destination's TLS. */
class SocksProxyAgentTrusting extends SocksProxyAgent {
  constructor(
    proxy: string,
    private readonly destinationTls: DestinationTls,
  ) {
    super(proxy);
  }

  override connect(req: ClientRequest, opts: AgentConnectOpts): Promise<Socket> {
    return super.connect(req, { ...opts, ...this.destinationTls } as AgentConnectOpts);
  }
}

/**
 * The Node agents Baileys takes for a proxy (the standard agent packages): `agent` for its
 * WebSocket, `fetchAgent` for its media uploads. socks5h leaves names to the proxy, socks5 resolves
 * them here.
 */
export function baileysProxyAgents(
  proxy: ProxyUrl,
  tls: DestinationTls = {},
): { agent: HttpAgent; fetchAgent: HttpAgent } {
  const make = (): HttpAgent =>
    proxy.scheme === 'socks5' || proxy.scheme === 'socks5h'
      ? new SocksProxyAgentTrusting(proxy.href, tls)
      : new HttpsProxyAgentTrusting(proxy.href, tls);
  return { agent: make(), fetchAgent: make() };
}
