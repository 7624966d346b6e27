/**
 * Raw-Baileys baseline (`npm run bench:simulator`): how many inbound messages per second the simulator
 * pushes into 1, 10 and 50 unmodified Baileys sockets (counted at `messages.upsert`), and the RSS one idle
 * connected socket costs. The simulator runs in a child process so this process holds only Baileys.
 * Writes bench/results/simulator-baseline.json. With `--serve` (started by bench/gateway-sessions.ts)
 * it runs inbound cases on request instead, so that benchmark can alternate raw and gateway runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { enableSandboxBaileys } from '../src/sandbox/baileys-sandbox-switch';
import { BaileysTestClient, silenceLibsignalConsole } from '../test/support/baileys-test-client';
import type { HostReply } from './simulator-host';
import {
  gcRss,
  measureRun,
  medianRun,
  SimulatorProcess,
  startCpuProfile,
  type RunCost,
} from './simulator-process';

const SOCKET_COUNTS = [1, 10, 50];
const MESSAGES_PER_RUN: Record<number, number> = { 1: 4000, 10: 5000, 50: 6000 };
const CONTACT = '15557770000';
const HARD_LIMIT_MS = 240_000;
/** Runs per compared socket count; the median is reported (runs on a shared 2-core machine vary). */
const REPEATS = 3;

type Row = RunCost & {
  sockets: number;
  messages: number;
  /** msgs/s of every repeat (the row is the median one). */
  runs?: number[];
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Raw Baileys sockets paired with a simulator of their own, ready for inbound runs. */
interface RawBaseline {
  rssBefore: number;
  rssAfter: number;
  rssPerSocketKiB: number;
  /** One inbound run: `messages` pushed round-robin into the first `sockets` sockets, measured. */
  run(sockets: number, messages: number, label: string): Promise<RunCost & { messages: number }>;
  stop(): Promise<void>;
}

async function startRawBaseline(maxSockets: number): Promise<RawBaseline> {
  silenceLibsignalConsole();
  const host = new SimulatorProcess();
  const started = await host.call<{ webSocketUrl: string; rootPublicKey: string; certificate: string }>({
    cmd: 'start',
  });
  enableSandboxBaileys({ rootPublicKey: Buffer.from(started.rootPublicKey, 'hex') });
  const access = {
    socketConfig: () => ({
      waWebSocketUrl: started.webSocketUrl,
      fetchAgent: new Agent({ ca: started.certificate }),
    }),
    linkDevice: (qr: string, options: { phoneNumber: string }) =>
      host.call({ cmd: 'linkDevice', qr, ...options }),
  };
  await host.call({ cmd: 'createContact', phoneNumber: CONTACT });

  const numbers = Array.from({ length: maxSockets }, (_, i) => String(15557771000 + i));
  await sleep(500);
  const rssBefore = gcRss();
  const clients: BaileysTestClient[] = [];
  for (let i = 0; i < maxSockets; i += 10) {
    const wave = numbers.slice(i, i + 10).map(async (phoneNumber) => {
      const client = new BaileysTestClient(access);
      await client.pair(phoneNumber);
      return client;
    });
    clients.push(...(await Promise.all(wave)));
  }
  await sleep(2_000);
  const rssAfter = gcRss();

  // One warm-up message per socket opens the contact's Signal session (pkmsg) outside the measurement.
  await host.call({ cmd: 'push', from: CONTACT, to: numbers, perRecipient: 1, prefix: 'warm-up' });
  await Promise.all(
    clients.map((c) => c.waitForUpsert((m) => m.message?.conversation === 'warm-up 0', 30_000)),
  );

  // One listener per socket, counting messages of the run under way.
  let current = { prefix: '', received: 0, expected: 0, done: () => {} };
  for (const client of clients) {
    client.socket!.ev.on('messages.upsert', ({ messages }) => {
      current.received += messages.filter((m) => m.message?.conversation?.startsWith(current.prefix)).length;
      if (current.expected > 0 && current.received >= current.expected) current.done();
    });
  }
  return {
    rssBefore,
    rssAfter,
    rssPerSocketKiB: Math.round((rssAfter - rssBefore) / maxSockets / 1024),
    async run(sockets, messages, label) {
      const perRecipient = Math.ceil(messages / sockets);
      const expected = perRecipient * sockets;
      const prefix = `${label} `;
      // The test client keeps what it receives; a raw app would not hold every message it has seen.
      for (const client of clients) client.forgetReceived();
      const done = new Promise<void>(
        (resolve) => (current = { prefix, received: 0, expected, done: resolve }),
      );
      const cost = await measureRun(host, expected, async () => {
        await host.call({
          cmd: 'push',
          from: CONTACT,
          to: numbers.slice(0, sockets),
          perRecipient,
          prefix: label,
        });
        await done;
      });
      return { messages: expected, ...cost };
    },
    async stop() {
      for (const client of clients) client.end();
      await host.call({ cmd: 'stop' });
      host.kill();
    },
  };
}

/** Requests of bench/gateway-sessions.ts to this script started with `--serve` (answered as HostReply). */
export type ServeCommand =
  | { id: number; cmd: 'start' }
  | { id: number; cmd: 'run'; sockets: number; messages: number; label: string }
  | { id: number; cmd: 'stop' };
export type ServeStarted = { rssPerSocketKiB: number; warmUp: RunCost & { messages: number } };

/**
 * `--serve`: on `start`, pair the sockets and warm up (the 1-socket run); then run inbound cases on
 * request, so the gateway's benchmark can alternate raw and gateway runs and both see the same machine.
 */
async function serve(): Promise<void> {
  // The parent's lifetime bounds this one: it exits when the parent goes, whatever it is doing.
  clearTimeout(watchdog);
  process.on('disconnect', () => process.exit(0));
  let baseline: RawBaseline | undefined;
  // BENCH_RAW_CPU_PROFILE=file.cpuprofile records the raw side's CPU during the requested runs.
  let stopProfile: () => Promise<void> = async () => undefined;
  const handle = async (command: ServeCommand): Promise<unknown> => {
    if (command.cmd === 'start') {
      baseline = await startRawBaseline(Math.max(...SOCKET_COUNTS));
      const warmUp = await baseline.run(1, MESSAGES_PER_RUN[1], 'warm-up-run');
      stopProfile = await startCpuProfile(process.env.BENCH_RAW_CPU_PROFILE);
      return { rssPerSocketKiB: baseline.rssPerSocketKiB, warmUp } satisfies ServeStarted;
    }
    if (!baseline) throw new Error('not started');
    if (command.cmd === 'run') return baseline.run(command.sockets, command.messages, command.label);
    await stopProfile();
    await baseline.stop();
    return null;
  };
  process.on('message', (command: ServeCommand) => {
    handle(command).then(
      (result) => process.send!({ id: command.id, result } satisfies HostReply),
      (error: unknown) => process.send!({ id: command.id, error: String(error) } satisfies HostReply),
    );
  });
  await new Promise<never>(() => undefined); // until the parent goes
}

async function main(): Promise<void> {
  const maxSockets = Math.max(...SOCKET_COUNTS);
  const baseline = await startRawBaseline(maxSockets);

  // BENCH_CPU_PROFILE=file.cpuprofile records this process's CPU during the inbound runs only.
  const stopProfile = await startCpuProfile(process.env.BENCH_CPU_PROFILE);
  const rows: Row[] = [];
  for (const count of SOCKET_COUNTS) {
    const repeats: Row[] = [];
    // The 1-socket run warms up; the compared runs are repeated and their median kept.
    for (let r = 0; r < (count === 1 ? 1 : REPEATS); r++) {
      repeats.push({
        sockets: count,
        ...(await baseline.run(count, MESSAGES_PER_RUN[count], `run-${count}-${r}`)),
      });
    }
    rows.push(medianRun(repeats));
  }

  await stopProfile();
  await baseline.stop();
  const { rssBefore, rssAfter, rssPerSocketKiB } = baseline;

  const result = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    baileys: '7.0.0-rc14',
    machine: { cpus: (await import('node:os')).cpus().length },
    inbound: rows,
    idleSocket: {
      sockets: maxSockets,
      rssBeforeMiB: +(rssBefore / 2 ** 20).toFixed(1),
      rssAfterMiB: +(rssAfter / 2 ** 20).toFixed(1),
      rssPerSocketKiB,
    },
    method:
      'simulator in a child process; N raw sockets paired then fed round-robin text messages as fast as the simulator encrypts them; ' +
      'msgs/s = messages / time until the last messages.upsert, median of 3 runs (1 for the warm-up 1-socket run); cpu ms/msg = CPU time of this process, all threads, / messages; ' +
      'RSS per socket = (RSS after linking and 2 s idle − RSS before) / sockets, both after forced GC',
  };
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(
    join(__dirname, 'results', 'simulator-baseline.json'),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  process.stdout.write(
    '\nraw Baileys inbound throughput (simulator → sockets, counted at messages.upsert)\n',
  );
  process.stdout.write('sockets  messages  seconds  msgs/s  cpu ms/msg (threads; simulator)\n');
  for (const row of rows) {
    process.stdout.write(
      `${String(row.sockets).padStart(7)}  ${String(row.messages).padStart(8)}  ${row.seconds.toFixed(2).padStart(7)}  ${String(row.messagesPerSecond).padStart(6)}  ${row.cpuMsPerMessage.toFixed(3).padStart(10)} (${JSON.stringify(row.threads)}; ${row.simulatorCpuMsPerMessage})  runs ${row.runs?.join('/')}\n`,
    );
  }
  process.stdout.write(
    `\nidle connected socket: ${rssPerSocketKiB} KiB RSS each (${maxSockets} sockets, after GC)\n`,
  );
  process.stdout.write('written to bench/results/simulator-baseline.json\n');
}

const watchdog = setTimeout(() => {
  process.stderr.write(`benchmark exceeded ${HARD_LIMIT_MS / 1000} s, aborting\n`);
  process.exit(1);
}, HARD_LIMIT_MS);
watchdog.unref();

(process.argv.includes('--serve') ? serve() : main()).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
