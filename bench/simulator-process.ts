/** The WhatsApp simulator in a child process (bench/simulator-host.ts), driven over IPC, and GC helpers. */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { HostCommand, HostReply } from './simulator-host';

type WithoutId<C> = C extends unknown ? Omit<C, 'id'> : never;

export class SimulatorProcess {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: HostReply) => void>();
  private readonly child: ChildProcess;

  constructor() {
    this.child = fork(join(__dirname, 'simulator-host.ts'), [], { execArgv: ['-r', '@swc-node/register'] });
    this.child.on('message', (reply: HostReply) => {
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
  }

  call<T>(command: WithoutId<HostCommand>): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, (reply) =>
        reply.error ? reject(new Error(reply.error)) : resolve(reply.result as T),
      );
      this.child.send({ ...command, id });
    });
  }

  kill(): void {
    this.child.kill();
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
