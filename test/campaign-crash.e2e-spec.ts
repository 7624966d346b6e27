import { mkdtempSync, rmSync } from 'node:fs';
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
import { CampaignApi, receivedFrom } from './support/campaign-helpers';
import { ADMIN, eventually, MASTER_KEY } from './support/gateway-fixture';
import { createTestDatabase, type TestDatabase } from './support/test-database';

jest.setTimeout(180_000);

const ACCOUNT = '6281255500004';
const CONTACTS = 40;
const contact = (i: number) => `62812666${String(i).padStart(5, '0')}`;

describe('campaign crash safety: SIGKILL mid-campaign, restart', () => {
  const simulator = new WhatsAppSimulator({ qrRefCount: 6 });
  const media = mkdtempSync(join(tmpdir(), 'wagw-crash-media-'));
  let db: TestDatabase;
  let prisma: PrismaClient;
  let gateway: GatewayProcess;
  let restoreConsole: () => void = () => undefined;

  const login = async () =>
    (await request(gateway.url).post('/api/v1/auth/login').send(ADMIN).expect(200)).body.data
      .accessToken as string;

  beforeAll(async () => {
    restoreConsole = silenceLibsignalConsole();
    db = await createTestDatabase('wagw_campaign_crash');
    prisma = new PrismaClient({ adapter: new PrismaMariaDb(poolConfigFromUrl(db.url)) });
    const endpoints = await simulator.start();
    enableSandboxBaileys(simulator);
    for (let i = 0; i < CONTACTS; i++) simulator.createContact(contact(i));
    gateway = new GatewayProcess({
      NODE_ENV: 'development',
      DATABASE_URL: db.url,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      TOKEN_ENCRYPTION_KEY: '3c'.repeat(32),
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      MASTER_API_KEY: MASTER_KEY,
      MEDIA_PATH: media,
      // The same name after a restart, so the new process takes its own session lease back at once.
      INSTANCE_ID: 'crash-test-gateway',
      CAMPAIGN_TICK_MS: '200',
      // What WhatsApp does not confirm within 8 s of the session being back goes to review.
      OUTBOUND_SETTLE_SECONDS: '8',
      SANDBOX: 'true',
      SANDBOX_SIMULATOR_WS_URL: endpoints.webSocketUrl,
      SANDBOX_SIMULATOR_ROOT_KEY: simulator.rootPublicKey.toString('hex'),
      SANDBOX_SIMULATOR_CA: Buffer.from(simulator.tlsCertificate).toString('base64'),
    });
    await gateway.start();
  });
  afterAll(async () => {
    await gateway?.stop();
    await prisma?.$disconnect();
    disableSandboxBaileys();
    await simulator.stop().catch(() => undefined);
    await db?.drop();
    rmSync(media, { recursive: true, force: true });
    restoreConsole();
  });

  it('after SIGKILL and a restart, nobody received a message twice and every recipient is sent or explicitly marked', async () => {
    let token = await login();
    await request(gateway.url)
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: 'crash', name: 'Crash' })
      .expect(201);
    const qr = await eventually(async () => {
      const res = await request(gateway.url)
        .get('/api/v1/sessions/crash/qr')
        .set('authorization', `Bearer ${token}`);
      return res.status === 200 ? (res.body.data.qr as string) : null;
    });
    await simulator.linkDevice(qr, { phoneNumber: ACCOUNT });
    await eventually(
      async () =>
        (await prisma.whatsappSession.findUnique({ where: { id: 'crash' } }))?.status === 'connected',
      20_000,
    );

    const received = () =>
      Array.from({ length: CONTACTS }, (_, i) => receivedFrom(simulator, contact(i), ACCOUNT).length).reduce(
        (a, b) => a + b,
        0,
      );
    const apiOf = (t: string) => new CampaignApi({ getHttpServer: () => gateway.url } as never, t);
    const rows = [
      ['phone', 'name'],
      ...Array.from({ length: CONTACTS }, (_, i) => [`+${contact(i)}`, `Friend ${i}`]),
    ];
    const listId = await apiOf(token).list('Crash list', rows);
    const id = await apiOf(token).create({
      name: 'Crash',
      sessionId: 'crash',
      template: 'Hello {{name}}',
      listIds: [listId],
      minDelayMs: 60,
      maxDelayMs: 140,
    });
    await apiOf(token).action(id, 'start');

    // Kill it twice at moments that are not a send boundary (a random few ms after a message landed).
    for (const atLeast of [8, 20]) {
      await eventually(() => received() >= atLeast, 30_000, 5);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 60)));
      await gateway.kill();
      const inFlight = await prisma.campaignRecipient.count({ where: { campaignId: id, status: 'sending' } });
      console.log(`SIGKILL after ${received()} messages arrived; rows left 'sending': ${inFlight}`);
      await gateway.start();
      token = await login();
    }

    const done = await apiOf(token).until(id, (p) => p.status === 'completed', 60_000);
    const recipients = await prisma.campaignRecipient.findMany({
      where: { campaignId: id },
      orderBy: { id: 'asc' },
    });
    expect(recipients).toHaveLength(CONTACTS);
    let review = 0;
    let reviewArrived = 0;
    for (const r of recipients) {
      const got = receivedFrom(simulator, r.phone.slice(1), ACCOUNT);
      // Never twice.
      expect(got.length).toBeLessThanOrEqual(1);
      // Sent (with the id that arrived) or explicitly marked for review, nothing else.
      expect(['sent', 'delivered', 'read', 'review']).toContain(r.status);
      if (r.status === 'review') {
        review += 1;
        reviewArrived += got.length;
        expect(r.error).toMatch(/check the chat before resending/);
        // What reached WhatsApp is settled by its receipt: review is only for what never arrived.
        expect(got).toHaveLength(0);
      } else {
        expect(got).toHaveLength(1);
        expect(got[0].id).toBe(r.waMessageId);
      }
    }
    expect(done.counts.pending + done.counts.sending + done.counts.failed).toBe(0);
    console.log(
      `after two SIGKILLs: ${CONTACTS - review} sent once, ${review} marked for review (${reviewArrived} of them had arrived), 0 sent twice`,
    );
    const recovered = await prisma.activityLog.count({
      where: { action: 'campaign.recovered', targetId: String(id) },
    });
    expect(recovered).toBeGreaterThanOrEqual(review > 0 ? 1 : 0);
  });
  it('a send cut before it was recorded is settled by its receipt; one that never left goes to review after the bound', async () => {
    const campaign = await prisma.campaign.findFirstOrThrow({ where: { sessionId: 'crash' } });
    const [went, lost] = await prisma.campaignRecipient.findMany({
      where: { campaignId: campaign.id, status: { in: ['sent', 'delivered', 'read'] } },
      orderBy: { id: 'asc' },
      take: 2,
    });
    await gateway.kill();
    // `went` reached the contact, but as if the process died before recording it: 'sending', no message.
    await prisma.campaignRecipient.update({
      where: { id: went.id },
      data: { status: 'sending', sentAt: null, deliveredAt: null, readAt: null },
    });
    await prisma.message.deleteMany({ where: { sessionId: 'crash', waMessageId: went.waMessageId! } });
    // `lost` was claimed with a fresh id and the process died before the send left.
    await prisma.campaignRecipient.update({
      where: { id: lost.id },
      data: { status: 'sending', waMessageId: '3EB0NEVERLEFT0000001', sentAt: null },
    });
    // While no process holds the session, the contact reads `went`: WhatsApp keeps the receipt.
    simulator.sendReceipt(went.phone.slice(1), went.waMessageId!, 'read');
    const restarted = Date.now();
    await gateway.start();

    const status = async (id: number) =>
      (await prisma.campaignRecipient.findUniqueOrThrow({ where: { id } })).status;
    await eventually(async () => (await status(went.id)) === 'read', 20_000, 100);
    // Not settled before the bound (8 s after the session is connected again).
    expect(await status(lost.id)).toBe('sending');
    await eventually(async () => (await status(lost.id)) === 'review', 30_000, 200);
    expect(Date.now() - restarted).toBeGreaterThanOrEqual(8_000);
    const row = await prisma.campaignRecipient.findUniqueOrThrow({ where: { id: lost.id } });
    expect(row.error).toMatch(/check the chat before resending/);
    expect(receivedFrom(simulator, went.phone.slice(1), ACCOUNT)).toHaveLength(1);
    expect(receivedFrom(simulator, lost.phone.slice(1), ACCOUNT)).toHaveLength(1);
  });
});
