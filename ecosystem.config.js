/**
 * PM2: the gateway as a cluster of WORKERS processes (default 2) sharing one port through Node's
 * cluster module, each with the seed's heap cap. Run `npm run build` first, then
 * `npm run start:cluster` (or `npx pm2 start ecosystem.config.js`). docs/operations.md#pm2.
 *
 * Every worker is a full gateway on the same database: it holds its own sessions through their
 * leases (its INSTANCE_ID is host-pid, so a worker that PM2 starts before the old one has exited can
 * never hold the same session), claims outbox, campaign and send rows with SKIP LOCKED, and serves
 * any request. The environment of the `pm2 start` command reaches the workers (DATABASE_URL,
 * TOKEN_ENCRYPTION_KEY, ...), as does a .env file in the working directory.
 */
const workers = Number.parseInt(process.env.WORKERS ?? '2', 10);
if (!Number.isInteger(workers) || workers < 1) throw new Error('WORKERS must be a whole number >= 1');
const heapMb = Number.parseInt(process.env.GATEWAY_HEAP_MB ?? '1024', 10);

module.exports = {
  apps: [
    {
      name: process.env.PM2_APP_NAME ?? 'wa-gateway',
      script: 'dist/main.js',
      cwd: __dirname,
      exec_mode: 'cluster',
      instances: workers,
      // The seed's heap cap (--max-old-space-size=1024), and a restart before the machine swaps; the
      // young generation capped as in `npm start` (docs/benchmarks.md, Idle memory).
      node_args: `--max-old-space-size=${heapMb} --max-semi-space-size=8`,
      max_memory_restart: `${heapMb + 512}M`,
      // A worker that keeps crashing at start is not restarted forever: 10 tries, 2 s apart, growing.
      min_uptime: '30s',
      max_restarts: 10,
      restart_delay: 2_000,
      exp_backoff_restart_delay: 500,
      // Shutdown closes the sessions and waits for deliveries in flight (SIGTERM first, then this long).
      kill_timeout: 20_000,
      merge_logs: true,
      time: true,
      env: { NODE_ENV: process.env.NODE_ENV ?? 'production' },
    },
  ],
};
