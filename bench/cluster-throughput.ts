/**
 * Inbound throughput of two gateway processes against one (`npm run bench:cluster`), on the simulator
 * and one MariaDB, same run, same flood: BENCH_CLUSTER_SESSIONS sessions (default 50) linked on
 * process A; then pairs of runs, each run one flood of BENCH_CLUSTER_MESSAGES messages (default
 * 12,000) spread evenly over the sessions by one contact:
 * - 1 process: A alone holds every session;
 * - 2 processes: B started beside A, the sessions balanced 25/25 (handed over with their saved
 *   credentials), then the same flood; B is stopped afterwards (its sessions go back to A).
 * The pairs alternate which side runs first; the ratio is the median of the pairs' ratios
 * (BENCH_CLUSTER_PAIRS, default 3). Messages are counted when committed to MySQL (rows of
 * `messages` above the run's first id), from the first message pushed to the last one stored. The
 * simulator runs in its own process (bench/simulator-host.ts) and pushes over two concurrent loops
 * in both cases. Gateways are real processes (src/main.ts, as test/support/gateway-process.ts runs
 * them). Writes bench/results/cluster-throughput.json. Creates and drops its own database.
 * Measure on a quiet machine: every run waits for one (bench/simulator-process.ts quietMachine).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { PrismaClient } from '../src/generated/prisma/client';
import { poolConfigFromUrl, withDatabase } from '../src/prisma/database-url';
import { dropDatabase, migrate } from '../src/prisma/migrator';
import { MIGRATIONS_DIR } from '../src/prisma/paths';
import { freePort, GatewayProcess } from '../test/support/gateway-process';
import { quietMachine, SimulatorProcess } from './simulator-process';

const SESSIONS = Number(process.env.BENCH_CLUSTER_SESSIONS ?? 50);
const MESSAGES = Number(process.env.BENCH_CLUSTER_MESSAGES ?? 12_000);
const PAIRS = Number(process.env.BENCH_CLUSTER_PAIRS ?? 3);
const WARM_UP_PER_SESSION = 20;
const HARD_LIMIT_MS = 900_000;
const SERVER = process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/';
const DATABASE_URL = withDatabase(SERVER, `wagw_bench_cluster_${process.pid}`);
const CONTACT = '15558880000';
const MASTER_KEY = 'bench-cluster-master-key-0123456789';
const numberOf = (i: number) => String(15558881000 + i);
const ids = Array.from({ length: SESSIONS }, (_, i) => `c${String(i).padStart(3, '0')}`);

const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean>, limitMs: number, what: string): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function main(): Promise<void> {
  const host = new SimulatorProcess();
  const started = await host.call<{ webSocketUrl: string; rootPublicKey: string; certificate: string }>({
    cmd: 'start',
  });
  await host.call({ cmd: 'createContact', phoneNumber: CONTACT });
  await migrate(DATABASE_URL, MIGRATIONS_DIR);
  const prisma = new PrismaClient({ adapter: new PrismaMariaDb(poolConfigFromUrl(DATABASE_URL)) });
  const gateway = async () =>
    new GatewayProcess({
      NODE_ENV: 'development',
      DATABASE_URL: DATABASE_URL,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
      TOKEN_ENCRYPTION_KEY: '5e'.repeat(32),
      MASTER_API_KEY: MASTER_KEY,
      MAX_SESSIONS: String(SESSIONS + 10),
      MIGRATE_ON_START: 'false',
      MEDIA_DOWNLOAD: 'false',
      // Moves at once (no minimum hold, every surplus session per pass): the bench measures throughput.
      SESSION_BALANCE_MIN_HOLD_SECONDS: '0',
      SESSION_BALANCE_MOVES: String(SESSIONS),
      SANDBOX: 'true',
      SANDBOX_SIMULATOR_WS_URL: started.webSocketUrl,
      SANDBOX_SIMULATOR_ROOT_KEY: started.rootPublicKey,
      SANDBOX_SIMULATOR_CA: Buffer.from(started.certificate).toString('base64'),
    });
  const a = await gateway();
  const b = await gateway();
  const holders = async () =>
    (
      await prisma.whatsappSession.findMany({
        where: { id: { in: ids } },
        select: { status: true, leaseOwner: true },
      })
    ).filter((r) => r.status === 'connected');
  const spreadOver = async (processes: number) => {
    const rows = await holders();
    const owners = new Map<string, number>();
    for (const r of rows) owners.set(r.leaseOwner ?? '', (owners.get(r.leaseOwner ?? '') ?? 0) + 1);
    const counts = [...owners.values()];
    return (
      rows.length === SESSIONS && owners.size === processes && Math.max(...counts) - Math.min(...counts) <= 1
    );
  };
  /** Pushes `perSession` messages to every session (two concurrent loops) and waits until stored. */
  const flood = async (perSession: number, label: string): Promise<number> => {
    const last = await prisma.message.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
    const from = last?.id ?? 0n;
    const expected = perSession * SESSIONS;
    const t0 = performance.now();
    const halves = [0, 1].map((h) => ids.map((_, i) => numberOf(i)).filter((_, i) => i % 2 === h));
    const pushed = Promise.all(
      halves.map((to) =>
        host.call({ cmd: 'push', from: CONTACT, to, perRecipient: perSession, prefix: label }),
      ),
    );
    let stored = 0;
    for (let idle = 0, before = -1; stored < expected; await sleep(50)) {
      stored = await prisma.message.count({ where: { id: { gt: from }, direction: 'inbound' } });
      idle = stored === before ? idle + 50 : 0;
      before = stored;
      if (idle > 60_000) throw new Error(`${label}: stalled at ${stored}/${expected} stored`);
    }
    await pushed;
    return Math.round(expected / ((performance.now() - t0) / 1000));
  };

  try {
    await a.start();
    log(`process A up; linking ${SESSIONS} sessions`);
    for (const id of ids)
      await fetch(`${a.url}/api/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-master-key': MASTER_KEY },
        body: JSON.stringify({ id, name: id }),
      }).then((res) => {
        if (res.status !== 201) throw new Error(`create ${id}: ${res.status}`);
      });
    const linked = new Set<string>();
    await until(
      async () => {
        for (const row of await prisma.whatsappSession.findMany({ where: { status: 'qr_pending' } })) {
          if (linked.has(row.id) || !row.qr) continue;
          linked.add(row.id);
          // A QR that turned over meanwhile is refused: the next one is scanned.
          await host
            .call({ cmd: 'linkDevice', qr: row.qr, phoneNumber: numberOf(ids.indexOf(row.id)) })
            .catch(() => linked.delete(row.id));
        }
        return spreadOver(1);
      },
      300_000,
      'the sessions to be linked',
    );
    log('linked; warming up A');
    await flood(WARM_UP_PER_SESSION, 'warm-up-a');
    const perSession = Math.ceil(MESSAGES / SESSIONS);
    const pairs: { one: number; two: number }[] = [];
    const runOne = async (label: string) => {
      await quietMachine();
      return flood(perSession, label);
    };
    const runTwo = async (label: string, warm: boolean) => {
      await b.start();
      await until(() => spreadOver(2), 180_000, 'the sessions to be spread over A and B');
      if (warm) await flood(WARM_UP_PER_SESSION, `warm-up-b-${label}`);
      await quietMachine();
      const rate = await flood(perSession, label);
      await b.stop();
      await until(() => spreadOver(1), 180_000, 'the sessions to be back on A');
      return rate;
    };
    for (let p = 0; p < PAIRS; p++) {
      const oneFirst = p % 2 === 0;
      let one = 0;
      let two = 0;
      if (oneFirst) one = await runOne(`one-${p}`);
      two = await runTwo(`two-${p}`, true);
      if (!oneFirst) one = await runOne(`one-${p}`);
      pairs.push({ one, two });
      log(
        `pair ${p + 1}/${PAIRS}: 1 process ${one} msgs/s, 2 processes ${two} msgs/s (${(two / one).toFixed(2)}x)`,
      );
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const result = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      sessions: SESSIONS,
      messagesPerRun: perSession * SESSIONS,
      pairs,
      oneProcessMessagesPerSecond: median(pairs.map((r) => r.one)),
      twoProcessesMessagesPerSecond: median(pairs.map((r) => r.two)),
      ratio: +median(pairs.map((r) => r.two / r.one)).toFixed(2),
      goal: '>= 1.7x on 2 cores',
    };
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(
      join(__dirname, 'results', 'cluster-throughput.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    process.stdout.write(
      `\ninbound over ${SESSIONS} sessions, ${result.messagesPerRun} messages a run, stored in MySQL (median of ${PAIRS} pairs)\n` +
        `1 process: ${result.oneProcessMessagesPerSecond} msgs/s; 2 processes: ${result.twoProcessesMessagesPerSecond} msgs/s; ratio ${result.ratio}x (pairs ${pairs.map((r) => (r.two / r.one).toFixed(2)).join(', ')})\n` +
        'written to bench/results/cluster-throughput.json\n',
    );
  } finally {
    await b.stop().catch(() => undefined);
    await a.stop().catch(() => undefined);
    await prisma.$disconnect().catch(() => undefined);
    await dropDatabase(DATABASE_URL).catch(() => undefined);
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
