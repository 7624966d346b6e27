import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppConfig } from '../config/app-config';
import { EgressPolicies } from '../egress/egress-policies';
import { WebhookHttp } from './webhook-http';

/** A real receiver on 127.0.0.1 that answers each POST after `delayMs` (at once when 0), then runs `after`. */
async function receiver(delayMs: number, after = () => {}): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const answer = () => {
      res.end('ok');
      after();
    };
    req.resume();
    req.on('end', () => (delayMs > 0 ? setTimeout(answer, delayMs) : answer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` };
}

const blockFor = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end); // the process is busy: no timers, no sockets
};

describe('WebhookHttp', () => {
  const config = { WEBHOOK_CONCURRENCY: 2, WEBHOOK_ALLOW_PRIVATE: true } as AppConfig;
  const http = new WebhookHttp(config, new EgressPolicies(config));
  const servers: Server[] = [];
  afterAll(async () => {
    await http.onApplicationShutdown();
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('an answer that came in while the process was busy past the timeout counts as an answer', async () => {
    // The receiver runs in this process: once it has answered, the process is busy for 700 ms (in
    // an I/O callback, as when handling a burst of messages), so the answer waits on the gateway's
    // socket while the 300 ms timeout runs out.
    const { server, url } = await receiver(0, () => blockFor(700));
    servers.push(server);
    const outcome = await http.post(url, '{}', {}, 300);
    expect(outcome).toMatchObject({ kind: 'response', status: 200, body: 'ok' });
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(700);
  });

  it('no answer within the timeout is a timeout, reported close to it', async () => {
    const { server, url } = await receiver(2_000);
    servers.push(server);
    const outcome = await http.post(url, '{}', {}, 200);
    expect(outcome).toMatchObject({ kind: 'timeout', error: 'no answer within 200 ms' });
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(195);
    expect(outcome.latencyMs).toBeLessThan(1_000);
  });

  it('a refused connection is a network error', async () => {
    const { server, url } = await receiver(0);
    await new Promise((resolve) => server.close(resolve));
    expect(await http.post(url, '{}', {}, 500)).toMatchObject({ kind: 'network', error: 'ECONNREFUSED' });
  });
});

describe('WebhookHttp egress guard: the delivery path of the SSRF matrix', () => {
  const strictConfig = { WEBHOOK_CONCURRENCY: 2, WEBHOOK_ALLOW_PRIVATE: false } as AppConfig;
  const strict = new WebhookHttp(strictConfig, new EgressPolicies(strictConfig));
  const openConfig = { WEBHOOK_CONCURRENCY: 2, WEBHOOK_ALLOW_PRIVATE: true } as AppConfig;
  const open = new WebhookHttp(openConfig, new EgressPolicies(openConfig));
  const hits: string[] = [];
  let redirectTo = '';
  // On every local address (IPv4 and IPv6): counts what reaches it; answers 302 when asked to.
  const trap = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    req.resume();
    if (req.url === '/redirect') res.writeHead(302, { location: redirectTo }).end();
    else res.end('ok');
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => trap.listen(0, '::', resolve));
    port = (trap.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await strict.onApplicationShutdown();
    await open.onApplicationShutdown();
    trap.closeAllConnections();
    await new Promise((resolve) => trap.close(resolve));
  });

  it('refuses every form of a loopback, private or metadata target when private targets are not allowed', async () => {
    const urls = [
      `http://127.0.0.1:${port}/hook`,
      `http://localhost:${port}/hook`,
      `http://[::1]:${port}/hook`,
      `http://0x7f000001:${port}/hook`,
      `http://2130706433:${port}/hook`,
      `http://[::ffff:127.0.0.1]:${port}/hook`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/hook',
    ];
    for (const url of urls) {
      const outcome = await strict.post(url, '{}', {}, 2_000);
      expect({ url, outcome }).toMatchObject({
        url,
        outcome: { kind: 'network', error: 'refused: private or local address' },
      });
    }
    expect(hits).toEqual([]);
  });

  it('never follows a redirect, and metadata stays refused with the opt-in', async () => {
    redirectTo = `http://127.0.0.1:${port}/secret`;
    const outcome = await open.post(`http://127.0.0.1:${port}/redirect`, '{}', {}, 2_000);
    expect(outcome).toMatchObject({ kind: 'response', status: 302 });
    expect(await open.post('http://169.254.169.254/', '{}', {}, 2_000)).toMatchObject({
      kind: 'network',
      error: 'refused: private or local address',
    });
    expect(hits).toEqual(['POST /redirect']);
  });
});
