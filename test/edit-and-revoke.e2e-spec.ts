import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { baseUrl, eventually, GatewayFixture, linkSession, MASTER_KEY } from './support/gateway-fixture';
import { WebhookReceiver } from './support/webhook-receiver';
import { RecordingWsClient } from './support/ws-client';

const SESSION = 'edits';
const ACCOUNT = '6281299990901';
const ALICE = '6281100000901';
const BOB = '6281100000902';
const pn = (phone: string): string => `${phone}@s.whatsapp.net`;

/**
 * Editing and deleting messages both ways, end to end: the REST routes with the gateway's real
 * Baileys against the simulator (the contact's phone shows the edit or the delete), a contact's
 * own edits and deletes applied to the stored message, each raising its webhook once and its /ws event.
 */
describe('edit and delete messages', () => {
  const fixture = new GatewayFixture();
  const receiver = new WebhookReceiver();
  let app: NestExpressApplication;
  let token: string;
  let admin: string;
  let ws: RecordingWsClient;

  const sim = () => fixture.simulator;
  const api = () => request(app.getHttpServer());
  const base = `/api/v1/sessions/${SESSION}/messages`;
  const hooks = (event: string, messageId: string) =>
    receiver.hooks.filter((h) => h.body.event === event && h.body.messageId === messageId);
  const wsEvents = (event: string, messageId: string) =>
    ws.of(event).filter((e) => e.data.waMessageId === messageId);
  const one = async (messageId: string) =>
    (await api().get(`${base}/${messageId}`).set('authorization', `Bearer ${token}`).expect(200)).body.data;

  /** Webhooks of a session are delivered in order: once a later message's hook is in, earlier ones are too. */
  async function settleHooks(): Promise<void> {
    const marker = await sim().sendMessage(BOB, ACCOUNT, { text: `marker ${Date.now()}` });
    await eventually(() => receiver.hooks.some((h) => h.body.messageId === marker));
  }

  async function sendText(to: string, text: string): Promise<string> {
    const res = await api()
      .post(`${base}/text`)
      .set('authorization', `Bearer ${token}`)
      .send({ to, text })
      .expect(201);
    return res.body.data.messageId as string;
  }

  beforeAll(async () => {
    await fixture.start('wagw_edits');
    await receiver.start();
    app = await fixture.startApp(fixture.config({ WEBHOOK_URL: receiver.url }));
    for (const phone of [ALICE, BOB]) sim().createContact(phone);
    ({ token, admin } = await linkSession(fixture, app, SESSION, ACCOUNT));
    const wsToken = (
      await api().post('/api/v1/auth/ws-token').set('authorization', `Bearer ${admin}`).expect(200)
    ).body.data.token;
    ws = await RecordingWsClient.connect(`${baseUrl(app).replace('http', 'ws')}/ws?token=${wsToken}`);
  }, 60_000);
  afterAll(async () => {
    ws?.close();
    await fixture.close();
    await receiver.stop();
  });

  it('edits a sent text: the contact sees the edit, the stored text changes with its history, events once', async () => {
    const id = await sendText(ALICE, 'see you at 5');
    await sim().waitForMessage(ALICE, { match: (m) => m.id === id, sinceIndex: 0 });

    const res = await api()
      .patch(`${base}/${id}`)
      .set('authorization', `Bearer ${token}`)
      .send({ text: 'see you at 6' })
      .expect(200);
    expect(res.body.data).toMatchObject({ messageId: id, text: 'see you at 6' });
    const editId = res.body.data.editId as string;

    const seen = await eventually(() => {
      const s = sim().messageAsSeen(ALICE, id);
      return s?.edits.length ? s : null;
    });
    expect(seen).toEqual({ id, text: 'see you at 6', edits: ['see you at 6'], revoked: false });

    const stored = await one(id);
    expect(stored).toMatchObject({
      message: 'see you at 6',
      edited: true,
      revoked: false,
      direction: 'outbound',
    });
    expect(stored.edits).toEqual([
      expect.objectContaining({ editId, text: 'see you at 6', previousText: 'see you at 5' }),
    ]);

    await eventually(() => wsEvents('message.edited', id).length > 0);
    await settleHooks();
    // Baileys' echo of the edit (its own upsert) does not count twice.
    expect(hooks('message.edited', id)).toHaveLength(1);
    expect(hooks('message.edited', id)[0].body).toMatchObject({
      messageId: id,
      editId,
      message: 'see you at 6',
      previousMessage: 'see you at 5',
      direction: 'outbound',
      chatJid: pn(ALICE),
      kind: 'direct',
    });
    expect(wsEvents('message.edited', id)).toHaveLength(1);
    expect(
      (await api().get(base).set('authorization', `Bearer ${token}`).expect(200)).body.data.messages,
    ).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ messageId: id, edited: true, message: 'see you at 6' }),
      ]),
    );
  });

  it('deletes a sent message for everyone: the contact sees the revoke, the stored one is revoked, events once', async () => {
    const id = await sendText(ALICE, 'oops, wrong chat');
    await sim().waitForMessage(ALICE, { match: (m) => m.id === id, sinceIndex: 0 });

    const res = await api().delete(`${base}/${id}`).set('authorization', `Bearer ${token}`).expect(200);
    expect(res.body.data).toMatchObject({ messageId: id });

    await eventually(() => sim().messageAsSeen(ALICE, id)?.revoked);
    const stored = await one(id);
    expect(stored).toMatchObject({ revoked: true, message: 'oops, wrong chat' });
    expect(stored.revokedAt).toBeTruthy();

    await eventually(() => wsEvents('message.revoked', id).length > 0);
    await settleHooks();
    expect(hooks('message.revoked', id)).toHaveLength(1);
    expect(hooks('message.revoked', id)[0].body).toMatchObject({ direction: 'outbound', chatJid: pn(ALICE) });
    expect(wsEvents('message.revoked', id)).toHaveLength(1);

    // Deleted: neither edited nor deleted again.
    const again = await api().delete(`${base}/${id}`).set('authorization', `Bearer ${token}`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('MESSAGE_NOT_EDITABLE');
    const edit = await api()
      .patch(`${base}/${id}`)
      .set('authorization', `Bearer ${token}`)
      .send({ text: 'x' });
    expect(edit.status).toBe(409);
  });

  it('a contact edits then deletes its message: the stored one follows, each event once', async () => {
    const id = await sim().sendMessage(BOB, ACCOUNT, { text: 'my number is 123' });
    await eventually(
      async () => (await api().get(`${base}/${id}`).set('authorization', `Bearer ${token}`)).status === 200,
    );

    await sim().editMessage(BOB, ACCOUNT, id, 'my number is 456');
    const edited = await eventually(async () => {
      const m = await one(id);
      return m.edited ? m : null;
    });
    expect(edited).toMatchObject({
      message: 'my number is 456',
      direction: 'inbound',
      from: BOB,
      revoked: false,
    });
    expect(edited.edits).toEqual([
      expect.objectContaining({ text: 'my number is 456', previousText: 'my number is 123' }),
    ]);

    await sim().revokeMessage(BOB, ACCOUNT, id);
    await eventually(async () => (await one(id)).revoked);

    await eventually(() => wsEvents('message.revoked', id).length > 0);
    await settleHooks();
    expect(hooks('message.edited', id)).toHaveLength(1);
    expect(hooks('message.edited', id)[0].body).toMatchObject({
      direction: 'inbound',
      from: BOB,
      message: 'my number is 456',
      previousMessage: 'my number is 123',
    });
    expect(hooks('message.revoked', id)).toHaveLength(1);
    expect(wsEvents('message.edited', id)).toHaveLength(1);
    expect(wsEvents('message.revoked', id)).toHaveLength(1);
    // The edit and the delete are not stored as messages of their own.
    const unknown = await app.get(PrismaService).message.count({
      where: { sessionId: SESSION, fromNumber: BOB, type: 'unknown' },
    });
    expect(unknown).toBe(0);
  });

  it('in a group the author edits and deletes its message; an edit by another member is refused', async () => {
    const group = sim().groups.create(ALICE, [BOB, ACCOUNT], { subject: 'Edits' });
    const id = await sim().groups.send(BOB, group.jid, { text: 'meet at 5' });
    await eventually(
      async () => (await api().get(`${base}/${id}`).set('authorization', `Bearer ${token}`)).status === 200,
    );

    // Alice names Bob's message as if it were hers: not the author, so not applied.
    await sim().editMessage(ALICE, group.jid, id, 'forged by Alice');
    await sim().editMessage(BOB, group.jid, id, 'meet at 6');
    const edited = await eventually(async () => {
      const m = await one(id);
      return m.edited ? m : null;
    });
    expect(edited).toMatchObject({ message: 'meet at 6', kind: 'group', participant: BOB });
    expect(edited.edits).toEqual([expect.objectContaining({ text: 'meet at 6', previousText: 'meet at 5' })]);

    await sim().revokeMessage(BOB, group.jid, id);
    await eventually(async () => (await one(id)).revoked);
    await settleHooks();
    expect(hooks('message.edited', id)).toHaveLength(1);
    expect(hooks('message.edited', id)[0].body).toMatchObject({
      kind: 'group',
      groupId: group.jid,
      participant: BOB,
      message: 'meet at 6',
    });
    expect(hooks('message.revoked', id)).toHaveLength(1);
    expect((await one(id)).edits).toHaveLength(1);

    // Alice, the group's admin, deletes the account's own message in the group.
    const own = await sendText(group.jid, 'posted by the account');
    await sim().groups.waitForMessage(BOB, group.jid, { match: (m) => m.id === own, sinceIndex: 0 });
    await sim().revokeMessage(ALICE, group.jid, own, { author: ACCOUNT });
    expect(await eventually(async () => (await one(own)).revoked)).toBe(true);
    await settleHooks();
    expect(hooks('message.revoked', own)).toHaveLength(1);
    expect(hooks('message.revoked', own)[0].body).toMatchObject({
      direction: 'outbound',
      groupId: group.jid,
    });
  });

  it('a contact cannot edit someone else’s message: an edit naming the account’s message is ignored', async () => {
    const id = await sendText(BOB, 'from the account');
    await sim().waitForMessage(BOB, { match: (m) => m.id === id, sinceIndex: 0 });
    // Bob names the account's message as his own (fromMe from his side): no inbound message has that id.
    await sim().editMessage(BOB, ACCOUNT, id, 'forged');
    await settleHooks();
    expect((await one(id)).message).toBe('from the account');
    expect(hooks('message.edited', id)).toHaveLength(0);
  });

  it('answers 404 for an unknown or received message, 400 for bad input, 403 for a viewer, 409 when not connected', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const unknown = await api().patch(`${base}/NOPE123`).set(auth).send({ text: 'x' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('MESSAGE_NOT_FOUND');
    expect((await api().delete(`${base}/NOPE123`).set(auth)).status).toBe(404);
    expect((await api().get(`${base}/NOPE123`).set(auth)).status).toBe(404);

    // A message the contact sent is not the session's to edit.
    const received = await sim().sendMessage(ALICE, ACCOUNT, { text: 'not yours' });
    await eventually(async () => (await api().get(`${base}/${received}`).set(auth)).status === 200);
    expect((await api().patch(`${base}/${received}`).set(auth).send({ text: 'x' })).status).toBe(404);

    const id = await sendText(ALICE, 'to be edited badly');
    for (const body of [{}, { text: '' }, { text: 42 }, { text: 'x', extra: true }]) {
      const bad = await api().patch(`${base}/${id}`).set(auth).send(body);
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_ERROR');
    }

    // Media cannot be edited. (Sends are queued: wait until WhatsApp took it, so it is stored.)
    const location = await api()
      .post(`/api/v1/sessions/${SESSION}/location?wait=true`)
      .set(auth)
      .send({ to: ALICE, latitude: -6.2, longitude: 106.8 })
      .expect(201);
    const notText = await api()
      .patch(`${base}/${location.body.data.messageId}`)
      .set(auth)
      .send({ text: 'x' });
    expect(notText.status).toBe(409);
    expect(notText.body.code).toBe('MESSAGE_NOT_EDITABLE');

    await api()
      .post('/api/v1/users')
      .set('authorization', `Bearer ${admin}`)
      .send({
        email: 'viewer@example.com',
        password: 'a-long-password-1',
        role: 'viewer',
        mustChangePassword: false,
      })
      .expect(201);
    const login = await api()
      .post('/api/v1/auth/login')
      .send({ email: 'viewer@example.com', password: 'a-long-password-1' })
      .expect(200);
    const viewer = { authorization: `Bearer ${login.body.data.accessToken}` };
    expect((await api().patch(`${base}/${id}`).set(viewer).send({ text: 'x' })).status).toBe(403);
    expect((await api().delete(`${base}/${id}`).set(viewer)).status).toBe(403);
    expect((await api().get(`${base}/${id}`).set(viewer)).status).toBe(200);

    const other = await api()
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: 'edits-offline', name: 'Offline' })
      .expect(201);
    const offline = await api()
      .patch(`/api/v1/sessions/edits-offline/messages/${id}`)
      .set('authorization', `Bearer ${other.body.data.token}`)
      .send({ text: 'x' });
    expect(offline.status).toBe(409);
    expect(offline.body.code).toBe('SESSION_NOT_CONNECTED');
  });

  it('reactions keep working next to edits', async () => {
    const id = await sendText(ALICE, 'react to me');
    await sim().waitForMessage(ALICE, { match: (m) => m.id === id, sinceIndex: 0 });
    await api()
      .post(`/api/v1/sessions/${SESSION}/reaction`)
      .set('authorization', `Bearer ${token}`)
      .send({ to: ALICE, messageId: id, emoji: '👍' })
      .expect(201);
    const reaction = await sim().waitForMessage(ALICE, {
      match: (m) => !!m.message.reactionMessage,
      sinceIndex: 0,
    });
    expect(reaction.message.reactionMessage).toMatchObject({
      text: '👍',
      key: expect.objectContaining({ id }),
    });
  });
});
