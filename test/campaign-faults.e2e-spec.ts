import type { NestExpressApplication } from '@nestjs/platform-express';
import { DomainEvents, type MessageStatusEvent } from '../src/common/domain-events';
import { PrismaService } from '../src/prisma/prisma.service';
import { CampaignApi, receivedFrom } from './support/campaign-helpers';
import { eventually, GatewayFixture, linkSession } from './support/gateway-fixture';

jest.setTimeout(120_000);

const ACCOUNT = '6281255500003';
const contact = (i: number) => `62812999${String(i).padStart(5, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('campaigns against WhatsApp trouble: disconnects, refusals, retries; check-scheduled', () => {
  const fixture = new GatewayFixture();
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let api: CampaignApi;
  let next = 0;
  const statusEvents: MessageStatusEvent[] = [];

  const freshList = async (n: number) => {
    const phones = Array.from({ length: n }, () => contact(next++));
    for (const p of phones) fixture.simulator.createContact(p);
    const id = await api.list(`List ${next}`, [
      ['phone', 'name'],
      ...phones.map((p, i) => [`+${p}`, `N${i}`]),
    ]);
    return { id, phones };
  };
  const received = (phones: string[]) =>
    phones.reduce((n, p) => n + receivedFrom(fixture.simulator, p, ACCOUNT).length, 0);
  const campaign = (id: number) => prisma.campaign.findUniqueOrThrow({ where: { id } });

  beforeAll(async () => {
    await fixture.start('wagw_campaign_faults');
    // The scheduler's own tick is far away, so only POST check-scheduled starts scheduled campaigns here.
    app = await fixture.startApp(
      fixture.config({
        CAMPAIGN_TICK_MS: '200',
        CAMPAIGN_SCHEDULE_CHECK_MS: '600000',
        CAMPAIGN_RETRY_DELAY_MS: '200',
      }),
    );
    prisma = app.get(PrismaService);
    app.get(DomainEvents).on('message.status', (e) => statusEvents.push(e));
    const { admin } = await linkSession(fixture, app, 'flt', ACCOUNT);
    api = new CampaignApi(app, admin);
  });
  afterAll(() => fixture.close());

  it('pauses when the session disconnects and resumes by itself when it is back; nobody gets a message twice', async () => {
    const { id: listId, phones } = await freshList(12);
    const id = await api.create({
      name: 'Drop',
      sessionId: 'flt',
      template: 'Hi {{name}}',
      listIds: [listId],
      minDelayMs: 200,
      maxDelayMs: 300,
    });
    await api.action(id, 'start');
    await eventually(() => received(phones) >= 3, 10_000, 20);
    const session = await prisma.whatsappSession.findUniqueOrThrow({ where: { id: 'flt' } });
    fixture.simulator.disconnect(
      { phoneNumber: ACCOUNT, deviceId: Number(/:(\d+)@/.exec(session.jid!)![1]) },
      428,
    );
    const paused = await eventually(
      async () => {
        const c = await campaign(id);
        return c.status === 'paused' ? c : null;
      },
      10_000,
      20,
    );
    expect(paused).toMatchObject({
      pausedBySystem: true,
      pauseCode: 'session_disconnected',
      pauseReason: expect.stringMatching(/Session flt is connecting/),
    });
    const atPause = received(phones);
    expect(atPause).toBeLessThan(12);

    await api.until(id, (p) => p.status === 'completed', 30_000);
    for (const phone of phones) expect(receivedFrom(fixture.simulator, phone, ACCOUNT)).toHaveLength(1);
    const p = await api.progress(id);
    expect(p.counts.failed + p.counts.review + p.counts.skipped).toBe(0);
    const actions = await prisma.activityLog.findMany({
      where: { targetType: 'campaign', targetId: String(id) },
      orderBy: { id: 'asc' },
    });
    expect(actions.map((a) => [a.action, a.actorLabel])).toEqual(
      expect.arrayContaining([
        ['campaign.paused', 'system'],
        ['campaign.resumed', 'system'],
        ['campaign.completed', 'system'],
      ]),
    );
  });

  it('pauses itself when WhatsApp refuses sends with 463, says why, and stays paused until resumed', async () => {
    const { id: listId, phones } = await freshList(5);
    let refused = 0;
    const id = await api.create({
      name: 'Refused',
      sessionId: 'flt',
      template: 'Hi {{name}}',
      listIds: [listId],
      minDelayMs: 300,
      maxDelayMs: 300,
    });
    fixture.simulator.faults.refuseSends(463);
    try {
      await api.action(id, 'start');
      const paused = await api.until(id, (p) => p.status === 'paused', 10_000);
      const c = await campaign(id);
      expect(c).toMatchObject({ pausedBySystem: true, pauseCode: 'whatsapp_refused' });
      const failed = await prisma.campaignRecipient.findMany({ where: { campaignId: id, status: 'failed' } });
      // The first refusal pauses it (a second send may have left before the refusal came back).
      expect(failed.length).toBeGreaterThanOrEqual(1);
      refused = failed.length;
      // The reason names WhatsApp's code, as the gateway's message store reported it with the failure.
      const reported = statusEvents.find(
        (e) => e.waMessageId === failed[0].waMessageId && e.status === 'failed',
      );
      expect(reported?.errorCode).toBe(463);
      expect(paused.pauseReason).toMatch(
        /WhatsApp refused a message with error 463 \(reach-out to new contacts restricted\)/,
      );
      expect(failed[0].error).toBe('WhatsApp refused the message (error 463)');
    } finally {
      fixture.simulator.faults.clear();
    }
    // Unlike a session pause, nothing lifts it by itself.
    await sleep(1500);
    expect((await campaign(id)).status).toBe('paused');
    expect((await api.progress(id)).counts.pending).toBe(5 - refused);

    // A bare POST, as with curl: no body needed.
    await api.http('post', `/api/v1/campaigns/${id}/resume`).expect(200);
    await api.until(id, (p) => p.status === 'completed' && p.counts.delivered === 5 - refused, 15_000);
    // The refused recipient is retried on request, and then gets its message.
    const retried = await api.action(id, 'retry');
    expect(retried.data).toMatchObject({ retried: refused, status: 'running' });
    await api.until(id, (p) => p.status === 'completed' && p.counts.delivered === 5, 15_000);
    const rows = await prisma.campaignRecipient.findMany({
      where: { campaignId: id },
      orderBy: { id: 'asc' },
    });
    expect(rows.every((r) => r.status === 'delivered')).toBe(true);
    // Refused messages never reached the phones: everyone has exactly the one that was delivered.
    for (const phone of phones) expect(receivedFrom(fixture.simulator, phone, ACCOUNT)).toHaveLength(1);
    await api.http('post', `/api/v1/campaigns/${id}/retry`).send({}).expect(409);
  });

  it('POST /check-scheduled starts due campaigns at once', async () => {
    const { id: listId, phones } = await freshList(1);
    const id = await api.create({
      name: 'Due',
      sessionId: 'flt',
      template: 'Due now',
      listIds: [listId],
      minDelayMs: 0,
      maxDelayMs: 0,
    });
    const early = await api.action(id, 'schedule', {
      scheduledAt: new Date(Date.now() + 1000).toISOString(),
    });
    expect(early.data.status).toBe('scheduled');
    const before = (await api.http('post', '/api/v1/campaigns/check-scheduled').expect(200)).body.data;
    expect(before.started).toEqual([]);
    await sleep(1200);
    expect((await campaign(id)).status).toBe('scheduled');
    const res = (await api.http('post', '/api/v1/campaigns/check-scheduled').expect(200)).body.data;
    expect(res.started).toEqual([id]);
    await api.until(id, (p) => p.status === 'completed');
    expect(received(phones)).toBe(1);
  });
});
