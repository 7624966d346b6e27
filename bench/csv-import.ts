/**
 * CSV import throughput and memory (`npm run bench:csv-import`): a 100,000-row file uploaded through
 * the real endpoint (multipart, streamed from disk) into a new list, then the same file again (every
 * row an update). Measures rows per second and this process's peak RSS (the gateway runs in it),
 * once as V8 leaves it and once with a full GC every 250 ms (live memory). Writes
 * bench/results/csv-import.json. Creates and drops its own database.
 */
import { once } from 'node:events';
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  openAsBlob,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { loadConfig } from '../src/config/load-config';
import { withDatabase } from '../src/prisma/database-url';
import { dropDatabase, migrate } from '../src/prisma/migrator';
import { MIGRATIONS_DIR } from '../src/prisma/paths';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const SERVER = process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/';
const ADMIN = { email: 'bench@example.com', password: 'bench-password-123' };
const HARD_LIMIT_MS = 300_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function writeCsv(path: string): Promise<void> {
  const out = createWriteStream(path);
  out.write('phone,name,city,plan,code,note\n');
  for (let i = 0; i < ROWS; i++) {
    const line = `+62812${String(i).padStart(8, '0')},Customer number ${i},Kota ${i % 500},plan-${i % 7},CODE-${i}-${(i * 7919) % 100000},"Some longer note about customer ${i}, kept as a variable"\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

interface Run {
  label: string;
  seconds: number;
  rowsPerSecond: number;
  rssBeforeMiB: number;
  peakRssGrowthMiB: number;
  peakHeapUsedGrowthMiB: number;
  peakExternalGrowthMiB: number;
  report: Record<string, unknown>;
}

async function main(): Promise<void> {
  const name = `wagw_bench_csv_${process.pid}`;
  const url = withDatabase(SERVER, name);
  const dir = mkdtempSync(join(tmpdir(), 'wagw-bench-csv-'));
  await migrate(url, MIGRATIONS_DIR);
  const { config } = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: url,
    LOG_LEVEL: 'silent',
    TOKEN_ENCRYPTION_KEY: '4d'.repeat(32),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    MIGRATE_ON_START: 'false',
    RATE_LIMIT_PER_MINUTE: '100000',
  });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: false,
    bodyParser: false,
  });
  configureApp(app, config);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  try {
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    const token = ((await login.json()) as { data: { accessToken: string } }).data.accessToken;
    const auth = { authorization: `Bearer ${token}` };
    const file = join(dir, 'recipients.csv');
    await writeCsv(file);
    const newList = async (listName: string) => {
      const res = await fetch(`${base}/api/v1/recipient-lists`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: listName }),
      });
      return ((await res.json()) as { data: { id: number } }).data.id;
    };
    const importInto = async (label: string, listId: number, collect: boolean): Promise<Run> => {
      gc();
      const start = process.memoryUsage();
      const before = start.rss;
      let peak = before;
      let peakHeap = start.heapUsed;
      let peakExternal = start.external;
      let ticks = 0;
      const sampler = setInterval(() => {
        if (collect && ++ticks % 12 === 0) gc();
        const now = process.memoryUsage();
        peak = Math.max(peak, now.rss);
        peakHeap = Math.max(peakHeap, now.heapUsed);
        peakExternal = Math.max(peakExternal, now.external);
      }, 20);
      const form = new FormData();
      form.append('file', await openAsBlob(file, { type: 'text/csv' }), 'recipients.csv');
      const started = process.hrtime.bigint();
      const res = await fetch(`${base}/api/v1/recipient-lists/${listId}/import`, {
        method: 'POST',
        headers: auth,
        body: form,
      });
      const body = (await res.json()) as { data: Record<string, unknown> };
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      clearInterval(sampler);
      if (res.status !== 200) throw new Error(`import answered ${res.status}: ${JSON.stringify(body)}`);
      const { invalidRows: _rows, ...report } = body.data;
      const run = {
        label,
        seconds: Math.round(seconds * 100) / 100,
        rowsPerSecond: Math.round(ROWS / seconds),
        rssBeforeMiB: mib(before),
        peakRssGrowthMiB: mib(peak - before),
        peakHeapUsedGrowthMiB: mib(peakHeap - start.heapUsed),
        peakExternalGrowthMiB: mib(peakExternal - start.external),
        report,
      };
      process.stdout.write(
        `${label}: ${run.seconds} s, ${run.rowsPerSecond} rows/s, peak RSS +${run.peakRssGrowthMiB} MiB ` +
          `(heap used +${run.peakHeapUsedGrowthMiB} MiB, external +${run.peakExternalGrowthMiB} MiB)\n`,
      );
      return run;
    };
    const first = await newList('bench');
    const runs = [
      await importInto('new list (V8 as it is)', first, false),
      await importInto('same file again, every row an update (V8 as it is)', first, false),
      await importInto('new list (full GC every 250 ms: live memory)', await newList('bench-gc'), true),
    ];
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      rows: ROWS,
      fileMiB: mib(statSync(file).size),
      runs,
    };
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'csv-import.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write('written to bench/results/csv-import.json\n');
  } finally {
    await app.close();
    await dropDatabase(url);
    rmSync(dir, { recursive: true, force: true });
  }
}

const limit = setTimeout(() => {
  process.stderr.write(`benchmark exceeded ${HARD_LIMIT_MS / 1000} s, aborting\n`);
  process.exit(1);
}, HARD_LIMIT_MS);
limit.unref();
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
