import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DomainEvents } from '../common/domain-events';
import { AppConfig } from '../config/app-config';
import { PrismaService } from '../prisma/prisma.service';

/** Said in the HELP of every counter kept in this process's memory. */
const PER_PROCESS = 'Per process, since it started (label gateway_instance).';

/**
 * What this process counts and sees: Node's own metrics (event-loop lag, memory, GC, handles),
 * counters fed by domain events after commit (no hot path is touched), and its database pool.
 * Every series carries gateway_instance (INSTANCE_ID), so the processes of a cluster stay apart.
 */
@Injectable()
export class ProcessMetrics implements OnModuleInit, OnModuleDestroy {
  readonly registry = new Registry();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly messages: Counter<'direction' | 'type'>;
  private readonly closes: Counter<'code' | 'status'>;
  private readonly deliveries: Counter<'channel' | 'outcome'>;
  private readonly deliveryLatency: Histogram<'channel'>;
  private readonly outboxConflicts: Counter<'operation' | 'kind'>;

  constructor(
    private readonly events: DomainEvents,
    prisma: PrismaService,
    config: AppConfig,
  ) {
    this.registry.setDefaultLabels({ gateway_instance: config.INSTANCE_ID ?? 'unknown' });
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.messages = new Counter({
      name: 'wa_gateway_messages_total',
      help: `Messages stored, by direction (inbound, outbound) and type (text, image, ...). ${PER_PROCESS}`,
      labelNames: ['direction', 'type'],
      registers,
    });
    this.closes = new Counter({
      name: 'wa_gateway_session_closes_total',
      help:
        'WhatsApp socket closes that changed a session status, by Baileys close code and the status it ' +
        `led to (connecting: reconnecting). Closes while already reconnecting are not counted. ${PER_PROCESS}`,
      labelNames: ['code', 'status'],
      registers,
    });
    this.deliveries = new Counter({
      name: 'wa_gateway_outbox_deliveries_total',
      help:
        'Delivery attempts of outbox rows, by channel (webhook, rabbitmq, nats) and outcome (delivered; ' +
        `retry: failed, to be tried again; dead: failed for good). ${PER_PROCESS}`,
      labelNames: ['channel', 'outcome'],
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: 'wa_gateway_outbox_delivery_seconds',
      help: `From an event being stored (its outbox row written) to its delivery, by channel. ${PER_PROCESS}`,
      labelNames: ['channel'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    });
    this.outboxConflicts = new Counter({
      name: 'wa_gateway_outbox_lock_conflicts_total',
      help:
        'Dispatcher transactions (operation: claim, or record: writing lane results) that the database ' +
        `rolled back for a lock conflict (kind: deadlock, lock_wait_timeout); each is run again. ${PER_PROCESS}`,
      labelNames: ['operation', 'kind'],
      registers,
    });
    const pool = (pick: (use: NonNullable<ReturnType<PrismaService['poolUse']>>) => number) =>
      function collect(this: Gauge) {
        const use = prisma.poolUse();
        if (use) this.set(pick(use));
      };
    new Gauge({
      name: 'wa_gateway_db_pool_connections_active',
      help: 'Database pool connections in use by this process.',
      registers,
      collect: pool((u) => u.active),
    });
    new Gauge({
      name: 'wa_gateway_db_pool_connections_idle',
      help: 'Database pool connections open and idle in this process.',
      registers,
      collect: pool((u) => u.idle),
    });
    new Gauge({
      name: 'wa_gateway_db_pool_connections_limit',
      help: 'The most connections the database pool of this process opens (connection_limit).',
      registers,
      collect: pool((u) => u.limit),
    });
    new Gauge({
      name: 'wa_gateway_db_pool_waiting',
      help: 'Database requests of this process waiting for a pool connection.',
      registers,
      collect: pool((u) => u.waiting),
    });
  }

  onModuleInit(): void {
    this.unsubscribe.push(
      this.events.on('message.stored', (m) => this.messages.inc({ direction: m.direction, type: m.type })),
      this.events.on('session.status', (s) => {
        if (s.code !== null) this.closes.inc({ code: String(s.code), status: s.status });
      }),
      this.events.on('outbox.conflict', (c) =>
        this.outboxConflicts.inc({ operation: c.operation, kind: c.kind }),
      ),
      this.events.on('outbox.recorded', ({ deliveries, at }) => {
        for (const d of deliveries) {
          this.deliveries.inc({ channel: d.channel, outcome: d.outcome });
          if (d.outcome === 'delivered')
            this.deliveryLatency.observe(
              { channel: d.channel },
              Math.max(0, at.getTime() - d.createdAt.getTime()) / 1000,
            );
        }
      }),
    );
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
  }
}
