/**
 * Shared pieces of the webhook benchmarks: a database of their own, a keep-alive receiver in a
 * worker thread (its own event loop, so it does not slow the gateway's), and a gateway app.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule, type AppModuleOptions } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import type { AppConfig } from '../src/config/app-config';
import { loadConfig } from '../src/config/load-config';
import { withDatabase } from '../src/prisma/database-url';
import { dropDatabase, migrate } from '../src/prisma/migrator';
import { MIGRATIONS_DIR } from '../src/prisma/paths';

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/';

export async function createBenchDatabase(
  prefix: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = withDatabase(SERVER_URL, `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`);
  await migrate(url, MIGRATIONS_DIR);
  return { url, drop: () => dropDatabase(url) };
}

export function benchConfig(databaseUrl: string, overrides: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
    TOKEN_ENCRYPTION_KEY: 'ab'.repeat(32),
    RATE_LIMIT_PER_MINUTE: '1000000',
    ADMIN_EMAIL: 'admin@example.com',
    ADMIN_PASSWORD: 'admin-password-for-bench',
    MASTER_API_KEY: 'master-key-for-the-bench-0123456789',
    WEBHOOK_SECRET: 'bench-webhook-secret-0123456789',
    ...overrides,
  }).config;
}

export async function startGateway(
  config: AppConfig,
  options: AppModuleOptions = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options), {
    logger: false,
    bodyParser: false,
  });
  configureApp(app, config);
  await app.listen(0, '127.0.0.1');
  return app;
}

export interface ReceiverStats {
  count: number;
  unique: number;
  duplicates: number;
  firstAt: number;
  lastAt: number;
  /** [messageId, arrival ms (performance.timeOrigin + now)] when recording bodies. */
  arrivals: [string, number][];
}

const RECEIVER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const seen = new Map();
const arrivals = [];
let count = 0, firstAt = 0, lastAt = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const now = performance.timeOrigin + performance.now();
    count++;
    if (!firstAt) firstAt = now;
    lastAt = now;
    const id = req.headers['x-delivery-id'];
    seen.set(id, (seen.get(id) || 0) + 1);
    if (workerData.recordBodies) arrivals.push([JSON.parse(Buffer.concat(chunks).toString()).messageId, now]);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ type: 'ready', port: server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'stats') {
    let duplicates = 0;
    for (const n of seen.values()) if (n > 1) duplicates++;
    parentPort.postMessage({ type: 'stats', stats: { count, unique: seen.size, duplicates, firstAt, lastAt, arrivals } });
  } else if (m === 'close') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
`;

/** A webhook receiver answering 200 on keep-alive connections, in a worker thread. */
export async function startReceiver(recordBodies = false): Promise<{
  url: string;
  stats: () => Promise<ReceiverStats>;
  close: () => Promise<void>;
}> {
  const worker = new Worker(RECEIVER_SOURCE, { eval: true, workerData: { recordBodies } });
  const port = await new Promise<number>((resolve) =>
    worker.once('message', (m: { port: number }) => resolve(m.port)),
  );
  return {
    url: `http://127.0.0.1:${port}/hook`,
    stats: () =>
      new Promise((resolve) => {
        worker.once('message', (m: { stats: ReceiverStats }) => resolve(m.stats));
        worker.postMessage('stats');
      }),
    close: async () => {
      worker.postMessage('close');
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function writeResult(name: string, result: unknown): string {
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
