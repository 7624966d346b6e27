/**
 * Webhook throughput (`npm run bench:webhooks`): a backlog of 20,000 outbox rows is written first,
 * then a gateway starts and its dispatcher drains it to a local keep-alive receiver (a worker
 * thread). Deliveries per second = rows / (last POST arrival - first POST arrival); "drained" also
 * counts until the database has every row marked delivered. Runs the backlog spread over 50
 * sessions, over 1,000 sessions, and all in one session (strict order: one lane at a time).
 * Checks that every row arrived exactly once. Writes bench/results/webhook-throughput.json.
 * BENCH_ROWS, BENCH_SESSIONS (comma separated), BENCH_WEBHOOK_CONCURRENCY (instead of the default).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { Prisma, PrismaClient } from '../src/generated/prisma/client';
import { poolConfigFromUrl } from '../src/prisma/database-url';
import {
  benchConfig,
  createBenchDatabase,
  sleep,
  startGateway,
  startReceiver,
  writeResult,
} from './webhook-bench-support';
import { AppConfig } from '../src/config/app-config';
import { LANE_SIZE } from '../src/webhooks/webhook-dispatcher';

const ROWS = Number(process.env.BENCH_ROWS ?? 20_000);
const SCENARIOS = (process.env.BENCH_SESSIONS ?? '50,1000,1').split(',').map(Number);
const GOAL_PER_SECOND = 2_000;

async function insertBacklog(prisma: PrismaClient, sessions: number, targetUrl: string): Promise<void> {
  const now = new Date();
  for (let start = 0; start < ROWS; start += 1000) {
    const values: Prisma.Sql[] = [];
    for (let i = start; i < Math.min(ROWS, start + 1000); i++) {
      const deliveryId = randomUUID();
      const sessionId = `s${i % sessions}`;
      const messageId = `3EB0${i.toString(16).padStart(12, '0')}`;
      const payload = JSON.stringify({
        from: '6281316088377',
        to: '6285156808928',
        message: `Hello, how can I help you? #${i}`,
        timestamp: String(Math.floor(now.getTime() / 1000)),
        type: 'text',
        messageId,
        direction: 'inbound',
        chatJid: '6281316088377@s.whatsapp.net',
        event: 'message.inbound',
        sessionId,
        deliveryId,
      });
      values.push(
        Prisma.sql`(${deliveryId}, ${sessionId}, 'message.inbound', ${messageId}, ${payload}, ${targetUrl}, 'pending', 0, ${now}, ${now}, ${now})`,
      );
    }
    await prisma.$executeRaw`INSERT INTO webhook_outbox
      (delivery_id, session_id, event, message_id, payload, target_url, status, attempts, next_attempt_at, created_at, updated_at)
      VALUES ${Prisma.join(values)}`;
  }
}

async function scenario(sessions: number) {
  const db = await createBenchDatabase('wagw_bench_hooks');
  const receiver = await startReceiver();
  const prisma = new PrismaClient({ adapter: new PrismaMariaDb(poolConfigFromUrl(db.url)) });
  try {
    await insertBacklog(prisma, sessions, receiver.url);
    const started = performance.timeOrigin + performance.now();
    const app = await startGateway(
      benchConfig(db.url, {
        WEBHOOK_URL: receiver.url,
        ...(process.env.BENCH_WEBHOOK_CONCURRENCY
          ? { WEBHOOK_CONCURRENCY: process.env.BENCH_WEBHOOK_CONCURRENCY }
          : {}),
      }),
    );
    let drainedAt = 0;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const delivered = await prisma.webhookOutbox.count({ where: { status: 'delivered' } });
      if (delivered === ROWS) {
        drainedAt = performance.timeOrigin + performance.now();
        break;
      }
      await sleep(20);
    }
    await app.close();
    const stats = await receiver.stats();
    const posting = (stats.lastAt - stats.firstAt) / 1000;
    const result = {
      sessions,
      rows: ROWS,
      received: stats.count,
      uniqueDeliveryIds: stats.unique,
      duplicates: stats.duplicates,
      allDeliveredInDatabase: drainedAt > 0,
      postingSeconds: Math.round(posting * 1000) / 1000,
      deliveriesPerSecond: Math.round(ROWS / posting),
      secondsFromStartToAllMarkedDelivered: drainedAt ? Math.round(drainedAt - started) / 1000 : null,
    };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    await prisma.$disconnect();
    await receiver.close();
    await db.drop();
  }
}

async function main(): Promise<void> {
  const runs = [];
  for (const sessions of SCENARIOS) runs.push(await scenario(sessions));
  const file = writeResult('webhook-throughput', {
    benchmark: 'webhook deliveries per second from a backlog, local keep-alive receiver',
    goalPerSecond: GOAL_PER_SECOND,
    config: {
      WEBHOOK_CONCURRENCY: Number(
        process.env.BENCH_WEBHOOK_CONCURRENCY ?? new AppConfig().WEBHOOK_CONCURRENCY,
      ),
      laneSize: LANE_SIZE,
      connectionLimit: 10,
    },
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      node: process.version,
      loadAverage1mAtEnd: os.loadavg()[0],
    },
    at: new Date().toISOString(),
    runs,
  });
  console.log(`written ${file}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
