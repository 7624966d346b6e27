/**
 * Self time of a CPU profile (.cpuprofile, as BENCH_CPU_PROFILE / BENCH_RAW_CPU_PROFILE write them) by
 * part: each npm package, each file of the gateway's own code (src/...), Node's internals, GC. With a
 * second profile (the raw side, over the same runs) the parts are printed side by side.
 *
 *   node -r @swc-node/register bench/profile-summary.ts gateway.cpuprofile [raw.cpuprofile]
 *     [--messages N] [--by package|file|function] [--top 40]
 *
 * `--messages N` adds µs per message (both profiles of bench:sessions cover the same N messages:
 * pairs × messages of each inbound case run). `--by file` splits packages into their files,
 * `--by function` lists functions (name, file:line).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

type By = 'package' | 'file' | 'function';

/** The part of the program a frame belongs to, at the requested grain. */
function partOf({ functionName, url, lineNumber }: ProfileNode['callFrame'], by: By): string {
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName || '(anonymous)'}`;
  const path = url.replace(/^file:\/\//, '');
  let part: string;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = path.slice(modules + '/node_modules/'.length).split('/');
    const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    part = by === 'package' ? name : `${name}/${rest.slice(name.split('/').length).join('/')}`;
  } else if (path.startsWith('node:')) {
    part = by === 'package' ? 'node: (internals)' : path;
  } else {
    const src = path.search(/\/(src|bench|test)\//);
    part = src >= 0 ? path.slice(src + 1) : path;
    if (by === 'package') part = `gateway ${part}`;
  }
  return by === 'function' ? `${functionName || '(anonymous)'} ${part}:${lineNumber + 1}` : part;
}

/** Self time in ms per part, and the profile's total. */
function selfTimes(file: string, by: By): { total: number; parts: Map<string, number> } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const partById = new Map(profile.nodes.map((n) => [n.id, partOf(n.callFrame, by)]));
  const parts = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const part = partById.get(id) ?? '(unknown)';
    if (part === '(idle)') return; // not CPU
    total += ms;
    parts.set(part, (parts.get(part) ?? 0) + ms);
  });
  return { total, parts };
}

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args.splice(at, 2)[1] : undefined;
};
const messages = Number(option('messages') ?? 0);
const by = (option('by') ?? 'package') as By;
const top = Number(option('top') ?? 40);
const [gatewayFile, rawFile] = args;
if (!gatewayFile) {
  process.stderr.write(
    'usage: profile-summary.ts a.cpuprofile [b.cpuprofile] [--messages N] [--by package|file|function] [--top N]\n',
  );
  process.exit(2);
}

const a = selfTimes(gatewayFile, by);
const b = rawFile ? selfTimes(rawFile, by) : null;
const names = [...new Set([...a.parts.keys(), ...(b?.parts.keys() ?? [])])].sort(
  (x, y) =>
    (b
      ? (a.parts.get(y) ?? 0) - (b.parts.get(y) ?? 0) - ((a.parts.get(x) ?? 0) - (b.parts.get(x) ?? 0))
      : 0) || (a.parts.get(y) ?? 0) - (a.parts.get(x) ?? 0),
);
const cell = (ms: number, total: number) =>
  `${ms.toFixed(0).padStart(8)} ${((100 * ms) / total).toFixed(1).padStart(5)}%${messages ? ` ${((1000 * ms) / messages).toFixed(1).padStart(7)}` : ''}`;
const unit = messages ? '      ms     %   µs/msg' : '      ms     %';
process.stdout.write(`${b ? `${unit}  |${unit}  | diff ms  part` : `${unit}  part`}\n`);
const row = (name: string) => {
  const x = a.parts.get(name) ?? 0;
  if (!b) return `${cell(x, a.total)}  ${name}\n`;
  const y = b.parts.get(name) ?? 0;
  return `${cell(x, a.total)}  |${cell(y, b.total)}  | ${(x - y).toFixed(0).padStart(7)}  ${name}\n`;
};
for (const name of names.slice(0, top)) process.stdout.write(row(name));
const tally = (t: number) =>
  `${t.toFixed(0).padStart(8)} ms${messages ? ` ${((1000 * t) / messages).toFixed(1)} µs/msg` : ''}`;
process.stdout.write(
  `total (busy, without idle): ${tally(a.total)}${b ? `  |  ${tally(b.total)}  (${(a.total / b.total).toFixed(2)}x)` : ''}\n`,
);
