import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { Prisma, PrismaClient } from '../src/generated/prisma/client';
import { poolConfigFromUrl } from '../src/prisma/database-url';
import { eventually } from './support/gateway-fixture';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { WebhookReceiver } from './support/webhook-receiver';

jest.setTimeout(90_000);

const root = join(__dirname, '..');
const ROWS = 500;
const SESSIONS = 10;

describe('webhooks survive SIGKILL: every row delivered after a restart, none twice', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  const receiver = new WebhookReceiver();
  const children: ChildProcess[] = [];

  /** src/main.ts as a real process (as in production), on the test database. */
  function startGateway(): ChildProcess {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(root, 'src', 'main.ts')], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DATABASE_URL: db.url,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        TOKEN_ENCRYPTION_KEY: '0f'.repeat(32),
        ADMIN_EMAIL: 'admin@example.com',
        ADMIN_PASSWORD: 'admin-password-for-tests',
        WEBHOOK_URL: receiver.url,
        WEBHOOK_SECRET: 'crash-test-webhook-secret-0123',
        // Generous: this test is about crash safety, and on a busy 2-core machine a 500 ms limit once
        // judged 72 slow answers failures (each then posted twice, as a timed-out POST must be).
        WEBHOOK_TIMEOUT: '5000',
        WEBHOOK_RETRY_DELAY: '50',
        WEBHOOK_MAX_RETRIES: '20',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  }

  beforeAll(async () => {
    db = await createTestDatabase('wagw_hooks_crash');
    prisma = new PrismaClient({ adapter: new PrismaMariaDb(poolConfigFromUrl(db.url)) });
    await receiver.start();
    await receiver.stop(); // keep the port, refuse connections: the receiver is down
  });
  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await receiver.stop();
    await prisma?.$disconnect();
    await db?.drop();
  });

  it('500 undelivered rows, receiver down, SIGKILL; restart, receiver up: all delivered exactly once, in order', async () => {
    const now = new Date();
    const rows = Array.from({ length: ROWS }, (_, i) => {
      const deliveryId = randomUUID();
      const sessionId = `crash-${i % SESSIONS}`;
      const payload = JSON.stringify({
        from: '6281',
        to: '6282',
        message: `n${i}`,
        timestamp: '1754889300',
        type: 'text',
        event: 'message.inbound',
        sessionId,
        deliveryId,
        seq: i,
      });
      return Prisma.sql`(${deliveryId}, ${sessionId}, 'message.inbound', ${payload}, ${receiver.url}, 'pending', 0, ${now}, ${now}, ${now})`;
    });
    await prisma.$executeRaw`INSERT INTO webhook_outbox
      (delivery_id, session_id, event, payload, target_url, status, attempts, next_attempt_at, created_at, updated_at)
      VALUES ${Prisma.join(rows)}`;

    const first = startGateway();
    // It is working on them: every session's head has been tried and refused at least twice.
    await eventually(
      async () => (await prisma.webhookOutbox.count({ where: { attempts: { gte: 2 } } })) >= SESSIONS,
      40_000,
    );
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    expect(first.signalCode).toBe('SIGKILL');
    expect(await prisma.webhookOutbox.count({ where: { status: 'pending' } })).toBe(ROWS);

    startGateway();
    await receiver.start();
    await eventually(
      async () => (await prisma.webhookOutbox.count({ where: { status: 'delivered' } })) === ROWS,
      60_000,
      250,
    );

    const perDelivery = new Map<string, number>();
    for (const hook of receiver.hooks) {
      const id = String(hook.headers['x-delivery-id']);
      perDelivery.set(id, (perDelivery.get(id) ?? 0) + 1);
    }
    expect(perDelivery.size).toBe(ROWS);
    // Any row posted more than once, with the attempt numbers of its posts (the same number twice
    // means a claim was taken over; growing numbers mean a post was judged a failure).
    const repeated = [...perDelivery]
      .filter(([, n]) => n !== 1)
      .map(([id]) => ({ id, attempts: receiver.forDelivery(id).map((h) => h.headers['x-webhook-attempt']) }));
    expect(repeated).toEqual([]);
    for (let s = 0; s < SESSIONS; s++) {
      const seqs = receiver.hooks
        .filter((h) => h.body.sessionId === `crash-${s}`)
        .map((h) => Number(h.body.seq));
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  });
});
