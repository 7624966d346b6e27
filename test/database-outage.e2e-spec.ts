import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { PrismaClient } from '../src/generated/prisma/client';
import { poolConfigFromUrl } from '../src/prisma/database-url';
import { disableSandboxBaileys, enableSandboxBaileys } from '../src/sandbox/baileys-sandbox-switch';
import { WhatsAppSimulator } from '../src/sandbox/simulator/whatsapp-simulator';
import { silenceLibsignalConsole } from './support/baileys-test-client';
import { freePort, GatewayProcess } from './support/gateway-process';
import { ADMIN, eventually, MASTER_KEY } from './support/gateway-fixture';
import { createTestDatabase, TEST_SERVER_URL, type TestDatabase } from './support/test-database';
import { WebhookReceiver } from './support/webhook-receiver';

/** The outage: 60 s (OUTAGE_SECONDS shortens it for a local run; CI runs the 60). */
const OUTAGE_MS = Number(process.env.OUTAGE_SECONDS ?? 60) * 1000;
const RATE_PER_SECOND = 100;
const SESSIONS = 4;

jest.setTimeout(OUTAGE_MS + 180_000); // per test

const phone = (s: number) => `62815000000${s}`;
const contact = (s: number) => `62816000000${s}`;
const sessionId = (s: number) => `outage-${s}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A TCP proxy in front of MariaDB. `cut` closes the listener and every connection (the gateway's
 * connects are refused, as when the database host is down); `restore` listens on the same port again.
 */
class DatabaseProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  async listen(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.target.port || 3306), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  restore(): Promise<void> {
    return this.listen();
  }
}

describe('a database outage (real MariaDB behind a TCP proxy that is cut)', () => {
  const simulator = new WhatsAppSimulator({ qrRefCount: 6 });
  const receiver = new WebhookReceiver();
  const proxy = new DatabaseProxy(new URL(TEST_SERVER_URL));
  const journal = mkdtempSync(join(tmpdir(), 'wagw-journal-'));
  const media = mkdtempSync(join(tmpdir(), 'wagw-outage-media-'));
  /** Every message each session's contact sent, in order. */
  const sent: string[][] = Array.from({ length: SESSIONS }, () => []);
  let db: TestDatabase;
  let prisma: PrismaClient;
  let gateway: GatewayProcess;
  let restoreConsole: () => void = () => undefined;

  const token = async () =>
    (await request(gateway.url).post('/api/v1/auth/login').send(ADMIN).expect(200)).body.data
      .accessToken as string;

  /** Each contact sends to its session, in order, together RATE_PER_SECOND, until `stop` says so. */
  async function sendFlood(stop: () => boolean): Promise<void> {
    const every = (1000 * SESSIONS) / RATE_PER_SECOND;
    await Promise.all(
      Array.from({ length: SESSIONS }, async (_, s) => {
        const start = Date.now();
        for (let n = 0; !stop(); n++) {
          sent[s].push(
            await simulator.sendMessage(contact(s), phone(s), { text: `s${s} #${sent[s].length}` }),
          );
          const due = start + (n + 1) * every;
          if (due > Date.now()) await sleep(due - Date.now());
        }
      }),
    );
  }

  /** Every message is stored once, in the order sent per session, and posted to the webhook once. */
  async function expectAllStoredAndWebhookedOnce(withinMs: number): Promise<void> {
    const all = sent.flat();
    const progress = async () => ({
      sent: all.length,
      stored: await prisma.message.count({ where: { direction: 'inbound' } }),
      hooks: receiver.hooks.length,
      gateway: gateway.output.slice(-3000),
    });
    await eventually(
      async () => {
        const stored = await prisma.message.count({ where: { direction: 'inbound' } });
        const hooked = new Set(
          receiver.hooks.filter((h) => h.body.event === 'message.inbound').map((h) => h.body.messageId),
        );
        return stored === all.length && all.every((id) => hooked.has(id));
      },
      withinMs,
      250,
    ).catch(async (error: unknown) => {
      throw new Error(`${String(error)}: ${JSON.stringify(await progress())}`);
    });
    for (let s = 0; s < SESSIONS; s++) {
      const rows = await prisma.message.findMany({
        where: { sessionId: sessionId(s), direction: 'inbound' },
        orderBy: { id: 'asc' },
        select: { waMessageId: true },
      });
      expect(rows.map((r) => r.waMessageId)).toEqual(sent[s]);
    }
    const posts = new Map<unknown, number>();
    for (const hook of receiver.hooks.filter((h) => h.body.event === 'message.inbound'))
      posts.set(hook.body.messageId, (posts.get(hook.body.messageId) ?? 0) + 1);
    expect([...posts.values()].filter((n) => n !== 1)).toEqual([]);
    expect(posts.size).toBe(all.length);
    // And the dispatcher recorded each delivery (a cut while it records would make it post again).
    await eventually(
      async () => (await prisma.webhookOutbox.count({ where: { status: { not: 'delivered' } } })) === 0,
      10_000,
    );
  }

  async function healthDownWithin(ms: number): Promise<number> {
    const started = Date.now();
    await eventually(
      async () => {
        const res = await request(gateway.url).get('/health').timeout(ms);
        return res.status === 503 && res.body.data.status === 'down';
      },
      ms,
      50,
    );
    return Date.now() - started;
  }

  beforeAll(async () => {
    restoreConsole = silenceLibsignalConsole();
    db = await createTestDatabase('wagw_db_outage');
    prisma = new PrismaClient({ adapter: new PrismaMariaDb(poolConfigFromUrl(db.url)) });
    await receiver.start();
    await proxy.listen();
    const endpoints = await simulator.start();
    enableSandboxBaileys(simulator);
    const url = new URL(db.url);
    url.port = String(proxy.port);
    url.searchParams.set('pool_timeout', '2');
    url.searchParams.set('connect_timeout', '2');
    gateway = new GatewayProcess({
      NODE_ENV: 'development',
      DATABASE_URL: url.toString(),
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      TOKEN_ENCRYPTION_KEY: '5d'.repeat(32),
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      MASTER_API_KEY: MASTER_KEY,
      MEDIA_PATH: media,
      JOURNAL_DIR: journal,
      WEBHOOK_URL: receiver.url,
      WEBHOOK_RETRY_DELAY: '200',
      WEBHOOK_MAX_RETRIES: '20',
      QR_TIMEOUT_SECONDS: '4',
      // The same name after a restart, so the new process takes its own leases back at once.
      INSTANCE_ID: 'outage-test-gateway',
      SANDBOX: 'true',
      SANDBOX_SIMULATOR_WS_URL: endpoints.webSocketUrl,
      SANDBOX_SIMULATOR_ROOT_KEY: simulator.rootPublicKey.toString('hex'),
      SANDBOX_SIMULATOR_CA: Buffer.from(simulator.tlsCertificate).toString('base64'),
    });
    await gateway.start();

    const admin = await token();
    for (let s = 0; s < SESSIONS; s++) {
      simulator.createContact(contact(s));
      await request(gateway.url)
        .post('/api/v1/sessions')
        .set('x-master-key', MASTER_KEY)
        .send({ id: sessionId(s), name: `Outage ${s}` })
        .expect(201);
      const qr = await eventually(async () => {
        const res = await request(gateway.url)
          .get(`/api/v1/sessions/${sessionId(s)}/qr`)
          .set('authorization', `Bearer ${admin}`);
        return res.status === 200 ? (res.body.data.qr as string) : null;
      });
      await simulator.linkDevice(qr, { phoneNumber: phone(s) });
      await eventually(async () => {
        const res = await request(gateway.url)
          .get(`/api/v1/sessions/${sessionId(s)}`)
          .set('authorization', `Bearer ${admin}`);
        if (res.body.data?.status !== 'connected') return false;
        // `connected` is shown only once the phone number is stored with it.
        const row = await prisma.whatsappSession.findUnique({ where: { id: sessionId(s) } });
        expect(row).toMatchObject({ status: 'connected', phoneNumber: phone(s) });
        return true;
      }, 30_000);
      // A first message opens the contact's Signal session before the outage.
      sent[s].push(await simulator.sendMessage(contact(s), phone(s), { text: `s${s} hello` }));
    }
    await expectAllStoredAndWebhookedOnce(20_000);
  });

  afterAll(async () => {
    await gateway?.stop();
    await proxy.cut();
    await receiver.stop();
    await prisma?.$disconnect();
    disableSandboxBaileys();
    await simulator.stop().catch(() => undefined);
    await db?.drop();
    rmSync(journal, { recursive: true, force: true });
    rmSync(media, { recursive: true, force: true });
    restoreConsole();
  });

  it(`a ${OUTAGE_MS / 1000} s cut at ${RATE_PER_SECOND} msg/s with a QR timing out: the process lives, and within 30 s every message is stored and webhooked once, in order`, async () => {
    // A session waiting for its QR, which times out during the cut (its stop is written afterwards).
    await request(gateway.url)
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: 'waits-for-qr', name: 'Never scanned' })
      .expect(201);
    await eventually(
      async () =>
        (await prisma.whatsappSession.findUnique({ where: { id: 'waits-for-qr' } }))?.status === 'qr_pending',
    );

    const cutAt = Date.now();
    const flood = sendFlood(() => Date.now() - cutAt >= OUTAGE_MS);
    await proxy.cut();
    expect(await healthDownWithin(2_500)).toBeLessThan(2_500);
    await flood;
    const during = sent.flat().length - SESSIONS;
    expect(during).toBeGreaterThan((RATE_PER_SECOND * OUTAGE_MS) / 1000 / 2);
    expect(gateway.alive).toBe(true);
    // Nothing reached the database during the cut (read straight from MariaDB, not through the proxy).
    expect(await prisma.message.count({ where: { direction: 'inbound' } })).toBe(SESSIONS);
    await proxy.restore();
    const restoredAt = Date.now();

    await expectAllStoredAndWebhookedOnce(30_000);
    const drainedInMs = Date.now() - restoredAt;
    console.log(
      `${during} messages sent during the cut; stored and webhooked ${drainedInMs} ms after the restore`,
    );
    expect(gateway.alive).toBe(true);

    const admin = await token();
    const details = await request(gateway.url)
      .get('/api/v1/health/details')
      .set('authorization', `Bearer ${admin}`)
      .expect(200);
    expect(details.body.data.process).toEqual({ unhandledRejections: 0 });
    expect(details.body.data.capture).toEqual({ journaling: false, inMemory: 0 });
    await eventually(async () => {
      const row = await prisma.whatsappSession.findUnique({ where: { id: 'waits-for-qr' } });
      return row?.status === 'disconnected' && row.leaseOwner === null && !row.shouldConnect;
    }, 15_000);
    expect(
      await prisma.whatsappSession.findUnique({
        where: { id: 'waits-for-qr' },
        select: { lastDisconnectReason: true },
      }),
    ).toEqual({ lastDisconnectReason: 'QR code was not scanned in time' });
    expect((await request(gateway.url).get('/health').expect(200)).body.data).toEqual({
      status: 'ok',
    });
  });

  it(`SIGKILL at the end of a ${OUTAGE_MS / 1000} s cut at ${RATE_PER_SECOND} msg/s, restart after it: every message WhatsApp delivered is replayed from the journal, once`, async () => {
    const cutAt = Date.now();
    await proxy.cut();
    await sendFlood(() => Date.now() - cutAt >= OUTAGE_MS);
    // Baileys acknowledges before the gateway sees a message; a moment for the last ones to be journaled.
    await sleep(1_000);
    await gateway.kill();
    await proxy.restore();
    const restartedAt = Date.now();
    await gateway.start();
    await expectAllStoredAndWebhookedOnce(30_000);
    console.log(
      `after SIGKILL: all stored and webhooked ${Date.now() - restartedAt} ms after the restart began`,
    );
  });

  /** Every session is connected in the gateway (its live status, not the row a killed process left). */
  async function allConnected(): Promise<void> {
    const admin = await token();
    await eventually(async () => {
      for (let s = 0; s < SESSIONS; s++) {
        const res = await request(gateway.url)
          .get(`/api/v1/sessions/${sessionId(s)}`)
          .set('authorization', `Bearer ${admin}`);
        if (res.body.data?.status !== 'connected') return false;
      }
      return true;
    }, 30_000);
  }

  it('SIGTERM during a cut exits within 5 s, leaving what is not stored in the journal; a clean stop marks sessions disconnected but wanted', async () => {
    await allConnected();
    // A contact's Signal session is read from the database at its first message after a start (then
    // kept in memory): one message each while the database answers.
    for (let s = 0; s < SESSIONS; s++)
      sent[s].push(await simulator.sendMessage(contact(s), phone(s), { text: `s${s} after restart` }));
    await expectAllStoredAndWebhookedOnce(20_000);
    const cutAt = Date.now();
    await proxy.cut();
    await sendFlood(() => Date.now() - cutAt >= 3_000);
    await sleep(1_000);
    const tookMs = await gateway.stop();
    console.log(`SIGTERM during the cut: exited after ${tookMs} ms`);
    expect(tookMs).toBeLessThan(5_000);
    // By its own hooks, not by the process's last-resort deadline.
    expect(gateway.output).not.toMatch(/Shutdown did not finish/);
    await proxy.restore();
    await gateway.start();
    await expectAllStoredAndWebhookedOnce(30_000);

    // A clean stop with the database up: no row keeps saying `connected`, and all stay wanted.
    await allConnected();
    expect(await gateway.stop()).toBeLessThan(5_000);
    const rows = await prisma.whatsappSession.findMany({
      where: { id: { in: Array.from({ length: SESSIONS }, (_, s) => sessionId(s)) } },
    });
    for (const row of rows)
      expect(row).toMatchObject({
        status: 'disconnected',
        lastDisconnectReason: 'gateway stopped',
        shouldConnect: true,
        leaseOwner: null,
      });
  });
});
