import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { DomainEvents, type DomainEventName } from '../common/domain-events';
import { AppConfig } from '../config/app-config';
import { HealthService } from '../health/health.service';
import { withConflictRetries } from '../outbox/lock-conflicts';
import { OutboxClaims, type ClaimedDelivery, type Lane } from '../outbox/outbox-claims';
import { OutboxResults, type Continuation, type LaneResult } from '../outbox/outbox-results';
import { WebhookDeliveries } from '../outbox/webhook-deliveries';
import { WebhookSettings, type WebhookConfig } from '../outbox/webhook-settings';
import { BrokerDelivery } from './brokers/broker-delivery';
import { judge, type PostOutcome } from './retry-policy';
import { WebhookHttp } from './webhook-http';
import { signatureHeaders, WebhookSecrets } from './webhook-secrets';
import { shutdownWait } from '../common/process-faults';

/** Rows of one session claimed at once; they are posted one after another, in order. */
export const LANE_SIZE = 100;
const TICK_MS = 1_000;
const WAKE_BUCKET_MS = 25;
const RECORD_ATTEMPTS = 3;
/** Lanes a session may run back to back before it goes through a claim again (fairness). */
const MAX_ROUNDS = 10;
const RECORD_PAUSE_MS = 200;
const WAKING_EVENTS = [
  'message.stored',
  'message.status',
  'session.status',
  'session.qr',
  'campaign.progress',
] as const satisfies readonly DomainEventName[];

/** How long a lane may keep starting POSTs: the timeout plus up to 5 s of quick ones. */
export const laneBudgetMs = (timeoutMs: number): number => timeoutMs + Math.min(5_000, timeoutMs);
const leaseMarginMs = (timeoutMs: number): number => Math.max(2_000, timeoutMs);
/** A claim outlives its lane by a margin; a crashed process's rows are due again after it. */
export const leaseMs = (timeoutMs: number): number => laneBudgetMs(timeoutMs) + leaseMarginMs(timeoutMs);

/**
 * Delivers the outbox: webhook rows as POSTs, broker rows (RabbitMQ, NATS) through BrokerDelivery,
 * each channel of a session in its own lane. Woken at once by new facts (domain events after commit), by its own retry
 * timers and by a 1 s tick (rows written by other processes, leases of crashed ones). Each wake
 * claims the due heads of up to WEBHOOK_CONCURRENCY sessions and runs one lane per session: the
 * session's next rows posted in order, so at most WEBHOOK_CONCURRENCY POSTs are in flight.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly lanes = new Set<Promise<void>>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly unsubscribe: (() => void)[] = [];
  private pumping = false;
  private again = false;
  private stopped = false;
  private inFlight = 0;
  /** Sessions with rows written here since their lane started: worth asking for more at its end. */
  private readonly fresh = new Set<string | null>();
  /** Since start, for /health: failed claims and lanes whose results could not be written. */
  private readonly errors = { claims: 0, lanes: 0, last: null as string | null };

  constructor(
    private readonly claims: OutboxClaims,
    private readonly results: OutboxResults,
    private readonly http: WebhookHttp,
    private readonly secrets: WebhookSecrets,
    private readonly settings: WebhookSettings,
    private readonly deliveries: WebhookDeliveries,
    private readonly events: DomainEvents,
    private readonly health: HealthService,
    private readonly config: AppConfig,
    private readonly brokers: BrokerDelivery,
  ) {}

  onApplicationBootstrap(): void {
    for (const name of WAKING_EVENTS) {
      this.unsubscribe.push(
        this.events.on(name, (event) => {
          this.fresh.add(event.sessionId);
          this.wake();
        }),
      );
    }
    this.health.register('webhooks', async () => ({
      ...(await this.deliveries.backlog()),
      activeLanes: this.lanes.size,
      inFlight: this.inFlight,
      errors: { ...this.errors },
    }));
    this.wake();
  }

  @Interval(TICK_MS)
  tick(): void {
    this.wake();
  }

  /** Claims and starts whatever is due now; calls during a claim coalesce into one more round. */
  wake(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    // Running lanes stop before their next POST and record what they did; while the database is
    // down they cannot, and shutdown waits 1 s at most (their rows are claimed again after the lease).
    await Promise.race([Promise.allSettled([...this.lanes]), shutdownWait(1_000)]);
  }

  private async pump(): Promise<void> {
    try {
      do {
        this.again = false;
        const free = this.config.WEBHOOK_CONCURRENCY - this.lanes.size;
        if (free <= 0) break; // a finishing lane wakes the dispatcher again
        const settings = await this.settings.config();
        const lanes = await withConflictRetries(this.events, 'claim', () =>
          this.claims.claim(free, LANE_SIZE, leaseMs(settings.timeout)),
        );
        for (const lane of lanes) this.startLane(lane, settings);
        if (lanes.length === free) this.again = true;
      } while (this.again && !this.stopped);
    } catch (error) {
      this.errors.claims++;
      this.errors.last = String((error as Error).message ?? error).slice(0, 300);
      this.logger.warn({ err: error }, 'Webhook dispatcher could not claim rows; trying again shortly');
      this.wakeAt(Date.now() + TICK_MS);
    } finally {
      this.pumping = false;
    }
  }

  private startLane(lane: Lane, settings: WebhookConfig): void {
    const run: Promise<void> = this.runLane(lane, settings)
      .catch((error: unknown) => {
        // The rows stay leased and are claimed again when the lease runs out.
        this.errors.lanes++;
        this.errors.last = String((error as Error).message ?? error).slice(0, 300);
        this.logger.error({ err: error, sessionId: lane.sessionId }, 'Webhook lane failed');
      })
      .finally(() => {
        this.lanes.delete(run);
        this.wake();
      });
    this.lanes.add(run);
  }

  /**
   * Posts a lane's rows in order; a failure to retry stops it (later rows wait behind). When every
   * row is done, the result write also leases the session's next rows, and the lane goes on (up to
   * MAX_ROUNDS times, so busy sessions still take turns with the others through claims).
   */
  private async runLane(first: Lane, firstSettings: WebhookConfig): Promise<void> {
    let lane: Lane | null = first;
    let settings = firstSettings;
    for (let round = 1; lane; round++) {
      this.fresh.delete(lane.sessionId);
      const full = lane.rows.length >= LANE_SIZE;
      const result = await this.deliverRows(lane, settings);
      // More rows are likely when the lane was full or this process wrote some meanwhile; rows
      // written by other processes are found by the next claim.
      const more = full || this.fresh.has(lane.sessionId);
      const goOn =
        more && !result.retry && result.released.length === 0 && round < MAX_ROUNDS && !this.stopped;
      const next: Lane | null = await this.recordWithRetries(
        lane,
        result,
        goOn ? { laneSize: LANE_SIZE, leaseMs: leaseMs(settings.timeout) } : null,
      );
      if (result.retry) this.wakeAt(result.retry.nextAttemptAt.getTime());
      lane = next;
      if (lane) settings = await this.settings.config();
    }
  }

  private async deliverRows(lane: Lane, settings: WebhookConfig): Promise<LaneResult> {
    // Counted from the lease, not from now: a lane that starts late still ends inside its lease.
    const lastStart = lane.leaseUntil.getTime() - leaseMarginMs(settings.timeout) - settings.timeout;
    const result: LaneResult = { delivered: [], dead: [], retry: null, released: [] };
    let next = 0;
    while (next < lane.rows.length && !this.stopped && Date.now() <= lastStart) {
      const row = lane.rows[next++];
      const attempt = row.attempts + 1;
      const verdict = judge(await this.send(row, attempt, settings.timeout), attempt, settings);
      if (verdict.action === 'delivered')
        result.delivered.push({ id: row.id, statusCode: verdict.statusCode });
      else if (verdict.action === 'dead')
        result.dead.push({ id: row.id, statusCode: verdict.statusCode, error: verdict.error });
      else {
        const nextAttemptAt = new Date(Date.now() + verdict.delayMs);
        result.retry = { id: row.id, statusCode: verdict.statusCode, error: verdict.error, nextAttemptAt };
        break; // later rows of this session wait behind it
      }
    }
    result.released = lane.rows.slice(next).map((row) => row.id);
    return result;
  }

  /**
   * A result that cannot be written leaves delivered rows leased, to be sent again when the lease
   * runs out; a short database hiccup should not cause that, so writing is tried a few times.
   */
  private async recordWithRetries(
    lane: Lane,
    result: LaneResult,
    next: Continuation | null,
  ): Promise<Lane | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.results.record(lane, result, next);
      } catch (error) {
        if (attempt >= RECORD_ATTEMPTS || Date.now() + RECORD_PAUSE_MS >= lane.leaseUntil.getTime())
          throw error;
        await new Promise((resolve) => setTimeout(resolve, RECORD_PAUSE_MS * attempt));
      }
    }
  }

  private async send(row: ClaimedDelivery, attempt: number, timeoutMs: number): Promise<PostOutcome> {
    if (BrokerDelivery.isBrokerChannel(row.channel)) {
      this.inFlight++;
      try {
        return await this.brokers.deliver(row, attempt, timeoutMs);
      } finally {
        this.inFlight--;
      }
    }
    let secret: string;
    try {
      secret = await this.secrets.forDelivery(row.sessionId, row.targetUrl);
    } catch (error) {
      return { kind: 'network', error: `cannot sign: ${(error as Error).message}`, latencyMs: 0 };
    }
    this.inFlight++;
    try {
      return await this.http.post(
        row.targetUrl,
        row.payload,
        {
          'x-delivery-id': row.deliveryId,
          'x-webhook-event': row.event,
          'x-webhook-attempt': String(attempt),
          ...signatureHeaders(secret, row.payload),
        },
        timeoutMs,
      );
    } finally {
      this.inFlight--;
    }
  }

  /** A wake-up at `at` (retries coming due); nearby times share one timer. */
  private wakeAt(at: number): void {
    if (this.stopped) return;
    const bucket = Math.ceil(at / WAKE_BUCKET_MS) * WAKE_BUCKET_MS;
    if (this.timers.has(bucket)) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(bucket);
        // A timer may fire a millisecond early by the wall clock the claim compares with; waking
        // then would find the row not yet due and leave it to the next tick, up to a second late.
        if (Date.now() < at) this.wakeAt(at);
        else this.wake();
      },
      Math.max(0, bucket - Date.now()),
    );
    timer.unref();
    this.timers.set(bucket, timer);
  }
}
