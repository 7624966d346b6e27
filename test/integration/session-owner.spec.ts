import { DomainEvents, type SessionStatusEvent } from '../../src/common/domain-events';
import { Prisma } from '../../src/generated/prisma/client';
import { Database } from '../../src/prisma/database';
import type { PrismaService } from '../../src/prisma/prisma.service';
import { SessionWebhooks } from '../../src/outbox/session-webhooks';
import { GatewayInstances } from '../../src/whatsapp/gateway-instances';
import { SessionLeases } from '../../src/whatsapp/session-leases';
import { SessionRepository } from '../../src/whatsapp/session.repository';
import { OwnerFixture, overlapOnRowLock, prismaOf } from './owner-fixture';

const GLOBAL_URL = 'http://global.test/hooks';

/**
 * The owner of whatsapp_sessions (SessionRepository with SessionLeases) on a real database, with
 * two "processes" (proc-a with a global webhook URL, proc-b without) sharing it.
 */
describe('session owner (SessionRepository + SessionLeases)', () => {
  let fixture: OwnerFixture;
  let prisma: PrismaService;
  let database: Database;
  let repoA: SessionRepository;
  let repoB: SessionRepository;
  let leasesA: SessionLeases;
  let leasesB: SessionLeases;
  let eventsA: DomainEvents;
  let eventsB: DomainEvents;
  let webhooks: SessionWebhooks;
  let serial = 0;

  /** A session id no other test uses. */
  const newId = (label: string) => `${label}-${++serial}`;

  /** A plain session row (not wanted, not held), made as a fixture. */
  const plainSession = async (id: string, data: { status?: 'connected' | 'disconnected' } = {}) => {
    await prisma.whatsappSession.create({ data: { id, name: `name of ${id}`, ...data } });
  };

  const row = (id: string) => prisma.whatsappSession.findUniqueOrThrow({ where: { id } });
  const outboxOf = (sessionId: string) =>
    prisma.webhookOutbox.findMany({ where: { sessionId }, orderBy: { id: 'asc' } });

  /** Every 'session.status' event a process emits from now on. */
  const recordEvents = (events: DomainEvents) => {
    const seen: SessionStatusEvent[] = [];
    const off = events.on('session.status', (e) => seen.push(e));
    return { seen, off };
  };

  beforeAll(async () => {
    fixture = await OwnerFixture.create('wagw_it_session');
    const a = await fixture.open([SessionRepository, SessionLeases, GatewayInstances], {
      INSTANCE_ID: 'proc-a',
      WEBHOOK_URL: GLOBAL_URL,
    });
    const b = await fixture.open([SessionRepository, SessionLeases, GatewayInstances], {
      INSTANCE_ID: 'proc-b',
    });
    prisma = prismaOf(a.moduleRef);
    database = a.get(Database);
    repoA = a.get(SessionRepository);
    repoB = b.get(SessionRepository);
    leasesA = a.get(SessionLeases);
    leasesB = b.get(SessionLeases);
    eventsA = a.get(DomainEvents);
    eventsB = b.get(DomainEvents);
    webhooks = a.get(SessionWebhooks);
  });

  afterAll(async () => {
    await fixture?.close();
  });

  describe('createHeld and the lease', () => {
    it('creates the session wanted and held by this process, for the lease time', async () => {
      const id = newId('held');
      const before = Date.now();
      await database.transaction((tx) => repoA.createHeld({ id, name: 'Held', createdById: null }, tx));

      const stored = await row(id);
      expect(stored).toMatchObject({
        name: 'Held',
        shouldConnect: true,
        leaseOwner: 'proc-a',
        status: 'disconnected',
      });
      const expires = stored.leaseExpiresAt!.getTime();
      // NOW(3) + SESSION_LEASE_SECONDS (30 s by default), by the database's clock.
      expect(expires).toBeGreaterThan(before + 25_000);
      expect(expires).toBeLessThan(Date.now() + 35_000);
      expect(await repoA.exists(id)).toBe(true);
      expect((await repoA.find(id))?.leaseOwner).toBe('proc-a');
    });

    it('a second process can neither acquire nor claim it; after release(wanted: false) nobody claims it, acquire(want) does', async () => {
      const id = newId('handover');
      await database.transaction((tx) => repoA.createHeld({ id, name: 'Handover', createdById: null }, tx));

      expect(await leasesB.claimable([])).not.toContain(id);
      expect(await leasesB.acquire(id)).toBe(false);
      expect(await leasesB.acquire(id, { want: true })).toBe(false);
      expect((await row(id)).leaseOwner).toBe('proc-a');
      // The holder itself sees its own session as claimable (unless it excludes it) and re-acquires it.
      expect(await leasesA.claimable([])).toContain(id);
      expect(await leasesA.claimable([id])).not.toContain(id);
      expect(await leasesA.acquire(id)).toBe(true);

      // Another process's release changes nothing.
      await leasesB.release(id, { wanted: false });
      expect(await row(id)).toMatchObject({ leaseOwner: 'proc-a', shouldConnect: true });

      await leasesA.release(id, { wanted: false });
      expect(await row(id)).toMatchObject({ leaseOwner: null, leaseExpiresAt: null, shouldConnect: false });
      expect(await leasesA.claimable([])).not.toContain(id);
      expect(await leasesB.claimable([])).not.toContain(id);
      // Unwanted: a supervisor's acquire (without want) does not take it ...
      expect(await leasesB.acquire(id)).toBe(false);
      expect((await row(id)).leaseOwner).toBeNull();
      // ... a connect request (want) does, and marks it wanted in the same statement.
      expect(await leasesB.acquire(id, { want: true })).toBe(true);
      expect(await row(id)).toMatchObject({ leaseOwner: 'proc-b', shouldConnect: true });
      expect(await leasesA.acquire(id, { want: true })).toBe(false);
    });

    it('release(wanted: true) frees the lease but keeps it wanted, so the other process claims it', async () => {
      const id = newId('keep-wanted');
      await database.transaction((tx) => repoA.createHeld({ id, name: 'Keep', createdById: null }, tx));
      await leasesA.release(id, { wanted: true });

      expect(await row(id)).toMatchObject({ leaseOwner: null, shouldConnect: true });
      expect(await leasesB.claimable([])).toContain(id);
      expect(await leasesB.acquire(id)).toBe(true);
      expect((await row(id)).leaseOwner).toBe('proc-b');
    });

    it('an expired lease is claimable and acquirable by another process', async () => {
      const id = newId('expired');
      await database.transaction((tx) => repoA.createHeld({ id, name: 'Expired', createdById: null }, tx));
      await prisma.$executeRaw`UPDATE whatsapp_sessions SET lease_expires_at = NOW(3) - INTERVAL 1 SECOND WHERE id = ${id}`;

      expect(await leasesB.claimable([])).toContain(id);
      expect(await leasesB.acquire(id)).toBe(true);
      const stored = await row(id);
      expect(stored.leaseOwner).toBe('proc-b');
      expect(stored.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 20_000);
      // The former holder finds it taken when renewing.
      expect(await leasesA.renew([id])).toEqual(new Set());
    });

    it('createHeld in a transaction that fails leaves no session', async () => {
      const id = newId('rolled-back');
      await expect(
        database.transaction(async (tx) => {
          await repoA.createHeld({ id, name: 'Never', createdById: null }, tx);
          throw new Error('the rest of the transaction failed');
        }),
      ).rejects.toThrow('the rest of the transaction failed');
      expect(await repoA.exists(id)).toBe(false);
    });

    it('createHeld of an existing id fails and leaves the existing session and its lease alone', async () => {
      const id = newId('dup');
      await database.transaction((tx) => repoB.createHeld({ id, name: 'First', createdById: null }, tx));
      await expect(
        database.transaction((tx) => repoA.createHeld({ id, name: 'Second', createdById: null }, tx)),
      ).rejects.toThrow();
      expect(await row(id)).toMatchObject({ name: 'First', leaseOwner: 'proc-b' });
    });

    it('two processes acquiring the same free sessions at once: exactly one wins each', async () => {
      const ids = Array.from({ length: 12 }, () => newId('race'));
      for (const id of ids) {
        await prisma.whatsappSession.create({ data: { id, name: id, shouldConnect: true } });
      }
      const results = await Promise.all(
        ids.map(async (id) => {
          const [a, b] = await Promise.all([leasesA.acquire(id), leasesB.acquire(id)]);
          return { id, a, b };
        }),
      );
      for (const { id, a, b } of results) {
        expect([a, b].filter(Boolean)).toHaveLength(1);
        expect((await row(id)).leaseOwner).toBe(a ? 'proc-a' : 'proc-b');
      }
    });

    it('renew extends only the leases this process still holds; releaseAll frees only its own, keeping them wanted', async () => {
      const mine = newId('renew-mine');
      const taken = newId('renew-taken');
      const theirs = newId('renew-theirs');
      await database.transaction(async (tx) => {
        await repoA.createHeld({ id: mine, name: mine, createdById: null }, tx);
        await repoA.createHeld({ id: taken, name: taken, createdById: null }, tx);
        await repoB.createHeld({ id: theirs, name: theirs, createdById: null }, tx);
      });
      await prisma.$executeRaw`UPDATE whatsapp_sessions SET lease_expires_at = NOW(3) - INTERVAL 1 SECOND WHERE id IN (${mine}, ${taken})`;
      expect(await leasesB.acquire(taken)).toBe(true);

      expect(await leasesA.renew([])).toEqual(new Set());
      expect(await leasesA.renew([mine, taken, theirs])).toEqual(new Set([mine]));
      expect((await row(mine)).leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 20_000);
      expect((await row(taken)).leaseOwner).toBe('proc-b');

      await leasesA.releaseAll();
      expect(await row(mine)).toMatchObject({ leaseOwner: null, leaseExpiresAt: null, shouldConnect: true });
      expect((await row(taken)).leaseOwner).toBe('proc-b');
      expect((await row(theirs)).leaseOwner).toBe('proc-b');
    });

    it('setWanted makes a stopped session claimable again', async () => {
      const id = newId('wanted');
      await plainSession(id);
      expect(await leasesB.claimable([])).not.toContain(id);
      await repoA.setWanted(id);
      expect((await row(id)).shouldConnect).toBe(true);
      expect(await leasesB.claimable([])).toContain(id);
    });
  });

  describe('setStatus', () => {
    it('writes the row, one session.status outbox row to the global URL, and one event per actual change', async () => {
      const id = newId('status');
      await plainSession(id);
      const { seen, off } = recordEvents(eventsA);
      try {
        await repoA.setStatus(id, { status: 'connecting' });
        expect((await row(id)).status).toBe('connecting');
        let outbox = await outboxOf(id);
        expect(outbox).toHaveLength(1);
        expect(outbox[0]).toMatchObject({
          event: 'session.status',
          targetUrl: GLOBAL_URL,
          status: 'pending',
          attempts: 0,
          messageId: null,
        });
        const payload = JSON.parse(outbox[0].payload) as Record<string, unknown>;
        expect(payload).toMatchObject({
          event: 'session.status',
          sessionId: id,
          deliveryId: outbox[0].deliveryId,
          status: 'connecting',
          previous: 'disconnected',
          phoneNumber: null,
          code: null,
          reason: null,
        });
        expect(payload.timestamp).toMatch(/^\d{10}$/);
        expect(seen).toHaveLength(1);
        expect(seen[0]).toMatchObject({ sessionId: id, status: 'connecting', previous: 'disconnected' });

        // The same status again: the details are stored, but it is no change (no row, no event).
        await repoA.setStatus(id, { status: 'connecting', code: 428, reason: 'connection closed' });
        expect(await row(id)).toMatchObject({
          status: 'connecting',
          lastDisconnectCode: 428,
          lastDisconnectReason: 'connection closed',
        });
        expect(await outboxOf(id)).toHaveLength(1);
        expect(seen).toHaveLength(1);

        const beforeConnect = Date.now();
        await repoA.setStatus(id, {
          status: 'connected',
          phoneNumber: '6281234567890',
          jid: '6281234567890@s.whatsapp.net',
          lid: '123@lid',
          pushName: 'Tester',
          code: null,
          reason: null,
        });
        const connected = await row(id);
        expect(connected).toMatchObject({
          status: 'connected',
          phoneNumber: '6281234567890',
          jid: '6281234567890@s.whatsapp.net',
          lid: '123@lid',
          pushName: 'Tester',
          lastDisconnectCode: null,
          lastDisconnectReason: null,
        });
        expect(connected.lastConnectedAt!.getTime()).toBeGreaterThanOrEqual(beforeConnect - 5);
        expect(connected.lastSeenAt).toEqual(connected.lastConnectedAt);
        outbox = await outboxOf(id);
        expect(outbox).toHaveLength(2);
        expect(JSON.parse(outbox[1].payload)).toMatchObject({
          status: 'connected',
          previous: 'connecting',
          phoneNumber: '6281234567890',
        });
        expect(seen).toHaveLength(2);
        expect(seen[1]).toMatchObject({
          status: 'connected',
          previous: 'connecting',
          phoneNumber: '6281234567890',
        });

        await repoA.setStatus(id, {
          status: 'disconnected',
          reason: 'stopped',
          code: null,
          shouldConnect: false,
        });
        expect(await row(id)).toMatchObject({
          status: 'disconnected',
          shouldConnect: false,
          lastDisconnectReason: 'stopped',
          // Untouched by a change that does not name them.
          phoneNumber: '6281234567890',
        });
        expect(await outboxOf(id)).toHaveLength(3);
        expect(seen.map((e) => `${e.previous}->${e.status}`)).toEqual([
          'disconnected->connecting',
          'connecting->connected',
          'connected->disconnected',
        ]);
      } finally {
        off();
      }
    });

    it('without a webhook URL it writes no outbox row but still emits the event', async () => {
      const id = newId('no-url');
      await plainSession(id);
      const { seen, off } = recordEvents(eventsB);
      try {
        await repoB.setStatus(id, { status: 'qr_pending' });
        expect((await row(id)).status).toBe('qr_pending');
        expect(await outboxOf(id)).toHaveLength(0);
        expect(seen).toEqual([
          expect.objectContaining({ sessionId: id, status: 'qr_pending', previous: 'disconnected' }),
        ]);
      } finally {
        off();
      }
    });

    it('of an unknown session does nothing: no row, no outbox row, no event', async () => {
      const id = newId('ghost');
      const { seen, off } = recordEvents(eventsA);
      try {
        await repoA.setStatus(id, { status: 'connected' });
        expect(await repoA.exists(id)).toBe(false);
        expect(await outboxOf(id)).toHaveLength(0);
        expect(seen).toHaveLength(0);
      } finally {
        off();
      }
    });

    // Overlapping calls for one session: each must compare with the status the one before it left
    // (a plain, snapshot read of `before` made both compare with the same old status).
    it('two overlapping setStatus calls with the same new status report the change once', async () => {
      const id = newId('overlap-same');
      await plainSession(id);
      const { seen, off } = recordEvents(eventsA);
      try {
        await overlapOnRowLock(
          prisma,
          Prisma.sql`SELECT id FROM whatsapp_sessions WHERE id = ${id} FOR UPDATE`,
          [
            () => repoA.setStatus(id, { status: 'connected' }),
            () => repoA.setStatus(id, { status: 'connected' }),
          ],
        );
        expect((await row(id)).status).toBe('connected');
        // One change (disconnected -> connected): one outbox row, one event.
        expect(await outboxOf(id)).toHaveLength(1);
        expect(seen).toHaveLength(1);
      } finally {
        off();
      }
    });

    it('overlapping setStatus calls (connected, then connecting) report both changes, in order, and end where the row is', async () => {
      const id = newId('overlap-lost');
      await plainSession(id);
      await repoA.setStatus(id, { status: 'connecting' });
      const { seen, off } = recordEvents(eventsA);
      try {
        // onOpen's `void setStatus(connected)`, and a close right after it (handleClose: connecting).
        await overlapOnRowLock(
          prisma,
          Prisma.sql`SELECT id FROM whatsapp_sessions WHERE id = ${id} FOR UPDATE`,
          [
            () => repoA.setStatus(id, { status: 'connected' }),
            () => repoA.setStatus(id, { status: 'connecting', code: 428, reason: 'connection closed' }),
          ],
        );
        // The lock was granted in call order: the close's change is the one stored.
        const stored = await row(id);
        expect(stored).toMatchObject({ status: 'connecting', lastDisconnectCode: 428 });
        // The last report (event and webhook) is the stored status, and every change is reported in order.
        const outbox = (await outboxOf(id)).map((o) => JSON.parse(o.payload) as { status: string });
        expect(seen.at(-1)?.status).toBe(stored.status);
        expect(outbox.at(-1)?.status).toBe(stored.status);
        expect(seen.map((e) => `${e.previous}->${e.status}`)).toEqual([
          'connecting->connected',
          'connected->connecting',
        ]);
      } finally {
        off();
      }
    });

    it('recordQr writes a session.qr outbox row and emits the QR', async () => {
      const id = newId('qr');
      await plainSession(id);
      const qrs: string[] = [];
      const off = eventsA.on('session.qr', (e) => qrs.push(`${e.sessionId}:${e.qr}`));
      try {
        await repoA.recordQr(id, 'qr-code-1');
        const outbox = await outboxOf(id);
        expect(outbox).toHaveLength(1);
        expect(outbox[0]).toMatchObject({ event: 'session.qr', targetUrl: GLOBAL_URL });
        expect(JSON.parse(outbox[0].payload)).toMatchObject({
          qr: 'qr-code-1',
          sessionId: id,
          event: 'session.qr',
        });
        expect(qrs).toEqual([`${id}:qr-code-1`]);
      } finally {
        off();
      }
    });
  });

  describe('reads', () => {
    // A database of its own for the counts, so the sessions of other tests do not count.
    let counting: OwnerFixture;
    let repo: SessionRepository;
    let db: PrismaService;

    beforeAll(async () => {
      counting = await OwnerFixture.create('wagw_it_session_counts');
      const c = await counting.open([SessionRepository, SessionLeases, GatewayInstances], {
        INSTANCE_ID: 'proc-c',
      });
      repo = c.get(SessionRepository);
      db = prismaOf(c.moduleRef);
    });

    afterAll(async () => {
      await counting?.close();
    });

    it('statusCounts, statuses, count and list', async () => {
      expect(await repo.statusCounts()).toEqual({ total: 0 });
      expect(await repo.count()).toBe(0);
      const statuses = [
        'connected',
        'connected',
        'connected',
        'disconnected',
        'qr_pending',
        'logged_out',
      ] as const;
      for (const [i, status] of statuses.entries()) {
        await db.whatsappSession.create({
          data: { id: `count-${i}`, name: `n${i}`, status, createdAt: new Date(Date.UTC(2026, 0, 10 - i)) },
        });
      }
      expect(await repo.statusCounts()).toEqual({
        total: 6,
        connected: 3,
        disconnected: 1,
        qr_pending: 1,
        logged_out: 1,
      });
      expect(await repo.count()).toBe(6);
      const byId = Object.fromEntries((await repo.statuses()).map((s) => [s.id, s.status]));
      expect(byId).toEqual({
        'count-0': 'connected',
        'count-1': 'connected',
        'count-2': 'connected',
        'count-3': 'disconnected',
        'count-4': 'qr_pending',
        'count-5': 'logged_out',
      });
      // Oldest first.
      expect((await repo.list()).map((s) => s.id)).toEqual([
        'count-5',
        'count-4',
        'count-3',
        'count-2',
        'count-1',
        'count-0',
      ]);
    });

    it('idleSince: only the given sessions last seen before the time (never seen is not idle); touch moves one out', async () => {
      const cutoff = new Date(Date.now() - 60 * 60_000);
      const old = new Date(cutoff.getTime() - 60_000);
      const recent = new Date(cutoff.getTime() + 60_000);
      await db.whatsappSession.createMany({
        data: [
          { id: 'idle-old', name: 'a', lastSeenAt: old },
          { id: 'idle-old-2', name: 'b', lastSeenAt: old },
          { id: 'idle-recent', name: 'c', lastSeenAt: recent },
          { id: 'idle-never', name: 'd', lastSeenAt: null },
          { id: 'idle-old-unasked', name: 'e', lastSeenAt: old },
        ],
      });
      const asked = ['idle-old', 'idle-old-2', 'idle-recent', 'idle-never', 'idle-missing'];

      expect(await repo.idleSince([], cutoff)).toEqual([]);
      expect((await repo.idleSince(asked, cutoff)).sort()).toEqual(['idle-old', 'idle-old-2']);

      await repo.touch('idle-old');
      await repo.touch('idle-missing'); // no such session: nothing happens
      const touched = await db.whatsappSession.findUniqueOrThrow({ where: { id: 'idle-old' } });
      expect(Math.abs(touched.lastSeenAt!.getTime() - Date.now())).toBeLessThan(5_000);
      expect(await repo.idleSince(asked, cutoff)).toEqual(['idle-old-2']);
      expect(await repo.exists('idle-missing')).toBe(false);
    });
  });

  describe('delete', () => {
    it("cascades the session's own webhook (and its tokens and campaigns), not other sessions' rows", async () => {
      const id = newId('deleted');
      const other = newId('kept');
      await plainSession(id);
      await plainSession(other);
      await webhooks.setTarget(id, { url: 'http://own.test/hook', events: ['message.inbound'] });
      await webhooks.setTarget(other, { url: 'http://other.test/hook' });
      await prisma.sessionToken.create({
        data: { sessionId: id, name: 't', tokenHash: 'a'.repeat(64), prefix: 'wag_abc' },
      });
      await prisma.campaign.create({ data: { name: 'c', sessionId: id, template: 'hi' } });
      expect(await webhooks.find(id)).toEqual({
        url: 'http://own.test/hook',
        events: ['message.inbound'],
        secret: null,
      });

      await repoA.delete(id);

      expect(await repoA.find(id)).toBeNull();
      expect(await prisma.sessionWebhook.count({ where: { sessionId: id } })).toBe(0);
      expect(await webhooks.find(id)).toBeNull();
      expect(await prisma.sessionToken.count({ where: { sessionId: id } })).toBe(0);
      expect(await prisma.campaign.count({ where: { sessionId: id } })).toBe(0);
      expect((await webhooks.find(other))?.url).toBe('http://other.test/hook');
      expect(await repoA.exists(other)).toBe(true);
    });

    it('of an unknown session fails', async () => {
      await expect(repoA.delete(newId('nobody'))).rejects.toThrow();
    });
  });
});
