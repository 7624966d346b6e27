import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createUserAndLogin } from './support/auth-helpers';
import { baseUrl, eventually, GatewayFixture, linkSession } from './support/gateway-fixture';
import { WebhookReceiver } from './support/webhook-receiver';
import { RecordingWsClient } from './support/ws-client';

const SESSION = 'polls';
const OTHER = 'polls-off';
const ACCOUNT = '6281299990601';
const OTHER_ACCOUNT = '6281299990602';
const ALICE = '6281100000601';
const BOB = '6281100000602';
const CAROL = '6281100000603';

interface PollResultsView {
  messageId: string;
  question: string;
  multiple: boolean;
  options: { text: string; votes: number; voters: string[] }[];
}

/**
 * Polls end to end: a poll sent through the API reaches the contact's simulated phone with its
 * options and secret; the contact's votes, encrypted as WhatsApp does, come back as `poll.vote`
 * (webhook once, /ws) naming the option texts, and the results route counts them.
 */
describe('polls and poll votes', () => {
  const fixture = new GatewayFixture();
  const receiver = new WebhookReceiver();
  let app: NestExpressApplication;
  let token: string;
  let admin: string;
  let otherToken: string;
  let viewer: string;
  let ws: RecordingWsClient;

  const sim = () => fixture.simulator;
  const api = () => request(app.getHttpServer());
  const as = (bearer: string, req: request.Test) => req.set('authorization', `Bearer ${bearer}`);
  const votesOf = (pollMessageId: string) =>
    receiver.hooks.filter((h) => h.body.event === 'poll.vote' && h.body.pollMessageId === pollMessageId);
  const wsVotesOf = (pollMessageId: string) =>
    ws.of('poll.vote').filter((e) => e.data.pollMessageId === pollMessageId);

  async function sendPoll(body: Record<string, unknown>): Promise<string> {
    const res = await as(token, api().post(`/api/v1/sessions/${SESSION}/messages/poll`))
      .send(body)
      .expect(201);
    return res.body.data.messageId as string;
  }

  async function results(pollMessageId: string): Promise<PollResultsView> {
    const res = await as(
      token,
      api().get(`/api/v1/sessions/${SESSION}/messages/${pollMessageId}/poll`),
    ).expect(200);
    return res.body.data as PollResultsView;
  }

  const count = (r: PollResultsView, text: string) => r.options.find((o) => o.text === text)?.votes;

  beforeAll(async () => {
    await fixture.start('wagw_polls');
    await receiver.start();
    app = await fixture.startApp(fixture.config({ WEBHOOK_URL: receiver.url }));
    for (const phone of [ALICE, BOB, CAROL]) sim().createContact(phone);
    ({ token, admin } = await linkSession(fixture, app, SESSION, ACCOUNT));
    ({ token: otherToken } = await linkSession(fixture, app, OTHER, OTHER_ACCOUNT));
    viewer = (
      await createUserAndLogin(app, admin, {
        email: 'poll-viewer@example.com',
        password: 'viewer-password-123',
        role: 'viewer',
      })
    ).accessToken;
    const wsToken = (await as(viewer, api().post('/api/v1/auth/ws-token')).expect(200)).body.data.token;
    ws = await RecordingWsClient.connect(`${baseUrl(app).replace('http', 'ws')}/ws?token=${wsToken}`);
    await eventually(() => ws.of('ready').length === 1);
  }, 60_000);
  afterAll(async () => {
    ws?.close();
    await fixture.close();
    await receiver.stop();
  });

  it('sends a 3-option poll; the contact votes, then changes its vote: poll.vote once each, /ws, results', async () => {
    const pollId = await sendPoll({ to: ALICE, question: 'Lunch?', options: ['Rice', 'Noodles', 'Soup'] });

    // The contact's phone decrypted the poll: the question, the options, single choice, a secret.
    const received = await eventually(() =>
      sim()
        .polls.received(ALICE)
        .find((p) => p.id === pollId),
    );
    expect(received).toMatchObject({
      creatorPhoneNumber: ACCOUNT,
      question: 'Lunch?',
      options: ['Rice', 'Noodles', 'Soup'],
      selectableCount: 1,
    });
    expect(received.messageSecret).toHaveLength(32);

    // Stored as a poll, the question as its text.
    const listed = await as(token, api().get(`/api/v1/sessions/${SESSION}/messages`)).expect(200);
    expect(
      listed.body.data.messages.find((m: { messageId: string }) => m.messageId === pollId),
    ).toMatchObject({
      type: 'poll',
      message: 'Lunch?',
    });

    await sim().polls.vote(ALICE, pollId, ['Noodles']);
    const first = await eventually(() => votesOf(pollId)[0]);
    expect(first.body).toMatchObject({
      event: 'poll.vote',
      sessionId: SESSION,
      pollMessageId: pollId,
      voter: ALICE,
      selectedOptions: ['Noodles'],
    });
    expect(first.body.timestamp).toMatch(/^\d+$/);
    const wsFirst = await eventually(() => wsVotesOf(pollId)[0]);
    expect(wsFirst.data).toMatchObject({ sessionId: SESSION, voter: ALICE, selectedOptions: ['Noodles'] });

    let r = await results(pollId);
    expect(r).toMatchObject({ messageId: pollId, question: 'Lunch?', multiple: false });
    expect(r.options).toEqual([
      { text: 'Rice', votes: 0, voters: [] },
      { text: 'Noodles', votes: 1, voters: [ALICE] },
      { text: 'Soup', votes: 0, voters: [] },
    ]);

    // A changed vote replaces the first.
    await sim().polls.vote(ALICE, pollId, ['Soup']);
    await eventually(() => votesOf(pollId).length === 2);
    expect(votesOf(pollId)[1].body.selectedOptions).toEqual(['Soup']);
    r = await results(pollId);
    expect(count(r, 'Noodles')).toBe(0);
    expect(r.options.find((o) => o.text === 'Soup')).toEqual({ text: 'Soup', votes: 1, voters: [ALICE] });
    await eventually(() => wsVotesOf(pollId).length === 2);

    // A vote is bookkeeping: never stored as a message of its own. Once settled (a later message
    // stored), each vote was webhooked once.
    const marker = await sim().sendMessage(ALICE, ACCOUNT, { text: 'after the votes' });
    await eventually(() => receiver.hooks.some((h) => h.body.messageId === marker));
    expect(votesOf(pollId)).toHaveLength(2);
    const all = await as(
      token,
      api().get(`/api/v1/sessions/${SESSION}/messages`).query({ limit: 100 }),
    ).expect(200);
    const types = all.body.data.messages.map((m: { type: string }) => m.type);
    expect(types).not.toContain('unknown');
  });

  it('a multiple-choice poll: several options per voter, several voters', async () => {
    const pollId = await sendPoll({
      to: BOB,
      question: 'Which days?',
      options: ['Mon', 'Tue', 'Wed', 'Thu'],
      multiple: true,
    });
    const received = await eventually(() =>
      sim()
        .polls.received(BOB)
        .find((p) => p.id === pollId),
    );
    expect(received.selectableCount).toBe(0);
    await sim().polls.vote(BOB, pollId, ['Mon', 'Wed']);
    const hook = await eventually(() => votesOf(pollId)[0]);
    expect(hook.body).toMatchObject({ voter: BOB, selectedOptions: ['Mon', 'Wed'] });
    const r = await results(pollId);
    expect(r.multiple).toBe(true);
    expect(r.options.map((o) => o.votes)).toEqual([1, 0, 1, 0]);
  });

  it.each(['pn', 'lid'] as const)(
    'a poll to a %s group: members vote, each counted by phone number',
    async (addressingMode) => {
      const gid = sim().groups.create(ALICE, [BOB, CAROL, ACCOUNT], {
        subject: `Poll group ${addressingMode}`,
        addressingMode,
      }).jid;
      await eventually(() =>
        receiver.hooks.some((h) => h.body.event === 'group.joined' && h.body.groupId === gid),
      );
      const pollId = await sendPoll({ to: gid, question: 'Where?', options: ['Here', 'There'] });
      await eventually(() =>
        sim()
          .polls.received(CAROL)
          .find((p) => p.id === pollId),
      );
      await eventually(() =>
        sim()
          .polls.received(BOB)
          .find((p) => p.id === pollId),
      );
      await sim().polls.vote(CAROL, pollId, ['There']);
      await sim().polls.vote(BOB, pollId, ['There']);
      await eventually(() => votesOf(pollId).length === 2);
      expect(votesOf(pollId)[0].body).toMatchObject({ chatJid: gid, selectedOptions: ['There'] });
      const r = await results(pollId);
      expect(r.options.find((o) => o.text === 'There')).toEqual({
        text: 'There',
        votes: 2,
        voters: [BOB, CAROL].sort(),
      });
    },
  );

  it('a contact sends a poll: stored as type poll with its options; the results route shows it', async () => {
    const pollId = await sim().polls.send(CAROL, ACCOUNT, {
      question: 'Coffee or tea?',
      options: ['Coffee', 'Tea'],
    });
    const stored = await eventually(async () => {
      const res = await as(token, api().get(`/api/v1/sessions/${SESSION}/messages`)).expect(200);
      return res.body.data.messages.find((m: { messageId: string }) => m.messageId === pollId);
    });
    expect(stored).toMatchObject({ type: 'poll', message: 'Coffee or tea?', from: CAROL });
    const r = await results(pollId);
    expect(r).toMatchObject({ question: 'Coffee or tea?', multiple: false });
    expect(r.options.map((o) => o.text)).toEqual(['Coffee', 'Tea']);
  });

  it('refuses bad input with the fields, viewers, unknown polls, and sessions that are not connected', async () => {
    const bad = async (body: Record<string, unknown>, field: string) => {
      const res = await as(token, api().post(`/api/v1/sessions/${SESSION}/messages/poll`)).send(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_ERROR');
      expect(JSON.stringify(res.body.errors ?? res.body.details)).toContain(field);
    };
    await bad({ to: ALICE, question: 'One?', options: ['Only'] }, 'options');
    await bad(
      { to: ALICE, question: 'Many?', options: Array.from({ length: 13 }, (_, i) => `o${i}`) },
      'options',
    );
    await bad({ to: ALICE, question: 'Empty?', options: ['Yes', ''] }, 'options');
    await bad({ to: ALICE, question: 'Blank?', options: ['Yes', '   '] }, 'options.1');
    await bad({ to: ALICE, question: 'Twice?', options: ['Yes', 'Yes'] }, 'options');
    await bad({ to: ALICE, question: '', options: ['Yes', 'No'] }, 'question');
    await bad({ to: ALICE, question: 'Multi?', options: ['Yes', 'No'], multiple: 'yes' }, 'multiple');
    await bad({ to: 'not a phone', question: 'To?', options: ['Yes', 'No'] }, 'to');

    const refused = await as(viewer, api().post(`/api/v1/sessions/${SESSION}/messages/poll`)).send({
      to: ALICE,
      question: 'Viewer?',
      options: ['Yes', 'No'],
    });
    expect(refused.status).toBe(403);
    // Viewers read the results (like the stored messages).
    const polls = await as(
      token,
      api().get(`/api/v1/sessions/${SESSION}/messages`).query({ type: 'poll' }),
    ).expect(200);
    const anyPoll = polls.body.data.messages[0].messageId as string;
    const seen = await as(viewer, api().get(`/api/v1/sessions/${SESSION}/messages/${anyPoll}/poll`)).expect(
      200,
    );
    expect(seen.body.data.options.length).toBeGreaterThanOrEqual(2);

    const text = await as(token, api().post(`/api/v1/sessions/${SESSION}/messages/text`))
      .send({ to: ALICE, text: 'not a poll' })
      .expect(201);
    const notPoll = await as(
      token,
      api().get(`/api/v1/sessions/${SESSION}/messages/${text.body.data.messageId}/poll`),
    );
    expect(notPoll.status).toBe(404);
    expect(notPoll.body.code).toBe('MESSAGE_NOT_FOUND');

    await as(admin, api().post(`/api/v1/sessions/${OTHER}/disconnect`)).expect(200);
    const offline = await as(otherToken, api().post(`/api/v1/sessions/${OTHER}/messages/poll`)).send({
      to: ALICE,
      question: 'Offline?',
      options: ['Yes', 'No'],
    });
    expect(offline.status).toBe(409);
    expect(offline.body.code).toBe('SESSION_NOT_CONNECTED');
  });
});
