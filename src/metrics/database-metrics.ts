import { Injectable, Logger } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { CampaignRepository } from '../campaigns/campaign.repository';
import { OutboundQueue } from '../messages/outbound-queue';
import { WebhookDeliveries } from '../outbox/webhook-deliveries';
import { SessionRepository } from '../whatsapp/session.repository';
import { ScrapeCache, within } from './scrape-cache';

/** Scrapes within this window share one read of the database. */
const SNAPSHOT_TTL_MS = 5_000;
/** A scrape does not wait longer than this for the database (the gauges are then left out). */
const SNAPSHOT_DEADLINE_MS = 2_000;

export interface DatabaseSnapshot {
  sessions: { status: string; holder: string | null; count: number }[];
  outbox: { pending: number; due: number; dead: number; oldestPendingSeconds: number | null };
  campaigns: Awaited<ReturnType<CampaignRepository['totals']>>;
  outbound: Awaited<ReturnType<OutboundQueue['backlog']>>;
  at: Date;
}

/**
 * The gateway's state as the database holds it, the same whichever process is scraped: a few
 * grouped counts over small tables or index ranges (sessions; campaigns; the outbox's pending and
 * dead rows; the outbound queue's unsettled sends), read once per SNAPSHOT_TTL_MS. Never the
 * messages table, nor the history of delivered or sent rows.
 */
@Injectable()
export class DatabaseMetrics {
  private readonly logger = new Logger(DatabaseMetrics.name);
  readonly registry = new Registry();
  private readonly cache = new ScrapeCache<DatabaseSnapshot>(SNAPSHOT_TTL_MS);
  private current: DatabaseSnapshot | null = null;

  constructor(
    private readonly sessions: SessionRepository,
    private readonly deliveries: WebhookDeliveries,
    private readonly campaigns: CampaignRepository,
    private readonly outbound: OutboundQueue,
  ) {
    const registers = [this.registry];
    const snapshot = () => this.current;
    /** A gauge whose series are set from the current snapshot at each scrape (none without one). */
    const gauge = <L extends string>(
      name: string,
      help: string,
      labelNames: L[],
      fill: (g: Gauge<L>, s: DatabaseSnapshot) => void,
    ) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers,
        collect(this: Gauge<L>) {
          this.reset();
          const current = snapshot();
          if (current) fill(this, current);
        },
      });

    new Gauge({
      name: 'wa_gateway_database_up',
      help: 'Whether the database answered the last scrape (0: the wa_gateway_* database gauges are left out).',
      registers,
      collect(this: Gauge) {
        this.set(snapshot() ? 1 : 0);
      },
    });
    gauge(
      'wa_gateway_sessions',
      'Sessions by stored status and holder (the process whose lease is live; "none" when no one holds it).',
      ['status', 'holder'],
      (g, s) => {
        for (const row of s.sessions) g.set({ status: row.status, holder: row.holder ?? 'none' }, row.count);
      },
    );
    gauge('wa_gateway_outbox_pending', 'Outbox rows (webhooks, brokers) not yet delivered.', [], (g, s) =>
      g.set(s.outbox.pending),
    );
    gauge('wa_gateway_outbox_due', 'Pending outbox rows due now (not waiting for a retry).', [], (g, s) =>
      g.set(s.outbox.due),
    );
    gauge(
      'wa_gateway_outbox_dead',
      'Outbox rows dead (retries exhausted or refused), kept until retention.',
      [],
      (g, s) => g.set(s.outbox.dead),
    );
    gauge(
      'wa_gateway_outbox_oldest_pending_seconds',
      'Age of the oldest pending outbox row (0 when none).',
      [],
      (g, s) => g.set(s.outbox.oldestPendingSeconds ?? 0),
    );
    gauge(
      'wa_gateway_outbound_queue',
      "Sends accepted and not yet settled: queued (waiting for the session's holder) and sending (in flight).",
      ['status'],
      (g, s) => {
        for (const status of ['queued', 'sending'] as const)
          g.set({ status }, s.outbound.find((r) => r.status === status)?.count ?? 0);
      },
    );
    gauge(
      'wa_gateway_outbound_queue_oldest_seconds',
      'Age of the oldest queued and of the oldest sending send (0 when none).',
      ['status'],
      (g, s) => {
        for (const status of ['queued', 'sending'] as const) {
          const oldest = s.outbound.find((r) => r.status === status)?.oldest;
          g.set({ status }, oldest ? Math.max(0, (s.at.getTime() - oldest.getTime()) / 1000) : 0);
        }
      },
    );
    gauge('wa_gateway_campaigns', 'Campaigns by status.', ['status'], (g, s) => {
      for (const row of s.campaigns.byStatus) g.set({ status: row.status }, row.count);
    });
    gauge(
      'wa_gateway_campaign_recipients',
      "Recipients of all campaigns by outcome, from the campaigns' counters (sent includes delivered and " +
        'read, delivered includes read; total: every recipient).',
      ['outcome'],
      (g, s) => {
        for (const [outcome, count] of Object.entries(s.campaigns.recipients)) g.set({ outcome }, count);
      },
    );
  }

  /** Reads the database for this scrape (or takes the shared recent read); on failure the gauges are left out. */
  async refresh(): Promise<void> {
    try {
      this.current = await this.cache.get(() =>
        within(this.load(), SNAPSHOT_DEADLINE_MS, 'the database did not answer in time'),
      );
    } catch (error) {
      this.current = null;
      this.logger.warn({ err: error }, 'Metrics could not read the database');
    }
  }

  /** The exposition of the last refresh: every gauge, or only wa_gateway_database_up without an answer. */
  async text(): Promise<string> {
    // Gauges without labels would otherwise show a made-up 0.
    if (!this.current) return `${await this.registry.getSingleMetricAsString('wa_gateway_database_up')}\n`;
    return this.registry.metrics();
  }

  private async load(): Promise<DatabaseSnapshot> {
    const at = new Date();
    const [sessions, outbox, campaigns, outbound] = await Promise.all([
      this.sessions.holderCounts(),
      this.deliveries.backlog(),
      this.campaigns.totals(),
      this.outbound.backlog(),
    ]);
    return { sessions, outbox, campaigns, outbound, at };
  }
}
