/**
 * `npm run bench`: every figure of docs/benchmarks.md in one run (about 15-20 minutes on 2 cores),
 * printed as one table with the machine, Node version, load average and date, and written to
 * bench/results/summary.md and bench/results/summary.json.
 *
 * Each benchmark runs as its own npm script (its own process and database), one after another, with
 * the settings below (shorter than each one's default where its default takes long; the doc says so).
 * A benchmark that runs several times reports the spread of its runs (min-max, or the middle half of
 * paired ratios), never the best run. Start it on a quiet machine: every step prints the load average
 * before and after, and the table keeps them.
 *
 * BENCH_ONLY=memory,csv (step names below) runs some; BENCH_CLUSTER=1 adds `bench:cluster` (10 min).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

const RESULTS = join(__dirname, 'results');
const RUNS_DIR = join(RESULTS, 'runs');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Row {
  figure: string;
  measured: string;
  goal: string;
  /** null: no goal, or nothing measured. */
  met: boolean | null;
}
interface Step {
  name: string;
  script: string;
  env?: Record<string, string>;
  /** How many times the script runs (its results file is kept from each). */
  repeat?: number;
  results: string;
  rows: (runs: Json[]) => Row[];
}

const range = (xs: number[], unit = '', digits = 0): string => {
  if (xs.length === 0) return 'not measured';
  const f = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: digits });
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? `${f(lo)}${unit}` : `${f(lo)}-${f(hi)}${unit}`;
};
const all = (xs: (number | undefined)[]) => xs.filter((x): x is number => typeof x === 'number');

const STEPS: Step[] = [
  {
    name: 'memory',
    script: 'bench:memory',
    env: { BENCH_MEMORY_RUNS: '5', BENCH_MEMORY_BREAKDOWN_RUNS: '1' },
    results: 'idle-memory.json',
    rows: ([r]) => {
      const s = r?.rssMiB?.atStart;
      return [
        {
          figure: 'RSS of the gateway with no session, right after start (5 starts)',
          measured: s ? `median ${s.median} MiB (${s.min}-${s.max})` : 'not measured',
          goal: '<= 150 MiB',
          met: s ? s.max <= 150 : null,
        },
      ];
    },
  },
  {
    name: 'sessions',
    script: 'bench:sessions',
    env: { BENCH_PAIRS: '5', BENCH_RESULTS: join(RUNS_DIR, 'gateway-sessions.json') },
    results: join(RUNS_DIR, 'gateway-sessions.json'),
    rows: ([r]) => {
      const inbound: Json[] = r?.inbound ?? [];
      const rows: Row[] = [10, 50].map((n) => {
        const c = inbound.find((x) => x.sessions === n);
        return {
          figure: `inbound msgs/s stored vs raw Baileys, ${n} sessions (median of ${c?.pairRatios?.length ?? '?'} pairs)`,
          measured: c
            ? `${c.ratioToRaw}x (middle half ${c.pairRatioQuartiles?.join('-')}x; ${c.messagesPerSecond} vs ${c.rawMessagesPerSecond} msgs/s)`
            : 'not measured',
          goal: '>= 0.95x',
          met: c ? c.ratioToRaw >= 0.95 : null,
        };
      });
      const c50 = inbound.find((x) => x.sessions === 50);
      const ratio = c50 ? c50.cpuMsPerMessage / c50.rawCpuMsPerMessage : null;
      rows.push({
        figure: 'CPU per inbound message, whole process, 50 sessions',
        measured: c50
          ? `${c50.cpuMsPerMessage} ms vs raw ${c50.rawCpuMsPerMessage} ms (${ratio!.toFixed(2)}x)`
          : 'not measured',
        goal: '<= 1.05x raw',
        met: ratio === null ? null : ratio <= 1.05,
      });
      const memory = r?.memory;
      if (memory)
        rows.push({
          figure: `RSS per idle connected session, ${memory.sessions} sessions`,
          measured: `${(memory.rssPerSessionKiB / 1024).toFixed(1)} MiB (raw Baileys ${(memory.rawRssPerSocketKiB / 1024).toFixed(1)} MiB per socket)`,
          goal: '',
          met: null,
        });
      return rows;
    },
  },
  {
    name: 'thousand',
    script: 'bench:thousand',
    results: 'thousand-sessions.json',
    rows: ([r]) => {
      const m = r?.memory;
      const a = m?.perSessionAfterFirstLogin?.rssKiB;
      const b = m?.perSessionAfterRestart?.rssKiB;
      const restart = r?.restart?.secondsToAllConnected;
      return [
        {
          figure: 'RSS per idle connected session at 1,000 sessions (gross RSS)',
          measured:
            a === undefined ? 'not measured' : `${a} KiB after the first login, ${b} KiB after a restart`,
          goal: '<= 3 MiB',
          met: a === undefined ? null : Math.max(a, b) <= 3 * 1024,
        },
        {
          figure: '1,000 saved sessions connected again after a restart',
          measured: restart === undefined ? 'not measured' : `${restart} s`,
          goal: '< 30 s',
          met: restart === undefined ? null : restart < 30,
        },
      ];
    },
  },
  {
    name: 'webhook-latency',
    script: 'bench:webhooks:latency',
    env: { BENCH_RUNS: '3' },
    results: 'webhook-latency.json',
    rows: ([r]) => {
      const cases: Json[] = r?.cases ?? [];
      const goals: [number, number, number][] = [
        [200, 4, 100],
        [500, 50, 150],
      ];
      return goals.map(([rate, sessions, goal]) => {
        const runs = cases.filter((c) => c.messagesPerSecond === rate && c.sessions === sessions);
        const p99 = runs.map((c) => c.storedToPostMs?.p99 as number);
        const p50 = runs.map((c) => c.storedToPostMs?.p50 as number);
        const lost = runs.some((c) => c.messages?.posted < c.messages?.stored || c.messages?.duplicates > 0);
        return {
          figure: `webhook latency, stored -> POST, ${rate} msg/s over ${sessions} sessions (${runs.length} runs)`,
          measured: runs.length
            ? `p99 ${p99.join(', ')} ms; p50 ${range(p50, ' ms', 1)}${lost ? '; SOME LOST OR DUPLICATED' : ''}`
            : 'not measured',
          goal: `p99 <= ${goal} ms in 3 of 3 runs`,
          met: runs.length ? runs.length >= 3 && p99.every((x) => x <= goal) && !lost : null,
        };
      });
    },
  },
  {
    name: 'webhook-throughput',
    script: 'bench:webhooks',
    results: 'webhook-throughput.json',
    rows: ([r]) => {
      const runs: Json[] = r?.runs ?? [];
      const rates = all(runs.map((x) => x.deliveriesPerSecond));
      return [
        {
          figure: `webhook throughput from a 20,000-row backlog (over ${runs.map((x) => x.sessions).join(' / ')} sessions)`,
          measured: runs.length ? runs.map((x) => `${x.deliveriesPerSecond}/s`).join(' / ') : 'not measured',
          goal: '>= 3,000/s',
          met: rates.length ? Math.min(...rates) >= 3000 : null,
        },
      ];
    },
  },
  {
    name: 'csv',
    script: 'bench:csv-import',
    repeat: 3,
    results: 'csv-import.json',
    rows: (runs) => {
      const fresh = runs.map((r) =>
        (r.runs as Json[] | undefined)?.find((x) => /^new list \(V8/.test(x.label)),
      );
      const seconds = all(fresh.map((x) => x?.seconds));
      const growth = all(fresh.map((x) => x?.peakRssGrowthMiB));
      return [
        {
          figure: `CSV import of 100,000 rows, new list (${seconds.length} runs)`,
          measured: seconds.length
            ? `${range(seconds, ' s', 2)}, RSS +${range(growth, ' MiB', 1)}`
            : 'not measured',
          goal: '< 3 s, RSS growth < 100 MiB',
          met: seconds.length ? Math.max(...seconds) < 3 && Math.max(...growth) < 100 : null,
        },
      ];
    },
  },
  {
    name: 'listing',
    script: 'bench:listing',
    results: 'message-listing.json',
    rows: ([r]) => {
      const results: Json[] = r?.results ?? [];
      const wanted: [RegExp, string][] = [
        [/^first page/, 'first page'],
        [/^deep keyset page/, 'a deep keyset page'],
        [/^one chat, first page/, 'filtered by chat'],
      ];
      return wanted.map(([pattern, name]) => {
        const c = results.find((x) => pattern.test(x.case));
        return {
          figure: `messages listing, 1,000,000 rows: ${name}`,
          measured: c ? `p99 ${c.p99Ms} ms (p50 ${c.p50Ms}, ${c.requests} requests)` : 'not measured',
          goal: 'p99 < 20 ms',
          met: c ? c.p99Ms < 20 : null,
        };
      });
    },
  },
  {
    name: 'send',
    script: 'bench:send',
    repeat: 2,
    results: 'send-latency.json',
    rows: (runs) => {
      const p99 = all(runs.map((r) => r.requestTo201Ms?.p99));
      return [
        {
          figure: `send text through REST, request -> 201, 50 req/s (${p99.length} runs)`,
          measured: p99.length ? `p99 ${p99.join(', ')} ms` : 'not measured',
          goal: 'p99 < 50 ms',
          met: p99.length ? Math.max(...p99) < 50 : null,
        },
      ];
    },
  },
  {
    name: 'cluster',
    script: 'bench:cluster',
    results: 'cluster-throughput.json',
    rows: ([r]) => [
      {
        figure: 'inbound over 50 sessions, 2 gateway processes vs 1 (median of pairs)',
        measured: r
          ? `${r.ratio}x (${r.twoProcessesMessagesPerSecond} vs ${r.oneProcessMessagesPerSecond} msgs/s; pairs ${(r.pairs as Json[]).map((p) => (p.two / p.one).toFixed(2)).join(', ')})`
          : 'not measured',
        goal: '>= 1.7x',
        met: r ? r.ratio >= 1.7 : null,
      },
    ],
  },
];

function run(script: string, env: Record<string, string>, logFile: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('close', (code) => {
      writeFileSync(logFile, Buffer.concat(chunks));
      resolve(code ?? 1);
    });
  });
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  mkdirSync(RUNS_DIR, { recursive: true });
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const steps = STEPS.filter((s) =>
    only ? only.includes(s.name) : s.name !== 'cluster' || process.env.BENCH_CLUSTER === '1',
  );
  const started = new Date();
  const header = {
    date: started.toISOString(),
    node: process.version,
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    loadAverageAtStart: load(),
  };
  process.stdout.write(`npm run bench: ${steps.map((s) => s.name).join(', ')}\n${JSON.stringify(header)}\n`);
  const table: (Row & { step: string; load: string })[] = [];
  for (const step of steps) {
    const before = load();
    const runs: Json[] = [];
    const t0 = Date.now();
    let failed = 0;
    for (let i = 0; i < (step.repeat ?? 1); i++) {
      const logFile = join(RUNS_DIR, `${step.name}-${i + 1}.log`);
      const file = step.results.startsWith('/') ? step.results : join(RESULTS, step.results);
      const stampBefore = existsSync(file) ? readFileSync(file, 'utf8') : null;
      const code = await run(step.script, step.env ?? {}, logFile);
      const text = existsSync(file) ? readFileSync(file, 'utf8') : null;
      if (code !== 0 || text === null || text === stampBefore) {
        failed += 1;
        process.stdout.write(`  ${step.name} run ${i + 1} failed (exit ${code}); see ${logFile}\n`);
        continue;
      }
      copyFileSync(file, join(RUNS_DIR, `${step.name}-${i + 1}.json`));
      runs.push(JSON.parse(text) as Json);
    }
    const after = load();
    const rows = step.rows(runs);
    for (const row of rows) table.push({ ...row, step: step.name, load: `${before} -> ${after}` });
    process.stdout.write(
      `${step.name}: ${Math.round((Date.now() - t0) / 1000)} s, load ${before} -> ${after}${failed ? `, ${failed} failed` : ''}\n` +
        rows.map((r) => `  ${r.figure}: ${r.measured}\n`).join(''),
    );
  }
  const mark = (m: boolean | null) => (m === null ? '' : m ? 'met' : 'not met');
  const md = [
    `Measured ${header.date} on ${header.machine}, Node ${header.node}; load average at start ${header.loadAverageAtStart}.`,
    '',
    '| figure | measured | goal | | load average (1, 5, 15 min) before -> after |',
    '| --- | --- | --- | --- | --- |',
    ...table.map((r) => `| ${r.figure} | ${r.measured} | ${r.goal} | ${mark(r.met)} | ${r.load} |`),
    '',
  ].join('\n');
  writeFileSync(join(RESULTS, 'summary.md'), md);
  writeFileSync(join(RESULTS, 'summary.json'), `${JSON.stringify({ ...header, rows: table }, null, 2)}\n`);
  process.stdout.write(`\n${md}\nwritten to bench/results/summary.md and summary.json\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
