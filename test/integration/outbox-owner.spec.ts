import { randomUUID } from 'node:crypto';
import { Prisma } from '../../src/generated/prisma/client';
import type { OutboxEvent } from '../../src/outbox/event-names';
import { OutboxClaims, type Lane } from '../../src/outbox/outbox-claims';
import { OutboxResults, type LaneResult } from '../../src/outbox/outbox-results';
import { OutboxWriter } from '../../src/outbox/outbox-writer';
import { SessionWebhooks } from '../../src/outbox/session-webhooks';
import { WebhookDeliveries } from '../../src/outbox/webhook-deliveries';
import {
  WEBHOOK_SETTING_KEY,
  WebhookSettings,
  type GlobalWebhookSetting,
} from '../../src/outbox/webhook-settings';
import { Database } from '../../src/prisma/database';
import type { PrismaService } from '../../src/prisma/prisma.service';
import { OwnerFixture, domainErrorOf, overlapOnRowLock, prismaOf, sleep } from './owner-fixture';

const GLOBAL_URL = 'http://global.test/hooks';
const MINUTE = 60_000;

/** What a lane's result says when nothing else is said. */
const result = (parts: Partial<LaneResult>): LaneResult => ({
  delivered: [],
  dead: [],
  retry: null,
  released: [],
  ...parts,
});

const idsOf = (lane: Lane) => lane.rows.map((r) => r.id);

/**
 * The owner of webhook_outbox and session_webhooks (OutboxWriter, OutboxClaims, OutboxResults,
 * WebhookDeliveries, SessionWebhooks, WebhookSettings) on a real database, with two "processes"
 * (proc-a and proc-b, each with its own pool) claiming rows of the same outbox.
 */
describe('outbox owner', () => {
  let fixture: OwnerFixture;
  let prisma: PrismaService;
  let database: Database;
  let writer: OutboxWriter;
  let claimsA: OutboxClaims;
  let claimsB: OutboxClaims;
  let resultsA: OutboxResults;
  let resultsB: OutboxResults;
  let sessionWebhooks: SessionWebhooks;
  let settingsA: WebhookSettings;
  let settingsB: WebhookSettings;
  let deliveries: WebhookDeliveries;
  let serial = 0;

  const newId = (label: string) => `${label}-${++serial}`;

  const session = async (label: string): Promise<string> => {
    const id = newId(label);
    await prisma.whatsappSession.create({ data: { id, name: id } });
    return id;
  };

  interface RowSpec {
    sessionId: string | null;
    nextAttemptAt?: Date;
    status?: 'pending' | 'delivered' | 'dead';
    createdAt?: Date;
    event?: string;
    messageId?: string;
    attempts?: number;
  }

  /** Outbox rows inserted in this order (so ids follow it); returns their ids in the same order. */
  const insertRows = async (specs: RowSpec[]): Promise<bigint[]> => {
    const deliveryIds = specs.map(() => randomUUID());
    await prisma.webhookOutbox.createMany({
      data: specs.map((spec, i) => ({
        deliveryId: deliveryIds[i],
        sessionId: spec.sessionId,
        event: spec.event ?? 'message.inbound',
        messageId: spec.messageId ?? null,
        payload: JSON.stringify({ n: i }),
        targetUrl: GLOBAL_URL,
        status: spec.status ?? 'pending',
        attempts: spec.attempts ?? 0,
        nextAttemptAt: spec.nextAttemptAt ?? new Date(Date.now() - 1000),
        ...(spec.createdAt ? { createdAt: spec.createdAt } : {}),
      })),
    });
    const rows = await prisma.webhookOutbox.findMany({
      where: { deliveryId: { in: deliveryIds } },
      select: { id: true, deliveryId: true },
    });
    const byDelivery = new Map(rows.map((r) => [r.deliveryId, r.id]));
    return deliveryIds.map((d) => byDelivery.get(d)!);
  };

  const stored = (id: bigint) => prisma.webhookOutbox.findUniqueOrThrow({ where: { id } });

  beforeAll(async () => {
    fixture = await OwnerFixture.create('wagw_it_outbox');
    const a = await fixture.open([], { INSTANCE_ID: 'proc-a', WEBHOOK_URL: GLOBAL_URL });
    const b = await fixture.open([], { INSTANCE_ID: 'proc-b', WEBHOOK_URL: GLOBAL_URL });
    prisma = prismaOf(a.moduleRef);
    database = a.get(Database);
    writer = a.get(OutboxWriter);
    claimsA = a.get(OutboxClaims);
    claimsB = b.get(OutboxClaims);
    resultsA = a.get(OutboxResults);
    resultsB = b.get(OutboxResults);
    sessionWebhooks = a.get(SessionWebhooks);
    settingsA = a.get(WebhookSettings);
    settingsB = b.get(WebhookSettings);
    deliveries = a.get(WebhookDeliveries);
  });

  afterAll(async () => {
    await fixture?.close();
  });

  describe('OutboxWriter: which rows, to which URL', () => {
    const message = (
      event: OutboxEvent['event'],
      sessionId: string | null,
      messageId = 'WAMID-1',
    ): OutboxEvent => ({
      event,
      sessionId,
      payload: { messageId, text: 'hello' },
    });
    const rowsOf = (sessionId: string | null) =>
      prisma.webhookOutbox.findMany({ where: { sessionId }, orderBy: { id: 'asc' } });

    it("a session's own URL and its events filter win over the global webhook (filtered events go nowhere)", async () => {
      const id = await session('own');
      await sessionWebhooks.setTarget(id, {
        url: 'http://own.test/x',
        events: ['message.inbound', 'session.status'],
      });

      const written = await database.transaction((tx) =>
        writer.write(tx, [
          message('message.inbound', id),
          message('message.status', id),
          { event: 'session.status', sessionId: id, payload: { status: 'connected' } },
        ]),
      );

      expect(written).toBe(2);
      const rows = await rowsOf(id);
      expect(rows.map((r) => [r.event, r.targetUrl, r.messageId, r.status])).toEqual([
        ['message.inbound', 'http://own.test/x', 'WAMID-1', 'pending'],
        ['session.status', 'http://own.test/x', null, 'pending'],
      ]);
      expect(JSON.parse(rows[0].payload)).toEqual({
        messageId: 'WAMID-1',
        text: 'hello',
        event: 'message.inbound',
        sessionId: id,
        deliveryId: rows[0].deliveryId,
      });
      expect(rows[0].deliveryId).not.toBe(rows[1].deliveryId);
      expect(rows[0].nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now());
    });

    it('a session without its own URL (no row, or a row with only a secret) uses the global URL for every event; so do events of no session', async () => {
      const plain = await session('plain');
      const secretOnly = await session('secret-only');
      await sessionWebhooks.secretOrSet(secretOnly, 'sealed-secret');
      const everyEvent = [
        'message.inbound',
        'message.outbound',
        'message.status',
        'session.status',
        'session.qr',
      ] as const;

      const written = await database.transaction((tx) =>
        writer.write(tx, [
          ...everyEvent.map((e) => message(e, plain)),
          message('message.inbound', secretOnly),
          { event: 'campaign.progress', sessionId: null, payload: { campaignId: 1 } },
        ]),
      );

      expect(written).toBe(everyEvent.length + 2);
      expect((await rowsOf(plain)).map((r) => [r.event, r.targetUrl])).toEqual(
        everyEvent.map((e) => [e, GLOBAL_URL]),
      );
      expect((await rowsOf(secretOnly)).map((r) => r.targetUrl)).toEqual([GLOBAL_URL]);
      const global = await rowsOf(null);
      expect(global.map((r) => [r.event, r.targetUrl, r.sessionId])).toEqual([
        ['campaign.progress', GLOBAL_URL, null],
      ]);
    });

    it('an own URL with no events chosen gets them all', async () => {
      const id = await session('own-all');
      await sessionWebhooks.setTarget(id, { url: 'http://own.test/all', events: [] });
      await database.transaction((tx) =>
        writer.write(tx, [
          message('message.status', id),
          { event: 'session.qr', sessionId: id, payload: { qr: 'x' } },
        ]),
      );
      expect((await rowsOf(id)).map((r) => [r.event, r.targetUrl])).toEqual([
        ['message.status', 'http://own.test/all'],
        ['session.qr', 'http://own.test/all'],
      ]);
    });

    it("the global events filter and a stored url: null apply to the global target only, not to a session's own", async () => {
      const plain = await session('global-filtered');
      const own = await session('own-unfiltered');
      await sessionWebhooks.setTarget(own, { url: 'http://own.test/u' });
      try {
        await settingsA.mutate(() => ({ events: ['session.status'] }));
        await database.transaction((tx) =>
          writer.write(tx, [
            message('message.inbound', plain),
            { event: 'session.status', sessionId: plain, payload: {} },
            message('message.inbound', own),
          ]),
        );
        expect((await rowsOf(plain)).map((r) => r.event)).toEqual(['session.status']);
        expect((await rowsOf(own)).map((r) => [r.event, r.targetUrl])).toEqual([
          ['message.inbound', 'http://own.test/u'],
        ]);

        // url: null turns the global webhook off even though WEBHOOK_URL is set.
        await settingsA.mutate(() => ({ url: null }));
        const written = await database.transaction((tx) =>
          writer.write(tx, [
            { event: 'session.status', sessionId: plain, payload: {} },
            { event: 'session.status', sessionId: own, payload: {} },
          ]),
        );
        expect(written).toBe(1);
        expect(await rowsOf(plain)).toHaveLength(1);
        expect((await rowsOf(own)).map((r) => r.event)).toEqual(['message.inbound', 'session.status']);
      } finally {
        await settingsA.mutate(() => ({}));
      }
    });

    it('rows are part of the caller transaction: a rolled-back fact leaves none', async () => {
      const id = await session('rollback');
      await expect(
        database.transaction(async (tx) => {
          expect(await writer.write(tx, [message('message.inbound', id)])).toBe(1);
          throw new Error('the fact failed');
        }),
      ).rejects.toThrow('the fact failed');
      expect(await rowsOf(id)).toHaveLength(0);
    });
  });

  describe('OutboxClaims and OutboxResults: lanes, order and fences', () => {
    beforeEach(async () => {
      await prisma.webhookOutbox.deleteMany();
    });

    it('concurrent claims by two processes never share a row; every lane is one session, in id order, from its oldest pending row', async () => {
      const sessions = Array.from({ length: 30 }, (_, i) => `lane-${String(i).padStart(2, '0')}`);
      // Four rows per session, interleaved (round-robin in a shuffled order), so sessions' ids mix.
      const specs: RowSpec[] = [];
      for (let round = 0; round < 4; round++) {
        const order = [...sessions].sort(() => Math.random() - 0.5);
        for (const s of order) specs.push({ sessionId: s });
      }
      const ids = await insertRows(specs);
      const rowsBySession = new Map<string, bigint[]>();
      specs.forEach((spec, i) =>
        rowsBySession.set(spec.sessionId!, [...(rowsBySession.get(spec.sessionId!) ?? []), ids[i]]),
      );

      const claimedBy = new Map<bigint, string>();
      const laneOf = new Map<string, Lane>();
      for (let round = 0; round < 40 && laneOf.size < sessions.length; round++) {
        const batches = await Promise.all([
          claimsA.claim(6, 3, 10 * MINUTE).then((lanes) => ({ who: `a1@${round}`, lanes })),
          claimsA.claim(6, 3, 10 * MINUTE).then((lanes) => ({ who: `a2@${round}`, lanes })),
          claimsB.claim(6, 3, 10 * MINUTE).then((lanes) => ({ who: `b1@${round}`, lanes })),
          claimsB.claim(6, 3, 10 * MINUTE).then((lanes) => ({ who: `b2@${round}`, lanes })),
        ]);
        for (const { who, lanes } of batches) {
          expect(lanes.length).toBeLessThanOrEqual(6);
          for (const lane of lanes) {
            const sessionId = lane.sessionId!;
            // A session is never in two lanes: its leased head keeps it out of every later claim.
            expect(laneOf.has(sessionId)).toBe(false);
            laneOf.set(sessionId, lane);
            for (const row of lane.rows) {
              expect(claimedBy.get(row.id)).toBeUndefined();
              claimedBy.set(row.id, who);
              expect(row.sessionId).toBe(sessionId);
              expect(row.attempts).toBe(0);
            }
            // The session's first three rows, in id order.
            expect(idsOf(lane)).toEqual(rowsBySession.get(sessionId)!.slice(0, 3));
          }
        }
      }

      expect([...laneOf.keys()].sort()).toEqual(sessions);
      expect(claimedBy.size).toBe(sessions.length * 3);
      // Everything due is leased now: nobody gets anything more.
      expect(await claimsA.claim(10, 3, MINUTE)).toEqual([]);
      expect(await claimsB.claim(10, 3, MINUTE)).toEqual([]);
      // Stored: every claimed row carries its lane's lease; the fourth rows were never touched.
      for (const [sessionId, lane] of laneOf) {
        const [first, second, third, fourth] = rowsBySession.get(sessionId)!;
        for (const id of [first, second, third]) {
          expect(await stored(id)).toMatchObject({
            status: 'pending',
            attempts: 0,
            nextAttemptAt: lane.leaseUntil,
          });
        }
        expect((await stored(fourth)).nextAttemptAt.getTime()).toBeLessThan(Date.now());
      }
    });

    it("a session's later rows are not claimed while its head is leased, and are after the head is delivered", async () => {
      const [r1, r2, r3, r4, r5] = await insertRows(Array.from({ length: 5 }, () => ({ sessionId: 'head' })));

      const [lane] = await claimsA.claim(10, 2, MINUTE);
      expect(idsOf(lane)).toEqual([r1, r2]);
      expect(lane.sessionId).toBe('head');
      expect(await claimsB.claim(10, 5, MINUTE)).toEqual([]);
      expect(await claimsA.claim(10, 5, MINUTE)).toEqual([]);

      const before = Date.now();
      expect(
        await resultsA.record(
          lane,
          result({
            delivered: [
              { id: r1, statusCode: 200 },
              { id: r2, statusCode: 204 },
            ],
          }),
        ),
      ).toBeNull();
      for (const [id, code] of [
        [r1, 200],
        [r2, 204],
      ] as const) {
        const row = await stored(id);
        expect(row).toMatchObject({
          status: 'delivered',
          attempts: 1,
          lastStatusCode: code,
          lastError: null,
        });
        expect(row.deliveredAt!.getTime()).toBeGreaterThanOrEqual(before - 5);
      }

      const [next] = await claimsB.claim(10, 5, MINUTE);
      expect(idsOf(next)).toEqual([r3, r4, r5]);
    });

    it('a head that is not due (waiting for a retry) keeps the whole session out; a lane stops at its first row not due', async () => {
      const later = new Date(Date.now() + 10 * MINUTE);
      const [w1, , , c1, c2, , c4] = await insertRows([
        { sessionId: 'waiting', nextAttemptAt: later },
        { sessionId: 'waiting' },
        { sessionId: 'waiting' },
        { sessionId: 'cut' },
        { sessionId: 'cut' },
        { sessionId: 'cut', nextAttemptAt: later },
        { sessionId: 'cut' },
      ]);

      const lanes = await claimsA.claim(10, 10, MINUTE);
      expect(lanes.map((l) => [l.sessionId, idsOf(l)])).toEqual([['cut', [c1, c2]]]);
      expect((await stored(w1)).nextAttemptAt).toEqual(later);
      expect((await stored(c4)).nextAttemptAt.getTime()).toBeLessThan(Date.now());
    });

    it('rows of no session form their own lane; lanes come in head id order, at most maxLanes', async () => {
      const ids = await insertRows([
        { sessionId: 'order-b' },
        { sessionId: null },
        { sessionId: 'order-a' },
        { sessionId: null },
        { sessionId: 'order-c' },
        { sessionId: 'order-b' },
      ]);

      const lanes = await claimsA.claim(2, 5, MINUTE);
      expect(lanes.map((l) => [l.sessionId, idsOf(l)])).toEqual([
        ['order-b', [ids[0], ids[5]]],
        [null, [ids[1], ids[3]]],
      ]);
      const rest = await claimsB.claim(5, 5, MINUTE);
      expect(rest.map((l) => [l.sessionId, idsOf(l)])).toEqual([
        ['order-a', [ids[2]]],
        ['order-c', [ids[4]]],
      ]);
    });

    it('results of a lane whose lease was taken over change nothing; the new holder records', async () => {
      const [r1, r2, r3] = await insertRows([
        { sessionId: 'stale' },
        { sessionId: 'stale' },
        { sessionId: 'stale' },
      ]);
      const [stale] = await claimsA.claim(10, 3, 150);
      await sleep(300);
      const [fresh] = await claimsB.claim(10, 3, MINUTE);
      expect(idsOf(fresh)).toEqual([r1, r2, r3]);
      expect(fresh.leaseUntil.getTime()).toBeGreaterThan(stale.leaseUntil.getTime());

      const untouched = async () => {
        for (const id of [r1, r2, r3]) {
          expect(await stored(id)).toMatchObject({
            status: 'pending',
            attempts: 0,
            lastError: null,
            lastStatusCode: null,
            nextAttemptAt: fresh.leaseUntil,
          });
        }
      };
      expect(
        await resultsA.record(
          stale,
          result({
            delivered: [{ id: r1, statusCode: 200 }],
            dead: [{ id: r2, statusCode: 410, error: 'gone' }],
            released: [r3],
          }),
          { laneSize: 3, leaseMs: MINUTE },
        ),
      ).toBeNull();
      await untouched();
      expect(
        await resultsA.record(
          stale,
          result({
            retry: { id: r1, statusCode: 500, error: 'boom', nextAttemptAt: new Date(Date.now() + MINUTE) },
            released: [r2, r3],
          }),
        ),
      ).toBeNull();
      await untouched();

      await resultsB.record(
        fresh,
        result({ delivered: [r1, r2, r3].map((id) => ({ id, statusCode: 200 })) }),
      );
      for (const id of [r1, r2, r3])
        expect(await stored(id)).toMatchObject({ status: 'delivered', attempts: 1 });
    });

    it('a lane whose lease ran out but that nobody claimed again still records (the fence is the lease value)', async () => {
      const [r1] = await insertRows([{ sessionId: 'late' }]);
      const [lane] = await claimsA.claim(10, 1, 50);
      await sleep(120);
      await resultsA.record(lane, result({ delivered: [{ id: r1, statusCode: 200 }] }));
      expect(await stored(r1)).toMatchObject({ status: 'delivered', attempts: 1 });
    });

    it("a retry keeps the session's later rows waiting (even when the lane asks to go on) until the retry is due", async () => {
      const [r1, r2, r3] = await insertRows([
        { sessionId: 'retry' },
        { sessionId: 'retry' },
        { sessionId: 'retry' },
      ]);
      const [lane] = await claimsA.claim(10, 3, MINUTE);
      const retryAt = new Date(Date.now() + 10 * MINUTE);
      const before = Date.now();

      const next = await resultsA.record(
        lane,
        result({
          retry: { id: r1, statusCode: 503, error: 'Service Unavailable', nextAttemptAt: retryAt },
          released: [r2, r3],
        }),
        { laneSize: 3, leaseMs: MINUTE },
      );

      expect(next).toBeNull();
      expect(await stored(r1)).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastStatusCode: 503,
        lastError: 'Service Unavailable',
        nextAttemptAt: retryAt,
      });
      for (const id of [r2, r3]) {
        const row = await stored(id);
        expect(row).toMatchObject({ status: 'pending', attempts: 0 });
        expect(row.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before - 5);
        expect(row.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now());
      }
      // Released rows are due, but behind a head that is not.
      expect(await claimsA.claim(10, 3, MINUTE)).toEqual([]);
      expect(await claimsB.claim(10, 3, MINUTE)).toEqual([]);
      expect(await deliveries.backlog()).toMatchObject({ pending: 3, due: 2, dead: 0 });

      // The retry's time comes: the session goes on from the retried row, which remembers its attempt.
      await prisma.webhookOutbox.update({
        where: { id: r1 },
        data: { nextAttemptAt: new Date(Date.now() - 1000) },
      });
      const [again] = await claimsB.claim(10, 3, MINUTE);
      expect(idsOf(again)).toEqual([r1, r2, r3]);
      expect(again.rows.map((r) => r.attempts)).toEqual([1, 0, 0]);
    });

    it("a finished lane that asks to go on gets the session's next rows leased in the same transaction; a dead row lets the next one through", async () => {
      const ids = await insertRows(Array.from({ length: 5 }, () => ({ sessionId: 'goes-on' })));
      const [lane] = await claimsA.claim(10, 2, MINUTE);
      expect(idsOf(lane)).toEqual(ids.slice(0, 2));

      const second = await resultsA.record(
        lane,
        result({
          delivered: [{ id: ids[0], statusCode: 200 }],
          dead: [{ id: ids[1], statusCode: 410, error: 'Gone' }],
        }),
        { laneSize: 2, leaseMs: MINUTE },
      );
      expect(await stored(ids[1])).toMatchObject({
        status: 'dead',
        attempts: 1,
        lastStatusCode: 410,
        lastError: 'Gone',
      });
      expect(second).not.toBeNull();
      expect(second!.sessionId).toBe('goes-on');
      expect(idsOf(second!)).toEqual(ids.slice(2, 4));
      for (const id of ids.slice(2, 4)) expect((await stored(id)).nextAttemptAt).toEqual(second!.leaseUntil);
      // Leased: no claim takes them (nor the row behind them).
      expect(await claimsB.claim(10, 5, MINUTE)).toEqual([]);

      const third = await resultsA.record(
        second!,
        result({ delivered: ids.slice(2, 4).map((id) => ({ id, statusCode: 200 })) }),
        { laneSize: 2, leaseMs: MINUTE },
      );
      expect(idsOf(third!)).toEqual([ids[4]]);
      expect(
        await resultsA.record(third!, result({ delivered: [{ id: ids[4], statusCode: 200 }] }), {
          laneSize: 2,
          leaseMs: MINUTE,
        }),
      ).toBeNull();
      expect(await deliveries.summary()).toEqual({ pending: 0, delivered: 4, dead: 1, successRate: 0.8 });
    });

    it('lanes recorded together (one group commit) each get their own next lane', async () => {
      const ids = await insertRows([
        { sessionId: 'group-1' },
        { sessionId: 'group-2' },
        { sessionId: 'group-1' },
        { sessionId: 'group-2' },
        { sessionId: 'group-1' },
      ]);
      const lanes = await claimsA.claim(10, 1, MINUTE);
      expect(lanes.map((l) => [l.sessionId, idsOf(l)])).toEqual([
        ['group-1', [ids[0]]],
        ['group-2', [ids[1]]],
      ]);

      const [next1, next2] = await Promise.all(
        lanes.map((lane) =>
          resultsA.record(lane, result({ delivered: [{ id: lane.rows[0].id, statusCode: 200 }] }), {
            laneSize: 5,
            leaseMs: MINUTE,
          }),
        ),
      );

      expect([next1?.sessionId, idsOf(next1!)]).toEqual(['group-1', [ids[2], ids[4]]]);
      expect([next2?.sessionId, idsOf(next2!)]).toEqual(['group-2', [ids[3]]]);
      expect((await stored(ids[0])).status).toBe('delivered');
      expect((await stored(ids[1])).status).toBe('delivered');
    });
  });

  describe('SessionWebhooks', () => {
    it('setTarget, setSecret and secretOrSet on an unknown session are SESSION_NOT_FOUND and store nothing', async () => {
      const ghost = newId('ghost');
      await domainErrorOf(sessionWebhooks.setTarget(ghost, { url: 'http://x.test/' }), 'SESSION_NOT_FOUND');
      await domainErrorOf(sessionWebhooks.setSecret(ghost, 'sealed'), 'SESSION_NOT_FOUND');
      await domainErrorOf(sessionWebhooks.secretOrSet(ghost, 'sealed'), 'SESSION_NOT_FOUND');
      expect(await prisma.sessionWebhook.count({ where: { sessionId: ghost } })).toBe(0);
      expect(await sessionWebhooks.find(ghost)).toBeNull();
    });

    it('setTarget changes only what it is given', async () => {
      const id = await session('target');
      expect(await sessionWebhooks.find(id)).toBeNull();
      await sessionWebhooks.setTarget(id, { url: 'http://own.test/1' });
      expect(await sessionWebhooks.find(id)).toEqual({ url: 'http://own.test/1', events: [], secret: null });
      await sessionWebhooks.setTarget(id, { events: ['message.inbound'] });
      expect(await sessionWebhooks.find(id)).toEqual({
        url: 'http://own.test/1',
        events: ['message.inbound'],
        secret: null,
      });
      await sessionWebhooks.setTarget(id, { url: null });
      expect(await sessionWebhooks.find(id)).toEqual({
        url: null,
        events: ['message.inbound'],
        secret: null,
      });
    });

    it('secretOrSet keeps the first secret (also between concurrent first writers); setSecret replaces it', async () => {
      const id = await session('secret');
      await sessionWebhooks.setTarget(id, { url: 'http://own.test/s' });
      expect(await sessionWebhooks.secretOrSet(id, 'sealed-1')).toBe('sealed-1');
      expect(await sessionWebhooks.secretOrSet(id, 'sealed-2')).toBe('sealed-1');
      expect(await sessionWebhooks.find(id)).toEqual({
        url: 'http://own.test/s',
        events: [],
        secret: 'sealed-1',
      });

      await sessionWebhooks.setSecret(id, 'sealed-3');
      expect((await sessionWebhooks.find(id))?.secret).toBe('sealed-3');
      expect(await sessionWebhooks.secretOrSet(id, 'sealed-4')).toBe('sealed-3');

      const racing = await session('secret-race');
      const candidates = Array.from({ length: 8 }, (_, i) => `candidate-${i}`);
      const answers = await Promise.all(candidates.map((c) => sessionWebhooks.secretOrSet(racing, c)));
      const winner = (await sessionWebhooks.find(racing))!.secret!;
      expect(candidates).toContain(winner);
      expect(answers).toEqual(candidates.map(() => winner));
    });

    it('findMany returns the rows of the sessions that have one', async () => {
      const a = await session('many-a');
      const b = await session('many-b');
      const none = await session('many-none');
      await sessionWebhooks.setTarget(a, { url: 'http://a.test/' });
      await sessionWebhooks.setSecret(b, 'sealed-b');
      expect(await sessionWebhooks.findMany([])).toEqual(new Map());
      const found = await sessionWebhooks.findMany([a, b, none]);
      expect([...found.keys()].sort()).toEqual([a, b].sort());
      expect(found.get(a)).toEqual({ url: 'http://a.test/', events: [], secret: null });
      expect(found.get(b)).toEqual({ url: null, events: [], secret: 'sealed-b' });
    });
  });

  describe('WebhookSettings', () => {
    const firstWriterWins =
      (secret: string) =>
      (current: GlobalWebhookSetting): GlobalWebhookSetting | null =>
        current.secret ? null : { ...current, secret };
    const storedSetting = async () =>
      (await prisma.setting.findUniqueOrThrow({ where: { key: WEBHOOK_SETTING_KEY } }))
        .value as GlobalWebhookSetting;

    it('mutate reads what the other process stored and keeps what it does not change; null leaves it as it is', async () => {
      try {
        await settingsA.mutate(() => ({ maxRetries: 1, timeout: 2000 }));
        await settingsB.mutate((current) => ({ ...current, maxRetries: (current.maxRetries ?? 0) + 1 }));
        expect(await storedSetting()).toEqual({ maxRetries: 2, timeout: 2000 });

        // The global secret, made on first use: the second process finds the first one's and keeps it.
        expect((await settingsA.mutate(firstWriterWins('sealed-a'))).secret).toBe('sealed-a');
        expect(await settingsB.mutate(firstWriterWins('sealed-b'))).toEqual({
          maxRetries: 2,
          timeout: 2000,
          secret: 'sealed-a',
        });
        expect(await storedSetting()).toEqual({ maxRetries: 2, timeout: 2000, secret: 'sealed-a' });
        // This process sees its own change at once (no cache delay).
        expect((await settingsA.config()).maxRetries).toBe(2);
      } finally {
        await settingsA.mutate(() => ({}));
        settingsB.invalidate();
      }
    });

    // Overlapping mutates from two processes: under REPEATABLE READ, the read after the lock returned
    // the snapshot the upsert took before it, so the first writer did not win and changes were lost.
    it('two processes making the global secret at once both sign with the one that is stored (first writer wins)', async () => {
      try {
        await settingsA.mutate(() => ({}));
        const [a, b] = await overlapOnRowLock(
          prisma,
          Prisma.sql`SELECT \`key\` FROM settings WHERE \`key\` = ${WEBHOOK_SETTING_KEY} FOR UPDATE`,
          [
            () => settingsA.mutate(firstWriterWins('sealed-a')),
            () => settingsB.mutate(firstWriterWins('sealed-b')),
          ],
        );
        const stored = await storedSetting();
        // First writer wins: both processes sign with the one secret that is stored.
        expect(stored.secret).toBe('sealed-a');
        expect(a.secret).toBe(stored.secret);
        expect(b.secret).toBe(stored.secret);
      } finally {
        await settingsA.mutate(() => ({}));
        settingsB.invalidate();
      }
    });

    it('overlapping mutates lose no change (ten increments from two processes)', async () => {
      try {
        await settingsA.mutate(() => ({ maxRetries: 0 }));
        const increment = (current: GlobalWebhookSetting) => ({
          ...current,
          maxRetries: (current.maxRetries ?? 0) + 1,
        });
        await overlapOnRowLock(
          prisma,
          Prisma.sql`SELECT \`key\` FROM settings WHERE \`key\` = ${WEBHOOK_SETTING_KEY} FOR UPDATE`,
          Array.from({ length: 10 }, (_, i) => () => (i % 2 ? settingsA : settingsB).mutate(increment)),
        );
        expect(await storedSetting()).toEqual({ maxRetries: 10 });
      } finally {
        await settingsA.mutate(() => ({}));
        settingsB.invalidate();
      }
    });

    it('the effective config is the stored values over the environment', async () => {
      expect(settingsA.effective({})).toMatchObject({ url: GLOBAL_URL, maxRetries: 3, timeout: 10000 });
      expect(settingsA.effective({ url: null, events: ['session.qr'], timeout: 500 })).toMatchObject({
        url: null,
        events: ['session.qr'],
        timeout: 500,
      });
    });
  });

  describe('WebhookDeliveries', () => {
    beforeEach(async () => {
      await prisma.webhookOutbox.deleteMany();
    });

    it('retryOne: DELIVERY_NOT_DEAD unless dead (nothing changes), DELIVERY_NOT_FOUND when unknown; a dead row goes back to pending with a fresh budget', async () => {
      const [pending, delivered, dead] = await insertRows([
        { sessionId: 'r', attempts: 2 },
        { sessionId: 'r', status: 'delivered', attempts: 1 },
        { sessionId: 'r', status: 'dead', attempts: 4 },
      ]);
      const pendingBefore = await stored(pending);

      await domainErrorOf(deliveries.retryOne(String(pending)), 'DELIVERY_NOT_DEAD');
      await domainErrorOf(deliveries.retryOne(String(delivered)), 'DELIVERY_NOT_DEAD');
      await domainErrorOf(deliveries.retryOne('999999999'), 'DELIVERY_NOT_FOUND');
      await domainErrorOf(deliveries.retryOne(randomUUID()), 'DELIVERY_NOT_FOUND');
      expect(await stored(pending)).toEqual(pendingBefore);
      expect(await stored(delivered)).toMatchObject({ status: 'delivered', attempts: 1 });

      const deadRow = await stored(dead);
      const view = await deliveries.retryOne(deadRow.deliveryId);
      expect(view).toMatchObject({
        id: Number(dead),
        status: 'pending',
        attempts: 0,
        deliveryId: deadRow.deliveryId,
      });
      expect(view.payload).toEqual({ n: 2 });
      expect(await stored(dead)).toMatchObject({ status: 'pending', attempts: 0 });
      const [lane] = await claimsA.claim(10, 5, MINUTE);
      expect(idsOf(lane)).toEqual([pending, dead]);
    });

    it('retryDead sends back every dead row of one session (or event), and only those', async () => {
      const ids = await insertRows([
        { sessionId: 'dead-1', status: 'dead', attempts: 4 },
        { sessionId: 'dead-1', status: 'dead', event: 'session.status', attempts: 4 },
        { sessionId: 'dead-2', status: 'dead', attempts: 4 },
        { sessionId: 'dead-1', status: 'delivered', attempts: 1 },
      ]);
      expect(await deliveries.retryDead({ sessionId: 'dead-1', event: 'session.status' })).toBe(1);
      expect(await deliveries.retryDead({ sessionId: 'dead-1' })).toBe(1);
      expect((await Promise.all(ids.map(stored))).map((r) => [r.status, r.attempts])).toEqual([
        ['pending', 0],
        ['pending', 0],
        ['dead', 4],
        ['delivered', 1],
      ]);
      expect(await deliveries.retryDead({})).toBe(1);
      expect((await stored(ids[2])).status).toBe('pending');
    });

    it('pruneFinished removes only delivered and dead rows created before the cutoff, oldest first, up to the limit', async () => {
      const day = 24 * 60 * MINUTE;
      const now = Date.now();
      const ids = await insertRows([
        { sessionId: 'p', status: 'delivered', createdAt: new Date(now - 10 * day) },
        { sessionId: 'p', status: 'dead', createdAt: new Date(now - 9 * day) },
        { sessionId: 'p', status: 'pending', createdAt: new Date(now - 11 * day) },
        { sessionId: 'p', status: 'delivered', createdAt: new Date(now - 8 * day) },
        { sessionId: 'p', status: 'delivered', createdAt: new Date(now - day) },
        { sessionId: 'p', status: 'dead', createdAt: new Date(now - day) },
      ]);
      const cutoff = new Date(now - 7 * day);
      const left = async () =>
        (await prisma.webhookOutbox.findMany({ orderBy: { id: 'asc' } })).map((r) => r.id);

      expect(await deliveries.pruneFinished(cutoff, 2)).toBe(2);
      expect(await left()).toEqual([ids[2], ids[3], ids[4], ids[5]]);
      expect(await deliveries.pruneFinished(cutoff, 100)).toBe(1);
      expect(await left()).toEqual([ids[2], ids[4], ids[5]]);
      expect(await deliveries.pruneFinished(cutoff, 100)).toBe(0);
    });

    it('list, get, backlog, summary and deliveredMessageIds read the stored rows', async () => {
      const later = new Date(Date.now() + MINUTE);
      const ids = await insertRows([
        { sessionId: 'read-1', event: 'message.inbound', messageId: 'M1', status: 'delivered' },
        { sessionId: 'read-1', event: 'message.inbound', messageId: 'M2', status: 'dead' },
        { sessionId: 'read-1', event: 'session.status', status: 'delivered' },
        { sessionId: 'read-1', event: 'message.status', messageId: 'M3', status: 'pending' },
        { sessionId: 'read-2', event: 'message.inbound', messageId: 'M1', status: 'delivered' },
        { sessionId: 'read-2', event: 'message.inbound', status: 'pending', nextAttemptAt: later },
      ]);

      const page = await deliveries.list({ sessionId: 'read-1' }, { limit: 2, offset: 1 });
      expect(page.pagination).toEqual({ limit: 2, offset: 1, count: 2, total: 4 });
      expect(page.deliveries.map((d) => d.id)).toEqual([Number(ids[2]), Number(ids[1])]);
      expect(page.deliveries[0]).not.toHaveProperty('payload');
      expect(page.deliveries[0].nextAttemptAt).toBeNull(); // only pending rows show one
      const dead = await deliveries.list({ status: 'dead' }, { limit: 10, offset: 0 });
      expect(dead.deliveries.map((d) => d.id)).toEqual([Number(ids[1])]);

      const one = await deliveries.get(String(ids[3]));
      expect(one).toMatchObject({
        id: Number(ids[3]),
        status: 'pending',
        messageId: 'M3',
        payload: { n: 3 },
      });
      expect(one.nextAttemptAt).toBeInstanceOf(Date);

      expect(await deliveries.backlog()).toMatchObject({ pending: 2, due: 1, dead: 1 });
      expect(await deliveries.summary()).toEqual({ pending: 2, delivered: 3, dead: 1, successRate: 0.75 });
      expect(await deliveries.deliveredMessageIds('read-1', [])).toEqual(new Set());
      expect(await deliveries.deliveredMessageIds('read-1', ['M1', 'M2', 'M3', 'M9'])).toEqual(
        new Set(['M1']),
      );
    });
  });
});
