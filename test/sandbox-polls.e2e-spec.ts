import { createHash } from 'node:crypto';
import * as B from '@whiskeysockets/baileys';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { SandboxRuntime } from '../src/sandbox/mode/sandbox-runtime';
import { BaileysTestClient } from './support/baileys-test-client';
import { eventually } from './support/gateway-fixture';
import { SandboxApp } from './support/sandbox-app';

const ACCOUNT = '6281299990701';
const ALICE = '6281100000701';
const BOB = '6281100000702';
const pn = (phone: string): string => `${phone}@s.whatsapp.net`;
const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * The sandbox's poll routes, in an app started in sandbox mode (no demo), with a raw Baileys client
 * linked to the same simulator standing in for a session's phone: a contact sees the poll, votes
 * (Baileys' own decryptPollVote opens the vote), and sends a poll of its own.
 */
describe('sandbox poll routes', () => {
  const sandbox = new SandboxApp();
  let runtime: SandboxRuntime;
  let app: NestExpressApplication;
  let admin: string;
  let client: BaileysTestClient;

  const api = () => request(app.getHttpServer());
  const auth = (req: request.Test) => req.set('authorization', `Bearer ${admin}`);

  beforeAll(async () => {
    ({ runtime, app, admin } = await sandbox.start('wagw_sbpolls'));
    for (const phoneNumber of [ALICE, BOB]) {
      await auth(api().post('/api/v1/sandbox/contacts')).send({ phoneNumber }).expect(201);
    }
    client = new BaileysTestClient(runtime.simulator);
    await client.pair(ACCOUNT);
  });
  afterAll(async () => {
    client?.end();
    await sandbox.close();
  });

  it('shows the poll a contact received and sends its vote, encrypted so Baileys opens it', async () => {
    const sent = await client.socket!.sendMessage(pn(ALICE), {
      poll: { name: 'Lunch?', values: ['Rice', 'Noodles', 'Soup'], selectableCount: 1 },
    });
    const pollId = sent!.key.id!;
    const polls = await eventually(async () => {
      const res = await auth(api().get('/api/v1/sandbox/polls').query({ phone: ALICE })).expect(200);
      return res.body.data.length ? res.body.data : null;
    });
    expect(polls).toEqual([
      {
        messageId: pollId,
        from: ACCOUNT,
        chatJid: null,
        question: 'Lunch?',
        options: ['Rice', 'Noodles', 'Soup'],
        multiple: false,
      },
    ]);

    const voted = await auth(api().post(`/api/v1/sandbox/polls/${pollId}/votes`))
      .send({ voter: ALICE, options: ['Noodles'] })
      .expect(201);
    const voteId = voted.body.data.messageId as string;
    const upsert = await client.waitForUpsert((m) => m.key.id === voteId);
    const update = upsert.message!.pollUpdateMessage!;
    expect(update.pollCreationMessageKey).toMatchObject({ id: pollId, fromMe: true });
    const opened = B.decryptPollVote(update.vote!, {
      pollCreatorJid: pn(ACCOUNT),
      pollMsgId: pollId,
      pollEncKey: sent!.message!.messageContextInfo!.messageSecret!,
      voterJid: pn(ALICE),
    });
    expect(opened.selectedOptions.map((h) => Buffer.from(h))).toEqual([sha256('Noodles')]);
  });

  it('refuses a vote for an option the poll lacks, two options on a single-choice poll, unknown polls and people', async () => {
    const sent = await client.socket!.sendMessage(pn(BOB), {
      poll: { name: 'Pick one', values: ['A', 'B'], selectableCount: 1 },
    });
    const pollId = sent!.key.id!;
    await eventually(async () => {
      const res = await auth(api().get('/api/v1/sandbox/polls').query({ phone: BOB })).expect(200);
      return res.body.data.length > 0;
    });
    const missing = await auth(api().post(`/api/v1/sandbox/polls/${pollId}/votes`))
      .send({ voter: BOB, options: ['C'] })
      .expect(400);
    expect(missing.body.details).toEqual([expect.objectContaining({ field: 'options.0' })]);
    await auth(api().post(`/api/v1/sandbox/polls/${pollId}/votes`))
      .send({ voter: BOB, options: ['A', 'B'] })
      .expect(400);
    const unknownPoll = await auth(api().post('/api/v1/sandbox/polls/3EB0FFFF/votes'))
      .send({ voter: BOB, options: ['A'] })
      .expect(404);
    expect(unknownPoll.body.code).toBe('MESSAGE_NOT_FOUND');
    await auth(api().get('/api/v1/sandbox/polls').query({ phone: '6281100000799' })).expect(404);
    const badPhone = await auth(api().get('/api/v1/sandbox/polls').query({ phone: 'x' })).expect(400);
    expect(JSON.stringify(badPhone.body.details)).toContain('phone');
  });

  it('a contact sends a poll: the session’s phone gets it with a messageSecret', async () => {
    const res = await auth(api().post('/api/v1/sandbox/polls'))
      .send({
        from: BOB,
        to: ACCOUNT,
        question: 'Coffee or tea?',
        options: ['Coffee', 'Tea'],
        multiple: true,
      })
      .expect(201);
    const id = res.body.data.messageId as string;
    const upsert = await client.waitForUpsert((m) => m.key.id === id);
    expect(upsert.message?.pollCreationMessage).toMatchObject({
      name: 'Coffee or tea?',
      selectableOptionsCount: 0,
      options: [{ optionName: 'Coffee' }, { optionName: 'Tea' }],
    });
    expect(upsert.message?.messageContextInfo?.messageSecret).toHaveLength(32);
    const bad = await auth(api().post('/api/v1/sandbox/polls'))
      .send({ from: BOB, to: ACCOUNT, question: 'One?', options: ['Only'] })
      .expect(400);
    expect(JSON.stringify(bad.body.details)).toContain('options');
  });
});
