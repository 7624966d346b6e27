import request from 'supertest';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { PrismaClient } from '../src/generated/prisma/client';
import { poolConfigFromUrl } from '../src/prisma/database-url';
import { disableSandboxBaileys, enableSandboxBaileys } from '../src/sandbox/baileys-sandbox-switch';
import { messageText } from '../src/sandbox/simulator/message-log';
import { WhatsAppSimulator } from '../src/sandbox/simulator/whatsapp-simulator';
import { silenceLibsignalConsole } from './support/baileys-test-client';
import { freePort, GatewayProcess } from './support/gateway-process';
import { ADMIN, eventually, MASTER_KEY } from './support/gateway-fixture';
import { createTestDatabase, type TestDatabase } from './support/test-database';

jest.setTimeout(240_000);

const ACCOUNT = '6281255500071';
const CONTACT = '6281266600071';
const SENDS = 40;

/**
 * No unknowns after a crash: process A (a real gateway process) holds the session and is SIGKILLed
 * while it drains a queue of sends; process B takes the session over once A's lease runs out and
 * settles what A left: the send A had in flight by WhatsApp's receipt for its fixed id, the rest sent
 * by B. Nobody gets a message twice; every row ends sent (or, when nothing could settle it, failed
 * as unknown_after_crash, and then never delivered twice either).
 */
describe('outbound queue: SIGKILL of the holder mid-queue', () => {
  const simulator = new WhatsAppSimulator({ qrRefCount: 6 });
  let db: TestDatabase;
  let prisma: PrismaClient;
  const gateways: GatewayProcess[] = [];
  let restoreConsole: () => void = () => undefined;

  const gatewayNamed = async (name: string, endpoints: { webSocketUrl: string }) =>
    new GatewayProcess({
      NODE_ENV: 'development',
      DATABASE_URL: db.url,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      TOKEN_ENCRYPTION_KEY: '3c'.repeat(32),
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      MASTER_API_KEY: MASTER_KEY,
      INSTANCE_ID: name,
      SESSION_LEASE_SECONDS: '5',
      OUTBOUND_SETTLE_SECONDS: '5',
      SANDBOX: 'true',
      SANDBOX_SIMULATOR_WS_URL: endpoints.webSocketUrl,
      SANDBOX_SIMULATOR_ROOT_KEY: simulator.rootPublicKey.toString('hex'),
      SANDBOX_SIMULATOR_CA: Buffer.from(simulator.tlsCertificate).toString('base64'),
    });

  beforeAll(async () => {
    restoreConsole = silenceLibsignalConsole();
    db = await createTestDatabase('wagw_outbound_crash');
    prisma = new PrismaClient({ adapter: new PrismaMariaDb(poolConfigFromUrl(db.url)) });
    const endpoints = await simulator.start();
    enableSandboxBaileys(simulator);
    simulator.createContact(CONTACT);
    gateways.push(await gatewayNamed('crash-a', endpoints), await gatewayNamed('crash-b', endpoints));
  });
  afterAll(async () => {
    for (const gateway of gateways) await gateway.stop();
    await prisma?.$disconnect();
    disableSandboxBaileys();
    await simulator.stop().catch(() => undefined);
    await db?.drop();
    restoreConsole();
  });

  it('every accepted send is sent once or explicitly failed, none twice', async () => {
    const [a, b] = gateways;
    await a.start();
    const admin = (await request(a.url).post('/api/v1/auth/login').send(ADMIN).expect(200)).body.data
      .accessToken as string;
    const created = await request(a.url)
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: 'crash', name: 'Crash' })
      .expect(201);
    const token = created.body.data.token as string;
    const qr = await eventually(async () => {
      const res = await request(a.url)
        .get('/api/v1/sessions/crash/qr')
        .set('authorization', `Bearer ${admin}`);
      return res.status === 200 ? (res.body.data.qr as string) : null;
    });
    await simulator.linkDevice(qr, { phoneNumber: ACCOUNT });
    await eventually(
      async () =>
        (await prisma.whatsappSession.findUnique({ where: { id: 'crash' } }))?.status === 'connected',
      20_000,
    );
    // B runs beside A from now on: it accepts sends too, and takes the session over when A dies.
    await b.start();

    const texts = Array.from({ length: SENDS }, (_, i) => `queued ${i}`);
    const ids: string[] = [];
    for (const [i, text] of texts.entries()) {
      const via = i % 2 === 0 ? a : b;
      const res = await request(via.url)
        .post('/api/v1/sessions/crash/messages/text')
        .set('authorization', `Bearer ${token}`)
        .send({ to: CONTACT, text })
        .expect(201);
      ids.push(res.body.data.messageId as string);
    }
    const received = () => simulator.receivedMessages(CONTACT).filter((m) => m.fromPhoneNumber === ACCOUNT);
    // Killed while the queue drains, a random few ms after a message landed.
    await eventually(() => received().length >= 10, 30_000, 5);
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
    await a.kill();
    const left = await prisma.outboundMessage.groupBy({ by: ['status'], _count: { _all: true } });
    console.log(
      `SIGKILL after ${received().length} of ${SENDS} arrived; rows: ${left.map((g) => `${g.status} ${g._count._all}`).join(', ')}`,
    );

    // B takes the session over after A's lease (5 s) and settles everything.
    await eventually(
      async () =>
        (await prisma.outboundMessage.count({ where: { status: { in: ['queued', 'sending'] } } })) === 0,
      90_000,
      250,
    );
    const rows = await prisma.outboundMessage.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.waMessageId)).toEqual(ids);
    const got = received();
    for (const row of rows) {
      const copies = got.filter((m) => m.id === row.waMessageId);
      expect(copies.length).toBeLessThanOrEqual(1);
      if (row.status === 'sent') expect(copies).toHaveLength(1);
      else
        expect(row).toMatchObject({
          status: 'failed',
          lastError: expect.stringMatching(/^unknown_after_crash/),
        });
    }
    // At most the one send A had in flight can be unknown.
    expect(rows.filter((r) => r.status === 'failed').length).toBeLessThanOrEqual(1);
    // In order: the contact got them in the order they were accepted.
    const order = got.map((m) => messageText(m.message));
    expect(order).toEqual(texts.filter((t) => order.includes(t)));
    expect((await prisma.whatsappSession.findUnique({ where: { id: 'crash' } }))?.leaseOwner).toBe('crash-b');
  });
});
