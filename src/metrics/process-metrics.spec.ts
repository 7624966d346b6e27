import { DomainEvents, type StoredMessageEvent } from '../common/domain-events';
import type { AppConfig } from '../config/app-config';
import type { PoolUse, PrismaService } from '../prisma/prisma.service';
import { ProcessMetrics } from './process-metrics';

/** This process's metrics over a real event bus; the pool is whatever the test says it is. */
function build(pool: { use: PoolUse | null } = { use: null }) {
  const events = new DomainEvents();
  const prisma = { poolUse: () => pool.use } as Pick<PrismaService, 'poolUse'> as PrismaService;
  const metrics = new ProcessMetrics(events, prisma, { INSTANCE_ID: 'host-42' } as AppConfig);
  metrics.onModuleInit();
  return { events, metrics };
}

async function values(metrics: ProcessMetrics, name: string) {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  // Copies: prom-client hands out its live sample objects.
  return (await metric.get()).values.map((v) => ({ labels: { ...v.labels }, value: v.value }));
}

const stored = (direction: 'inbound' | 'outbound', type: string) =>
  ({ sessionId: 's', waMessageId: 'id', direction, type }) as StoredMessageEvent;

describe('ProcessMetrics', () => {
  it('counts stored messages by direction and type', async () => {
    const { events, metrics } = build();
    events.emit('message.stored', stored('inbound', 'text'));
    events.emit('message.stored', stored('inbound', 'text'));
    events.emit('message.stored', stored('outbound', 'image'));
    expect(await values(metrics, 'wa_gateway_messages_total')).toEqual([
      { labels: { direction: 'inbound', type: 'text' }, value: 2 },
      { labels: { direction: 'outbound', type: 'image' }, value: 1 },
    ]);
  });

  it('counts status changes caused by a socket close, by code and the status they led to', async () => {
    const { events, metrics } = build();
    const status = (status: 'connecting' | 'connected' | 'logged_out', code: number | null) =>
      events.emit('session.status', {
        sessionId: 's',
        status,
        previous: 'connected',
        phoneNumber: null,
        code,
        reason: null,
        at: new Date(),
      });
    status('connecting', 428);
    status('connected', null);
    status('connecting', 428);
    status('logged_out', 401);
    expect(await values(metrics, 'wa_gateway_session_closes_total')).toEqual([
      { labels: { code: '428', status: 'connecting' }, value: 2 },
      { labels: { code: '401', status: 'logged_out' }, value: 1 },
    ]);
  });

  it('counts delivery attempts by channel and outcome, and times stored-to-delivered for deliveries only', async () => {
    const { events, metrics } = build();
    const at = new Date('2026-12-03T00:00:10.000Z');
    events.emit('outbox.recorded', {
      at,
      deliveries: [
        { channel: 'webhook', outcome: 'delivered', createdAt: new Date('2026-12-03T00:00:09.800Z') },
        { channel: 'webhook', outcome: 'delivered', createdAt: new Date('2026-12-03T00:00:07.000Z') },
        { channel: 'webhook', outcome: 'retry', createdAt: new Date('2026-12-03T00:00:00.000Z') },
        { channel: 'nats', outcome: 'dead', createdAt: new Date('2026-12-03T00:00:00.000Z') },
      ],
    });
    expect(await values(metrics, 'wa_gateway_outbox_deliveries_total')).toEqual([
      { labels: { channel: 'webhook', outcome: 'delivered' }, value: 2 },
      { labels: { channel: 'webhook', outcome: 'retry' }, value: 1 },
      { labels: { channel: 'nats', outcome: 'dead' }, value: 1 },
    ]);
    const latency = await values(metrics, 'wa_gateway_outbox_delivery_seconds');
    // 0.2 s and 3 s, cumulative by upper bound.
    const bucket = (le: number) =>
      latency.find((v) => v.labels.channel === 'webhook' && v.labels.le === le)?.value;
    expect(bucket(0.1)).toBe(0);
    expect(bucket(0.25)).toBe(1);
    expect(bucket(2.5)).toBe(1);
    expect(bucket(5)).toBe(2);
    expect(latency.filter((v) => v.labels.channel === 'nats')).toEqual([]);
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'wa_gateway_outbox_delivery_seconds_count{gateway_instance="host-42",channel="webhook"} 2',
    );
    expect(text).toContain(
      'wa_gateway_outbox_delivery_seconds_sum{gateway_instance="host-42",channel="webhook"} 3.2',
    );
  });

  it('shows the pool as it is at each scrape (0 before it opens)', async () => {
    const pool: { use: PoolUse | null } = { use: null };
    const { metrics } = build(pool);
    expect(await values(metrics, 'wa_gateway_db_pool_connections_active')).toEqual([
      { labels: {}, value: 0 },
    ]);
    pool.use = { limit: 10, total: 4, active: 3, idle: 1, waiting: 2 };
    expect(await values(metrics, 'wa_gateway_db_pool_connections_active')).toEqual([
      { labels: {}, value: 3 },
    ]);
    expect(await values(metrics, 'wa_gateway_db_pool_connections_idle')).toEqual([{ labels: {}, value: 1 }]);
    expect(await values(metrics, 'wa_gateway_db_pool_connections_limit')).toEqual([
      { labels: {}, value: 10 },
    ]);
    expect(await values(metrics, 'wa_gateway_db_pool_waiting')).toEqual([{ labels: {}, value: 2 }]);
  });

  it("labels every series with this process and includes Node's event-loop lag and memory", async () => {
    const { events, metrics } = build();
    events.emit('message.stored', stored('inbound', 'text'));
    const text = await metrics.registry.metrics();
    const line = text.split('\n').find((l) => l.startsWith('wa_gateway_messages_total{'));
    expect(line).toMatch(/gateway_instance="host-42"/);
    expect(line).toMatch(/direction="inbound"/);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{gateway_instance="host-42"\} /m);
    expect(text).toMatch(/^process_resident_memory_bytes\{gateway_instance="host-42"\} /m);
  });

  it('stops counting once destroyed', async () => {
    const { events, metrics } = build();
    metrics.onModuleDestroy();
    events.emit('message.stored', stored('inbound', 'text'));
    expect(await values(metrics, 'wa_gateway_messages_total')).toEqual([]);
  });
});
