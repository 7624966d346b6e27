/**
 * Webhook latency (`npm run bench:webhooks:latency`): contacts in the WhatsApp simulator (a child
 * process) send texts to 4 linked gateway sessions at a steady 200 messages/s for 20 s; a local
 * keep-alive receiver (worker thread) notes when each POST arrives. Latency = POST arrival - the
 * moment the message was stored (its transaction committed: the 'message.stored' domain event).
 * Also reports simulator send -> POST arrival (includes WhatsApp decryption and capture batching).
 * Writes bench/results/webhook-latency.json.
 */
import { Agent } from 'node:https';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import request from 'supertest';
import { DomainEvents } from '../src/common/domain-events';
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

const PER_SECOND = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP_SECONDS = 2;
const SESSIONS = 4;
const CONTACTS_PER_SESSION = 5;
const GOAL_P99_MS = 100;
const MASTER_KEY = 'master-key-for-the-bench-0123456789';

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

async function main(): Promise<void> {
  silenceLibsignalConsole();
  const host = new SimulatorProcess();
  const db = await createBenchDatabase('wagw_bench_latency');
  const receiver = await startReceiver(true);
  try {
    const sim = await host.call<{ webSocketUrl: string; rootPublicKey: string; certificate: string }>({
      cmd: 'start',
    });
    enableSandboxBaileys({ rootPublicKey: Buffer.from(sim.rootPublicKey, 'hex') });
    const config = benchConfig(db.url, { WEBHOOK_URL: receiver.url, MAX_SESSIONS: String(SESSIONS) });
    const app = await startGateway(config, {
      baileys: {
        waWebSocketUrl: sim.webSocketUrl,
        fetchAgent: new Agent({ ca: sim.certificate }),
        connectTimeoutMs: 20_000,
      },
    });
    const registry = app.get(ConnectionRegistry);
    const pairs: { from: string; to: string }[] = [];
    for (let s = 0; s < SESSIONS; s++) {
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
      for (let c = 0; c < CONTACTS_PER_SESSION; c++) {
        const contact = `1666${String(s).padStart(3, '0')}${String(c).padStart(4, '0')}`;
        await host.call({ cmd: 'createContact', phoneNumber: contact });
        pairs.push({ from: contact, to: phone });
      }
    }
    await sleep(2_000); // let the sessions' start-up traffic (session.status rows) settle

    const storedAt = new Map<string, number>();
    app
      .get(DomainEvents)
      .on('message.stored', (m) => storedAt.set(m.waMessageId, performance.timeOrigin + performance.now()));
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const started = performance.timeOrigin + performance.now();
    const { sent, late } = await host.call<{ sent: [string, number][]; late: number }>({
      cmd: 'steady',
      pairs,
      perSecond: PER_SECOND,
      seconds: SECONDS,
    });
    const total = PER_SECOND * SECONDS;
    const prisma = app.get(PrismaService);
    for (let i = 0; i < 200; i++) {
      if (
        (await prisma.webhookOutbox.count({ where: { event: 'message.inbound', status: 'delivered' } })) >=
        total
      )
        break;
      await sleep(100);
    }
    const stats = await receiver.stats();
    loopDelay.disable();
    const health = await request(app.getHttpServer()).get('/health');
    const dispatcher = (health.body as { data?: { webhooks?: unknown } }).data?.webhooks ?? null;
    await app.close();

    const arrivals = new Map(stats.arrivals.filter(([id]) => id));
    const sentAt = new Map(sent);
    const warm = started + WARMUP_SECONDS * 1000;
    const fromStored: number[] = [];
    const fromSent: number[] = [];
    const sendToStored: number[] = [];
    for (const [id, at] of arrivals) {
      const stored = storedAt.get(id);
      if (stored === undefined || stored < warm) continue;
      fromStored.push(at - stored);
      const sentTime = sentAt.get(id);
      if (sentTime !== undefined) fromSent.push(at - sentTime);
      if (sentTime !== undefined) sendToStored.push(stored - sentTime);
    }
    const storedToPost = summarise(fromStored);
    const result = {
      benchmark: 'webhook latency: message stored -> POST arriving at a local keep-alive receiver',
      goalP99Ms: GOAL_P99_MS,
      rate: {
        messagesPerSecond: PER_SECOND,
        seconds: SECONDS,
        sessions: SESSIONS,
        warmupSecondsExcluded: WARMUP_SECONDS,
      },
      messages: {
        sent: total,
        stored: storedAt.size,
        posted: arrivals.size,
        duplicates: stats.duplicates,
        schedulerLateTicks: late,
      },
      storedToPostMs: storedToPost,
      simulatorSendToPostMs: summarise(fromSent),
      simulatorSendToStoredMs: summarise(sendToStored),
      gatewayEventLoopDelayMs: {
        p50: Math.round(loopDelay.percentile(50) / 1e4) / 100,
        p99: Math.round(loopDelay.percentile(99) / 1e4) / 100,
        max: Math.round(loopDelay.max / 1e4) / 100,
      },
      dispatcherAtEnd: dispatcher,
      meetsGoal: storedToPost.p99 <= GOAL_P99_MS,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        node: process.version,
        loadAverage1mAtEnd: os.loadavg()[0],
      },
      at: new Date().toISOString(),
    };
    process.stdout.write(
      `${JSON.stringify(result, null, 2)}\nwritten ${writeResult('webhook-latency', result)}\n`,
    );
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
