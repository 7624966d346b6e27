import type { NestExpressApplication } from '@nestjs/platform-express';
import { CampaignApi, receivedFrom } from './support/campaign-helpers';
import { eventually, GatewayFixture, linkSession } from './support/gateway-fixture';

jest.setTimeout(120_000);

const SESSION = 'typing';
const ACCOUNT = '6281255500031';
const contact = (i: number) => `62812777${String(i).padStart(5, '0')}`;
// Arrival times shift by a send's own latency (encryption, first-contact key fetch).
const JITTER_MS = 120;
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Campaign typing end to end: the gateway's real Baileys against the simulator and a real MariaDB;
 * the simulated contacts' phones record the chat states (presence stanzas) shown to them.
 */
describe('campaign typing', () => {
  const fixture = new GatewayFixture();
  let app: NestExpressApplication;
  let api: CampaignApi;
  let next = 0;

  const freshList = async (n: number) => {
    const phones = Array.from({ length: n }, () => contact(next++));
    for (const p of phones) fixture.simulator.createContact(p);
    const id = await api.list(`List ${next}`, [
      ['phone', 'name'],
      ...phones.map((p, i) => [`+${p}`, `N${i}`]),
    ]);
    return { id, phones };
  };
  const messageTo = (phone: string) => {
    const got = receivedFrom(fixture.simulator, phone, ACCOUNT);
    expect(got).toHaveLength(1);
    return got[0];
  };

  beforeAll(async () => {
    await fixture.start('wagw_campaign_typing');
    app = await fixture.startApp(fixture.config({ CAMPAIGN_TICK_MS: '200' }));
    const { admin } = await linkSession(fixture, app, SESSION, ACCOUNT);
    api = new CampaignApi(app, admin);
  });
  afterAll(() => fixture.close());

  it('is off by default, validated, and shown in the campaign', async () => {
    const { id: listId } = await freshList(1);
    const plain = await api.create({ name: 'Plain', sessionId: SESSION, template: 'Hi', listIds: [listId] });
    const view = (await api.http('get', `/api/v1/campaigns/${plain}`).expect(200)).body.data;
    expect(view).toMatchObject({ typing: false, typingMinMs: 1000, typingMaxMs: 3000 });

    const bad = await api
      .http('post', '/api/v1/campaigns')
      .send({
        name: 'Bad',
        sessionId: SESSION,
        template: 'Hi',
        listIds: [listId],
        typingMinMs: 900,
        typingMaxMs: 500,
      })
      .expect(400);
    expect(bad.body.details).toEqual([
      { field: 'typingMaxMs', errors: [expect.stringMatching(/typingMinMs/)] },
    ]);
    const tooLong = await api
      .http('patch', `/api/v1/campaigns/${plain}`)
      .send({ typing: 'yes', typingMaxMs: 120_000 })
      .expect(400);
    expect(tooLong.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'typing',
      'typingMaxMs',
    ]);

    const patched = await api
      .http('patch', `/api/v1/campaigns/${plain}`)
      .send({ typing: true, typingMinMs: 500, typingMaxMs: 900 })
      .expect(200);
    expect(patched.body.data).toMatchObject({ typing: true, typingMinMs: 500, typingMaxMs: 900 });
  });

  it('shows "typing…" to each recipient before its message, then paused; the typing counts inside the delay', async () => {
    const { id: listId, phones } = await freshList(4);
    const id = await api.create({
      name: 'Typing',
      sessionId: SESSION,
      template: 'Hello {{name}}',
      listIds: [listId],
      minDelayMs: 1000,
      maxDelayMs: 1000,
      typing: true,
      typingMinMs: 600,
      typingMaxMs: 800,
    });
    await api.action(id, 'start');
    await api.until(id, (p) => p.status === 'completed');

    for (const phone of phones) {
      const message = messageTo(phone);
      // The paused stanza follows the message; it may still be on its way when the campaign completes.
      const states = await eventually(() => {
        const seen = fixture.simulator.chatStatesSeen(phone).filter((s) => s.from === ACCOUNT);
        return seen.length >= 2 ? seen : undefined;
      });
      expect(states.map((s) => s.state)).toEqual(['composing', 'paused']);
      const typedFor = message.receivedAt.getTime() - states[0].at.getTime();
      expect(typedFor).toBeGreaterThanOrEqual(600 - JITTER_MS);
      expect(states[1].at.getTime()).toBeGreaterThanOrEqual(message.receivedAt.getTime());
    }
    // Messages stay the delay apart: the typing is inside it, not added on top (that would be 1.6 s+).
    const arrivals = phones.map((p) => messageTo(p).receivedAt.getTime()).sort((a, b) => a - b);
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1000 - JITTER_MS);
    expect(mean(gaps)).toBeLessThan(1450);
  });

  it('shows no typing when it is off', async () => {
    const { id: listId, phones } = await freshList(2);
    const id = await api.create({
      name: 'No typing',
      sessionId: SESSION,
      template: 'Hello {{name}}',
      listIds: [listId],
      minDelayMs: 100,
      maxDelayMs: 200,
    });
    await api.action(id, 'start');
    await api.until(id, (p) => p.status === 'completed');
    for (const phone of phones) {
      messageTo(phone);
      expect(fixture.simulator.chatStatesSeen(phone)).toEqual([]);
    }
  });
});
