import { hostname } from 'node:os';
import request from 'supertest';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { PrismaClient } from '../src/generated/prisma/client';
import { poolConfigFromUrl } from '../src/prisma/database-url';
import { disableSandboxBaileys, enableSandboxBaileys } from '../src/sandbox/baileys-sandbox-switch';
import { WhatsAppSimulator } from '../src/sandbox/simulator/whatsapp-simulator';
import { silenceLibsignalConsole } from './support/baileys-test-client';
import { freePort, GatewayProcess } from './support/gateway-process';
import { ADMIN, eventually, MASTER_KEY } from './support/gateway-fixture';
import { createTestDatabase, type TestDatabase } from './support/test-database';

jest.setTimeout(300_000);

/** Sessions shared by the two processes (CLUSTER_SESSIONS to change it). */
const N = Number(process.env.CLUSTER_SESSIONS ?? 40);
/** Long enough that "well before the lease" is plain on a loaded machine. */
const LEASE_SECONDS = 60;
const CONTACT = '6281277700000';
const phoneOf = (i: number) => String(6281277710000 + i);
const ids = Array.from({ length: N }, (_, i) => `bal-${String(i).padStart(2, '0')}`);

/**
 * Balanced sessions and fast restarts (issue 20) with real gateway processes (no INSTANCE_ID: each is
 * host-pid) on one database and the simulator: a process SIGKILLed and restarted on the same host
 * takes its sessions back at once (its old pid is gone), a second process gets half of them handed
 * over with the saved credentials (no new QR), and when it is SIGKILLed while a contact sends, the
 * first one holds them again within the lease plus 10 s, every inbound message stored once and every
 * accepted outbound message received once by the contact.
 */
describe('cluster: balanced sessions, fast restart, takeover', () => {
  const simulator = new WhatsAppSimulator({ qrRefCount: 6 });
  let db: TestDatabase;
  let prisma: PrismaClient;
  let a: GatewayProcess;
  let b: GatewayProcess;
  const tokens = new Map<string, string>();
  let restoreConsole: () => void = () => undefined;

  const gateway = async (endpoints: { webSocketUrl: string }) =>
    new GatewayProcess({
      NODE_ENV: 'development',
      DATABASE_URL: db.url,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      TOKEN_ENCRYPTION_KEY: '4d'.repeat(32),
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      MASTER_API_KEY: MASTER_KEY,
      MAX_SESSIONS: String(N + 10),
      SESSION_LEASE_SECONDS: String(LEASE_SECONDS),
      SESSION_BALANCE_MIN_HOLD_SECONDS: '2',
      MEDIA_DOWNLOAD: 'false',
      SANDBOX: 'true',
      SANDBOX_SIMULATOR_WS_URL: endpoints.webSocketUrl,
      SANDBOX_SIMULATOR_ROOT_KEY: simulator.rootPublicKey.toString('hex'),
      SANDBOX_SIMULATOR_CA: Buffer.from(simulator.tlsCertificate).toString('base64'),
    });
  const owner = (process: GatewayProcess) => `${hostname()}-${process.pid}`;
  const rows = () =>
    prisma.whatsappSession.findMany({
      where: { id: { in: ids } },
      select: { id: true, status: true, leaseOwner: true },
    });
  /** One linked device per account: no session was linked again (no new QR). */
  const oneDeviceEach = () => ids.forEach((_, i) => expect(simulator.devices(phoneOf(i))).toHaveLength(1));

  beforeAll(async () => {
    restoreConsole = silenceLibsignalConsole();
    db = await createTestDatabase('wagw_cluster_balance');
    prisma = new PrismaClient({ adapter: new PrismaMariaDb(poolConfigFromUrl(db.url)) });
    const endpoints = await simulator.start();
    enableSandboxBaileys(simulator);
    simulator.createContact(CONTACT);
    a = await gateway(endpoints);
    b = await gateway(endpoints);
    await a.start();
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await prisma?.$disconnect();
    disableSandboxBaileys();
    await simulator.stop().catch(() => undefined);
    await db?.drop();
    restoreConsole();
  });

  it(`links ${N} sessions on one process`, async () => {
    for (const id of ids) {
      const res = await request(a.url)
        .post('/api/v1/sessions')
        .set('x-master-key', MASTER_KEY)
        .send({ id, name: id })
        .expect(201);
      tokens.set(id, res.body.data.token as string);
    }
    // Each phone scans its session's QR (read from the row, as any process serves it).
    const linked = new Set<string>();
    await eventually(
      async () => {
        for (const row of await prisma.whatsappSession.findMany({ where: { status: 'qr_pending' } })) {
          if (linked.has(row.id) || !row.qr) continue;
          linked.add(row.id);
          // A QR that turned over meanwhile is refused: the next one is scanned.
          await simulator
            .linkDevice(row.qr, { phoneNumber: phoneOf(ids.indexOf(row.id)) })
            .catch(() => linked.delete(row.id));
        }
        return (await rows()).every((r) => r.status === 'connected' && r.leaseOwner === owner(a));
      },
      120_000,
      200,
    );
    oneDeviceEach();
  });

  it('a process SIGKILLed and restarted on the same host takes its sessions back well before its lease ends', async () => {
    const before = owner(a);
    await a.kill();
    const killedAt = Date.now();
    await a.start();
    const after = owner(a);
    expect(after).not.toBe(before);
    await eventually(
      async () => (await rows()).every((r) => r.status === 'connected' && r.leaseOwner === after),
      LEASE_SECONDS * 1000,
      200,
    );
    const seconds = (Date.now() - killedAt) / 1000;
    console.log(`restart: all ${N} back on the restarted process ${seconds.toFixed(1)} s after SIGKILL`);
    expect(seconds).toBeLessThan(LEASE_SECONDS * 0.75);
    oneDeviceEach();
  });

  it('a second process gets its fair share handed over, with the saved credentials (no QR)', async () => {
    await b.start();
    const started = Date.now();
    let seenQr = false;
    await eventually(
      async () => {
        const now = await rows();
        seenQr ||= now.some((r) => r.status === 'qr_pending');
        const onA = now.filter((r) => r.leaseOwner === owner(a)).length;
        const onB = now.filter((r) => r.leaseOwner === owner(b)).length;
        return now.every((r) => r.status === 'connected') && onA + onB === N && Math.abs(onA - onB) <= 1;
      },
      120_000,
      200,
    );
    console.log(
      `balance: ${N} spread over two processes ${((Date.now() - started) / 1000).toFixed(1)} s after B answered`,
    );
    expect(seenQr).toBe(false);
    oneDeviceEach();
  });

  it('SIGKILL of B while a contact sends: A holds its sessions within the lease plus 10 s; every message once', async () => {
    const onB = (await rows()).filter((r) => r.leaseOwner === owner(b)).map((r) => r.id);
    const onA = ids.filter((id) => !onB.includes(id));
    expect(onB.length).toBeGreaterThan(0);
    const inbound: string[] = [];
    const outbound: string[] = [];
    const send = async (id: string, label: string) => {
      inbound.push(
        await simulator.sendMessage(CONTACT, phoneOf(ids.indexOf(id)), { text: `${label} to ${id}` }),
      );
    };
    const accept = async (id: string, label: string) => {
      const res = await request(a.url)
        .post(`/api/v1/sessions/${id}/messages/text`)
        .set('authorization', `Bearer ${tokens.get(id)}`)
        .send({ to: CONTACT, text: `${label} from ${id}` })
        .expect(201);
      outbound.push(res.body.data.messageId as string);
    };
    const stored = async (list: string[]) =>
      (await prisma.message.count({ where: { direction: 'inbound', waMessageId: { in: list } } })) ===
      list.length;

    // Before: every session gets a message and sends one.
    for (const id of ids) await send(id, 'before');
    for (const id of ids) await accept(id, 'before');
    // B has stored what was sent to it (the simulator does not redeliver a message a dead device never acked).
    await eventually(() => stored([...inbound]), 60_000, 100);
    // ...and sent what it was given (a send in flight at a SIGKILL is outbound-crash.e2e-spec.ts's case).
    await eventually(
      async () => (await prisma.outboundMessage.count({ where: { status: 'sent' } })) === outbound.length,
      60_000,
      100,
    );

    // The contact keeps writing to A's sessions (about 50 messages a second) while B dies, and to
    // B's sessions right after.
    let flooding = true;
    const roundMs = (onA.length / 50) * 1000;
    const floodStart = Date.now();
    const flood = (async () => {
      for (let round = 0; flooding; round++) {
        for (const id of onA) await send(id, `during ${round}`);
        const next = floodStart + (round + 1) * roundMs - Date.now();
        if (next > 0) await new Promise((r) => setTimeout(r, next));
      }
    })();
    await eventually(() => inbound.length >= N + onA.length * 2, 30_000, 10);
    await b.kill();
    const killedAt = Date.now();
    // The simulator keeps a message for a device only while it is offline (it does not redeliver one
    // written to a connection that died before the device acked it, as WhatsApp's server would), so
    // the contact writes to B's sessions once the simulator has seen B's connections close.
    await eventually(
      () => onB.every((id) => simulator.devices(phoneOf(ids.indexOf(id))).every((d) => !d.online)),
      10_000,
      20,
    );
    for (const id of onB) await send(id, 'after kill');
    for (const id of onB) await accept(id, 'after kill');
    await eventually(
      async () => (await rows()).every((r) => r.status === 'connected' && r.leaseOwner === owner(a)),
      (LEASE_SECONDS + 10) * 1000,
      200,
    );
    const takeover = (Date.now() - killedAt) / 1000;
    flooding = false;
    await flood;
    console.log(
      `takeover: B's ${onB.length} held by A ${takeover.toFixed(1)} s after SIGKILL (lease ${LEASE_SECONDS} s)`,
    );
    expect(takeover).toBeLessThan(LEASE_SECONDS + 10);

    // Every inbound message stored once; every accepted send received once by the contact.
    await eventually(() => stored(inbound), 60_000, 200);
    const counts = await prisma.message.groupBy({
      by: ['waMessageId'],
      where: { direction: 'inbound', waMessageId: { in: inbound } },
      _count: { _all: true },
    });
    expect(counts).toHaveLength(new Set(inbound).size);
    expect(counts.every((c) => c._count._all === 1)).toBe(true);
    await eventually(
      async () =>
        (await prisma.outboundMessage.count({ where: { status: { in: ['queued', 'sending'] } } })) === 0,
      60_000,
      200,
    );
    const received = simulator.receivedMessages(CONTACT);
    for (const id of outbound) expect(received.filter((m) => m.id === id)).toHaveLength(1);
    expect(await prisma.outboundMessage.count({ where: { status: 'sent' } })).toBe(outbound.length);
    console.log(`messages: ${inbound.length} inbound stored once, ${outbound.length} outbound received once`);
    oneDeviceEach();
  });
});
