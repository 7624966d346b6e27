import type { Agent as HttpsAgent } from 'node:https';
import { Injectable } from '@nestjs/common';
import { DomainError, validationFailed } from '../common/errors';
import { SealedData } from '../crypto/sealed-data';
import { SecretBox } from '../crypto/secret-box';
import type { Prisma } from '../generated/prisma/client';
import {
  baileysProxyAgents,
  openTunnel,
  ProxyTunnelError,
  type DestinationTls,
} from '../egress/proxy-tunnel';
import { maskedProxyUrl, parseProxyUrl, ProxyUrlError, type ProxyUrl } from '../egress/proxy-url';
import { RefreshingCache } from '../outbox/refreshing-cache';
import { PrismaService } from '../prisma/prisma.service';
import { WhatsAppSocketSettings, type SocketOverrides } from './socket-settings';

const PURPOSE = 'session-proxy';
/** How long media downloads and URL fetches keep a session's proxy before reading it again. */
const CACHE_MS = 5_000;
/** The check on save: the proxy must open a tunnel to WhatsApp within this. */
const CHECK_TIMEOUT_MS = 5_000;
/** Baileys' DEFAULT_CONNECTION_CONFIG.waWebSocketUrl: where a session's socket goes without the sandbox. */
const WHATSAPP_SOCKET_URL = 'wss://web.whatsapp.com/ws/chat';

/**
 * Each session's proxy (whatsapp_sessions.proxy_url): the URL sealed at rest under
 * TOKEN_ENCRYPTION_KEY, only ever shown masked; checked on save by opening a tunnel through it to
 * WhatsApp (the simulator in sandbox mode); turned into the Baileys socket's agents at each connect
 * and read (cached a few seconds) by media downloads and URL fetches.
 */
@Injectable()
export class SessionProxies {
  private readonly cache = new RefreshingCache<string, ProxyUrl | null>(CACHE_MS);

  constructor(
    private readonly prisma: PrismaService,
    private readonly box: SecretBox,
    private readonly socketSettings: WhatsAppSocketSettings,
    sealed: SealedData,
  ) {
    sealed.register({
      name: 'session proxies',
      resealAll: async (tx, reseal) => {
        const rows = await tx.whatsappSession.findMany({
          where: { proxyUrl: { not: null } },
          select: { id: true, proxyUrl: true },
        });
        for (const row of rows) {
          const again = reseal(Buffer.from(row.proxyUrl!, 'base64'), PURPOSE).toString('base64');
          await tx.whatsappSession.update({ where: { id: row.id }, data: { proxyUrl: again } });
        }
        return rows.length;
      },
      sample: async () => {
        const row = await this.prisma.whatsappSession.findFirst({
          where: { proxyUrl: { not: null } },
          select: { proxyUrl: true },
        });
        return row?.proxyUrl ? { sealed: Buffer.from(row.proxyUrl, 'base64'), purpose: PURPOSE } : null;
      },
    });
  }

  /** A proxy URL from a request: parsed, or 400 on `field` saying what is wrong (never quoting it). */
  parse(raw: string, field = 'proxy'): ProxyUrl {
    try {
      return parseProxyUrl(raw);
    } catch (error) {
      if (!(error instanceof ProxyUrlError)) throw error;
      throw validationFailed([{ field, errors: [error.message] }]);
    }
  }

  /**
   * Opens (and closes) a tunnel through the proxy to WhatsApp's socket host (the simulator in sandbox
   * mode); 400 PROXY_UNREACHABLE when the proxy does not answer, refuses, or is too slow.
   */
  async check(proxy: ProxyUrl, field = 'proxy'): Promise<void> {
    const target = new URL(this.socketSettings.overrides.waWebSocketUrl?.toString() ?? WHATSAPP_SOCKET_URL);
    const port = Number(target.port) || (target.protocol === 'wss:' ? 443 : 80);
    try {
      const socket = await openTunnel(
        proxy,
        { host: target.hostname.replace(/^\[(.*)\]$/, '$1'), port },
        CHECK_TIMEOUT_MS,
      );
      socket.destroy();
    } catch (error) {
      if (!(error instanceof ProxyTunnelError)) throw error;
      const message = `The proxy did not open a connection to WhatsApp: ${error.message}`;
      throw new DomainError('PROXY_UNREACHABLE', message, [{ field, errors: [message] }]);
    }
  }

  /** Stores the session's proxy (null removes it); applies to media at once, to the socket at its next connect. */
  async set(sessionId: string, proxy: ProxyUrl | null, tx?: Prisma.TransactionClient): Promise<void> {
    const proxyUrl = proxy ? this.box.encryptToString(proxy.href, PURPOSE) : null;
    await (tx ?? this.prisma).whatsappSession.update({ where: { id: sessionId }, data: { proxyUrl } });
    this.cache.delete(sessionId);
  }

  /** The proxy of a stored row (its sealed column), or null. */
  open(sealed: string | null): ProxyUrl | null {
    if (!sealed) return null;
    return parseProxyUrl(this.box.decryptToString(sealed, PURPOSE));
  }

  /** What the API shows of a row's proxy: the URL with its password masked, or null. */
  masked(sealed: string | null): string | null {
    if (!sealed) return null;
    try {
      const proxy = this.open(sealed);
      return proxy ? maskedProxyUrl(proxy) : null;
    } catch {
      return '***';
    }
  }

  /** The session's proxy for media (cached CACHE_MS), or null. */
  find(sessionId: string): Promise<ProxyUrl | null> {
    return this.cache.get(sessionId, () => this.load(sessionId));
  }

  /**
   * The socket settings of a session's next socket: the process's own (the sandbox's) plus, with a
   * proxy, Baileys' `agent` (its WebSocket) and `fetchAgent` (its media uploads) through it. Read
   * afresh at each connect.
   */
  async socketOverrides(sessionId: string): Promise<SocketOverrides> {
    const base = this.socketSettings.overrides;
    const proxy = await this.load(sessionId);
    if (!proxy) return base;
    const agents = baileysProxyAgents(proxy, this.destinationTls());
    return {
      ...base,
      agent: agents.agent as HttpsAgent,
      fetchAgent: agents.fetchAgent as HttpsAgent,
    };
  }

  /** What the destination's TLS must trust beyond the usual: the sandbox's upload agent's CA, if any. */
  destinationTls(): DestinationTls {
    const ca = (this.socketSettings.overrides.fetchAgent as HttpsAgent | undefined)?.options?.ca;
    return ca ? { ca } : {};
  }

  private async load(sessionId: string): Promise<ProxyUrl | null> {
    const row = await this.prisma.whatsappSession.findUnique({
      where: { id: sessionId },
      select: { proxyUrl: true },
    });
    return this.open(row?.proxyUrl ?? null);
  }
}
