import type { NestExpressApplication } from '@nestjs/platform-express';
import { PrismaService } from '../src/prisma/prisma.service';
import { wallClock } from '../src/campaigns/time-zone';
import { CampaignApi, receivedFrom } from './support/campaign-helpers';
import { eventually, GatewayFixture, linkSession } from './support/gateway-fixture';

jest.setTimeout(120_000);

const ACCOUNT = '6281255500002';
const contact = (i: number) => `62812888${String(i).padStart(5, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Arrival times at the simulated phones: a send's own latency (encryption, first-contact key fetch)
// shifts one arrival against the next by a few tens of milliseconds.
const JITTER_MS = 120;
// No gap may be shorter than the throttle allows; they must not be longer either, but one send that
// is slow on a busy machine (seen: 500 ms) delays one arrival, so that bound holds on the mean.
const SLOW_SEND_MS = 150;
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('campaign throttle, schedule and mid-run control', () => {
  const fixture = new GatewayFixture();
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let api: CampaignApi;
  let next = 0;

  /** A list of `n` fresh contacts; returns its id and their numbers. */
  const freshList = async (n: number) => {
    const phones = Array.from({ length: n }, () => contact(next++));
    for (const p of phones) fixture.simulator.createContact(p);
    const id = await api.list(`List ${next}`, [
      ['phone', 'name'],
      ...phones.map((p, i) => [`+${p}`, `N${i}`]),
    ]);
    return { id, phones };
  };
  const arrivals = (phones: string[]) =>
    phones
      .flatMap((p) => receivedFrom(fixture.simulator, p, ACCOUNT).map((m) => m.receivedAt.getTime()))
      .sort((a, b) => a - b);
  const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]);
  const received = (phones: string[]) =>
    phones.reduce((n, p) => n + receivedFrom(fixture.simulator, p, ACCOUNT).length, 0);

  beforeAll(async () => {
    await fixture.start('wagw_campaign_throttle');
    app = await fixture.startApp(
      fixture.config({ CAMPAIGN_TICK_MS: '200', CAMPAIGN_SCHEDULE_CHECK_MS: '200' }),
    );
    prisma = app.get(PrismaService);
    const { admin } = await linkSession(fixture, app, 'thr', ACCOUNT);
    api = new CampaignApi(app, admin);
  });
  afterAll(() => fixture.close());

  it('keeps a random delay between min and max between two sends', async () => {
    const { id: listId, phones } = await freshList(8);
    const id = await api.create({
      name: 'Delays',
      sessionId: 'thr',
      template: 'Hello {{name}}',
      listIds: [listId],
      minDelayMs: 300,
      maxDelayMs: 700,
    });
    await api.action(id, 'start');
    await api.until(id, (p) => p.status === 'completed');
    const observed = gaps(arrivals(phones));
    expect(observed).toHaveLength(7);
    for (const gap of observed) expect(gap).toBeGreaterThanOrEqual(300 - JITTER_MS);
    expect(mean(observed)).toBeLessThanOrEqual(700 + SLOW_SEND_MS);
  });

  it('spreads sends to honour the per-minute cap', async () => {
    const { id: listId, phones } = await freshList(6);
    // 100 per minute: one send every 600 ms at most, whatever the (shorter) delay says.
    const id = await api.create({
      name: 'Cap',
      sessionId: 'thr',
      template: 'Hi',
      listIds: [listId],
      minDelayMs: 0,
      maxDelayMs: 50,
      perMinuteCap: 100,
    });
    await api.action(id, 'start');
    await api.until(id, (p) => p.status === 'completed');
    const times = arrivals(phones);
    for (const gap of gaps(times)) expect(gap).toBeGreaterThanOrEqual(600 - JITTER_MS);
    expect(mean(gaps(times))).toBeLessThanOrEqual(600 + SLOW_SEND_MS);
    // Evenly spread, so no 60-second window can hold more than 100 sends.
    expect(times[times.length - 1] - times[0]).toBeGreaterThanOrEqual(5 * 600 - JITTER_MS);
  });

  it('stops at the daily cap until midnight in the campaign time zone, and sends nothing in quiet hours', async () => {
    const { id: listId, phones } = await freshList(4);
    const capped = await api.create({
      name: 'Daily',
      sessionId: 'thr',
      template: 'Hi',
      listIds: [listId],
      minDelayMs: 0,
      maxDelayMs: 0,
      perDayCap: 2,
      timeZone: 'Asia/Jakarta',
    });
    await api.action(capped, 'start');
    const waiting = await api.until(capped, (p) => p.waiting?.reason === 'per-day cap');
    const midnight = wallClock(new Date(waiting.waiting!.until), 'Asia/Jakarta');
    expect(midnight).toMatchObject({ hour: 0, minute: 0, second: 0 });
    expect(new Date(waiting.waiting!.until).getTime()).toBeGreaterThan(Date.now());
    await sleep(1000);
    expect(received(phones)).toBe(2);
    expect((await api.progress(capped)).counts).toMatchObject({ pending: 2 });
    await api.action(capped, 'cancel');

    const hhmmOf = (date: Date) => {
      const w = wallClock(date, 'Asia/Jakarta');
      return `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
    };
    const hhmm = (offsetMin: number) => hhmmOf(new Date(Date.now() + offsetMin * 60_000));
    const quiet = await api.create({
      name: 'Quiet',
      sessionId: 'thr',
      template: 'Hi',
      listIds: [listId],
      minDelayMs: 0,
      maxDelayMs: 0,
      timeZone: 'Asia/Jakarta',
      quietHoursStart: hhmm(-60),
      quietHoursEnd: hhmm(60),
    });
    const before = received(phones);
    const quietEnd = hhmm(60);
    await api.action(quiet, 'start');
    const hushed = await api.until(quiet, (p) => p.waiting?.reason === 'quiet hours');
    const until = new Date(hushed.waiting!.until);
    expect(hhmmOf(until)).toBe(quietEnd);
    expect(until.getTime() - Date.now()).toBeGreaterThan(55 * 60_000);
    await sleep(1000);
    expect(received(phones)).toBe(before);
    await api.action(quiet, 'cancel');
  });

  it('starts a scheduled campaign on time (a local time in its time zone)', async () => {
    const { id: listId, phones } = await freshList(2);
    const id = await api.create({
      name: 'On time',
      sessionId: 'thr',
      template: 'Scheduled hello',
      listIds: [listId],
      minDelayMs: 0,
      maxDelayMs: 0,
    });
    const at = new Date(Math.ceil((Date.now() + 3000) / 1000) * 1000);
    const w = wallClock(at, 'Asia/Jakarta');
    const pad = (n: number) => String(n).padStart(2, '0');
    const local = `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
    const scheduled = await api.action(id, 'schedule', { scheduledAt: local, timeZone: 'Asia/Jakarta' });
    expect(scheduled.data).toMatchObject({
      status: 'scheduled',
      scheduledAt: at.toISOString(),
      timeZone: 'Asia/Jakarta',
    });
    await sleep(at.getTime() - Date.now() - 500);
    expect((await api.progress(id)).status).toBe('scheduled');
    expect(received(phones)).toBe(0);
    await api.until(id, (p) => p.status === 'completed', 10_000);
    const row = await prisma.campaign.findUniqueOrThrow({ where: { id } });
    expect(row.startedAt!.getTime() - at.getTime()).toBeGreaterThanOrEqual(0);
    expect(row.startedAt!.getTime() - at.getTime()).toBeLessThan(1000);
    const first = arrivals(phones)[0];
    expect(first - at.getTime()).toBeLessThan(1500);
    const started = await prisma.activityLog.findFirstOrThrow({
      where: { action: 'campaign.started', targetId: String(id) },
    });
    expect(started).toMatchObject({
      actorLabel: 'system',
      metadata: expect.objectContaining({ scheduled: true }),
    });
  });

  it('pauses, resumes and cancels mid-run', async () => {
    const { id: listId, phones } = await freshList(10);
    const id = await api.create({
      name: 'Control',
      sessionId: 'thr',
      template: 'Hi {{name}}',
      listIds: [listId],
      minDelayMs: 300,
      maxDelayMs: 400,
    });
    await api.action(id, 'start');
    await eventually(() => received(phones) >= 3, 10_000, 20);
    const paused = await api.action(id, 'pause', { reason: 'checking the wording' });
    expect(paused.data).toMatchObject({
      status: 'paused',
      pauseReason: 'checking the wording',
      pausedBySystem: false,
    });
    await sleep(300); // a send in flight at the pause completes
    const atPause = received(phones);
    await sleep(1200);
    expect(received(phones)).toBe(atPause);
    // Started: the message is frozen, the throttle is not.
    const frozen = await api
      .http('patch', `/api/v1/campaigns/${id}`)
      .send({ template: 'Changed' })
      .expect(400);
    expect(frozen.body.details).toEqual([
      { field: 'template', errors: [expect.stringMatching(/cannot change once the campaign has started/)] },
    ]);
    await api.http('patch', `/api/v1/campaigns/${id}`).send({ minDelayMs: 250, maxDelayMs: 350 }).expect(200);

    await api.action(id, 'resume');
    await eventually(() => received(phones) >= atPause + 2, 10_000, 20);
    await api.action(id, 'cancel');
    await sleep(300);
    const atCancel = received(phones);
    expect(atCancel).toBeLessThan(10);
    await sleep(1000);
    expect(received(phones)).toBe(atCancel);
    const p = await api.progress(id);
    expect(p.status).toBe('cancelled');
    expect(p.counts.skipped).toBe(10 - atCancel);
    expect(p.counts.pending + p.counts.sending).toBe(0);
    for (const phone of phones)
      expect(receivedFrom(fixture.simulator, phone, ACCOUNT).length).toBeLessThanOrEqual(1);
    const rows = await prisma.campaignRecipient.findMany({ where: { campaignId: id, status: 'skipped' } });
    expect(rows.every((r) => r.error === 'campaign cancelled')).toBe(true);
    const actions = await prisma.activityLog.findMany({
      where: { targetType: 'campaign', targetId: String(id) },
      orderBy: { id: 'asc' },
    });
    expect(actions.map((a) => a.action)).toEqual([
      'campaign.created',
      'campaign.started',
      'campaign.paused',
      'campaign.updated',
      'campaign.resumed',
      'campaign.cancelled',
    ]);
  });
});
