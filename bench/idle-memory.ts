/**
 * Memory of an idle gateway (`npm run bench:memory`): the gateway as it ships (compiled with
 * tsconfig.build.json and started with `npm start`'s Node flags as `node <flags> dist/main.js`,
 * NODE_ENV=production, as the Dockerfile does), with no session, on its own database. Each of BENCH_MEMORY_RUNS runs (default 5) starts the
 * process, reads its RSS (/proc/<pid>/status) and heap used (GET /metrics) as soon as
 * /health answers and again after BENCH_MEMORY_SETTLE_MS (default 5,000), then once more after a
 * first request for the OpenAPI document, and stops it. A warm-up start first creates the first
 * admin, so every measured run is a restart of the same idle gateway.
 *
 * Then a breakdown: one process that loads the parts one after another (bare Node, NestJS, the
 * Swagger package, the Prisma client, Baileys, the simulator, the app's own modules) and reads its
 * RSS and heap after a full GC at each step; BENCH_MEMORY_BREAKDOWN_RUNS (default 3) times, medians.
 *
 * BENCH_MEMORY_NODE_FLAGS adds Node flags to the gateway's command (e.g. `--liftoff-only`).
 * The build goes to a temporary directory (never the shared dist/). Writes
 * bench/results/idle-memory.json. Creates and drops its own database.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDatabase } from '../src/prisma/database-url';
import { dropDatabase, migrate } from '../src/prisma/migrator';
import { MIGRATIONS_DIR } from '../src/prisma/paths';
import { freePort } from '../test/support/gateway-process';

const RUNS = Number(process.env.BENCH_MEMORY_RUNS ?? 5);
const BREAKDOWN_RUNS = Number(process.env.BENCH_MEMORY_BREAKDOWN_RUNS ?? 3);
const SETTLE_MS = Number(process.env.BENCH_MEMORY_SETTLE_MS ?? 5_000);
const SERVER = process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/';
const DATABASE_URL = withDatabase(SERVER, `wagw_bench_idle_${process.pid}`);
const MASTER_KEY = 'bench-idle-memory-master-key-0123456789';
const METRICS_TOKEN = 'bench-idle-memory-metrics-token-0123456789';
const root = join(__dirname, '..');
/** The Node flags of `npm start` (the Dockerfile and ecosystem.config.js give the same), then BENCH_MEMORY_NODE_FLAGS. */
const START_FLAGS = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start
  .split(/\s+/)
  .filter((word) => word.startsWith('--'));
const NODE_FLAGS = [
  ...START_FLAGS,
  ...(process.env.BENCH_MEMORY_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
];

const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs: number[]) => ({
  min: Math.min(...xs),
  median: Math.round(median(xs) * 10) / 10,
  max: Math.max(...xs),
});
const show = (xs: number[]) => {
  const s = spread(xs);
  return `${s.min} / ${s.median} / ${s.max}`;
};

/** The app compiled as production builds it, beside links to what dist/ finds at run time. */
function build(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wagw-idle-memory-'));
  for (const name of ['node_modules', 'prisma', 'admin', 'package.json'])
    symlinkSync(join(root, name), join(dir, name));
  const tsc = spawnSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '-p',
      join(root, 'tsconfig.build.json'),
      '--outDir',
      join(dir, 'dist'),
    ],
    { cwd: root, encoding: 'utf8' },
  );
  if (!existsSync(join(dir, 'dist', 'main.js'))) throw new Error(`build failed: ${tsc.stdout}${tsc.stderr}`);
  // tsc emits despite type errors (others may be mid-change in a shared tree): say so, measure anyway.
  if (tsc.status !== 0) log(`build had type errors (emitted anyway):\n${tsc.stdout.trim()}`);
  return dir;
}

const rssOf = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m);
  if (!line) throw new Error(`no VmRSS for ${pid}`);
  return Number(line[1]) * 1024;
};

interface Reading {
  rssMiB: number;
  heapUsedMiB: number;
}

/** RSS from outside, then the heap the process reports on /metrics (that request allocates a little, after the RSS). */
async function read(pid: number, url: string): Promise<Reading> {
  const rss = rssOf(pid);
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const text = await res.text();
  const heapUsed = text.match(/^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)$/m)?.[1];
  if (heapUsed === undefined) throw new Error(`/metrics: ${res.status} ${text.slice(0, 500)}`);
  return { rssMiB: mib(rss), heapUsedMiB: mib(Number(heapUsed)) };
}

interface Run {
  startMs: number;
  atStart: Reading;
  settled: Reading;
  afterDocs: Reading;
}

async function runGateway(dir: string): Promise<Run> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const child = spawn(process.execPath, [...NODE_FLAGS, 'dist/main.js'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      DATABASE_URL,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      TOKEN_ENCRYPTION_KEY: '5e'.repeat(32),
      JWT_SECRET: 'bench-idle-memory-jwt-secret-0123456789abcdef',
      MASTER_API_KEY: MASTER_KEY,
      METRICS_TOKEN,
      ADMIN_EMAIL: 'bench@example.com',
      ADMIN_PASSWORD: 'Bench-Idle-Memory-123!',
      MIGRATE_ON_START: 'false',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`gateway exited ${child.exitCode}: ${stderr.slice(-2000)}`);
      if (Date.now() - started > 90_000) throw new Error('gateway did not answer /health within 90 s');
      const ok = await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await sleep(50);
    }
    const startMs = Date.now() - started;
    const atStart = await read(child.pid!, url);
    await sleep(SETTLE_MS);
    const settled = await read(child.pid!, url);
    const docs = await fetch(`${url}/api-documentation/json`);
    if (!docs.ok) throw new Error(`/api-documentation/json: ${docs.status}`);
    await docs.arrayBuffer();
    const afterDocs = await read(child.pid!, url);
    return { startMs, atStart, settled, afterDocs };
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Loads the parts one after another in one fresh process; prints one JSON line per step. */
const BREAKDOWN_PROBE = `
const steps = [];
const mark = (part) => { gc(); gc(); const m = process.memoryUsage(); steps.push({ part, rss: m.rss, heapUsed: m.heapUsed }); };
mark('bare Node');
for (const m of ['reflect-metadata', 'rxjs', '@nestjs/common', '@nestjs/core', 'express', '@nestjs/platform-express',
  '@nestjs/platform-ws', 'class-validator', 'class-transformer']) require(m);
mark('NestJS + Express');
require('@nestjs/swagger');
mark('@nestjs/swagger (decorators, scanner)');
require('./dist/generated/prisma/client'); require('@prisma/adapter-mariadb');
mark('Prisma client + MariaDB adapter');
require('@whiskeysockets/baileys');
mark('Baileys (with its protobufs)');
require('./dist/sandbox/mode/sandbox-runtime'); require('./dist/sandbox/mode/sandbox.module');
mark('simulator + sandbox module');
require('./dist/app.module'); require('./dist/app.setup');
mark("the app's own modules (all of src/)");
process.stdout.write(JSON.stringify(steps));
`;

interface Step {
  part: string;
  rss: number;
  heapUsed: number;
}

function breakdown(dir: string): { part: string; rssMiB: number[]; heapUsedMiB: number[] }[] {
  const runs: Step[][] = [];
  for (let i = 0; i < BREAKDOWN_RUNS; i++) {
    const probe = spawnSync(process.execPath, ['--expose-gc', '-e', BREAKDOWN_PROBE], {
      cwd: dir,
      encoding: 'utf8',
    });
    if (probe.status !== 0) throw new Error(`breakdown probe failed: ${probe.stderr}`);
    runs.push(JSON.parse(probe.stdout) as Step[]);
  }
  return runs[0].map((step, i) => ({
    part: step.part,
    // The first step is the process itself; every other is what that step added to the one before.
    rssMiB: runs.map((r) => mib(r[i].rss - (i ? r[i - 1].rss : 0))),
    heapUsedMiB: runs.map((r) => mib(r[i].heapUsed - (i ? r[i - 1].heapUsed : 0))),
  }));
}

async function main(): Promise<void> {
  const load = loadavg().map((l) => Math.round(l * 100) / 100);
  log(`load average ${load.join(' ')}; building into a temporary directory`);
  const dir = build();
  try {
    await measure(dir, load);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(dir: string, load: number[]): Promise<void> {
  await migrate(DATABASE_URL, MIGRATIONS_DIR);
  const runs: Run[] = [];
  try {
    log('warm-up start (creates the first admin)');
    await runGateway(dir);
    for (let i = 0; i < RUNS; i++) {
      const run = await runGateway(dir);
      log(
        `run ${i + 1}: ready in ${run.startMs} ms; RSS ${run.atStart.rssMiB} MiB at start, ${run.settled.rssMiB} settled, ` +
          `${run.afterDocs.rssMiB} after the OpenAPI document; heap used ${run.atStart.heapUsedMiB} / ` +
          `${run.settled.heapUsedMiB} / ${run.afterDocs.heapUsedMiB} MiB`,
      );
      runs.push(run);
    }
  } finally {
    await dropDatabase(DATABASE_URL);
  }
  log('breakdown');
  const parts = breakdown(dir);
  const loadAfter = loadavg().map((l) => Math.round(l * 100) / 100);

  const pick = (f: (r: Run) => number) => spread(runs.map(f));
  const result = {
    date: new Date().toISOString(),
    command: `node ${[...NODE_FLAGS, 'dist/main.js'].join(' ')} (NODE_ENV=production, no session)`,
    runs: RUNS,
    settleMs: SETTLE_MS,
    loadAverage: { before: load, after: loadAfter },
    readyMs: pick((r) => r.startMs),
    rssMiB: {
      atStart: pick((r) => r.atStart.rssMiB),
      settled: pick((r) => r.settled.rssMiB),
      afterOpenApiDocument: pick((r) => r.afterDocs.rssMiB),
    },
    heapUsedMiB: {
      atStart: pick((r) => r.atStart.heapUsedMiB),
      settled: pick((r) => r.settled.heapUsedMiB),
      afterOpenApiDocument: pick((r) => r.afterDocs.heapUsedMiB),
    },
    breakdown: parts.map((p) => ({
      part: p.part,
      rssMiB: spread(p.rssMiB),
      heapUsedMiB: spread(p.heapUsedMiB),
    })),
    perRun: runs,
  };
  console.log(
    `\nIdle gateway, ${RUNS} runs (min / median / max), load average ${load.join(' ')} -> ${loadAfter.join(' ')}`,
  );
  console.log(`  ready after                  ${show(runs.map((r) => r.startMs))} ms`);
  console.log(`  RSS at start                 ${show(runs.map((r) => r.atStart.rssMiB))} MiB`);
  console.log(`  RSS after ${SETTLE_MS} ms             ${show(runs.map((r) => r.settled.rssMiB))} MiB`);
  console.log(`  RSS after the OpenAPI doc    ${show(runs.map((r) => r.afterDocs.rssMiB))} MiB`);
  console.log(`  heap used at start           ${show(runs.map((r) => r.atStart.heapUsedMiB))} MiB`);
  console.log(`  heap used after ${SETTLE_MS} ms       ${show(runs.map((r) => r.settled.heapUsedMiB))} MiB`);
  console.log(`  heap used after the doc      ${show(runs.map((r) => r.afterDocs.heapUsedMiB))} MiB`);
  console.log(
    `\nBreakdown, loaded in this order after a full GC each (${BREAKDOWN_RUNS} runs, min / median / max):`,
  );
  for (const p of parts)
    console.log(`  ${p.part.padEnd(40)} RSS +${show(p.rssMiB)} MiB, heap +${show(p.heapUsedMiB)} MiB`);
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'idle-memory.json'), JSON.stringify(result, null, 2) + '\n');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
