import { connect, createServer, type Server, type Socket } from 'node:net';

/** One tunnel a test proxy opened: where to, and the first line the client sent through it. */
export interface Tunnel {
  host: string;
  port: number;
  /** e.g. `GET /ws/chat HTTP/1.1` (plain HTTP and WebSocket only; TLS shows as bytes). */
  firstLine: string | null;
}

/** Reads a socket as a stream of bytes a parser can ask for (n bytes, or up to a marker). */
class ByteReader {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private ended = false;

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('end', () => {
      this.ended = true;
      this.waiter?.();
    });
  }

  private readonly onData = (chunk: Buffer) => {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    this.waiter?.();
  };

  private async more(): Promise<void> {
    if (this.ended) throw new Error('closed');
    await new Promise<void>((resolve) => (this.waiter = resolve));
    this.waiter = null;
  }

  async bytes(n: number): Promise<Buffer> {
    while (this.buffer.length < n) await this.more();
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  async until(marker: string): Promise<Buffer> {
    for (;;) {
      const at = this.buffer.indexOf(marker);
      if (at >= 0) return this.bytes(at + marker.length);
      if (this.buffer.length > 16_384) throw new Error('too long');
      await this.more();
    }
  }

  /** Stops reading; what was read past the handshake goes first into the tunnel. */
  detach(): Buffer {
    this.socket.removeListener('data', this.onData);
    return this.buffer;
  }
}

/**
 * A tiny proxy for tests (node:net only), counting the tunnels it opens: an HTTP CONNECT proxy or a
 * SOCKS5 one (RFC 1928, user/password auth RFC 1929), optionally requiring credentials. Only what
 * the gateway uses: CONNECT, no plain HTTP forwarding, no BIND/UDP.
 */
export class TestProxy {
  readonly tunnels: Tunnel[] = [];
  /** Handshakes refused (bad credentials, bad request). */
  refused = 0;
  port = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly kind: 'http' | 'socks5',
    private readonly credentials: { username: string; password: string } | null = null,
  ) {}

  async start(): Promise<this> {
    const server = createServer((client) => {
      this.track(client);
      const handshake = this.kind === 'http' ? this.httpConnect(client) : this.socks5(client);
      handshake.catch(() => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  /** The proxy URL to give the gateway, e.g. `socks5://user:pass@127.0.0.1:40001`. */
  url(scheme: string = this.kind, credentials = this.credentials): string {
    const userinfo = credentials
      ? `${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@`
      : '';
    return `${scheme}://${userinfo}127.0.0.1:${this.port}`;
  }

  tunnelsTo(port: number): number {
    return this.tunnels.filter((t) => t.port === port).length;
  }

  /** Cuts every open connection (tunnels included); new ones are still accepted. */
  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
  }

  private async httpConnect(client: Socket): Promise<void> {
    const reader = new ByteReader(client);
    const head = (await reader.until('\r\n\r\n')).toString('latin1');
    const [requestLine, ...lines] = head.split('\r\n');
    const [method, authority] = requestLine.split(' ');
    const headers = new Map(
      lines.filter(Boolean).map((l) => {
        const i = l.indexOf(':');
        return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()] as const;
      }),
    );
    if (method !== 'CONNECT') {
      this.refused++;
      client.end('HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (this.credentials) {
      const expected = `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`;
      if (headers.get('proxy-authorization') !== expected) {
        this.refused++;
        client.end(
          'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n',
        );
        return;
      }
    }
    const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(authority);
    if (!match) {
      this.refused++;
      client.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = await this.dial(match[1], Number(match[2])).catch(() => null);
    if (!upstream) {
      client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    this.splice(client, upstream, reader.detach(), { host: match[1], port: Number(match[2]) });
  }

  private async socks5(client: Socket): Promise<void> {
    const reader = new ByteReader(client);
    const [version, count] = await reader.bytes(2);
    if (version !== 5) throw new Error('not SOCKS5');
    const methods = [...(await reader.bytes(count))];
    const method = this.credentials ? 0x02 : 0x00;
    if (!methods.includes(method)) {
      this.refused++;
      client.end(Buffer.from([5, 0xff]));
      return;
    }
    client.write(Buffer.from([5, method]));
    if (this.credentials) {
      const [, userLength] = await reader.bytes(2);
      const username = (await reader.bytes(userLength)).toString('utf8');
      const [passLength] = await reader.bytes(1);
      const password = (await reader.bytes(passLength)).toString('utf8');
      const ok = username === this.credentials.username && password === this.credentials.password;
      client.write(Buffer.from([1, ok ? 0 : 1]));
      if (!ok) {
        this.refused++;
        client.end();
        return;
      }
    }
    const [, command, , type] = await reader.bytes(4);
    let host: string;
    if (type === 1) host = [...(await reader.bytes(4))].join('.');
    else if (type === 3) host = (await reader.bytes((await reader.bytes(1))[0])).toString('latin1');
    else if (type === 4)
      host = ((await reader.bytes(16)).toString('hex').match(/.{4}/g) ?? [])
        .join(':')
        .replace(/\b0+(\w)/g, '$1');
    else throw new Error('bad address type');
    const port = (await reader.bytes(2)).readUInt16BE(0);
    const reply = (code: number) => Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
    if (command !== 1) {
      this.refused++;
      client.end(reply(7));
      return;
    }
    const upstream = await this.dial(host, port).catch(() => null);
    if (!upstream) {
      client.end(reply(5));
      return;
    }
    client.write(reply(0));
    this.splice(client, upstream, reader.detach(), { host, port });
  }

  private dial(host: string, port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const upstream = connect(port, host);
      upstream.once('connect', () => {
        upstream.removeListener('error', reject);
        resolve(upstream);
      });
      upstream.once('error', reject);
    });
  }

  private splice(client: Socket, upstream: Socket, early: Buffer, to: { host: string; port: number }): void {
    this.track(upstream);
    const tunnel: Tunnel = { ...to, firstLine: null };
    this.tunnels.push(tunnel);
    const firstLine = (chunk: Buffer) => {
      tunnel.firstLine = chunk.toString('latin1').split('\r\n')[0];
    };
    if (early.length) {
      firstLine(early);
      upstream.write(early);
    } else client.once('data', firstLine);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}
