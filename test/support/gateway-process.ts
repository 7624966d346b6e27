import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { eventually } from './gateway-fixture';

const root = join(__dirname, '..', '..');

/** A TCP port free on 127.0.0.1 right now (for a child gateway's PORT). */
export const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/**
 * The gateway as a real process (src/main.ts, with only the given environment), so a test can kill
 * it with SIGKILL, stop it with SIGTERM and start it again on the same database. Its stdout and
 * stderr are kept in `output`.
 */
export class GatewayProcess {
  private child: ChildProcess | null = null;
  output = '';

  constructor(private readonly env: Record<string, string>) {}

  get url(): string {
    return `http://127.0.0.1:${this.env.PORT}`;
  }

  /** The running child's pid (its INSTANCE_ID is host-pid when the environment names none). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts it and waits until GET /health answers 200 (fails at once when the process exits). */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(root, 'src', 'main.ts')], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (this.output += String(d)));
    child.stderr!.on('data', (d) => (this.output += String(d)));
    this.child = child;
    await eventually(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`gateway exited ${child.exitCode}: ${this.output.slice(-2000)}`);
        return (
          (
            await request(this.url)
              .get('/health')
              .catch(() => null)
          )?.status === 200
        );
      },
      90_000,
      250,
    );
  }

  /** SIGKILL: no shutdown hook runs, whatever was in flight stays as it was. */
  async kill(): Promise<void> {
    const child = this.child!;
    this.child = null;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM; resolves with how long the process took to exit (SIGKILL after 15 s). */
  async stop(): Promise<number> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return 0;
    const started = Date.now();
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return Date.now() - started;
  }
}
