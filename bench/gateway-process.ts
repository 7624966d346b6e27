/**
 * Child process of bench/thousand-sessions.ts: one gateway (the whole AppModule, its sockets pointed
 * at the bench's simulator), driven over the fork IPC channel, so that its RSS is the gateway's alone
 * (the simulator and the seeding run in other processes).
 */
import { Agent } from 'node:https';
import { NestFactory } from '@nestjs/core';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { DomainEvents } from '../src/common/domain-events';
import { loadConfig } from '../src/config/load-config';
import { PrismaService } from '../src/prisma/prisma.service';
import { enableSandboxBaileys } from '../src/sandbox/baileys-sandbox-switch';
import { ConnectionRegistry } from '../src/whatsapp/connection-registry';
import { SessionSupervisor } from '../src/whatsapp/session-supervisor';
import { silenceLibsignalConsole } from '../test/support/baileys-test-client';
import { gcRss, startCpuProfile } from './simulator-process';
import type { HostReply } from './simulator-host';

export interface SimulatorEndpoint {
  webSocketUrl: string;
  rootPublicKey: string;
  certificate: string;
}

export type GatewayCommand =
  | {
      id: number;
      cmd: 'start';
      databaseUrl: string;
      simulator: SimulatorEndpoint;
      env: Record<string, string>;
      /** A CPU profile from the start to the last session connected, written to this file. */
      cpuProfile?: string;
      /** Counts the SQL statements sent until the last session connected, by statement. */
      countQueries?: boolean;
    }
  | { id: number; cmd: 'wantAll' }
  | { id: number; cmd: 'waitConnected'; count: number; timeoutMs: number }
  | { id: number; cmd: 'memory' }
  | { id: number; cmd: 'close' };

export interface ConnectedReport {
  /** With countQueries: statements sent by the gateway meanwhile, most frequent first. */
  queries?: { total: number; byStatement: [string, number][] };
  /** From the start command (before the app is built) to the last session `connected`. */
  secondsFromStart: number;
  /** CPU time this process used meanwhile (user + system, all threads). */
  cpuSeconds: number;
  /** The most sessions held in the registry as `connecting` at one time (sampled every 10 ms). */
  peakConnecting: number;
  /** Statuses other than connecting/connected seen meanwhile (should be none). */
  otherStatuses: Record<string, number>;
}

export interface MemoryReport {
  /** RSS as it is, then after full GCs, and the heap after them (bytes). */
  rss: number;
  rssAfterGc: number;
  heapUsedAfterGc: number;
}

let app: NestExpressApplication | undefined;
let startedAt = 0;
const statusOf = new Map<string, string>();
const connected = new Set<string>();
const otherStatuses: Record<string, number> = {};
let connecting = 0;
let peakConnecting = 0;

let cpuAtStart = process.cpuUsage();
let sampler: NodeJS.Timeout | undefined;

function track(sessionId: string, status: string): void {
  statusOf.set(sessionId, status);
  if (status === 'connected') connected.add(sessionId);
  else connected.delete(sessionId);
  if (status !== 'connecting' && status !== 'connected')
    otherStatuses[status] = (otherStatuses[status] ?? 0) + 1;
}

let stopProfile: () => Promise<void> = async () => undefined;
let queries: Map<string, number> | undefined;

/** Counts every statement the Prisma driver adapter sends (its one path to the database). */
async function countQueries(): Promise<void> {
  const factory = new PrismaMariaDb('mysql://root@127.0.0.1:3306/mysql');
  const adapter = await factory.connect();
  const queryable = Object.getPrototypeOf(Object.getPrototypeOf(adapter)) as {
    performIO: (query: { sql: string }) => Promise<unknown>;
  };
  await adapter.dispose();
  const performIO = queryable.performIO;
  const counts = (queries = new Map());
  queryable.performIO = function (this: unknown, query) {
    const statement = query.sql.replace(/\s+/g, ' ').slice(0, 90);
    counts.set(statement, (counts.get(statement) ?? 0) + 1);
    return performIO.call(this, query);
  };
}

async function start(command: Extract<GatewayCommand, { cmd: 'start' }>): Promise<number> {
  startedAt = performance.now();
  cpuAtStart = process.cpuUsage();
  stopProfile = await startCpuProfile(command.cpuProfile);
  if (command.countQueries) await countQueries();
  silenceLibsignalConsole();
  enableSandboxBaileys({ rootPublicKey: Buffer.from(command.simulator.rootPublicKey, 'hex') });
  const { config } = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: `${command.databaseUrl}?connection_limit=20`,
    TOKEN_ENCRYPTION_KEY: '2e'.repeat(32),
    MIGRATE_ON_START: 'false',
    MEDIA_DOWNLOAD: 'false',
    ...command.env,
  });
  const baileys = {
    waWebSocketUrl: command.simulator.webSocketUrl,
    fetchAgent: new Agent({ ca: command.simulator.certificate }),
  };
  app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, { baileys }), {
    logger: false,
    bodyParser: false,
  });
  const registry = app.get(ConnectionRegistry);
  sampler = setInterval(() => {
    connecting = registry.heldSessionIds().filter((id) => registry.statusOf(id) === 'connecting').length;
    peakConnecting = Math.max(peakConnecting, connecting);
  }, 10);
  // Listening before init: the supervisor starts restoring sessions as the app boots.
  app.get(DomainEvents).on('session.status', ({ sessionId, status }) => track(sessionId, status));
  configureApp(app, config);
  await app.init();
  return Math.round(performance.now() - startedAt);
}

async function waitConnected(count: number, timeoutMs: number): Promise<ConnectedReport> {
  const until = performance.now() + timeoutMs;
  const progress = setInterval(
    () =>
      process.stderr.write(
        `  ${connected.size}/${count} connected, ${connecting} connecting ${JSON.stringify(otherStatuses)}\n`,
      ),
    10_000,
  );
  while (connected.size < count) {
    if (performance.now() > until) {
      clearInterval(progress);
      throw new Error(
        `${connected.size}/${count} sessions connected after ${timeoutMs / 1000} s (${JSON.stringify(otherStatuses)})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  clearInterval(progress);
  await stopProfile();
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    secondsFromStart: +((performance.now() - startedAt) / 1000).toFixed(2),
    cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(1),
    ...(queries && {
      queries: {
        total: [...queries.values()].reduce((a, b) => a + b, 0),
        byStatement: [...queries].sort((a, b) => b[1] - a[1]).slice(0, 25),
      },
    }),
    peakConnecting,
    otherStatuses,
  };
}

async function run(command: GatewayCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'start':
      return start(command);
    case 'wantAll': {
      // Every seeded session wanted at once, then one supervision pass instead of waiting for the tick.
      await app!.get(PrismaService).whatsappSession.updateMany({ data: { shouldConnect: true } });
      startedAt = performance.now();
      cpuAtStart = process.cpuUsage();
      peakConnecting = 0;
      void app!.get(SessionSupervisor).tick();
      return true;
    }
    case 'waitConnected':
      return waitConnected(command.count, command.timeoutMs);
    case 'memory': {
      const rss = process.memoryUsage().rss;
      const rssAfterGc = gcRss();
      return { rss, rssAfterGc, heapUsedAfterGc: process.memoryUsage().heapUsed } satisfies MemoryReport;
    }
    case 'close':
      clearInterval(sampler);
      await app?.close();
      app = undefined;
      return true;
  }
}

process.on('message', (command: GatewayCommand) => {
  run(command).then(
    (result) => process.send?.({ id: command.id, result } satisfies HostReply),
    (error: Error) => process.send?.({ id: command.id, error: error.message } satisfies HostReply),
  );
});
process.on('disconnect', () => process.exit(0));
