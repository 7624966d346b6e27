/**
 * Webhook latency (`npm run bench:webhooks:latency`): contacts in the WhatsApp simulator (a child
 * process) send texts to linked gateway sessions at a steady rate; a local keep-alive receiver
 * (worker thread) notes when each POST arrives. Two cases by default, one after the other on the
 * same gateway: 200 messages/s over 4 sessions, then 500 messages/s over 50 sessions, 15 s each
 * (`BENCH_CASES=rate x sessions,...`, `BENCH_SECONDS`, `BENCH_RUNS` repeats the cases; `BENCH_WEBHOOK_CONCURRENCY` sets WEBHOOK_CONCURRENCY).
 *
 * Latency = POST arrival - the moment the message was stored (its transaction committed: the
 * 'message.stored' domain event), split into stored -> claimed (the dispatcher leased its outbox row,
 * by a claim or by a lane's continuation) and claimed -> POST; simulator send -> stored (WhatsApp
 * encryption, decryption and capture batching) is reported beside it. The generator never bursts to
 * catch up after a late timer tick (see steady() in simulator-host.ts); it reports its late ticks.
 * Writes bench/results/webhook-latency.json.
 */
import { Agent } from 'node:https';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import request from 'supertest';
import { DomainEvents } from '../src/common/domain-events';
import { OutboxClaims, type Lane } from '../src/outbox/outbox-claims';
import { PrismaService } from '../src/prisma/prisma.service';
import { enableSandboxBaileys } from '../src/sandbox/baileys-sandbox-switch';
import { silenceLibsignalConsole } from '../test/support/baileys-test-client';
import { ConnectionRegistry } from '../src/whatsapp/connection-registry';
import {
  benchConfig,
  createBenchDatabase,
  percentile,
  sleep,
  startGateway,
  startReceiver,
  writeResult,
} from './webhook-bench-support';
import { SimulatorProcess } from './simulator-process';

interface Case {
  perSecond: number;
  sessions: number;
  goalP99Ms: number;
}

/** The goals of issue 22: p99 <= 100 ms at 200 msg/s, <= 150 ms at 500 msg/s. */
const goalFor = (perSecond: number): number => (perSecond <= 200 ? 100 : 150);
const CASES: Case[] = (process.env.BENCH_CASES ?? '200x4,500x50').split(',').map((spec) => {
  const [perSecond, sessions] = spec.split('x').map(Number);
  return { perSecond, sessions, goalP99Ms: goalFor(perSecond) };
});
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const WARMUP_SECONDS = 2;
const CONTACTS_PER_SESSION = 5;
const MASTER_KEY = 'master-key-for-the-bench-0123456789';
const METRICS_TOKEN = 'metrics-token-for-the-bench-0123456789';

const summarise = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
};

const clock = () => performance.timeOrigin + performance.now();
const MESSAGE_ID = /"messageId":"([^"]+)"/;

/** Notes when each message's row was first leased (by a claim or by a lane's continuation). */
function watchClaims(claims: OutboxClaims, claimedAt: Map<string, number>): void {
  const note = (lanes: Lane[]) => {
    const at = clock();
    for (const lane of lanes)
      for (const row of lane.rows) {
        const id = MESSAGE_ID.exec(row.payload)?.[1];
        if (id && !claimedAt.has(id)) claimedAt.set(id, at);
      }
    return lanes;
  };
  const claim = claims.claim.bind(claims);
  const leaseNext = claims.leaseNext.bind(claims);
  claims.claim = (...args) => claim(...args).then(note);
  claims.leaseNext = (...args) => leaseNext(...args).then(note);
}

/** Innodb_deadlocks of the server (since it started). */
async function serverDeadlocks(prisma: PrismaService): Promise<number> {
  const rows = await prisma.$queryRaw<{ Value: string }[]>`SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'`;
  return Number(rows[0]?.Value ?? NaN);
}

/** Every 100 ms: is a transaction of this database waiting for a row lock? */
function sampleLockWaits(prisma: PrismaService): {
  stop: () => Promise<{ samples: number; waiting: number }>;
} {
  let samples = 0;
  let waiting = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const [row] = await prisma.$queryRaw<{ n: bigint }[]>`
        SELECT COUNT(*) AS n FROM information_schema.innodb_trx t
        JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id
        WHERE t.trx_state = 'LOCK WAIT' AND p.db = DATABASE()`;
      samples++;
      if (Number(row.n) > 0) waiting++;
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { samples, waiting };
    },
  };
}

async function main(): Promise<void> {
  silenceLibsignalConsole();
  const maxSessions = Math.max(...CASES.map((c) => c.sessions));
  const host = new SimulatorProcess();
  const db = await createBenchDatabase('wagw_bench_latency');
  const receiver = await startReceiver(true);
  try {
    const sim = await host.call<{ webSocketUrl: string; rootPublicKey: string; certificate: string }>({
      cmd: 'start',
    });
    enableSandboxBaileys({ rootPublicKey: Buffer.from(sim.rootPublicKey, 'hex') });
    const config = benchConfig(db.url, {
      WEBHOOK_URL: receiver.url,
      MAX_SESSIONS: String(maxSessions),
      METRICS_TOKEN,
      ...(process.env.BENCH_WEBHOOK_CONCURRENCY
        ? { WEBHOOK_CONCURRENCY: process.env.BENCH_WEBHOOK_CONCURRENCY }
        : {}),
    });
    const app = await startGateway(config, {
      baileys: {
        waWebSocketUrl: sim.webSocketUrl,
        fetchAgent: new Agent({ ca: sim.certificate }),
        connectTimeoutMs: 20_000,
      },
    });
    const registry = app.get(ConnectionRegistry);
    /** Each session's contacts, by session index. */
    const pairsOf: { from: string; to: string }[][] = [];
    for (let s = 0; s < maxSessions; s++) {
      const phone = `1555000${String(s).padStart(4, '0')}`;
      await request(app.getHttpServer())
        .post('/api/v1/sessions')
        .set('x-master-key', MASTER_KEY)
        .send({ id: `bench-${s}`, name: `Bench ${s}` })
        .expect(201);
      let qr: string | null = null;
      while (!(qr = registry.qrOf(`bench-${s}`))) await sleep(50);
      await host.call({ cmd: 'linkDevice', qr, phoneNumber: phone });
      while (registry.statusOf(`bench-${s}`) !== 'connected') await sleep(50);
      const pairs: { from: string; to: string }[] = [];
      for (let c = 0; c < CONTACTS_PER_SESSION; c++) {
        const contact = `1666${String(s).padStart(3, '0')}${String(c).padStart(4, '0')}`;
        await host.call({ cmd: 'createContact', phoneNumber: contact });
        pairs.push({ from: contact, to: phone });
      }
      pairsOf.push(pairs);
    }
    await sleep(2_000); // let the sessions' start-up traffic (session.status rows) settle

    const storedAt = new Map<string, number>();
    const claimedAt = new Map<string, number>();
    app.get(DomainEvents).on('message.stored', (m) => storedAt.set(m.waMessageId, clock()));
    watchClaims(app.get(OutboxClaims), claimedAt);
    const prisma = app.get(PrismaService);

    const results = [];
    for (let run = 1; run <= RUNS; run++) {
      for (const benchCase of CASES) {
        // Contact c of every session, then contact c + 1: consecutive messages go to different sessions.
        const pairs: { from: string; to: string }[] = [];
        for (let c = 0; c < CONTACTS_PER_SESSION; c++)
          for (let s = 0; s < benchCase.sessions; s++) pairs.push(pairsOf[s][c]);
        const loopDelay = monitorEventLoopDelay({ resolution: 10 });
        loopDelay.enable();
        const deadlocksBefore = await serverDeadlocks(prisma);
        const lockWaits = sampleLockWaits(prisma);
        const load = os.loadavg()[0];
        const started = clock();
        const { sent, late, slippedMs } = await host.call<{
          sent: [string, number][];
          late: number;
          slippedMs: number;
        }>({ cmd: 'steady', pairs, perSecond: benchCase.perSecond, seconds: SECONDS });
        const ids = new Set(sent.map(([id]) => id));
        let arrivals = new Map<string, number>();
        let duplicates = 0;
        for (let i = 0; i < 200; i++) {
          const stats = await receiver.stats();
          const counts = new Map<string, number>();
          for (const [id] of stats.arrivals) if (ids.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
          // The first arrival of each message counts (a duplicate would be a second POST).
          arrivals = new Map([...stats.arrivals].reverse().filter(([id]) => ids.has(id)));
          duplicates = [...counts.values()].filter((n) => n > 1).length;
          if (arrivals.size >= ids.size) break;
          await sleep(100);
        }
        loopDelay.disable();
        const waits = await lockWaits.stop();
        const deadlocks = (await serverDeadlocks(prisma)) - deadlocksBefore;

        const sentAt = new Map(sent);
        const warm = started + WARMUP_SECONDS * 1000;
        const stages = {
          storedToPost: [] as number[],
          sendToStored: [] as number[],
          storedToClaimed: [] as number[],
          claimedToPost: [] as number[],
          sendToPost: [] as number[],
        };
        for (const [id, at] of arrivals) {
          const stored = storedAt.get(id);
          const sentTime = sentAt.get(id);
          if (stored === undefined || sentTime === undefined || sentTime < warm) continue;
          stages.storedToPost.push(at - stored);
          stages.sendToStored.push(stored - sentTime);
          stages.sendToPost.push(at - sentTime);
          const claimed = claimedAt.get(id);
          if (claimed !== undefined) {
            stages.storedToClaimed.push(claimed - stored);
            stages.claimedToPost.push(at - claimed);
          }
        }
        const storedToPostMs = summarise(stages.storedToPost);
        const result = {
          run,
          messagesPerSecond: benchCase.perSecond,
          sessions: benchCase.sessions,
          seconds: SECONDS,
          warmupSecondsExcluded: WARMUP_SECONDS,
          goalP99Ms: benchCase.goalP99Ms,
          meetsGoal: storedToPostMs.p99 <= benchCase.goalP99Ms,
          messages: {
            sent: sent.length,
            stored: [...ids].filter((id) => storedAt.has(id)).length,
            posted: arrivals.size,
            duplicates,
            generatorLateTicks: late,
            generatorSlippedMs: slippedMs,
          },
          storedToPostMs,
          storedToClaimedMs: summarise(stages.storedToClaimed),
          claimedToPostMs: summarise(stages.claimedToPost),
          simulatorSendToStoredMs: summarise(stages.sendToStored),
          simulatorSendToPostMs: summarise(stages.sendToPost),
          database: {
            /** Samples (every 100 ms) that saw a transaction of the bench's database waiting for a row lock. */
            lockWaitSamples: `${waits.waiting} of ${waits.samples}`,
            /** Deadlocks of the whole server (Innodb_deadlocks) during the case; other databases count too. */
            serverDeadlocks: deadlocks,
          },
          gatewayEventLoopDelayMs: {
            p50: Math.round(loopDelay.percentile(50) / 1e4) / 100,
            p99: Math.round(loopDelay.percentile(99) / 1e4) / 100,
            max: Math.round(loopDelay.max / 1e4) / 100,
          },
          loadAverage1m: { atStart: load, atEnd: os.loadavg()[0] },
        };
        results.push(result);
        const line = (name: string, s: ReturnType<typeof summarise>) =>
          `  ${name.padEnd(16)} p50 ${s.p50} p90 ${s.p90} p99 ${s.p99} max ${s.max} ms`;
        process.stdout.write(
          [
            `run ${run}: ${benchCase.perSecond} msg/s over ${benchCase.sessions} sessions, ${SECONDS} s ` +
              `(load ${load.toFixed(2)} -> ${os.loadavg()[0].toFixed(2)}; generator late ticks ${late}, slipped ${slippedMs} ms)`,
            line('stored -> POST', storedToPostMs),
            line('stored -> claim', result.storedToClaimedMs),
            line('claim -> POST', result.claimedToPostMs),
            line('send -> stored', result.simulatorSendToStoredMs),
            `  sent ${sent.length} stored ${result.messages.stored} posted ${arrivals.size} duplicates ${duplicates}; ` +
              `goal p99 <= ${benchCase.goalP99Ms} ms: ${result.meetsGoal ? 'met' : 'NOT met'}`,
            `  lock waits seen in ${waits.waiting} of ${waits.samples} samples; server deadlocks ${deadlocks}; ` +
              `event loop delay p99 ${result.gatewayEventLoopDelayMs.p99} ms`,
            '',
          ].join('\n'),
        );
        await sleep(1_000);
      }
    }
    const health = await request(app.getHttpServer()).get('/health');
    const dispatcher = (health.body as { data?: { webhooks?: unknown } }).data?.webhooks ?? null;
    const metrics = await request(app.getHttpServer())
      .get('/metrics')
      .set('authorization', `Bearer ${METRICS_TOKEN}`);
    const deadlocks = String(metrics.text ?? '')
      .split('\n')
      .filter((l) => l.startsWith('wa_gateway_outbox_lock_conflicts'));
    await app.close();

    const summary = {
      benchmark: 'webhook latency: message stored -> POST arriving at a local keep-alive receiver',
      cases: results,
      dispatcherAtEnd: dispatcher,
      outboxLockConflictMetrics: deadlocks,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        node: process.version,
      },
      at: new Date().toISOString(),
    };
    process.stdout.write(`written ${writeResult('webhook-latency', summary)}\n`);
  } finally {
    await host.call({ cmd: 'stop' }).catch(() => undefined);
    host.kill();
    await receiver.close();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
