/**
 * Message listing latency with 1,000,000 stored messages (`npm run bench:listing`): the first page,
 * deep keyset pages and filtered pages of `GET /api/v1/sessions/:id/messages`, timed through the
 * real HTTP API of an app started in this process (one keep-alive client, requests one after
 * another). The rows are spread like real traffic: 20 sessions, 5,000 chats (10% groups), a third
 * outbound, mostly text, timestamps over 100 days in id order. Creates, migrates and drops its own
 * database; writes bench/results/message-listing.json. BENCH_LISTING_ROWS and
 * BENCH_LISTING_REQUESTS change the size.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createConnection } from 'mariadb';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { loadConfig } from '../src/config/load-config';
import { poolConfigFromUrl, withDatabase } from '../src/prisma/database-url';
import { dropDatabase, migrate } from '../src/prisma/migrator';
import { MIGRATIONS_DIR } from '../src/prisma/paths';

const ROWS = Number(process.env.BENCH_LISTING_ROWS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_LISTING_REQUESTS ?? 200);
const SERVER = process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/';
const ADMIN = { email: 'bench@example.com', password: 'bench-password-123' };
const SESSIONS = 20;
const CHATS_PER_SESSION = 250;
const SEED_CHUNK = 100_000;
const HARD_LIMIT_MS = 175_000;
const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 7, 1);

const sessionId = (s: number) => `bench-s${String(s).padStart(2, '0')}`;
// Row n (0-based, in id order) belongs to session n % 20 and to one of its 250 chats.
const chatJid = (session: number, chat: number) =>
  chat < 25
    ? `120363${String(session * CHATS_PER_SESSION + chat).padStart(12, '0')}@g.us`
    : `62812${String(session * CHATS_PER_SESSION + chat).padStart(8, '0')}@s.whatsapp.net`;

/** Seeds the sessions and ROWS messages with INSERT ... SELECT from MariaDB's sequence engine. */
async function seed(url: string): Promise<number> {
  const conn = await createConnection(poolConfigFromUrl(url));
  try {
    const sessions = Array.from({ length: SESSIONS }, (_, s) => s);
    await conn.query(
      `INSERT INTO whatsapp_sessions (id, name, status, should_connect, updated_at) VALUES ${sessions.map(() => "(?, ?, 'disconnected', false, UTC_TIMESTAMP(3))").join(',')}`,
      sessions.flatMap((s) => [sessionId(s), `Bench ${s}`]),
    );
    const started = Date.now();
    const spanMs = 100 * DAY_MS;
    for (let from = 0; from < ROWS; from += SEED_CHUNK) {
      const to = Math.min(ROWS, from + SEED_CHUNK) - 1;
      // s = session, k = the row's rank in its session, c = its chat there: all functions of n.
      await conn.query(
        `INSERT INTO messages (session_id, wa_message_id, chat_jid, chat_kind, from_number, to_number, direction, type, text,
           wa_timestamp, status, created_at, updated_at)
         SELECT CONCAT('bench-s', LPAD(s, 2, '0')), CONCAT('BENCH', LPAD(n, 12, '0')),
           IF(c < 25, CONCAT('120363', LPAD(s * ${CHATS_PER_SESSION} + c, 12, '0'), '@g.us'),
                      CONCAT('62812', LPAD(s * ${CHATS_PER_SESSION} + c, 8, '0'), '@s.whatsapp.net')),
           IF(c < 25, 'group', 'direct'),
           IF(k % 3 = 0, CONCAT('6281', LPAD(s, 9, '0')), CONCAT('62812', LPAD(s * ${CHATS_PER_SESSION} + c, 8, '0'))),
           IF(k % 3 = 0, CONCAT('62812', LPAD(s * ${CHATS_PER_SESSION} + c, 8, '0')), CONCAT('6281', LPAD(s, 9, '0'))),
           IF(k % 3 = 0, 'outbound', 'inbound'),
           ELT(1 + (k * 7) % 20, 'text','text','text','text','text','text','text','text','text','text','text','text','text',
               'image','image','audio','video','document','sticker','location'),
           CONCAT('Message number ', n, ' in a benchmark chat, about as long as a short real one'),
           FROM_UNIXTIME((${START} + n * ${spanMs / ROWS}) / 1000),
           IF(k % 3 = 0, 'delivered', 'received'),
           UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)
         FROM (SELECT seq AS n, seq % ${SESSIONS} AS s, seq DIV ${SESSIONS} AS k, ((seq DIV ${SESSIONS}) * 7919) % ${CHATS_PER_SESSION} AS c
               FROM seq_${from}_to_${to}) AS g`,
      );
    }
    await conn.query('ANALYZE TABLE messages');
    return (Date.now() - started) / 1000;
  } finally {
    await conn.end();
  }
}

async function alreadySeeded(url: string): Promise<boolean> {
  const conn = await createConnection(poolConfigFromUrl(url));
  try {
    const [{ n }] = (await conn.query('SELECT COUNT(*) AS n FROM messages')) as { n: bigint }[];
    return Number(n) >= ROWS;
  } finally {
    await conn.end();
  }
}

interface Case {
  name: string;
  path: (i: number) => string;
  /** The pages the goal is about get REQUESTS requests; the other filters half as many. */
  goal?: true;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const round = (ms: number) => Math.round(ms * 100) / 100;

// BENCH_LISTING_DATABASE keeps a seeded database between runs (for trying indexes); dropped otherwise.
const KEEP = process.env.BENCH_LISTING_DATABASE;
const url = withDatabase(SERVER, KEEP ?? `wagw_bench_listing_${process.pid}`);

async function main(): Promise<void> {
  await migrate(url, MIGRATIONS_DIR);
  let app: NestExpressApplication | null = null;
  try {
    const seedSeconds = (await alreadySeeded(url)) ? 0 : await seed(url);
    process.stdout.write(`seeded ${ROWS} messages in ${seedSeconds.toFixed(1)} s\n`);
    const { config } = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: url,
      LOG_LEVEL: 'silent',
      TOKEN_ENCRYPTION_KEY: '4d'.repeat(32),
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      MIGRATE_ON_START: 'false',
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { logger: false });
    configureApp(app, config);
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    const token = ((await login.json()) as { data: { accessToken: string } }).data.accessToken;
    const headers = { authorization: `Bearer ${token}` };
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers });
      const body = (await res.json()) as { data: { messages: unknown[] } };
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(body)}`);
      return body.data.messages.length;
    };
    const session = (i: number) => sessionId(i % SESSIONS);
    // A row among the oldest tenth of the table: the keyset page below it is as deep as pages go.
    const deepCursor = (i: number) => 1 + Math.floor(((i * 7919) % 1000) * (ROWS / 10_000)) + SESSIONS * 60;
    const chat = (i: number) => encodeURIComponent(chatJid(i % SESSIONS, 25 + ((i * 31) % 225)));
    const group = (i: number) => encodeURIComponent(chatJid(i % SESSIONS, (i * 7) % 25));
    const day = (i: number) => new Date(START + (10 + (i % 80)) * DAY_MS).toISOString();
    const cases: Case[] = [
      { name: 'first page (50)', goal: true, path: (i) => `/api/v1/sessions/${session(i)}/messages` },
      {
        name: 'deep keyset page (cursor in the oldest 10%)',
        goal: true,
        path: (i) => `/api/v1/sessions/${session(i)}/messages?cursor=${deepCursor(i)}`,
      },
      {
        name: 'one chat, first page',
        goal: true,
        path: (i) => `/api/v1/sessions/${session(i)}/messages?chat=${chat(i)}`,
      },
      {
        name: 'one chat, deep keyset page',
        goal: true,
        path: (i) => `/api/v1/sessions/${session(i)}/messages?chat=${chat(i)}&cursor=${deepCursor(i)}`,
      },
      { name: 'one group chat', path: (i) => `/api/v1/sessions/${session(i)}/messages?chat=${group(i)}` },
      { name: 'kind=group', path: (i) => `/api/v1/sessions/${session(i)}/messages?kind=group` },
      {
        name: 'direction=outbound&type=image',
        path: (i) => `/api/v1/sessions/${session(i)}/messages?direction=outbound&type=image`,
      },
      {
        name: 'type=location (1 in 20)',
        path: (i) => `/api/v1/sessions/${session(i)}/messages?type=location`,
      },
      {
        name: 'one day (from/to)',
        path: (i) =>
          `/api/v1/sessions/${session(i)}/messages?from=${day(i)}&to=${new Date(Date.parse(day(i)) + DAY_MS).toISOString()}`,
      },
      {
        name: 'offset=5000 (the seed API)',
        path: (i) => `/api/v1/sessions/${session(i)}/messages?offset=5000`,
      },
    ];
    const results = [];
    for (const c of cases) {
      for (let i = 0; i < 20; i++) await get(c.path(i + 10_000)); // warm-up
      const times: number[] = [];
      let rows = 0;
      const requests = c.goal ? REQUESTS : Math.ceil(REQUESTS / 2);
      for (let i = 0; i < requests; i++) {
        const started = process.hrtime.bigint();
        rows += await get(c.path(i));
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      times.sort((a, b) => a - b);
      const result = {
        case: c.name,
        requests,
        meanRows: Math.round(rows / requests),
        p50Ms: round(quantile(times, 0.5)),
        p99Ms: round(quantile(times, 0.99)),
        maxMs: round(times[times.length - 1]),
      };
      results.push(result);
      process.stdout.write(
        `${c.name}: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms (${result.meanRows} rows a page)\n`,
      );
    }
    const out = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
      rows: ROWS,
      seedSeconds: Math.round(seedSeconds * 10) / 10,
      results,
    };
    process.stdout.write(`load average ${out.loadAverage.join(', ')}\n`);
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'message-listing.json'), `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write('written to bench/results/message-listing.json\n');
  } finally {
    await app?.close();
    if (!KEEP) await dropDatabase(url);
  }
}

const limit = setTimeout(() => {
  process.stderr.write(`benchmark exceeded ${HARD_LIMIT_MS / 1000} s, aborting\n`);
  void (KEEP ? Promise.resolve() : dropDatabase(url)).finally(() => process.exit(1));
}, HARD_LIMIT_MS);
limit.unref();
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
