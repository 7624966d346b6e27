/**
 * Memory and restart at 1,000 linked sessions (`npm run bench:thousand`):
 * - seeding: 1,000 sessions are linked without QR scans: each gets fresh Baileys credentials and 10
 *   prekeys, the simulator (its own process) stores it as a linked companion and returns the
 *   pair-success stanza, which Baileys' own configureSuccessfulPairing applies to the credentials;
 *   they are saved through the gateway's AuthStateStore (sealed, in MySQL). A QR link of 1,000 would
 *   cost 1,000 pairings plus 812,000 prekeys on the first logins, minutes of CPU measuring nothing
 *   asked here. Every connection below is a real Baileys socket through the real handshake and login;
 * - memory: a gateway in a child process (--expose-gc) starts with none wanted (RSS baseline), then
 *   all 1,000 are wanted and open (their first login); RSS per idle connected session =
 *   (RSS with 1,000 connected - RSS with none) / 1,000, gross and after full GCs;
 * - restart: that gateway stops (clean shutdown), a new child process starts the app, and the time
 *   from the start command (before the app is built) to the last session `connected` is the restart
 *   time; RSS per session is measured again there, against the first child's baseline.
 * Writes bench/results/thousand-sessions.json. Creates and drops its own database.
 * BENCH_SESSIONS (default 1000), BENCH_LOG_LEVEL, BENCH_RESTORE_CONCURRENCY (the gateway's
 * SESSION_RESTORE_CONCURRENCY), BENCH_CPU_PROFILE=<file> (a CPU profile of the restarted gateway, from
 * its start to the last session connected), BENCH_COUNT_QUERIES=1 (the SQL statements of each phase,
 * by statement, in the results).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureSuccessfulPairing, Curve, decodeBinaryNode } from '@whiskeysockets/baileys';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { loadConfig } from '../src/config/load-config';
import { withDatabase } from '../src/prisma/database-url';
import { dropDatabase, migrate } from '../src/prisma/migrator';
import { MIGRATIONS_DIR } from '../src/prisma/paths';
import { PrismaService } from '../src/prisma/prisma.service';
import { AuthStateStore } from '../src/whatsapp/auth-state.store';
import type { ConnectedReport, GatewayCommand, MemoryReport, SimulatorEndpoint } from './gateway-process';
import type { EnrolledCompanion } from './simulator-host';
import { ForkedScript, SimulatorProcess } from './simulator-process';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 1000);
const PRE_KEYS = 10;
const SEED_BATCH = 100;
const HARD_LIMIT_MS = 900_000;
const SERVER = process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/';
const DATABASE_URL = withDatabase(SERVER, `wagw_bench_thousand_${process.pid}`);
const GATEWAY_ENV: Record<string, string> = {
  MAX_SESSIONS: String(SESSIONS + 10),
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
  ...(process.env.BENCH_RESTORE_CONCURRENCY
    ? { SESSION_RESTORE_CONCURRENCY: process.env.BENCH_RESTORE_CONCURRENCY }
    : {}),
};

const log = (line: string) =>
  process.stderr.write(
    `[${new Date().toISOString().slice(11, 19)} load ${loadavg()[0].toFixed(1)}] ${line}\n`,
  );
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const numberOf = (i: number) => String(15557771000 + i);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const MiB = (bytes: number) => +(bytes / 1024 / 1024).toFixed(1);
const KiB = (bytes: number) => Math.round(bytes / 1024);

/** Links SESSIONS sessions in the database and in the simulator, without scans (see above). */
async function seed(simulator: SimulatorProcess, endpoint: SimulatorEndpoint): Promise<void> {
  const { config } = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL,
    TOKEN_ENCRYPTION_KEY: '2e'.repeat(32),
    MIGRATE_ON_START: 'false',
    MEDIA_DOWNLOAD: 'false',
    ...GATEWAY_ENV,
  });
  // The app only for its store (sealing, the key writer); no session is wanted, so it opens none.
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, { baileys: { waWebSocketUrl: endpoint.webSocketUrl } }),
    { logger: false, bodyParser: false },
  );
  configureApp(app, config);
  await app.init();
  try {
    const ids = Array.from({ length: SESSIONS }, (_, i) => `s${i}`);
    await app.get(PrismaService).whatsappSession.createMany({
      data: ids.map((id) => ({ id, name: id, shouldConnect: false })),
    });
    const store = app.get(AuthStateStore);
    for (let first = 0; first < SESSIONS; first += SEED_BATCH) {
      const batch = ids.slice(first, first + SEED_BATCH);
      const states = await Promise.all(batch.map((id) => store.load(id)));
      const companions: EnrolledCompanion[] = [];
      for (const [i, { creds, keys }] of states.entries()) {
        const preKeys = Array.from({ length: PRE_KEYS }, () => Curve.generateKeyPair());
        await keys.set({ 'pre-key': Object.fromEntries(preKeys.map((pair, k) => [String(k + 1), pair])) });
        creds.nextPreKeyId = PRE_KEYS + 1;
        creds.firstUnuploadedPreKeyId = PRE_KEYS + 1;
        companions.push({
          phoneNumber: numberOf(first + i),
          noiseKey: b64(creds.noiseKey.public),
          identityKey: b64(creds.signedIdentityKey.public),
          advSecret: creds.advSecretKey,
          registrationId: creds.registrationId,
          signedPreKey: {
            keyId: creds.signedPreKey.keyId,
            publicKey: b64(creds.signedPreKey.keyPair.public),
            signature: b64(creds.signedPreKey.signature),
          },
          preKeys: preKeys.map((pair, k) => [k + 1, b64(pair.public)]),
        });
      }
      const stanzas = await simulator.call<string[]>({ cmd: 'enrollDevices', devices: companions });
      for (const [i, state] of states.entries()) {
        const stanza = await decodeBinaryNode(Buffer.from(stanzas[i], 'base64'));
        Object.assign(state.creds, configureSuccessfulPairing(stanza, state.creds).creds);
        await state.saveCreds();
      }
      await store.flush();
    }
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const simulator = new SimulatorProcess();
  const gateways: ForkedScript<GatewayCommand>[] = [];
  const startGateway = async (endpoint: SimulatorEndpoint, cpuProfile?: string) => {
    const gateway = new ForkedScript<GatewayCommand>('gateway-process.ts', [], ['--expose-gc']);
    gateways.push(gateway);
    await gateway.call({
      cmd: 'start',
      databaseUrl: DATABASE_URL,
      simulator: endpoint,
      env: GATEWAY_ENV,
      cpuProfile,
      countQueries: Boolean(cpuProfile === undefined && process.env.BENCH_COUNT_QUERIES),
    });
    return gateway;
  };
  await migrate(DATABASE_URL, MIGRATIONS_DIR);
  try {
    const started = await simulator.call<SimulatorEndpoint>({ cmd: 'start' });
    const endpoint: SimulatorEndpoint = {
      webSocketUrl: started.webSocketUrl,
      rootPublicKey: started.rootPublicKey,
      certificate: started.certificate,
    };
    let t = performance.now();
    await seed(simulator, endpoint);
    log(`${SESSIONS} sessions seeded as linked in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // Memory: the same process with none, then all connected.
    const first = await startGateway(endpoint);
    await sleep(3000);
    const idle = await first.call<MemoryReport>({ cmd: 'memory' });
    await first.call({ cmd: 'wantAll' });
    const firstLogin = await first.call<ConnectedReport>({
      cmd: 'waitConnected',
      count: SESSIONS,
      timeoutMs: 300_000,
    });
    log(
      `first logins: ${SESSIONS} connected in ${firstLogin.secondsFromStart} s (gateway CPU ${firstLogin.cpuSeconds} s)`,
    );
    await sleep(5000);
    const loaded = await first.call<MemoryReport>({ cmd: 'memory' });
    await first.call({ cmd: 'close' });
    first.kill();

    // Restart: a new process brings every saved session back.
    await sleep(2000);
    t = performance.now();
    const second = await startGateway(endpoint, process.env.BENCH_CPU_PROFILE);
    const restart = await second.call<ConnectedReport>({
      cmd: 'waitConnected',
      count: SESSIONS,
      timeoutMs: 300_000,
    });
    const restartSeconds = +((performance.now() - t) / 1000).toFixed(2);
    log(
      `restart: ${SESSIONS} connected again in ${restartSeconds} s (${restart.secondsFromStart} s in the app)`,
    );
    await sleep(5000);
    const restored = await second.call<MemoryReport>({ cmd: 'memory' });
    await second.call({ cmd: 'close' });
    second.kill();

    const perSession = (after: MemoryReport) => ({
      rssKiB: KiB((after.rss - idle.rss) / SESSIONS),
      rssAfterGcKiB: KiB((after.rssAfterGc - idle.rssAfterGc) / SESSIONS),
      heapAfterGcKiB: KiB((after.heapUsedAfterGc - idle.heapUsedAfterGc) / SESSIONS),
    });
    const result = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      sessions: SESSIONS,
      restoreConcurrency: GATEWAY_ENV.SESSION_RESTORE_CONCURRENCY ?? 'default',
      loadAverage: loadavg().map((l) => +l.toFixed(2)),
      memory: {
        idleMiB: { rss: MiB(idle.rss), rssAfterGc: MiB(idle.rssAfterGc), heap: MiB(idle.heapUsedAfterGc) },
        connectedMiB: {
          rss: MiB(loaded.rss),
          rssAfterGc: MiB(loaded.rssAfterGc),
          heap: MiB(loaded.heapUsedAfterGc),
        },
        restoredMiB: {
          rss: MiB(restored.rss),
          rssAfterGc: MiB(restored.rssAfterGc),
          heap: MiB(restored.heapUsedAfterGc),
        },
        perSessionAfterFirstLogin: perSession(loaded),
        perSessionAfterRestart: perSession(restored),
      },
      firstLogin,
      restart: { ...restart, secondsToAllConnected: restartSeconds },
      goals: { rssPerSessionMiB: '<= 3 (gross RSS)', restartSeconds: '< 30' },
    };
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(
      join(__dirname, 'results', 'thousand-sessions.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    const { perSessionAfterFirstLogin: a, perSessionAfterRestart: b } = result.memory;
    process.stdout.write(
      [
        `\n${SESSIONS} idle connected sessions, RSS per session (gross / after GC / heap after GC):`,
        `  after their first login: ${a.rssKiB} / ${a.rssAfterGcKiB} / ${a.heapAfterGcKiB} KiB`,
        `  after a restart:         ${b.rssKiB} / ${b.rssAfterGcKiB} / ${b.heapAfterGcKiB} KiB`,
        `restart: ${SESSIONS} saved sessions connected again in ${restartSeconds} s, gateway CPU ${restart.cpuSeconds} s (peak ${restart.peakConnecting} connecting at once${Object.keys(restart.otherStatuses).length ? `, other statuses ${JSON.stringify(restart.otherStatuses)}` : ''})`,
        `load average ${result.loadAverage.join(' ')}`,
        'written to bench/results/thousand-sessions.json\n',
      ].join('\n'),
    );
  } finally {
    for (const gateway of gateways) gateway.kill();
    await dropDatabase(DATABASE_URL).catch(() => undefined);
    await simulator.call({ cmd: 'stop' }).catch(() => undefined);
    simulator.kill();
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
