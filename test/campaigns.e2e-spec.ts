import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DomainEvents, type CampaignProgressEvent } from '../src/common/domain-events';
import { PrismaService } from '../src/prisma/prisma.service';
import { CampaignApi, receivedFrom, testPng } from './support/campaign-helpers';
import { eventually, GatewayFixture, linkSession } from './support/gateway-fixture';

jest.setTimeout(120_000);

const ACCOUNT = '6281255500001';
const contact = (i: number) => `62812777${String(i).padStart(5, '0')}`;
const NOT_ON_WHATSAPP = '6281299999999';
const CONTACTS = 50;

describe('campaigns: templates, media, lists, delivery (real Baileys against the simulator)', () => {
  const fixture = new GatewayFixture();
  const media = mkdtempSync(join(tmpdir(), 'wagw-campaign-media-'));
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let api: CampaignApi;
  const progressEvents: CampaignProgressEvent[] = [];

  beforeAll(async () => {
    await fixture.start('wagw_campaigns');
    for (let i = 0; i < CONTACTS; i++)
      fixture.simulator.createContact(contact(i), { pushName: `Contact ${i}` });
    app = await fixture.startApp(
      fixture.config({ MEDIA_PATH: media, CAMPAIGN_TICK_MS: '200', CAMPAIGN_RETRY_DELAY_MS: '200' }),
    );
    prisma = app.get(PrismaService);
    app.get(DomainEvents).on('campaign.progress', (e) => progressEvents.push(e));
    const { admin } = await linkSession(fixture, app, 'camp', ACCOUNT);
    api = new CampaignApi(app, admin);
  });
  afterAll(async () => {
    await fixture.close();
    rmSync(media, { recursive: true, force: true });
  });

  it(`sends ${CONTACTS} contacts their own text and the image, once each; statuses end delivered, then read`, async () => {
    const rows = [
      ['phone', 'name', 'city', 'code'],
      ...Array.from({ length: CONTACTS }, (_, i) => [
        `+${contact(i)}`,
        `Name ${i}`,
        `City ${i % 7}`,
        `C-${i * 13}`,
      ]),
    ];
    rows.push([`+${NOT_ON_WHATSAPP}`, 'Nobody', 'Nowhere', 'X']);
    const listId = await api.list('Fifty', rows);
    const id = await api.create({
      name: 'Fifty with an image',
      sessionId: 'camp',
      template: 'Hi {{name}} from {{ city }}, your code is {{code}}.',
      listIds: [listId],
      minDelayMs: 0,
      maxDelayMs: 20,
      timeZone: 'Asia/Jakarta',
    });
    const image = testPng();
    await api
      .http('post', `/api/v1/campaigns/${id}/media`)
      .attach('file', image, { filename: 'promo.png', contentType: 'image/png' })
      .expect(201);
    const preview = (await api.http('get', `/api/v1/campaigns/${id}/preview`).expect(200)).body.data;
    expect(preview).toMatchObject({
      ready: true,
      variables: ['name', 'city', 'code'],
      recipients: CONTACTS + 1,
      missing: { count: 0 },
    });
    expect(preview.samples[0]).toEqual({
      phone: `+${contact(0)}`,
      name: 'Name 0',
      text: 'Hi Name 0 from City 0, your code is C-0.',
    });

    const started = await api.action(id, 'start');
    expect(started.data).toMatchObject({ status: 'running', counts: { total: CONTACTS + 1 } });
    const done = await api.until(
      id,
      (p) => p.status === 'completed' && p.counts.delivered === CONTACTS,
      60_000,
    );
    expect(done.counts).toMatchObject({
      delivered: CONTACTS,
      skipped: 1,
      pending: 0,
      sending: 0,
      failed: 0,
      review: 0,
    });

    for (let i = 0; i < CONTACTS; i++) {
      const got = receivedFrom(fixture.simulator, contact(i), ACCOUNT);
      expect(got).toHaveLength(1);
      expect(got[0].message.imageMessage?.caption).toBe(
        `Hi Name ${i} from City ${i % 7}, your code is C-${i * 13}.`,
      );
    }
    expect(
      await fixture.simulator.downloadMedia(receivedFrom(fixture.simulator, contact(7), ACCOUNT)[0]),
    ).toEqual(image);

    const recipients = await prisma.campaignRecipient.findMany({
      where: { campaignId: id },
      orderBy: { id: 'asc' },
    });
    const skipped = recipients.find((r) => r.phone === `+${NOT_ON_WHATSAPP}`)!;
    expect(skipped).toMatchObject({
      status: 'skipped',
      error: 'not on WhatsApp',
      attempts: 0,
      waMessageId: null,
    });
    for (const r of recipients.filter((x) => x !== skipped)) {
      expect(r).toMatchObject({ status: 'delivered', attempts: 1, error: null });
      expect(r.sentAt).toBeInstanceOf(Date);
      expect(r.deliveredAt).toBeInstanceOf(Date);
      // The id the row was claimed with is the id WhatsApp delivered, and the stored outbound message.
      const phone = r.phone.slice(1);
      expect(receivedFrom(fixture.simulator, phone, ACCOUNT)[0].id).toBe(r.waMessageId);
    }
    expect(
      await prisma.message.count({ where: { sessionId: 'camp', direction: 'outbound', type: 'image' } }),
    ).toBe(CONTACTS);

    // A read receipt moves the recipient on.
    const first = recipients[0];
    fixture.simulator.sendReceipt(first.phone.slice(1), first.waMessageId!, 'read');
    await eventually(
      async () =>
        (await prisma.campaignRecipient.findUniqueOrThrow({ where: { id: first.id } })).status === 'read',
    );
    await api.until(id, (p) => p.counts.read === 1);
    // The counters on the campaign follow within the progress push's half second.
    const row = await eventually(async () => {
      const data = (await api.http('get', `/api/v1/campaigns/${id}`).expect(200)).body.data;
      return data.counts.read === 1 ? data : null;
    });
    expect(row.counts).toEqual({
      total: CONTACTS + 1,
      sent: CONTACTS,
      delivered: CONTACTS,
      read: 1,
      failed: 0,
      skipped: 1,
    });

    // Progress went out as events (the /ws gateway forwards them) while it ran, ending completed.
    const mine = progressEvents.filter((e) => e.campaignId === id);
    expect(
      mine.some((e) => e.status === 'running' && e.counts.delivered > 0 && e.counts.delivered < CONTACTS),
    ).toBe(true);
    expect(mine.some((e) => e.status === 'completed')).toBe(true);

    const actions = await prisma.activityLog.findMany({
      where: { targetType: 'campaign', targetId: String(id) },
      orderBy: { id: 'asc' },
    });
    expect(actions.map((a) => a.action)).toEqual([
      'campaign.created',
      'campaign.media_set',
      'campaign.started',
      'campaign.completed',
    ]);

    const report = await api.http('get', `/api/v1/campaigns/${id}/report`).expect(200);
    expect(report.text.split('\n')[0]).toBe(
      'phone,name,status,attempts,waMessageId,error,sentAt,deliveredAt,readAt',
    );
    // A phone number is not a formula: no apostrophe before it.
    expect(report.text).toContain(`\n+${contact(3)},Name 3,delivered,1,`);
  });

  it('says which recipients lack a variable before the start, and skips them only when told to', async () => {
    const listId = await api.list('Gaps', [
      ['phone', 'name', 'city'],
      [`+${contact(0)}`, 'Ani', 'Bandung'],
      [`+${contact(1)}`, 'Budi', ''],
      [`+${contact(2)}`, '', 'Solo'],
    ]);
    const id = await api.create({
      name: 'Gaps',
      sessionId: 'camp',
      template: 'Dear {{name}} in {{city}}',
      listIds: [listId],
      minDelayMs: 0,
      maxDelayMs: 0,
    });
    const preview = (await api.http('get', `/api/v1/campaigns/${id}/preview`).expect(200)).body.data;
    expect(preview).toMatchObject({
      ready: false,
      recipients: 3,
      missing: { count: 2, byVariable: { city: 1, name: 1 } },
    });
    expect(preview.missing.recipients).toEqual([
      { phone: `+${contact(1)}`, name: 'Budi', missing: ['city'] },
      { phone: `+${contact(2)}`, name: null, missing: ['name'] },
    ]);
    const refused = await api.http('post', `/api/v1/campaigns/${id}/start`).send({}).expect(409);
    expect(refused.body).toMatchObject({
      code: 'MISSING_VARIABLES',
      message: expect.stringMatching(/2 of 3 recipients lack template variables/),
    });
    expect((await api.http('get', `/api/v1/campaigns/${id}`).expect(200)).body.data.status).toBe('draft');

    const before = receivedFrom(fixture.simulator, contact(1), ACCOUNT).length;
    await api.action(id, 'start', { missingVariables: 'skip' });
    const done = await api.until(id, (p) => p.status === 'completed');
    expect(done.counts).toMatchObject({ skipped: 2 });
    const rows = await prisma.campaignRecipient.findMany({
      where: { campaignId: id },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => [r.status === 'skipped' ? 'skipped' : 'sent', r.error])).toEqual([
      ['sent', null],
      ['skipped', 'missing variable: city'],
      ['skipped', 'missing variable: name'],
    ]);
    expect(receivedFrom(fixture.simulator, contact(1), ACCOUNT)).toHaveLength(before);
  });

  it('validates campaigns: time zone, delays, quiet hours, session and lists', async () => {
    const bad = await api
      .http('post', '/api/v1/campaigns')
      .send({
        name: 'x',
        sessionId: 'camp',
        template: 't',
        listIds: [1],
        timeZone: 'Mars/Olympus',
        minDelayMs: 500,
        maxDelayMs: 100,
        quietHoursStart: '22:00',
      })
      .expect(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'maxDelayMs',
      'quietHoursEnd',
      'timeZone',
    ]);
    const refs = await api
      .http('post', '/api/v1/campaigns')
      .send({ name: 'x', sessionId: 'nope', template: 't', listIds: [9999] })
      .expect(400);
    expect(refs.body.details.map((d: { field: string }) => d.field)).toEqual(['sessionId', 'listIds']);
    await api
      .http('post', '/api/v1/campaigns')
      .send({ name: 'x', sessionId: 'camp', template: 't', listIds: [], quietHoursStart: '25:00' })
      .expect(400);

    // A list a campaign will snapshot cannot go away under it; once started, it can.
    const listId = await api.list('Kept', [['phone'], [`+${contact(0)}`]]);
    const id = await api.create({ name: 'Uses it', sessionId: 'camp', template: 'x', listIds: [listId] });
    expect((await api.http('delete', `/api/v1/recipient-lists/${listId}`).expect(409)).body.code).toBe(
      'LIST_IN_USE',
    );
    await api.action(id, 'cancel');
    await api.http('delete', `/api/v1/recipient-lists/${listId}`).expect(200);
    expect(
      (await api.http('patch', `/api/v1/campaigns/${id}`).send({ name: 'y' }).expect(409)).body.code,
    ).toBe('CAMPAIGN_STATE');
  });
});
