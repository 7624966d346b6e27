import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import request from 'supertest';
import { PrismaClient } from '../src/generated/prisma/client';
import { poolConfigFromUrl } from '../src/prisma/database-url';
import { disableSandboxBaileys, enableSandboxBaileys } from '../src/sandbox/baileys-sandbox-switch';
import { WhatsAppSimulator } from '../src/sandbox/simulator/whatsapp-simulator';
import { silenceLibsignalConsole } from './support/baileys-test-client';
import { ADMIN, eventually, MASTER_KEY } from './support/gateway-fixture';
import { freePort } from './support/gateway-process';
import { createTestDatabase, type TestDatabase } from './support/test-database';

jest.setTimeout(300_000);

const root = join(__dirname, '..');
const APP = 'wa-gateway-pm2-test';

interface Pm2Process {
  name: string;
  pid: number;
  pm2_env: { status: string; exec_mode: string; restart_time: number };
}

/**
 * `pm2 start ecosystem.config.js` as an operator runs it (the built app, cluster mode, WORKERS=2), on
 * a fresh database and a private PM2_HOME, with the sessions' sockets pointed at a simulator in
 * this process.
 */
describe('PM2 cluster: ecosystem.config.js starts WORKERS gateways that share one port and the sessions', () => {
  const simulator = new WhatsAppSimulator({ qrRefCount: 6 });
  const pm2Home = mkdtempSync(join(tmpdir(), 'pm2-'));
  const media = mkdtempSync(join(tmpdir(), 'pm2-media-'));
  let db: TestDatabase;
  let prisma: PrismaClient;
  let port: number;
  let env: Record<string, string>;
  let restoreConsole: () => void;

  const url = () => `http://127.0.0.1:${port}`;
  const pm2 = (...args: string[]) => {
    const run = spawnSync(process.execPath, [join(root, 'node_modules', 'pm2', 'bin', 'pm2'), ...args], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (run.status !== 0) throw new Error(`pm2 ${args.join(' ')}: ${run.stderr || run.stdout}`);
    return run.stdout;
  };
  const processes = (): Pm2Process[] =>
    (JSON.parse(pm2('jlist')) as Pm2Process[]).filter((p) => p.name === APP);

  beforeAll(async () => {
    restoreConsole = silenceLibsignalConsole();
    // The ecosystem runs the built app (dist/), as in production.
    const build = spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      { cwd: root, encoding: 'utf8', timeout: 240_000 },
    );
    if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
    db = await createTestDatabase('wagw_pm2');
    prisma = new PrismaClient({ adapter: new PrismaMariaDb(poolConfigFromUrl(db.url)) });
    const endpoints = await simulator.start();
    enableSandboxBaileys(simulator);
    port = await freePort();
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PM2_HOME: pm2Home,
      PM2_APP_NAME: APP,
      WORKERS: '2',
      NODE_ENV: 'development',
      DATABASE_URL: db.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      TOKEN_ENCRYPTION_KEY: '5d'.repeat(32),
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      MASTER_API_KEY: MASTER_KEY,
      MEDIA_PATH: media,
      MAX_SESSIONS: '100',
      SANDBOX: 'true',
      SANDBOX_SIMULATOR_WS_URL: endpoints.webSocketUrl,
      SANDBOX_SIMULATOR_ROOT_KEY: simulator.rootPublicKey.toString('hex'),
      SANDBOX_SIMULATOR_CA: Buffer.from(simulator.tlsCertificate).toString('base64'),
    };
    pm2('start', 'ecosystem.config.js');
  });

  afterAll(async () => {
    if (env) {
      try {
        pm2('kill');
      } catch {
        // nothing was started
      }
    }
    await prisma?.$disconnect();
    disableSandboxBaileys();
    await simulator.stop().catch(() => undefined);
    await db?.drop();
    rmSync(pm2Home, { recursive: true, force: true });
    rmSync(media, { recursive: true, force: true });
    restoreConsole?.();
  });

  it('starts 2 workers in cluster mode that answer on one port', async () => {
    const online = await eventually(
      () => {
        const list = processes();
        return list.length === 2 && list.every((p) => p.pm2_env.status === 'online') && list;
      },
      60_000,
      500,
    );
    expect(online.map((p) => p.pm2_env.exec_mode)).toEqual(['cluster_mode', 'cluster_mode']);
    expect(new Set(online.map((p) => p.pid)).size).toBe(2);
    // Both workers migrated the same fresh database (one at a time, under the migration lock) and listen.
    await eventually(
      async () =>
        (
          await request(url())
            .get('/health')
            .catch(() => null)
        )?.status === 200,
      90_000,
      250,
    );
    const answers = await Promise.all(Array.from({ length: 10 }, () => request(url()).get('/health')));
    expect(answers.map((res) => res.status)).toEqual(Array(10).fill(200));
    expect(processes().every((p) => p.pm2_env.restart_time === 0)).toBe(true);
  });

  it('sessions created through the one port are held by both workers, and each connects', async () => {
    const pids = processes().map((p) => p.pid);
    const login = await request(url()).post('/api/v1/auth/login').send(ADMIN).expect(200);
    const admin = login.body.data.accessToken as string;
    // Connections are dealt round-robin to the workers that listen; each create opens its session
    // where it lands. Sessions are created until both workers hold some (a worker still starting
    // takes no connection yet).
    const ids: string[] = [];
    const owners = await eventually(
      async () => {
        const id = `pm2-${ids.length}`;
        await request(url())
          .post('/api/v1/sessions')
          .set('x-master-key', MASTER_KEY)
          .send({ id, name: id })
          .expect(201);
        ids.push(id);
        const rows = await prisma.whatsappSession.findMany({ where: { id: { in: ids } } });
        const held = ids.map((sessionId) => rows.find((row) => row.id === sessionId)?.leaseOwner);
        return ids.length >= 2 && held.every(Boolean) && new Set(held).size === 2 && (held as string[]);
      },
      60_000,
      1_000,
    );
    const holders = new Set(owners);
    expect(holders.size).toBe(2);
    // Each worker's holder id is host-pid of that worker.
    expect([...holders].map((owner) => Number(owner.split('-').pop())).sort()).toEqual([...pids].sort());

    // One session of each worker is linked: its QR is served by whichever worker holds it.
    const linked = [...holders].map((owner) => ids[owners.indexOf(owner)]);
    for (const [i, id] of linked.entries()) {
      const qr = await eventually(async () => {
        const res = await request(url())
          .get(`/api/v1/sessions/${id}/qr`)
          .set('authorization', `Bearer ${admin}`);
        return res.status === 200 ? (res.body.data.qr as string) : null;
      }, 30_000);
      await simulator.linkDevice(qr, { phoneNumber: `62812000007${i}` });
    }
    await eventually(
      async () =>
        (await prisma.whatsappSession.count({ where: { id: { in: linked }, status: 'connected' } })) === 2,
      30_000,
    );
    // Any worker answers for any session.
    for (let n = 0; n < 4; n++)
      for (const id of linked) {
        const res = await request(url())
          .get(`/api/v1/sessions/${id}`)
          .set('authorization', `Bearer ${admin}`);
        expect(res.body.data.status).toBe('connected');
      }
  });
});
