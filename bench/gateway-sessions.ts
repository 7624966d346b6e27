/**
 * The gateway against the raw-Baileys baseline (`npm run bench:sessions`), on the simulator:
 * - inbound: 10 and 50 connected sessions, one contact sending as fast as the simulator can; messages
 *   per second STORED in MySQL (counted at the gateway's message.stored event, i.e. after commit),
 *   against raw Baileys (bench/simulator-baseline.ts --serve, a child process with its own simulator,
 *   counted at messages.upsert). Raw and gateway runs alternate in pairs, each on a quiet machine,
 *   9 pairs per case; the ratio is the median of the pairs' ratios. Both sides warm up first (4,000
 *   messages). Also CPU ms per message of each side by thread, the simulator's and MariaDB's, and each
 *   gateway run's storage lag (from the last message Baileys handed over to the last one stored);
 * - memory: RSS per idle connected session at 100 sessions, against RSS per raw Baileys socket;
 * - restart: 100 saved sessions all `connected` again after the app restarts.
 * Order: link 100 and measure memory, restart, then inbound with 50 connected (as many as the baseline's
 * sockets): the other 50 are disconnected and the app restarted with the 50.
 * Writes bench/results/gateway-sessions.json. Creates and drops its own database.
 * BENCH_SESSIONS (default 100), BENCH_LOG_LEVEL, BENCH_CPU_PROFILE=<file> (a CPU profile of the inbound runs),
 * BENCH_RAW_CPU_PROFILE=<file> (the raw side's, over the same runs); for a shorter run, BENCH_PAIRS (default 9)
 * and BENCH_INBOUND_SESSIONS (10 or 50: only that case), BENCH_RESULTS=<file> (instead of bench/results/).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../src/app.module';
import { SYSTEM_ACTOR } from '../src/auth/actor';
import { configureApp } from '../src/app.setup';
import { DomainEvents } from '../src/common/domain-events';
import { loadConfig } from '../src/config/load-config';
import { withDatabase } from '../src/prisma/database-url';
import { dropDatabase, migrate } from '../src/prisma/migrator';
import { MIGRATIONS_DIR } from '../src/prisma/paths';
import { enableSandboxBaileys } from '../src/sandbox/baileys-sandbox-switch';
import { silenceLibsignalConsole } from '../test/support/baileys-test-client';
import { SessionsService } from '../src/sessions/sessions.service';
import { WhatsappIngest } from '../src/whatsapp/whatsapp-ingest';
import type { ServeCommand, ServeStarted } from './simulator-baseline';
import {
  gcRss,
  measureRun,
  medianRun,
  ForkedScript,
  SimulatorProcess,
  startCpuProfile,
  type RunCost,
} from './simulator-process';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100);
const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
// BENCH_INBOUND_SESSIONS=50 runs only that case (a shorter run for profiling).
const INBOUND_RUNS: { sessions: number; messages: number }[] = [
  { sessions: 10, messages: 10_000 },
  { sessions: 50, messages: 12_000 },
].filter(
  (r) => !process.env.BENCH_INBOUND_SESSIONS || String(r.sessions) === process.env.BENCH_INBOUND_SESSIONS,
);
const CONTACT = '15557770000';
const WARM_UP_MESSAGES = 4000;
/** Pairs of runs (one raw, one gateway) per inbound case; medians are reported (BENCH_PAIRS, for shorter runs). */
const REPEATS = Number(process.env.BENCH_PAIRS ?? 9);
/** Sockets the raw baseline keeps connected during its inbound runs (bench/simulator-baseline.ts). */
const RAW_SOCKETS = 50;
const HARD_LIMIT_MS = 540_000;
/** BENCH_RESULTS=<file>: where the results go instead (a short run need not replace the committed ones). */
const RESULTS = process.env.BENCH_RESULTS ?? join(__dirname, 'results', 'gateway-sessions.json');
const SERVER = process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/';
const DATABASE_URL = withDatabase(SERVER, `wagw_bench_sessions_${process.pid}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const numberOf = (i: number) => String(15557771000 + i);

async function startGateway(databaseUrl: string, socket: { waWebSocketUrl: string; fetchAgent: Agent }) {
  const { config } = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: `${databaseUrl}?connection_limit=20`,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    TOKEN_ENCRYPTION_KEY: '2e'.repeat(32),
    MAX_SESSIONS: String(SESSIONS + 10),
    MIGRATE_ON_START: 'false',
    MEDIA_DOWNLOAD: 'false',
  });
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, { baileys: socket }),
    {
      logger: false,
      bodyParser: false,
    },
  );
  configureApp(app, config);
  await app.init();
  return app;
}

/** Resolves when `count` distinct sessions reported `connected`. */
function connectedCount(
  app: NestExpressApplication,
  count: number,
  onQr?: (sessionId: string, qr: string) => void,
  verbose = false,
): Promise<void> {
  const events = app.get(DomainEvents);
  const connected = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  if (verbose) {
    timer = setInterval(() => log(`${connected.size}/${count} connected`), 5000);
    timer.unref();
    events.on(
      'session.status',
      ({ sessionId, status, reason }) =>
        verbose &&
        status !== 'connected' &&
        status !== 'connecting' &&
        log(`${sessionId}: ${status} ${reason ?? ''}`),
    );
  }
  return new Promise((resolve) => {
    if (count === 0) {
      clearInterval(timer);
      resolve();
    }
    if (onQr) events.on('session.qr', ({ sessionId, qr }) => onQr(sessionId, qr));
    events.on('session.status', ({ sessionId, status }) => {
      if (status === 'connected') connected.add(sessionId);
      if (connected.size < count) return;
      clearInterval(timer);
      resolve();
    });
  });
}

async function main(): Promise<void> {
  // The raw baseline pairs its sockets and warms up first, on a machine that is doing nothing else.
  // bench/simulator-baseline.ts --serve: a child process with its own simulator and raw sockets.
  const rawBaseline = new ForkedScript<ServeCommand>('simulator-baseline.ts', ['--serve']);
  const rawReady = await rawBaseline.call<ServeStarted>({ cmd: 'start' });
  const rawRun = (sockets: number, messages: number, label: string) =>
    rawBaseline.call<RunCost & { messages: number }>({ cmd: 'run', sockets, messages, label });
  log(`raw baseline ready: ${RAW_SOCKETS} sockets, warm-up ${rawReady.warmUp.messagesPerSecond} msgs/s`);
  silenceLibsignalConsole();
  const host = new SimulatorProcess();
  const started = await host.call<{ webSocketUrl: string; rootPublicKey: string; certificate: string }>({
    cmd: 'start',
  });
  enableSandboxBaileys({ rootPublicKey: Buffer.from(started.rootPublicKey, 'hex') });
  const socket = { waWebSocketUrl: started.webSocketUrl, fetchAgent: new Agent({ ca: started.certificate }) };
  await host.call({ cmd: 'createContact', phoneNumber: CONTACT });

  const databaseUrl = DATABASE_URL;
  await migrate(databaseUrl, MIGRATIONS_DIR);
  try {
    let app = await startGateway(databaseUrl, socket);
    await sleep(1000);
    const rssBefore = gcRss();

    // Link 100 sessions: each shows a QR that a simulated phone scans.
    const ids = Array.from({ length: SESSIONS }, (_, i) => `s${i}`);
    // Each session's phone scans one QR (a second scan while the first pairing completes would link twice).
    const scanned = new Set<string>();
    const linked = connectedCount(app, SESSIONS, (sessionId, qr) => {
      if (scanned.has(sessionId)) return;
      scanned.add(sessionId);
      void host
        .call({ cmd: 'linkDevice', qr, phoneNumber: numberOf(ids.indexOf(sessionId)) })
        .catch(() => scanned.delete(sessionId));
    });
    const sessions = app.get(SessionsService);
    for (let i = 0; i < SESSIONS; i += 10) {
      await Promise.all(
        ids
          .slice(i, i + 10)
          .map((id) => sessions.create({ id, name: id }, { principal: null, ip: null, userAgent: null })),
      );
    }
    await linked;
    log(`${SESSIONS} sessions linked and connected`);
    await sleep(2000);
    const rssAfter = gcRss();
    const rssPerSessionKiB = Math.round((rssAfter - rssBefore) / SESSIONS / 1024);

    // Restart: a new app instance on the same database brings every saved session back.
    await app.close();
    const t0 = Date.now();
    app = await startGateway(databaseUrl, socket);
    await connectedCount(app, SESSIONS, undefined, true);
    const restartSeconds = +((Date.now() - t0) / 1000).toFixed(2);

    // Inbound runs with as many sessions connected as the baseline has sockets (50): the others are
    // disconnected (saved as not wanted), and the app restarted with only these.
    const inboundIds = ids.slice(0, RAW_SOCKETS);
    const service = app.get(SessionsService);
    for (const id of ids.slice(RAW_SOCKETS))
      await service.disconnect(await service.require(id), SYSTEM_ACTOR);
    await app.close();
    app = await startGateway(databaseUrl, socket);
    await connectedCount(app, inboundIds.length, undefined, true);

    // Inbound throughput, counted when messages are committed to MySQL.
    const events = app.get(DomainEvents);
    let stored = 0;
    let prefix = '';
    // When the last message of a run was handed over by Baileys and when the last one was stored:
    // the difference is the storage lag (the raw side, counting at messages.upsert, has none).
    let lastAcceptedAt = 0;
    let lastStoredAt = 0;
    events.on('message.stored', (m) => {
      if (m.direction === 'inbound' && m.text?.startsWith(prefix)) {
        stored++;
        lastStoredAt = performance.now();
      }
    });
    const ingest = app.get(WhatsappIngest);
    const accept = ingest.accept.bind(ingest);
    ingest.accept = (...args) => {
      lastAcceptedAt = performance.now();
      accept(...args);
    };
    // Warm-up, as the baseline's 1-socket run warms raw Baileys before its 10-socket run: one message
    // per session opens the contact's Signal session, then WARM_UP_MESSAGES more warm the JIT.
    const warmSessions = inboundIds.length;
    prefix = 'warm-up';
    await host.call({
      cmd: 'push',
      from: CONTACT,
      to: inboundIds.map((_, i) => numberOf(i)),
      perRecipient: 1,
      prefix,
    });
    while (stored < warmSessions) await sleep(50);
    await host.call({
      cmd: 'push',
      from: CONTACT,
      to: [numberOf(0)],
      perRecipient: WARM_UP_MESSAGES,
      prefix,
    });
    while (stored < warmSessions + WARM_UP_MESSAGES) await sleep(50);
    log('warm-up stored');
    // BENCH_CPU_PROFILE=file.cpuprofile records this process's CPU during the inbound runs only.
    const stopProfile = await startCpuProfile(process.env.BENCH_CPU_PROFILE);
    type InboundRow = RunCost & {
      sessions: number;
      messages: number;
      ratioToRaw: number;
      pairRatioQuartiles: [number, number];
      pairRatios: number[];
      /** Per gateway run: ms from the last message Baileys handed over to the last one stored. */
      storageLagMs: number[];
      rawMessagesPerSecond: number;
      rawCpuMsPerMessage: number;
      rawThreads: Record<string, number>;
      rawSimulatorCpuMsPerMessage: number;
      runs?: number[];
      rawRuns?: number[];
    };
    type GatewayRun = RunCost & { storageLagMs: number };
    const gatewayRun = async (sessions: number, expected: number, label: string): Promise<GatewayRun> => {
      prefix = `${label} `;
      stored = 0;
      const cost = await measureRun(host, expected, async () => {
        await host.call({
          cmd: 'push',
          from: CONTACT,
          to: ids.slice(0, sessions).map((_, i) => numberOf(i)),
          perRecipient: expected / sessions,
          prefix: label,
        });
        for (let last = -1, idle = 0; stored < expected; await sleep(10)) {
          idle = stored === last ? idle + 10 : 0;
          last = stored;
          if (idle > 30_000) throw new Error(`stalled at ${stored}/${expected} stored messages`);
        }
      });
      return { ...cost, storageLagMs: Math.round(lastStoredAt - lastAcceptedAt) };
    };
    const inbound: InboundRow[] = [];
    for (const run of INBOUND_RUNS.filter((r) => r.sessions <= inboundIds.length)) {
      const expected = Math.ceil(run.messages / run.sessions) * run.sessions;
      const ours: GatewayRun[] = [];
      const raws: RunCost[] = [];
      // Raw and gateway runs alternate (raw first, then gateway first, ...), so a machine that gets
      // faster or slower during the benchmark weighs on both sides alike.
      for (let r = 0; r < REPEATS; r++) {
        const label = `run-${run.sessions}-${r}`;
        const rawFirst = r % 2 === 0;
        if (rawFirst) raws.push(await rawRun(run.sessions, expected, label));
        ours.push(await gatewayRun(run.sessions, expected, label));
        if (!rawFirst) raws.push(await rawRun(run.sessions, expected, label));
        log(
          `inbound run ${r + 1}/${REPEATS} with ${run.sessions} sessions: gateway ${ours[r].messagesPerSecond} msgs/s (storage lag ${ours[r].storageLagMs} ms, cpu ${ours[r].cpuMsPerMessage}, gc ${ours[r].gcPauseMsPerMessage}, heap ${ours[r].heapUsedMiB} MiB), raw ${raws[r].messagesPerSecond} msgs/s (cpu ${raws[r].cpuMsPerMessage}, gc ${raws[r].gcPauseMsPerMessage}, heap ${raws[r].heapUsedMiB} MiB)`,
        );
      }
      const gateway = medianRun(ours);
      const raw = medianRun(raws);
      // Each pair ran back to back, so its ratio is the least affected by the machine's drift.
      const pairRatios = ours.map((o, i) => +(o.messagesPerSecond / raws[i].messagesPerSecond).toFixed(2));
      const sorted = [...pairRatios].sort((x, y) => x - y);
      const quantile = (q: number) => sorted[Math.round(q * (sorted.length - 1))];
      inbound.push({
        sessions: run.sessions,
        messages: expected,
        ...gateway,
        ratioToRaw: quantile(0.5),
        // The middle half of the pairs: how much one pair can be trusted on this machine.
        pairRatioQuartiles: [quantile(0.25), quantile(0.75)],
        pairRatios,
        storageLagMs: ours.map((o) => o.storageLagMs),
        rawMessagesPerSecond: raw.messagesPerSecond,
        rawCpuMsPerMessage: raw.cpuMsPerMessage,
        rawThreads: raw.threads,
        rawSimulatorCpuMsPerMessage: raw.simulatorCpuMsPerMessage,
        rawRuns: raw.runs,
      });
    }

    await stopProfile();

    await app.close();

    const result = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      inbound,
      memory: {
        sessions: SESSIONS,
        rssPerSessionKiB,
        rawRssPerSocketKiB: rawReady.rssPerSocketKiB,
        ratioToRaw: +(rssPerSessionKiB / rawReady.rssPerSocketKiB).toFixed(2),
      },
      restart: { sessions: SESSIONS, secondsToAllConnected: restartSeconds },
      goals: {
        inboundRatio: '>= 0.8',
        memoryRatio: '<= 1.2 and < 20 MiB per session',
        restartSeconds: '< 15',
      },
    };
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(
      '\ngateway inbound (simulator -> Baileys -> stored in MySQL)\nsessions  messages  seconds  msgs/s (raw)  vs raw (middle half of pairs)  cpu ms/msg (raw)  threads; simulator (raw); MariaDB  runs (raw runs)\n',
    );
    for (const r of inbound) {
      process.stdout.write(
        `${String(r.sessions).padStart(8)}  ${String(r.messages).padStart(8)}  ${r.seconds.toFixed(2).padStart(7)}  ${String(r.messagesPerSecond).padStart(6)} (${r.rawMessagesPerSecond})  ${r.ratioToRaw.toFixed(2)}x (${r.pairRatioQuartiles.map((q) => q.toFixed(2)).join('-')})  ${r.cpuMsPerMessage.toFixed(3)} (${r.rawCpuMsPerMessage.toFixed(3)})  ${JSON.stringify(r.threads)}; ${r.simulatorCpuMsPerMessage} (${r.rawSimulatorCpuMsPerMessage}); ${r.databaseCpuMsPerMessage}  ${r.runs?.join('/')} (${r.rawRuns?.join('/')})\n`,
      );
    }
    process.stdout.write(
      `\nidle connected session: ${rssPerSessionKiB} KiB RSS each at ${SESSIONS} sessions (raw Baileys: ${rawReady.rssPerSocketKiB} KiB, ${result.memory.ratioToRaw}x)\n`,
    );
    process.stdout.write(
      `restart: ${SESSIONS} saved sessions connected again in ${restartSeconds} s\nwritten to ${RESULTS}\n`,
    );
  } finally {
    await rawBaseline.call({ cmd: 'stop' }).catch(() => undefined);
    rawBaseline.kill();
    await dropDatabase(databaseUrl).catch(() => undefined);
    await host.call({ cmd: 'stop' }).catch(() => undefined);
    host.kill();
  }
}

const watchdog = setTimeout(() => {
  process.stderr.write(`benchmark exceeded ${HARD_LIMIT_MS / 1000} s, aborting\n`);
  void dropDatabase(DATABASE_URL)
    .catch(() => undefined)
    .finally(() => process.exit(1));
}, HARD_LIMIT_MS);
watchdog.unref();

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
