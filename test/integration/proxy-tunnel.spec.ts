import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer } from 'node:net';
import { generate } from 'selfsigned';
import { EgressRefusedError } from '../../src/egress/egress-guard';
import {
  openTunnel,
  ProxiedDispatcherOptions,
  proxiedDispatcher,
  ProxyTunnelError,
} from '../../src/egress/proxy-tunnel';
import { parseProxyUrl } from '../../src/egress/proxy-url';
import { TestProxy } from '../support/test-proxies';

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
};

const closedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/**
 * The proxy tunnels on real sockets, against the test proxies (HTTP CONNECT and SOCKS5 with
 * credentials): what the proxy is asked for, how a refusal looks, and the egress guard kept through
 * a proxy (the gateway resolves and checks the address; a refused one never reaches the proxy).
 */
describe('proxy tunnels', () => {
  const http = new TestProxy('http', { username: 'u', password: 'p' });
  const socks = new TestProxy('socks5', { username: 'u', password: 'p' });
  const target = createHttpServer((req, res) => res.end(`hello ${req.url}`));
  let targetPort: number;

  beforeAll(async () => {
    await http.start();
    await socks.start();
    targetPort = await listen(target);
  });
  afterAll(async () => {
    await http.close();
    await socks.close();
    await new Promise((r) => target.close(r));
  });

  const fetchVia = async (proxyUrl: string, url: string, options: ProxiedDispatcherOptions = {}) => {
    const dispatcher = proxiedDispatcher(parseProxyUrl(proxyUrl), { allowPrivate: true }, options);
    try {
      const parsed = new URL(url);
      const res = await dispatcher.request({ origin: parsed.origin, path: parsed.pathname, method: 'GET' });
      return { status: res.statusCode, body: await res.body.text() };
    } finally {
      await dispatcher.destroy();
    }
  };

  it.each([
    ['http', () => http],
    ['socks5', () => socks],
    ['socks5h', () => socks],
  ])('fetches through a %s proxy, asking it for the address the gateway resolved', async (scheme, proxy) => {
    const before = proxy().tunnels.length;
    const res = await fetchVia(proxy().url(scheme), `http://localhost:${targetPort}/a`);
    expect(res).toEqual({ status: 200, body: 'hello /a' });
    expect(proxy().tunnels.slice(before)).toEqual([
      { host: '127.0.0.1', port: targetPort, firstLine: 'GET /a HTTP/1.1' },
    ]);
  });

  it('keeps the egress guard: a name resolving to a refused address never reaches the proxy', async () => {
    const dispatcher = proxiedDispatcher(parseProxyUrl(socks.url()), { allowPrivate: false });
    const before = socks.tunnels.length;
    try {
      const error = await dispatcher
        .request({ origin: `http://localhost:${targetPort}`, path: '/', method: 'GET' })
        .then(
          () => null,
          (e: unknown) => e,
        );
      const refused =
        error instanceof EgressRefusedError ||
        (error as { cause?: unknown })?.cause instanceof EgressRefusedError;
      expect(refused).toBe(true);
    } finally {
      await dispatcher.destroy();
    }
    expect(socks.tunnels.length).toBe(before);
  });

  it('speaks TLS end to end through the tunnel, verified with the given trust', async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keySize: 2048,
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
    } as never);
    const { private: key, cert } = pems as unknown as { private: string; cert: string };
    const secure = createHttpsServer({ key, cert }, (req, res) => res.end('secret hello'));
    const port = await listen(secure as unknown as Server);
    try {
      for (const proxy of [http, socks]) {
        const res = await fetchVia(proxy.url(), `https://localhost:${port}/`, { tls: { ca: cert } });
        expect(res).toEqual({ status: 200, body: 'secret hello' });
        // The proxy saw only ciphertext: no HTTP request line in its tunnel.
        expect(proxy.tunnels.at(-1)?.firstLine).not.toMatch(/^GET /);
      }
      // Without the trust the certificate is refused.
      await expect(fetchVia(http.url(), `https://localhost:${port}/`)).rejects.toThrow();
    } finally {
      await new Promise((r) => secure.close(r));
    }
  });

  it('fails with a ProxyTunnelError that never quotes the proxy URL', async () => {
    const port = await closedPort();
    const cases: [string, RegExp][] = [
      [`http://u:hidden-pass@127.0.0.1:${port}`, /HTTP proxy did not open/],
      [`socks5://u:hidden-pass@127.0.0.1:${port}`, /SOCKS5 proxy did not open/],
      [http.url('http', { username: 'u', password: 'hidden-pass' }), /HTTP 407/],
      [socks.url('socks5', { username: 'u', password: 'hidden-pass' }), /SOCKS5 proxy did not open/],
    ];
    for (const [url, message] of cases) {
      const error = await openTunnel(parseProxyUrl(url), { host: '127.0.0.1', port: targetPort }, 2_000).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(ProxyTunnelError);
      expect(error!.message).toMatch(message);
      expect(error!.message).not.toContain('hidden-pass');
    }
  });

  it('gives up on a proxy that accepts the connection and never answers', async () => {
    const silent = createServer(() => undefined);
    const port = await listen(silent as unknown as Server);
    try {
      const started = Date.now();
      for (const scheme of ['http', 'socks5']) {
        await expect(
          openTunnel(parseProxyUrl(`${scheme}://127.0.0.1:${port}`), { host: '127.0.0.1', port: 80 }, 500),
        ).rejects.toBeInstanceOf(ProxyTunnelError);
      }
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      silent.close();
    }
  });
});
