import { createServer } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import request from 'supertest';
import { loadConfig } from '../src/config/load-config';
import { OutboundQueue } from '../src/messages/outbound-queue';
import { MetricsServer } from '../src/metrics/metrics-server';
import { ProcessMetrics } from '../src/metrics/process-metrics';
import { PrismaService } from '../src/prisma/prisma.service';
import { CampaignApi } from './support/campaign-helpers';
import {
  ADMIN,
  adminToken,
  eventually,
  GatewayFixture,
  linkSession,
  MASTER_KEY,
} from './support/gateway-fixture';
import { startTestApp, testConfig } from './support/test-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { WebhookReceiver } from './support/webhook-receiver';

const TOKEN = 'metrics-token-for-tests-0123456789';
const SESSION = 'metered';
const ACCOUNT = '6281299990701';
const ALICE = '6281100000701';
const BOB = '6281100000702';
const NOT_ON_WHATSAPP = '6281100000799';
const pn = (phone: string): string => `${phone}@s.whatsapp.net`;

/** The samples of one metric family (none when the family is absent). */
function samples(families: PrometheusFamily[], name: string) {
  return families.find((f) => f.name === name)?.metrics ?? [];
}

/** The sum of the samples of `name` whose labels include `labels` (0 when there is none). */
function valueOf(families: PrometheusFamily[], name: string, labels: Record<string, string> = {}): number {
  const matching = samples(families, name).filter((s) =>
    Object.entries(labels).every(([k, v]) => s.labels?.[k] === v),
  );
  return matching.reduce((sum, s) => sum + Number(s.value), 0);
}

/** The value of the one sample line of `name` whose labels contain each of `labels` (`key="value"`). */
function lineValue(text: string, name: string, ...labels: string[]): number {
  const lines = text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && labels.every((label) => !label || l.includes(label)));
  expect(lines).toHaveLength(1);
  return Number(lines[0].slice(lines[0].lastIndexOf(' ') + 1));
}

/** A TCP port free right now on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * /metrics after real traffic: a simulated contact sends messages, the session sends some through
 * the API and a campaign, every event is webhooked to a local receiver, a socket close is forced;
 * then one scrape, parsed as Prometheus text, must agree with the database.
 */
describe('GET /metrics on the API port', () => {
  const fixture = new GatewayFixture();
  const receiver = new WebhookReceiver();
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let token: string;
  const INBOUND = 7;
  const OUTBOUND = 4;

  const api = () => request(app.getHttpServer());
  const scrape = () => api().get('/metrics').set('authorization', `Bearer ${TOKEN}`);

  beforeAll(async () => {
    await fixture.start('wagw_metrics');
    await receiver.start();
    app = await fixture.startApp(fixture.config({ WEBHOOK_URL: receiver.url, METRICS_TOKEN: TOKEN }));
    prisma = app.get(PrismaService);
    for (const phone of [ALICE, BOB]) fixture.simulator.createContact(phone);
    ({ token } = await linkSession(fixture, app, SESSION, ACCOUNT));
  }, 60_000);
  afterAll(async () => {
    await fixture.close();
    await receiver.stop();
  });

  it('refuses a scrape without a token, with a wrong one and with a user JWT (401)', async () => {
    const none = await api().get('/metrics').expect(401);
    expect(none.body).toMatchObject({ success: false, code: 'UNAUTHORIZED' });
    expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(none.text).not.toContain('wa_gateway_');

    const wrong = await api().get('/metrics').set('authorization', `Bearer ${TOKEN}-not`).expect(401);
    expect(wrong.body.code).toBe('UNAUTHORIZED');
    await api().get('/metrics').set('authorization', TOKEN).expect(401);
    await api()
      .get('/metrics')
      .set('authorization', `Bearer ${await adminToken(app)}`)
      .expect(401);
    await api().get('/metrics').set('authorization', `Bearer ${token}`).expect(401);
  });

  it('after a run its counters and gauges match the database', async () => {
    // The contact writes INBOUND messages; the session answers OUTBOUND times through the API.
    for (let i = 0; i < INBOUND; i++)
      await fixture.simulator.sendMessage(ALICE, ACCOUNT, { text: `inbound ${i}` });
    for (let i = 0; i < OUTBOUND; i++)
      await api()
        .post(`/api/v1/sessions/${SESSION}/messages/text`)
        .set('authorization', `Bearer ${token}`)
        .send({ to: ALICE, text: `outbound ${i}` })
        .expect((res) => expect([200, 201, 202]).toContain(res.status));

    // A campaign to two contacts and a number not on WhatsApp (skipped).
    const campaigns = new CampaignApi(app, await adminToken(app));
    const listId = await campaigns.list('Metered', [
      ['phone'],
      [`+${ALICE}`],
      [`+${BOB}`],
      [`+${NOT_ON_WHATSAPP}`],
    ]);
    const campaignId = await campaigns.create({
      name: 'Metered',
      sessionId: SESSION,
      template: 'Hello from the campaign',
      listIds: [listId],
      minDelayMs: 0,
      maxDelayMs: 20,
    });
    await campaigns.action(campaignId, 'start');
    await eventually(async () => {
      const c = await prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } });
      return c.status === 'completed' && c.sentCount === 2 && c.skippedCount === 1;
    }, 30_000);

    // A forced socket close (515, restart required): the session reconnects.
    const closes = app.get(ProcessMetrics).registry.getSingleMetric('wa_gateway_session_closes_total')!;
    // (a number now: prom-client hands out its live sample objects)
    const closesBefore =
      (await closes.get()).values.find((v) => v.labels.code === '515' && v.labels.status === 'connecting')
        ?.value ?? 0;
    const row = await prisma.whatsappSession.findUniqueOrThrow({ where: { id: SESSION } });
    const deviceId = Number(/:(\d+)@/.exec(row.jid!)![1]);
    fixture.simulator.disconnect({ phoneNumber: ACCOUNT, deviceId }, 515);
    await eventually(async () => {
      const s = await prisma.whatsappSession.findUniqueOrThrow({ where: { id: SESSION } });
      return s.status === 'connected' && s.lastConnectedAt! > row.lastConnectedAt!;
    }, 20_000);

    // At rest: everything stored, every sent message's receipt in (and the campaign's counters
    // refreshed from them), every webhook delivered.
    await eventually(async () => {
      const [inbound, outbound, unconfirmed, campaign, pending] = await Promise.all([
        prisma.message.count({ where: { sessionId: SESSION, direction: 'inbound' } }),
        prisma.message.count({ where: { sessionId: SESSION, direction: 'outbound' } }),
        prisma.message.count({
          where: { sessionId: SESSION, direction: 'outbound', status: { in: ['pending', 'sent'] } },
        }),
        prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } }),
        prisma.webhookOutbox.count({ where: { status: 'pending' } }),
      ]);
      return (
        inbound === INBOUND &&
        outbound === OUTBOUND + 2 &&
        unconfirmed === 0 &&
        campaign.deliveredCount === 2 &&
        pending === 0
      );
    }, 30_000);

    const res = await scrape().expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(res.text);

    // Messages in and out by type, against the stored rows.
    const stored = await prisma.message.groupBy({ by: ['direction', 'type'], _count: { _all: true } });
    expect(stored.length).toBeGreaterThan(0);
    for (const group of stored)
      expect([
        group.direction,
        group.type,
        valueOf(families, 'wa_gateway_messages_total', { direction: group.direction, type: group.type }),
      ]).toEqual([group.direction, group.type, group._count._all]);
    expect(valueOf(families, 'wa_gateway_messages_total', { direction: 'inbound' })).toBe(INBOUND);
    expect(valueOf(families, 'wa_gateway_messages_total', { direction: 'outbound' })).toBe(OUTBOUND + 2);

    // Webhook deliveries: attempts by outcome, latency, backlog and dead, against webhook_outbox.
    const outbox = await prisma.webhookOutbox.groupBy({ by: ['status'], _count: { _all: true } });
    const rows = (status: string) => outbox.find((g) => g.status === status)?._count._all ?? 0;
    expect(rows('delivered')).toBeGreaterThan(INBOUND + OUTBOUND);
    expect(
      valueOf(families, 'wa_gateway_outbox_deliveries_total', { channel: 'webhook', outcome: 'delivered' }),
    ).toBe(rows('delivered'));
    expect(valueOf(families, 'wa_gateway_outbox_deliveries_total', { outcome: 'dead' })).toBe(rows('dead'));
    // The parser keeps only unlabelled histograms whole, so these series are read from the text.
    expect(families.find((f) => f.name === 'wa_gateway_outbox_delivery_seconds')?.type).toBe('HISTOGRAM');
    const latency = (series: string, extra = '') =>
      lineValue(res.text, `wa_gateway_outbox_delivery_seconds_${series}`, `channel="webhook"`, extra);
    expect(latency('count')).toBe(rows('delivered'));
    expect(latency('bucket', 'le="+Inf"')).toBe(rows('delivered'));
    expect(latency('sum')).toBeGreaterThanOrEqual(0);
    expect(latency('bucket', 'le="0.01"')).toBeLessThanOrEqual(rows('delivered'));
    expect(valueOf(families, 'wa_gateway_outbox_pending')).toBe(0);
    expect(valueOf(families, 'wa_gateway_outbox_dead')).toBe(rows('dead'));

    // The outbound queue: every API send went through it and is settled.
    expect(await prisma.outboundMessage.count({ where: { sessionId: SESSION, status: 'sent' } })).toBe(
      OUTBOUND,
    );
    expect(valueOf(families, 'wa_gateway_outbound_queue', { status: 'queued' })).toBe(0);
    expect(valueOf(families, 'wa_gateway_outbound_queue', { status: 'sending' })).toBe(0);

    // Sessions by status and holder; this process's own series carry its name.
    const holder = (await prisma.whatsappSession.findUniqueOrThrow({ where: { id: SESSION } })).leaseOwner!;
    expect(samples(families, 'wa_gateway_sessions')).toEqual([
      { labels: { status: 'connected', holder }, value: '1' },
    ]);
    expect(samples(families, 'wa_gateway_messages_total').map((s) => s.labels?.gateway_instance)).toEqual(
      stored.map(() => holder),
    );

    // Campaign sends by outcome, against the campaign's counters.
    const campaign = await prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } });
    expect(valueOf(families, 'wa_gateway_campaigns', { status: 'completed' })).toBe(1);
    expect(valueOf(families, 'wa_gateway_campaign_recipients', { outcome: 'total' })).toBe(
      campaign.totalCount,
    );
    expect(valueOf(families, 'wa_gateway_campaign_recipients', { outcome: 'sent' })).toBe(campaign.sentCount);
    expect(valueOf(families, 'wa_gateway_campaign_recipients', { outcome: 'skipped' })).toBe(1);
    expect(valueOf(families, 'wa_gateway_campaign_recipients', { outcome: 'failed' })).toBe(
      campaign.failedCount,
    );

    // The forced close, by its code and the status it led to.
    expect(valueOf(families, 'wa_gateway_session_closes_total', { code: '515', status: 'connecting' })).toBe(
      closesBefore + 1,
    );

    // The process: event-loop lag, memory, the database pool.
    expect(valueOf(families, 'wa_gateway_database_up')).toBe(1);
    expect(samples(families, 'nodejs_eventloop_lag_seconds')).toHaveLength(1);
    expect(valueOf(families, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(valueOf(families, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    const limit = valueOf(families, 'wa_gateway_db_pool_connections_limit');
    expect(limit).toBe(10);
    const open =
      valueOf(families, 'wa_gateway_db_pool_connections_active') +
      valueOf(families, 'wa_gateway_db_pool_connections_idle');
    expect(open).toBeGreaterThan(0);
    expect(open).toBeLessThanOrEqual(limit);
    expect(samples(families, 'wa_gateway_db_pool_waiting')).toHaveLength(1);
  });

  it('keeps the recipient a message went to out of every label', async () => {
    const res = await scrape().expect(200);
    expect(res.text).not.toContain(ALICE);
    expect(res.text).not.toContain(pn(ALICE));
  });
});

describe('METRICS_PORT: /metrics on its own loopback port', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let plain: NestExpressApplication;
  let port: number;
  const url = () => `http://127.0.0.1:${port}`;
  const config = (overrides: Record<string, string> = {}) =>
    testConfig(db.url, {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      MASTER_API_KEY: MASTER_KEY,
      ...overrides,
    });

  beforeAll(async () => {
    db = await createTestDatabase('wagw_metrics_port');
    port = await freePort();
    app = await startTestApp(config({ METRICS_TOKEN: TOKEN, METRICS_PORT: String(port) }));
    // The same database without METRICS_TOKEN: no metrics anywhere.
    plain = await startTestApp(config());
    // A session never linked, with two sends waiting in its queue (no one holds it to send them).
    await request(app.getHttpServer())
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: 'waiting', name: 'Waiting' })
      .expect(201);
    for (const n of [1, 2])
      await app.get(OutboundQueue).insert({
        sessionId: 'waiting',
        waMessageId: `3EB0METRICS${n}`,
        toJid: pn(ALICE),
        content: { kind: 'text', text: `queued ${n}` },
        idempotencyKey: null,
        fingerprint: String(n).repeat(64),
        expiresAt: new Date(Date.now() + 3_600_000),
      });
  });
  afterAll(async () => {
    await app?.close();
    await plain?.close();
    await db?.drop();
  });

  it('serves them on 127.0.0.1:METRICS_PORT with the token, and parses', async () => {
    expect(app.get(MetricsServer).address()).toEqual({ host: '127.0.0.1', port });
    // The session's row can move (connecting -> disconnected) and the gauges are read from the
    // database at most every 5 s (one read shared by the scrapes), so the sessions gauge must come to
    // agree with the row as it stands (within a few cache periods), and then stay.
    const readSession = async () => {
      const row = await app
        .get(PrismaService)
        .whatsappSession.findUniqueOrThrow({ where: { id: 'waiting' } });
      const holder = row.leaseExpiresAt && row.leaseExpiresAt > new Date() ? row.leaseOwner! : 'none';
      return { status: row.status, holder };
    };
    const scrape = async () =>
      parsePrometheusTextFormat(
        (await request(url()).get('/metrics').set('authorization', `Bearer ${TOKEN}`).expect(200)).text,
      );
    let families: PrometheusFamily[] = [];
    let expected: unknown = null;
    for (let attempt = 0; attempt < 40; attempt++) {
      families = await scrape();
      expected = [{ labels: await readSession(), value: '1' }];
      const seen = samples(families, 'wa_gateway_sessions').map(
        (m) => `${m.labels?.status}|${m.labels?.holder}|${m.value}`,
      );
      const row = (expected as { labels: { status: string; holder: string } }[])[0].labels;
      if (seen.length === 1 && seen[0] === `${row.status}|${row.holder}|1`) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(valueOf(families, 'wa_gateway_database_up')).toBe(1);
    expect(samples(families, 'wa_gateway_sessions')).toEqual(expected);
    // The queue, against its rows.
    const queued = await app.get(PrismaService).outboundMessage.findMany({ where: { status: 'queued' } });
    expect(queued).toHaveLength(2);
    expect(valueOf(families, 'wa_gateway_outbound_queue', { status: 'queued' })).toBe(2);
    expect(valueOf(families, 'wa_gateway_outbound_queue', { status: 'sending' })).toBe(0);
    const age = valueOf(families, 'wa_gateway_outbound_queue_oldest_seconds', { status: 'queued' });
    expect(age).toBeGreaterThan(0);
    expect(age).toBeLessThanOrEqual((Date.now() - queued[0].createdAt.getTime()) / 1000);
    expect(valueOf(families, 'wa_gateway_outbox_pending')).toBe(
      await app.get(PrismaService).webhookOutbox.count({ where: { status: 'pending' } }),
    );
    expect(samples(families, 'nodejs_eventloop_lag_seconds')).toHaveLength(1);
    expect(families.find((f) => f.name === 'wa_gateway_messages_total')?.type).toBe('COUNTER');
  });

  it('refuses it there without the token or with a wrong one, and serves nothing else', async () => {
    const none = await request(url()).get('/metrics').expect(401);
    expect(none.body).toMatchObject({ success: false, code: 'UNAUTHORIZED' });
    await request(url()).get('/metrics').set('authorization', `Bearer ${TOKEN}x`).expect(401);
    const other = await request(url()).get('/health').set('authorization', `Bearer ${TOKEN}`).expect(404);
    expect(other.body.code).toBe('NOT_FOUND');
    await request(url()).post('/metrics').set('authorization', `Bearer ${TOKEN}`).expect(404);
  });

  it('answers 404 on the API port then, as for any unknown path, even with the token', async () => {
    const res = await request(app.getHttpServer())
      .get('/metrics')
      .set('authorization', `Bearer ${TOKEN}`)
      .expect(404);
    const unknown = await request(app.getHttpServer()).get('/no-such-path').expect(404);
    expect(res.body.message).toBe('Cannot GET /metrics');
    expect(unknown.body.message).toBe('Cannot GET /no-such-path');
    expect(res.body.code).toBe(unknown.body.code);
  });

  it('does not exist without METRICS_TOKEN (404)', async () => {
    const res = await request(plain.getHttpServer())
      .get('/metrics')
      .set('authorization', `Bearer ${TOKEN}`)
      .expect(404);
    expect(res.body).toMatchObject({ success: false, code: 'NOT_FOUND' });
    expect(plain.get(MetricsServer).address()).toBeNull();
  });

  it('refuses to start with METRICS_PORT but no METRICS_TOKEN, naming it', () => {
    expect(() => loadConfig({ DATABASE_URL: db.url, METRICS_PORT: '9464' })).toThrow(
      'METRICS_TOKEN is required when METRICS_PORT is set',
    );
  });
});
