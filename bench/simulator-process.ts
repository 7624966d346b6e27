/** Bench scripts in child processes (the simulator, the raw baseline), driven over IPC, and measuring helpers. */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session as Inspector } from 'node:inspector/promises';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { HostCommand, HostReply } from './simulator-host';

type WithoutId<C> = C extends unknown ? Omit<C, 'id'> : never;

/** A bench script in a child process, driven over fork IPC: `{ id, cmd, ... }` in, `HostReply` out. */
export class ForkedScript<Command extends { id: number; cmd: string }> {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: HostReply) => void>();
  private readonly child: ChildProcess;

  constructor(script: string, args: string[] = [], execArgv: string[] = []) {
    this.child = fork(join(__dirname, script), args, { execArgv: ['-r', '@swc-node/register', ...execArgv] });
    this.child.on('message', (reply: HostReply) => {
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
    // A child that dies fails what was asked of it, rather than leaving the caller waiting.
    this.child.on('exit', (code) => {
      for (const answer of this.pending.values()) answer({ id: 0, error: `${script} exited with ${code}` });
      this.pending.clear();
    });
  }

  call<T>(command: WithoutId<Command>): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, (reply) =>
        reply.error ? reject(new Error(reply.error)) : resolve(reply.result as T),
      );
      this.child.send({ ...command, id });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  kill(): void {
    this.child.kill();
  }
}

/** The WhatsApp simulator in a child process (bench/simulator-host.ts). */
export class SimulatorProcess extends ForkedScript<HostCommand> {
  constructor() {
    super('simulator-host.ts');
  }
}

/** A real GC even when node was started without --expose-gc (the npm script does not pass it). */
function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const collectGarbage = exposeGc();

export function gcRss(): number {
  for (let i = 0; i < 3; i++) collectGarbage();
  return process.memoryUsage().rss;
}

/**
 * CPU time (ms) of this process's threads so far, summed by thread name (Linux /proc; empty
 * elsewhere): `MainThread` is the JS main thread, `V8Worker` V8's GC helpers, `libuv-worker` the
 * thread pool; `<name> (system)` is the part of it spent in the kernel. Differences between two
 * readings show where off-main-thread CPU goes.
 */
export function threadCpuMs(): Record<string, number> {
  const byName: Record<string, number> = {};
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return byName;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const [user, system] = [Number(fields[11]) * 10, Number(fields[12]) * 10]; // ticks, USER_HZ = 100
      byName[name] = (byName[name] ?? 0) + user + system;
      byName[`${name} (system)`] = (byName[`${name} (system)`] ?? 0) + system;
    } catch {
      // the thread ended meanwhile
    }
  }
  return byName;
}

/** Per-thread-name CPU ms per message between two threadCpuMs() readings. */
export function threadCpuPerMessage(
  before: Record<string, number>,
  after: Record<string, number>,
  messages: number,
): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [name, ms] of Object.entries(after)) {
    const per = (ms - (before[name] ?? 0)) / messages;
    if (per >= 0.001) result[name] = +per.toFixed(3);
  }
  return result;
}

/** CPU time (ms) used so far by another process (Linux /proc), or NaN when it cannot be read. */
export function processCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks, USER_HZ = 100
  } catch {
    return Number.NaN;
  }
}

/** The pid of a local MariaDB/MySQL server, when one runs on this machine. */
export function databaseServerPid(): number | undefined {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (comm === 'mariadbd' || comm === 'mysqld') return Number(pid);
    } catch {
      // gone
    }
  }
  return undefined;
}

/** The run with the median msgs/s (of an odd count), with every run's msgs/s alongside. */
export function medianRun<T extends { messagesPerSecond: number }>(runs: T[]): T & { runs: number[] } {
  const sorted = [...runs].sort((a, b) => a.messagesPerSecond - b.messagesPerSecond);
  return { ...sorted[Math.floor(sorted.length / 2)], runs: runs.map((r) => r.messagesPerSecond) };
}

/** What one inbound run cost: wall time, and CPU per message of this process, the simulator and MariaDB. */
export interface RunCost {
  seconds: number;
  messagesPerSecond: number;
  cpuMsPerMessage: number;
  /** This process's CPU ms per message by thread name (Linux). */
  threads: Record<string, number>;
  simulatorCpuMsPerMessage: number;
  databaseCpuMsPerMessage: number;
  /** Main-thread time in V8 GC pauses, per message, and the heap in use when the run ended. */
  gcPauseMsPerMessage: number;
  heapUsedMiB: number;
}

let gcPauseMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauseMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

const DATABASE_PID = databaseServerPid();

/** Busy and total CPU ticks of the whole machine so far (Linux /proc/stat), or null elsewhere. */
function machineTicks(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((sum, n) => sum + n, 0);
    const idle = fields[3] + (fields[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/**
 * Waits until the machine is quiet (at most 10% busy over 250 ms, at most `limitMs`), so that work
 * left over from one run (MariaDB flushing pages, a GC, the other side's timers) is not charged to
 * the next one.
 */
export async function quietMachine(limitMs = 10_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    const before = machineTicks();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const after = machineTicks();
    if (!before || !after) return;
    if (after.busy - before.busy <= 0.1 * (after.total - before.total)) return;
  }
}

/** Runs `run` (which returns when all `messages` arrived) on a quiet machine and measures it. */
export async function measureRun(
  host: SimulatorProcess,
  messages: number,
  run: () => Promise<void>,
): Promise<RunCost> {
  await quietMachine();
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const threads0 = threadCpuMs();
  const sim0 = processCpuMs(host.pid);
  const db0 = processCpuMs(DATABASE_PID);
  const gc0 = gcPauseMs;
  await run();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return {
    seconds: +seconds.toFixed(2),
    messagesPerSecond: Math.round(messages / seconds),
    cpuMsPerMessage: +((cpu.user + cpu.system) / 1000 / messages).toFixed(3),
    threads: threadCpuPerMessage(threads0, threadCpuMs(), messages),
    simulatorCpuMsPerMessage: +((processCpuMs(host.pid) - sim0) / messages).toFixed(3),
    databaseCpuMsPerMessage: +((processCpuMs(DATABASE_PID) - db0) / messages).toFixed(3),
    gcPauseMsPerMessage: +((gcPauseMs - gc0) / messages).toFixed(3),
    heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  };
}

/**
 * Starts a CPU profile of this process when `file` is set; the returned function stops it and
 * writes it there (open it in Chrome DevTools or any .cpuprofile viewer).
 */
export async function startCpuProfile(file: string | undefined): Promise<() => Promise<void>> {
  if (!file) return async () => undefined;
  const session = new Inspector();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}
