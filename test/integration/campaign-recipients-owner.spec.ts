import { CampaignRecipientStore } from '../../src/campaigns/campaign-recipient-store';
import { CampaignRepository } from '../../src/campaigns/campaign.repository';
import { Database } from '../../src/prisma/database';
import type { PrismaService } from '../../src/prisma/prisma.service';
import { OwnerFixture, prismaOf } from './owner-fixture';

const MINUTE = 60_000;

/**
 * The owner of campaign_recipients (CampaignRecipientStore), with CampaignRepository for the
 * campaigns and their lists, on a real database. Sessions, lists and recipients are fixtures.
 */
describe('campaign recipients owner (CampaignRecipientStore)', () => {
  let fixture: OwnerFixture;
  let prisma: PrismaService;
  let database: Database;
  let store: CampaignRecipientStore;
  let storeB: CampaignRecipientStore;
  let campaigns: CampaignRepository;
  let serial = 0;

  const SESSION = 'camp-session';
  const OTHER_SESSION = 'camp-other-session';

  /** A recipient list with these recipients (created in this order). */
  const list = async (recipients: { phone: string; name?: string; variables?: Record<string, string> }[]) => {
    const created = await prisma.recipientList.create({ data: { name: `list ${++serial}` } });
    for (const r of recipients) {
      await prisma.recipient.create({
        data: { listId: created.id, phone: r.phone, name: r.name ?? null, variables: r.variables },
      });
    }
    return created.id;
  };

  /** A draft campaign of the session sending to these lists. */
  const campaign = (listIds: number[], sessionId = SESSION) =>
    database.transaction((tx) =>
      campaigns.create({ name: `campaign ${++serial}`, sessionId, template: 'Hello {{name}}' }, listIds, tx),
    );

  /** A campaign with its snapshot taken; its recipients' ids by phone. */
  const started = async (phones: string[], sessionId = SESSION) => {
    const id = await campaign([await list(phones.map((phone) => ({ phone })))], sessionId);
    await database.transaction((tx) => store.snapshot(tx, id));
    const rows = await prisma.campaignRecipient.findMany({
      where: { campaignId: id },
      orderBy: { id: 'asc' },
    });
    return { id, ids: rows.map((r) => r.id) };
  };

  const row = (id: number) => prisma.campaignRecipient.findUniqueOrThrow({ where: { id } });

  beforeAll(async () => {
    fixture = await OwnerFixture.create('wagw_it_campaign_rcpt');
    const a = await fixture.open([CampaignRecipientStore, CampaignRepository], { INSTANCE_ID: 'proc-a' });
    const b = await fixture.open([CampaignRecipientStore], { INSTANCE_ID: 'proc-b' });
    prisma = prismaOf(a.moduleRef);
    database = a.get(Database);
    store = a.get(CampaignRecipientStore);
    storeB = b.get(CampaignRecipientStore);
    campaigns = a.get(CampaignRepository);
    await prisma.whatsappSession.createMany({
      data: [
        { id: SESSION, name: 'campaigns' },
        { id: OTHER_SESSION, name: 'other' },
      ],
    });
  });

  afterAll(async () => {
    await fixture?.close();
  });

  describe('snapshot', () => {
    it("copies the campaign's lists once per phone, the lowest list id winning", async () => {
      const low = await list([]);
      const high = await list([]);
      const unused = await list([{ phone: '+6281100000009', name: 'Not in the campaign' }]);
      expect(high).toBeGreaterThan(low);
      const add = (listId: number, phone: string, name?: string, variables?: Record<string, string>) =>
        prisma.recipient.create({ data: { listId, phone, name: name ?? null, variables } });
      // The higher list's Bob is created first (lower recipient id): the list id decides, not the row id.
      const bobHigh = await add(high, '+6281100000002', 'Bob (high list)', { city: 'Surabaya' });
      await add(low, '+6281100000001', 'Ann', { city: 'Bandung' });
      const bobLow = await add(low, '+6281100000002', 'Bob (low list)', { city: 'Jakarta' });
      await add(low, '+6281100000003');
      await add(high, '+6281100000004', 'Dee');
      expect(bobHigh.id).toBeLessThan(bobLow.id);
      expect(unused).toBeGreaterThan(high);

      const id = await campaign([high, low]);
      expect(await campaigns.listIdsOf(id)).toEqual([low, high]);

      const copied = await database.transaction((tx) => store.snapshot(tx, id));

      const rows = await prisma.campaignRecipient.findMany({
        where: { campaignId: id },
        orderBy: { id: 'asc' },
      });
      expect(rows.map((r) => [r.phone, r.name, r.variables, r.status, r.attempts, r.waMessageId])).toEqual([
        ['+6281100000001', 'Ann', { city: 'Bandung' }, 'pending', 0, null],
        ['+6281100000002', 'Bob (low list)', { city: 'Jakarta' }, 'pending', 0, null],
        ['+6281100000003', null, null, 'pending', 0, null],
        ['+6281100000004', 'Dee', null, 'pending', 0, null],
      ]);
      expect(copied).toBe(4);
      expect(await store.countsByStatus(id)).toEqual({ pending: 4 });
      expect(await store.openCount(id)).toBe(4);

      // Later list edits do not change the campaign's copy.
      await prisma.recipient.create({ data: { listId: low, phone: '+6281100000005' } });
      await prisma.recipient.update({ where: { id: bobLow.id }, data: { name: 'Robert' } });
      expect(
        (await prisma.campaignRecipient.findMany({ where: { campaignId: id } })).map((r) => r.name),
      ).not.toContain('Robert');
      expect(await prisma.campaignRecipient.count({ where: { campaignId: id } })).toBe(4);
    });

    // The driver counts found rows (CLIENT_FOUND_ROWS), so the INSERT's own count would include each
    // phone found again in another list (left alone by ON DUPLICATE KEY UPDATE id = id).
    it('returns the number of recipients copied, not counting a phone found again in another list', async () => {
      const first = await list([{ phone: '+6281150000001' }, { phone: '+6281150000002' }]);
      const second = await list([{ phone: '+6281150000002' }, { phone: '+6281150000003' }]);
      const id = await campaign([first, second]);

      const copied = await database.transaction((tx) => store.snapshot(tx, id));

      expect(await prisma.campaignRecipient.count({ where: { campaignId: id } })).toBe(3);
      expect(copied).toBe(3);
    });

    it('is per campaign: the same list in two campaigns gives each its own rows', async () => {
      const shared = await list([{ phone: '+6281200000001' }, { phone: '+6281200000002' }]);
      const first = await campaign([shared]);
      const second = await campaign([shared]);
      expect(await database.transaction((tx) => store.snapshot(tx, first))).toBe(2);
      expect(await database.transaction((tx) => store.snapshot(tx, second))).toBe(2);
      expect(await store.countsByStatus(first)).toEqual({ pending: 2 });
      expect(await store.countsByStatus(second)).toEqual({ pending: 2 });
    });

    it('of a campaign with empty lists copies nothing', async () => {
      const id = await campaign([await list([])]);
      expect(await database.transaction((tx) => store.snapshot(tx, id))).toBe(0);
      expect(await store.countsByStatus(id)).toEqual({});
    });
  });

  describe('the sender', () => {
    it('nextDue: the pending recipient due first (by time, then id); none when nothing pending is due', async () => {
      const { id, ids } = await started(['+6281300000001', '+6281300000002', '+6281300000003']);
      expect((await store.nextDue(id))?.id).toBe(ids[0]);
      await prisma.campaignRecipient.update({
        where: { id: ids[0] },
        data: { nextAttemptAt: new Date(Date.now() + MINUTE) },
      });
      await prisma.campaignRecipient.update({
        where: { id: ids[2] },
        data: { nextAttemptAt: new Date(Date.now() - MINUTE) },
      });
      expect(await store.nextDue(id)).toMatchObject({ id: ids[2], phone: '+6281300000003', attempts: 0 });
      expect(await store.markSending(ids[2], 'WA-ND-3')).toBe(true);
      expect((await store.nextDue(id))?.id).toBe(ids[1]);
      expect(await store.markSending(ids[1], 'WA-ND-2')).toBe(true);
      expect(await store.nextDue(id)).toBeNull();
      // Still open: one pending (later) and two being sent.
      expect(await store.openCount(id)).toBe(3);
      expect((await store.nextOpenAt(id))!.getTime()).toBeLessThan(Date.now());
    });

    it('markSending only from pending; a second claim (same or another process) is refused and changes nothing', async () => {
      const { ids } = await started(['+6281400000001']);
      const [r] = ids;

      expect(await store.markSending(r, 'WA-MS-1')).toBe(true);
      const claimed = await row(r);
      expect(claimed).toMatchObject({ status: 'sending', waMessageId: 'WA-MS-1', attempts: 1, error: null });

      expect(await store.markSending(r, 'WA-MS-1')).toBe(false);
      expect(await storeB.markSending(r, 'WA-MS-2')).toBe(false);
      expect(await row(r)).toMatchObject({ status: 'sending', waMessageId: 'WA-MS-1', attempts: 1 });

      await store.markSent(r, 'WA-MS-1');
      expect(await store.markSending(r, 'WA-MS-3')).toBe(false);
      expect(await row(r)).toMatchObject({ status: 'sent', waMessageId: 'WA-MS-1', attempts: 1 });
    });

    it('two processes claiming the same pending recipients at once: exactly one wins each', async () => {
      const { ids } = await started(
        Array.from({ length: 10 }, (_, i) => `+62815000000${String(i).padStart(2, '0')}`),
      );
      const outcomes = await Promise.all(
        ids.map(async (id) => {
          const [a, b] = await Promise.all([
            store.markSending(id, `WA-A-${id}`),
            storeB.markSending(id, `WA-B-${id}`),
          ]);
          return { id, a, b };
        }),
      );
      for (const { id, a, b } of outcomes) {
        expect([a, b].filter(Boolean)).toHaveLength(1);
        expect(await row(id)).toMatchObject({
          status: 'sending',
          attempts: 1,
          waMessageId: a ? `WA-A-${id}` : `WA-B-${id}`,
        });
      }
    });

    it("markSent moves sending to sent; after a 'read' receipt it keeps 'read' (and the receipt's times); a wrong id changes nothing", async () => {
      const { ids } = await started(['+6281600000001', '+6281600000002']);
      const [plain, receipted] = ids;
      const sentAt = new Date('2026-11-30T10:00:00.000Z');

      await store.markSending(plain, 'WA-SENT-1');
      await store.markSent(plain, 'WA-OTHER', sentAt);
      expect(await row(plain)).toMatchObject({ status: 'sending', sentAt: null });
      await store.markSent(plain, 'WA-SENT-1', sentAt);
      expect(await row(plain)).toMatchObject({ status: 'sent', sentAt, error: null });

      await store.markSending(receipted, 'WA-SENT-2');
      const readAt = new Date('2026-11-30T10:00:05.000Z');
      expect(await store.applyReceipt(receipted, { status: 'read', at: readAt })).toBe(true);
      await store.markSent(receipted, 'WA-SENT-2', new Date('2026-11-30T10:00:09.000Z'));
      expect(await row(receipted)).toMatchObject({
        status: 'read',
        sentAt: readAt,
        deliveredAt: readAt,
        readAt,
      });
    });

    it('release and settle do nothing with a wrong WhatsApp id or when not sending; with the right one they do', async () => {
      const { ids } = await started(['+6281700000001', '+6281700000002', '+6281700000003']);
      const [released, failed, review] = ids;
      for (const [i, id] of ids.entries()) await store.markSending(id, `WA-RS-${i}`);
      const before = await Promise.all(ids.map(row));

      await store.release(released, 'WA-WRONG', { undoAttempt: true });
      await store.settle(failed, 'WA-WRONG', 'failed', 'nope');
      await store.settle(review, 'WA-RS-0', 'review', 'nope'); // another row's id
      expect(await Promise.all(ids.map(row))).toEqual(before);

      const retryAt = new Date(Date.now() + 5 * MINUTE);
      await store.release(released, 'WA-RS-0', {
        undoAttempt: true,
        nextAttemptAt: retryAt,
        error: 'socket closed',
      });
      expect(await row(released)).toMatchObject({
        status: 'pending',
        waMessageId: null,
        attempts: 0,
        nextAttemptAt: retryAt,
        error: 'socket closed',
      });
      // Released: no longer sending, so the old id settles nothing.
      await store.settle(released, 'WA-RS-0', 'failed', 'late');
      expect((await row(released)).status).toBe('pending');

      await store.settle(failed, 'WA-RS-1', 'failed', 'x'.repeat(600));
      const failedRow = await row(failed);
      expect(failedRow).toMatchObject({ status: 'failed', waMessageId: 'WA-RS-1', attempts: 1 });
      expect(failedRow.error).toHaveLength(512);
      await store.settle(review, 'WA-RS-2', 'review', 'cannot tell');
      expect(await row(review)).toMatchObject({ status: 'review', error: 'cannot tell' });
      // Settled rows are not released any more.
      await store.release(failed, 'WA-RS-1', { undoAttempt: true });
      expect((await row(failed)).status).toBe('failed');

      // A release that keeps the attempt.
      const { ids: more } = await started(['+6281700000009']);
      await store.markSending(more[0], 'WA-KEEP');
      await store.release(more[0], 'WA-KEEP', { undoAttempt: false });
      expect(await row(more[0])).toMatchObject({ status: 'pending', attempts: 1, error: null });
    });

    it('skipOne and defer act on pending rows only; defer counts an attempt and gives up when told', async () => {
      const { ids } = await started(['+6281800000001', '+6281800000002', '+6281800000003', '+6281800000004']);
      const [skipped, deferred, givenUp, sending] = ids;
      await store.markSending(sending, 'WA-SD');

      await store.skipOne(skipped, 'not on WhatsApp');
      await store.skipOne(sending, 'not on WhatsApp');
      expect(await row(skipped)).toMatchObject({ status: 'skipped', error: 'not on WhatsApp' });
      expect((await row(sending)).status).toBe('sending');

      const later = new Date(Date.now() + MINUTE);
      await store.defer(deferred, later, 'lookup timed out', false);
      expect(await row(deferred)).toMatchObject({
        status: 'pending',
        attempts: 1,
        nextAttemptAt: later,
        error: 'lookup timed out',
      });
      await store.defer(givenUp, later, 'lookup timed out', true);
      expect(await row(givenUp)).toMatchObject({ status: 'failed', attempts: 1, error: 'lookup timed out' });
      await store.defer(sending, later, 'x', true);
      expect(await row(sending)).toMatchObject({ status: 'sending', attempts: 1 });
    });
  });

  describe('receipts', () => {
    it('findBySentMessage finds the recipient by session and WhatsApp id only', async () => {
      const { id, ids } = await started(['+6281900000001']);
      await store.markSending(ids[0], 'WA-FIND-1');
      expect(await store.findBySentMessage(SESSION, 'WA-FIND-1')).toEqual({ id: ids[0], campaignId: id });
      expect(await store.findBySentMessage(OTHER_SESSION, 'WA-FIND-1')).toBeNull();
      expect(await store.findBySentMessage(SESSION, 'WA-FIND-2')).toBeNull();
    });

    it('applyReceipt moves forward only: a late sent or delivered after read changes nothing', async () => {
      const { ids } = await started(['+6282000000001', '+6282000000002', '+6282000000003']);
      const [r, failing, pending] = ids;
      await store.markSending(r, 'WA-RC-1');
      const t1 = new Date('2026-11-30T10:00:01.000Z');
      const t2 = new Date('2026-11-30T10:00:02.000Z');
      const t3 = new Date('2026-11-30T10:00:03.000Z');

      expect(await store.applyReceipt(r, { status: 'delivered', at: t2 })).toBe(true);
      expect(await row(r)).toMatchObject({ status: 'delivered', sentAt: t2, deliveredAt: t2, readAt: null });
      expect(await store.applyReceipt(r, { status: 'sent', at: t1 })).toBe(false);
      expect(await store.applyReceipt(r, { status: 'delivered', at: t3 })).toBe(false);
      expect(await row(r)).toMatchObject({ status: 'delivered', sentAt: t2, deliveredAt: t2 });

      expect(await store.applyReceipt(r, { status: 'read', at: t3 })).toBe(true);
      for (const late of [
        { status: 'sent', at: t1 },
        { status: 'delivered', at: t1 },
        { status: 'read', at: t1 },
        { status: 'failed', error: 'late failure' },
      ] as const) {
        expect(await store.applyReceipt(r, late)).toBe(false);
      }
      expect(await row(r)).toMatchObject({
        status: 'read',
        sentAt: t2,
        deliveredAt: t2,
        readAt: t3,
        error: null,
      });

      // Failed from sent; and then nothing moves it.
      await store.markSending(failing, 'WA-RC-2');
      expect(await store.applyReceipt(failing, { status: 'sent', at: t1 })).toBe(true);
      expect(await store.applyReceipt(failing, { status: 'failed', error: 'refused (463)' })).toBe(true);
      expect(await row(failing)).toMatchObject({ status: 'failed', error: 'refused (463)', sentAt: t1 });
      expect(await store.applyReceipt(failing, { status: 'read', at: t3 })).toBe(false);

      // A receipt for a row that was never sent changes nothing.
      expect(await store.applyReceipt(pending, { status: 'read', at: t3 })).toBe(false);
      expect(await row(pending)).toMatchObject({ status: 'pending', readAt: null });
    });

    it("a receipt settles a row left in 'review' (it did go)", async () => {
      const { ids } = await started(['+6282100000001']);
      await store.markSending(ids[0], 'WA-REVIEW');
      await store.settle(ids[0], 'WA-REVIEW', 'review', 'unsure');
      const at = new Date('2026-11-30T11:00:00.000Z');
      expect(await store.applyReceipt(ids[0], { status: 'sent', at })).toBe(true);
      expect(await row(ids[0])).toMatchObject({ status: 'sent', sentAt: at, error: null });
    });
  });

  describe('crash recovery', () => {
    it("inFlight lists the 'sending' rows of the given sessions' campaigns; settleInFlight settles each once, only if unchanged", async () => {
      const mine = await started(['+6282200000001', '+6282200000002', '+6282200000003', '+6282200000004']);
      const other = await started(['+6282200000009'], OTHER_SESSION);
      const [a, b, c, notSending] = mine.ids;
      await store.markSending(a, 'WA-IF-A');
      await store.markSending(b, 'WA-IF-B');
      await store.markSending(c, 'WA-IF-C');
      await store.markSending(other.ids[0], 'WA-IF-OTHER');

      expect(await store.inFlight([])).toEqual([]);
      const inFlight = (await store.inFlight([SESSION])).filter((r) => r.campaignId === mine.id);
      expect(inFlight.sort((x, y) => x.id - y.id)).toEqual([
        { id: a, campaignId: mine.id, sessionId: SESSION, waMessageId: 'WA-IF-A' },
        { id: b, campaignId: mine.id, sessionId: SESSION, waMessageId: 'WA-IF-B' },
        { id: c, campaignId: mine.id, sessionId: SESSION, waMessageId: 'WA-IF-C' },
      ]);
      expect((await store.inFlight([SESSION])).map((r) => r.id)).not.toContain(notSending);
      expect((await store.inFlight([OTHER_SESSION])).map((r) => r.waMessageId)).toContain('WA-IF-OTHER');
      const [rowA, rowB, rowC] = inFlight;

      const sentAt = new Date('2026-11-30T12:00:00.000Z');
      expect(await store.settleInFlight(rowA, { status: 'delivered', sentAt, error: null })).toBe(true);
      expect(await row(a)).toMatchObject({ status: 'delivered', sentAt });
      expect(await store.settleInFlight(rowA, { status: 'review', sentAt: null, error: 'x' })).toBe(false);
      expect((await row(a)).status).toBe('delivered');

      // A receipt got there first: the recovery does not overwrite it.
      expect(await store.applyReceipt(b, { status: 'read', at: sentAt })).toBe(true);
      expect(await store.settleInFlight(rowB, { status: 'review', sentAt: null, error: 'unknown' })).toBe(
        false,
      );
      expect((await row(b)).status).toBe('read');

      // Released and claimed again with another id meanwhile: the old in-flight row settles nothing.
      await store.release(c, 'WA-IF-C', { undoAttempt: false });
      await store.markSending(c, 'WA-IF-C2');
      expect(await store.settleInFlight(rowC, { status: 'failed', sentAt: null, error: 'old' })).toBe(false);
      expect(await row(c)).toMatchObject({ status: 'sending', waMessageId: 'WA-IF-C2', attempts: 2 });
      expect(
        await store.settleInFlight(
          { ...rowC, waMessageId: 'WA-IF-C2' },
          { status: 'review', sentAt: null, error: 'unsure' },
        ),
      ).toBe(true);
      expect(await row(c)).toMatchObject({ status: 'review', error: 'unsure' });

      expect((await store.inFlight([SESSION])).filter((r) => r.campaignId === mine.id)).toEqual([]);
    });
  });

  describe("people's moves and reports", () => {
    it('requeue resets the chosen statuses (attempts, ids, times, errors) and leaves the others; countsByStatus follows', async () => {
      const { id, ids } = await started([
        '+6282300000001',
        '+6282300000002',
        '+6282300000003',
        '+6282300000004',
        '+6282300000005',
      ]);
      const [failed, review, sent, skipped] = ids;
      await store.markSending(failed, 'WA-RQ-1');
      await store.settle(failed, 'WA-RQ-1', 'failed', 'refused');
      await store.markSending(review, 'WA-RQ-2');
      await store.settle(review, 'WA-RQ-2', 'review', 'unsure');
      await store.markSending(sent, 'WA-RQ-3');
      await store.markSent(sent, 'WA-RQ-3');
      await store.skipOne(skipped, 'not on WhatsApp');
      expect(await store.countsByStatus(id)).toEqual({
        failed: 1,
        review: 1,
        sent: 1,
        skipped: 1,
        pending: 1,
      });

      const before = Date.now();
      expect(await database.transaction((tx) => store.requeue(tx, id, ['failed', 'review']))).toBe(2);
      for (const r of [failed, review]) {
        const requeued = await row(r);
        expect(requeued).toMatchObject({
          status: 'pending',
          attempts: 0,
          waMessageId: null,
          error: null,
          sentAt: null,
        });
        expect(requeued.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before - 5);
      }
      expect(await row(sent)).toMatchObject({ status: 'sent', waMessageId: 'WA-RQ-3', attempts: 1 });
      expect(await store.countsByStatus(id)).toEqual({ pending: 3, sent: 1, skipped: 1 });
      // A requeued row can be claimed again with a new id.
      expect(await store.markSending(failed, 'WA-RQ-1b')).toBe(true);
      expect(await row(failed)).toMatchObject({ attempts: 1, waMessageId: 'WA-RQ-1b' });
    });

    it('skipPending skips only what was not sent yet; skip(tx, ids) only pending ones', async () => {
      const { id, ids } = await started(['+6282400000001', '+6282400000002', '+6282400000003']);
      await store.markSending(ids[0], 'WA-SP-1');
      expect(
        await database.transaction((tx) => store.skip(tx, [ids[0], ids[1]], 'missing variable: name')),
      ).toBe(1);
      await database.transaction((tx) => store.skipPending(tx, id, 'cancelled'));
      expect((await Promise.all(ids.map(row))).map((r) => [r.status, r.error])).toEqual([
        ['sending', null],
        ['skipped', 'missing variable: name'],
        ['skipped', 'cancelled'],
      ]);
      expect(await store.countsByStatus(id)).toEqual({ sending: 1, skipped: 2 });
    });

    it('outcomes pages the recipients of one status in id order; sentSince and lastSentAt read sent times', async () => {
      const { id, ids } = await started(['+6282500000001', '+6282500000002', '+6282500000003']);
      const t1 = new Date('2026-11-30T09:00:00.000Z');
      const t2 = new Date('2026-11-30T09:05:00.000Z');
      await store.markSending(ids[0], 'WA-OC-1');
      await store.markSent(ids[0], 'WA-OC-1', t1);
      await store.markSending(ids[2], 'WA-OC-3');
      await store.markSent(ids[2], 'WA-OC-3', t2);

      const sent = await store.outcomes(id, 'sent', { skip: 0, take: 10 });
      expect(sent.total).toBe(2);
      expect(sent.items.map((i) => [i.id, i.phone, i.waMessageId, i.sentAt])).toEqual([
        [ids[0], '+6282500000001', 'WA-OC-1', t1],
        [ids[2], '+6282500000003', 'WA-OC-3', t2],
      ]);
      const all = await store.outcomes(id, undefined, { skip: 1, take: 1 });
      expect(all).toMatchObject({ total: 3, items: [{ id: ids[1], status: 'pending' }] });
      expect((await store.outcomesAfter(id, ids[0], 10)).map((i) => i.id)).toEqual([ids[1], ids[2]]);
      expect(await store.lastSentAt(id)).toEqual(t2);
      expect(await store.sentSince(id, new Date('2026-11-30T09:01:00.000Z'))).toBe(1);
    });
  });
});
