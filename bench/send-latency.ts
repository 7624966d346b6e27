/**
 * Send latency through REST (`npm run bench:send`): a gateway in this process with one session
 * linked to the WhatsApp simulator (a child process), and `POST /api/v1/sessions/:id/messages/text`
 * at a steady 50 requests/s for 25 s (`BENCH_SEND_RATE`, `BENCH_SEND_SECONDS`) over one keep-alive
 * connection pool. Open loop: request i is due at start + i / rate and its latency counts from that
 * moment, so a slow answer delays nothing and a late timer is not followed by a catch-up burst (the
 * late requests still count their wait). Reports request -> 201 and request -> acked as sent (the
 * outbound row's sent_at, set when WhatsApp's server took the message), p50/p99/max,
 * the first 2 s left out as warm-up. Creates and drops its own database; writes
 * bench/results/send-latency.json.
 */
import { Agent as HttpsAgent } from 'node:https';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { PrismaService } from '../src/prisma/prisma.service';
import { enableSandboxBaileys } from '../src/sandbox/baileys-sandbox-switch';
import { ConnectionRegistry } from '../src/whatsapp/connection-registry';
import { silenceLibsignalConsole } from '../test/support/baileys-test-client';
import { SimulatorProcess } from './simulator-process';
import {
  benchConfig,
  createBenchDatabase,
  percentile,
  sleep,
  startGateway,
  writeResult,
} from './webhook-bench-support';

const RATE = Number(process.env.BENCH_SEND_RATE ?? 50);
const SECONDS = Number(process.env.BENCH_SEND_SECONDS ?? 25);
const WARMUP_MS = 2_000;
const MASTER_KEY = 'master-key-for-the-bench-0123456789';
const SESSION = 'bench-send';
const PHONE = '15550001234';
const CONTACTS = 5;

const clock = () => performance.timeOrigin + performance.now();
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
  const db = await createBenchDatabase('wagw_bench_send');
  try {
    const sim = await host.call<{ webSocketUrl: string; rootPublicKey: string; certificate: string }>({
      cmd: 'start',
    });
    enableSandboxBaileys({ rootPublicKey: Buffer.from(sim.rootPublicKey, 'hex') });
    const app = await startGateway(benchConfig(db.url), {
      baileys: {
        waWebSocketUrl: sim.webSocketUrl,
        fetchAgent: new HttpsAgent({ ca: sim.certificate }),
        connectTimeoutMs: 20_000,
      },
    });
    try {
      const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
      const client = new Agent({ connections: 16, keepAliveTimeout: 30_000 });
      let auth: Record<string, string> = { 'x-master-key': MASTER_KEY };
      const call = async (method: 'POST' | 'GET', path: string, body?: unknown) => {
        const res = await request(`${base}${path}`, {
          method,
          dispatcher: client,
          headers: { ...auth, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return {
          status: res.statusCode,
          body: (await res.body.json()) as { data?: { messageId?: string; token?: string } },
        };
      };
      const created = await call('POST', '/api/v1/sessions', { id: SESSION, name: 'Bench send' });
      if (created.status !== 201) throw new Error(`creating the session answered ${created.status}`);
      // Sends go with the session's own API token, as a client's would.
      auth = { authorization: `Bearer ${created.body.data?.token}` };
      const registry = app.get(ConnectionRegistry);
      let qr: string | null = null;
      while (!(qr = registry.qrOf(SESSION))) await sleep(50);
      await host.call({ cmd: 'linkDevice', qr, phoneNumber: PHONE });
      while (registry.statusOf(SESSION) !== 'connected') await sleep(50);
      const contacts: string[] = [];
      for (let c = 0; c < CONTACTS; c++) {
        const contact = `1666000${String(c).padStart(4, '0')}`;
        await host.call({ cmd: 'createContact', phoneNumber: contact });
        contacts.push(contact);
      }
      await sleep(2_000); // the session's start-up traffic settles

      const total = RATE * SECONDS;
      const dueAt: number[] = [];
      const answeredAt: number[] = [];
      const ids: (string | null)[] = [];
      const statuses = new Map<number, number>();
      const loopDelay = monitorEventLoopDelay({ resolution: 10 });
      loopDelay.enable();
      const load = os.loadavg();
      const started = clock() + 50;
      let late = 0;
      const inFlight: Promise<void>[] = [];
      for (let i = 0; i < total; i++) {
        dueAt[i] = started + (i * 1000) / RATE;
        const wait = dueAt[i] - clock();
        if (wait > 0) await sleep(wait);
        else if (wait < -5) late++;
        inFlight.push(
          call('POST', `/api/v1/sessions/${SESSION}/messages/text`, {
            to: contacts[i % CONTACTS],
            text: `Bench message ${i}: a short text about as long as a real one`,
          }).then(
            ({ status, body }) => {
              answeredAt[i] = clock();
              statuses.set(status, (statuses.get(status) ?? 0) + 1);
              ids[i] = status === 201 ? (body.data?.messageId ?? null) : null;
            },
            () => {
              answeredAt[i] = clock();
              statuses.set(0, (statuses.get(0) ?? 0) + 1);
              ids[i] = null;
            },
          ),
        );
      }
      await Promise.all(inFlight);
      loopDelay.disable();
      // Acked as sent: the outbound row's sent_at, set when WhatsApp's server took the message.
      const prisma = app.get(PrismaService);
      const sentAt = new Map<string, number>();
      for (let i = 0; i < 150; i++) {
        const rows = await prisma.outboundMessage.findMany({
          where: { sessionId: SESSION, sentAt: { not: null } },
          select: { waMessageId: true, sentAt: true },
        });
        for (const r of rows) sentAt.set(r.waMessageId, r.sentAt!.getTime());
        if (ids.every((id) => !id || sentAt.has(id))) break;
        await sleep(200);
      }

      const toAnswer: number[] = [];
      const toSent: number[] = [];
      let notSent = 0;
      for (let i = 0; i < total; i++) {
        if (dueAt[i] < started + WARMUP_MS) continue;
        toAnswer.push(answeredAt[i] - dueAt[i]);
        const id = ids[i];
        const sent = id ? sentAt.get(id) : undefined;
        if (sent === undefined) notSent++;
        else toSent.push(sent - dueAt[i]);
      }
      const result = {
        date: new Date().toISOString(),
        node: process.version,
        cpus: os.cpus().length,
        loadAverageBefore: load.map((l) => Math.round(l * 100) / 100),
        loadAverageAfter: os.loadavg().map((l) => Math.round(l * 100) / 100),
        rate: RATE,
        seconds: SECONDS,
        requests: total,
        statuses: Object.fromEntries(statuses),
        lateTimerTicks: late,
        requestTo201Ms: summarise(toAnswer),
        requestToSentMs: summarise(toSent),
        notAckedAsSent: notSent,
        eventLoopDelayMs: {
          p50: Math.round(loopDelay.percentile(50) / 1e4) / 100,
          p99: Math.round(loopDelay.percentile(99) / 1e4) / 100,
          max: Math.round(loopDelay.max / 1e4) / 100,
        },
      };
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      process.stdout.write(`written to ${writeResult('send-latency', result)}\n`);
      await client.close();
    } finally {
      await app.close();
    }
  } finally {
    await host.call({ cmd: 'stop' }).catch(() => undefined);
    host.kill();
    await db.drop();
  }
}

const limit = setTimeout(() => {
  process.stderr.write('benchmark exceeded 170 s, aborting\n');
  process.exit(1);
}, 170_000);
limit.unref();
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
