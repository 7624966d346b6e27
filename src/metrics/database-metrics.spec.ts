import { Logger } from '@nestjs/common';
import type { CampaignRepository } from '../campaigns/campaign.repository';
import type { OutboundQueue } from '../messages/outbound-queue';
import type { WebhookDeliveries } from '../outbox/webhook-deliveries';
import type { SessionRepository } from '../whatsapp/session.repository';
import { DatabaseMetrics } from './database-metrics';

/** The table owners' answers, as the test sets them; `reads` counts how often they were asked. */
class Owners {
  reads = 0;
  failing = false;
  sessions = [
    { status: 'connected' as const, holder: 'host-1', count: 2 },
    { status: 'disconnected' as const, holder: null, count: 1 },
  ];
  outbound = [{ status: 'queued' as const, count: 3, oldest: new Date(Date.now() - 60_000) }];

  private answer<T>(value: T): Promise<T> {
    if (this.failing) return Promise.reject(new Error('connect ECONNREFUSED'));
    return Promise.resolve(value);
  }

  build(): DatabaseMetrics {
    const sessions = {
      holderCounts: () => {
        this.reads++;
        return this.answer(this.sessions);
      },
    } as Pick<SessionRepository, 'holderCounts'> as SessionRepository;
    const deliveries = {
      backlog: () => this.answer({ pending: 5, due: 4, dead: 1, oldestPendingSeconds: 12 }),
    } as Pick<WebhookDeliveries, 'backlog'> as WebhookDeliveries;
    const campaigns = {
      totals: () =>
        this.answer({
          byStatus: [{ status: 'completed' as const, count: 2 }],
          recipients: { total: 10, sent: 7, delivered: 6, read: 2, failed: 1, skipped: 2 },
        }),
    } as Pick<CampaignRepository, 'totals'> as CampaignRepository;
    const outbound = { backlog: () => this.answer(this.outbound) } as Pick<
      OutboundQueue,
      'backlog'
    > as OutboundQueue;
    return new DatabaseMetrics(sessions, deliveries, campaigns, outbound);
  }
}

async function values(metrics: DatabaseMetrics, name: string) {
  const metric = metrics.registry.getSingleMetric(name)!;
  return (await metric.get()).values.map((v) => ({ labels: { ...v.labels }, value: v.value }));
}

describe('DatabaseMetrics', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new Logger()));

  it('sets every gauge from one read of the owners', async () => {
    const owners = new Owners();
    const metrics = owners.build();
    await metrics.refresh();
    expect(await values(metrics, 'wa_gateway_database_up')).toEqual([{ labels: {}, value: 1 }]);
    expect(await values(metrics, 'wa_gateway_sessions')).toEqual([
      { labels: { status: 'connected', holder: 'host-1' }, value: 2 },
      { labels: { status: 'disconnected', holder: 'none' }, value: 1 },
    ]);
    expect(await values(metrics, 'wa_gateway_outbox_pending')).toEqual([{ labels: {}, value: 5 }]);
    expect(await values(metrics, 'wa_gateway_outbox_due')).toEqual([{ labels: {}, value: 4 }]);
    expect(await values(metrics, 'wa_gateway_outbox_dead')).toEqual([{ labels: {}, value: 1 }]);
    expect(await values(metrics, 'wa_gateway_outbox_oldest_pending_seconds')).toEqual([
      { labels: {}, value: 12 },
    ]);
    // Both queue states are always there, 0 when none.
    expect(await values(metrics, 'wa_gateway_outbound_queue')).toEqual([
      { labels: { status: 'queued' }, value: 3 },
      { labels: { status: 'sending' }, value: 0 },
    ]);
    const ages = await values(metrics, 'wa_gateway_outbound_queue_oldest_seconds');
    expect(ages[0].value).toBeGreaterThanOrEqual(59);
    expect(ages[0].value).toBeLessThan(70);
    expect(ages[1]).toEqual({ labels: { status: 'sending' }, value: 0 });
    expect(await values(metrics, 'wa_gateway_campaigns')).toEqual([
      { labels: { status: 'completed' }, value: 2 },
    ]);
    expect(await values(metrics, 'wa_gateway_campaign_recipients')).toEqual(
      Object.entries({ total: 10, sent: 7, delivered: 6, read: 2, failed: 1, skipped: 2 }).map(
        ([outcome, value]) => ({ labels: { outcome }, value }),
      ),
    );
    expect(owners.reads).toBe(1);
    expect(await metrics.text()).toMatch(/^wa_gateway_outbox_pending 5$/m);
  });

  it('reads the database once for the scrapes of a 5 s window', async () => {
    const owners = new Owners();
    const metrics = owners.build();
    await Promise.all([metrics.refresh(), metrics.refresh()]);
    await metrics.refresh();
    expect(owners.reads).toBe(1);
  });

  it('without an answer: database_up 0 and no database gauge at all', async () => {
    const owners = new Owners();
    owners.failing = true;
    const metrics = owners.build();
    await metrics.refresh();
    expect(await values(metrics, 'wa_gateway_database_up')).toEqual([{ labels: {}, value: 0 }]);
    expect(await values(metrics, 'wa_gateway_sessions')).toEqual([]);
    const text = await metrics.text();
    expect(text).toMatch(/^wa_gateway_database_up 0$/m);
    expect(text).not.toMatch(/^wa_gateway_(?!database_up)/m);
  });
});
