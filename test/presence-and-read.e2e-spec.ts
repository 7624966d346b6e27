import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { createUserAndLogin } from './support/auth-helpers';
import { baseUrl, eventually, GatewayFixture, linkSession, MASTER_KEY } from './support/gateway-fixture';
import { WebhookReceiver } from './support/webhook-receiver';
import { RecordingWsClient } from './support/ws-client';

const SESSION = 'presence';
const IDLE = 'presence-idle';
const ACCOUNT = '6281299990501';
const ALICE = '6281100000501';
const BOB = '6281100000502';

/**
 * Presence and read receipts end to end: the gateway's real Baileys against the simulator, a real
 * MariaDB, a real webhook receiver and /ws.
 */
describe('presence and read receipts', () => {
  const fixture = new GatewayFixture();
  const receiver = new WebhookReceiver();
  let app: NestExpressApplication;
  let token: string;
  let admin: string;
  let viewer: string;

  const sim = () => fixture.simulator;
  const api = () => request(app.getHttpServer());
  const as = (bearer: string, req: request.Test) => req.set('authorization', `Bearer ${bearer}`);
  const path = (p: string, id = SESSION) => `/api/v1/sessions/${id}/${p}`;
  const inboundId = async (text: string): Promise<string> => {
    const rows = await eventually(async () => {
      const found = await app
        .get(PrismaService)
        .message.findMany({ where: { sessionId: SESSION, direction: 'inbound', text } });
      return found.length ? found : undefined;
    });
    return rows[0].waMessageId;
  };

  beforeAll(async () => {
    await fixture.start('wagw_presence');
    await receiver.start();
    app = await fixture.startApp(fixture.config({ WEBHOOK_URL: receiver.url }));
    for (const phone of [ALICE, BOB]) sim().createContact(phone);
    ({ token, admin } = await linkSession(fixture, app, SESSION, ACCOUNT));
    await api()
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: IDLE, name: 'Idle' })
      .expect(201);
    await as(admin, api().post(path('disconnect', IDLE))).expect(200);
    viewer = (
      await createUserAndLogin(app, admin, {
        email: 'viewer@example.com',
        password: 'viewer-password-123',
        role: 'viewer',
      })
    ).accessToken;
  }, 60_000);
  afterAll(async () => {
    await fixture.close();
    await receiver.stop();
  });

  it('shows typing and recording to a contact, and online to everyone', async () => {
    await as(token, api().post(path('presence')))
      .send({ state: 'composing', to: `+${ALICE}` })
      .expect(200);
    await as(token, api().post(path('presence')))
      .send({ state: 'recording', to: ALICE })
      .expect(200);
    const seen = await eventually(() => {
      const states = sim().chatStatesSeen(ALICE);
      return states.length >= 2 ? states : undefined;
    });
    expect(seen.map((s) => [s.from, s.state])).toEqual([
      [ACCOUNT, 'composing'],
      [ACCOUNT, 'recording'],
    ]);
    await as(token, api().post(path('presence')))
      .send({ state: 'available' })
      .expect(200);
    await eventually(() => sim().presenceOf(ACCOUNT).state === 'available' || undefined);
  });

  it('subscribes to a contact: its presence arrives as presence.update (webhook when asked for, and /ws)', async () => {
    const wsToken = (await as(admin, api().post('/api/v1/auth/ws-token')).expect(200)).body.data.token;
    const ws = await RecordingWsClient.connect(`${baseUrl(app).replace('http', 'ws')}/ws?token=${wsToken}`);
    try {
      // Opt-in: the global webhook (all events) does not get presence.
      await as(admin, api().put(`/api/v1/sessions/${SESSION}/webhook`))
        .send({ webhookUrl: receiver.url, webhookEvents: ['presence.update', 'message.inbound'] })
        .expect(200);
      await as(token, api().post(path('presence/subscribe')))
        .send({ to: `+${BOB}` })
        .expect(200);
      await eventually(() => sim().presenceOf(BOB).subscribers.includes(ACCOUNT) || undefined);
      // The subscription is answered with Bob's current presence (offline).
      expect(sim().sendPresence(BOB, ACCOUNT, 'available')).toBe(1);
      expect(sim().sendPresence(BOB, ACCOUNT, 'composing')).toBe(1);
      const hooks = () =>
        receiver.hooks.filter((h) => h.body.event === 'presence.update' && h.body.phoneNumber === BOB);
      const got = await eventually(() => {
        const list = hooks();
        return list.some((h) => h.body.presence === 'composing') ? list : undefined;
      });
      expect(got.map((h) => h.body.presence)).toEqual(
        expect.arrayContaining(['unavailable', 'available', 'composing']),
      );
      const composing = got.find((h) => h.body.presence === 'composing')!.body;
      expect(composing).toMatchObject({
        sessionId: SESSION,
        chatJid: `${BOB}@s.whatsapp.net`,
        phoneNumber: BOB,
        presence: 'composing',
      });
      // Delivered once per event.
      expect(new Set(got.map((h) => h.body.deliveryId)).size).toBe(got.length);
      const wsEvents = await eventually(() => {
        const list = ws
          .of('presence.update')
          .filter((e) => (e.data as { phoneNumber: string }).phoneNumber === BOB);
        return list.some((e) => (e.data as { presence: string }).presence === 'composing') ? list : undefined;
      });
      expect(wsEvents[0].data).toMatchObject({ sessionId: SESSION, chatJid: `${BOB}@s.whatsapp.net` });
    } finally {
      ws.close();
      await as(admin, api().put(`/api/v1/sessions/${SESSION}/webhook`))
        .send({ webhookUrl: null })
        .expect(200);
    }
    // Without a subscription by name, presence is not posted (the global webhook has all default events).
    const before = receiver.hooks.filter((h) => h.body.event === 'presence.update').length;
    sim().sendPresence(BOB, ACCOUNT, 'paused');
    await sim().sendMessage(BOB, ACCOUNT, { text: 'after paused' });
    await eventually(
      () =>
        receiver.hooks.some(
          (h) => h.body.event === 'message.inbound' && JSON.stringify(h.body).includes('after paused'),
        ) || undefined,
    );
    expect(receiver.hooks.filter((h) => h.body.event === 'presence.update').length).toBe(before);
  });

  it('marks received messages read by id and a whole chat read: the contact sees blue ticks', async () => {
    const ids: string[] = [];
    for (const text of ['read me 1', 'read me 2']) {
      await sim().sendMessage(ALICE, ACCOUNT, { text });
      ids.push(await inboundId(text));
    }
    const res = await as(token, api().post(path('messages/read')))
      .send({ messageIds: [ids[0], 'NOT-A-MESSAGE'] })
      .expect(200);
    expect(res.body.data).toEqual({ read: [ids[0]], notFound: ['NOT-A-MESSAGE'] });
    await eventually(() => sim().readReceiptsReceived(ALICE).includes(ids[0]) || undefined);
    expect(sim().readReceiptsReceived(ALICE)).not.toContain(ids[1]);

    const chat = await as(token, api().post(path('chats/read')))
      .send({ chat: `+${ALICE}` })
      .expect(200);
    expect(chat.body.data.read).toEqual(expect.arrayContaining(ids));
    await eventually(() => sim().readReceiptsReceived(ALICE).includes(ids[1]) || undefined);
  });

  it.each(['pn', 'lid'] as const)(
    'marks a %s-addressed group read: the author gets the receipt; typing in the group is seen there',
    async (addressingMode) => {
      const group = sim().groups.create(ALICE, [BOB, ACCOUNT], {
        subject: `Read ${addressingMode}`,
        addressingMode,
      });
      const text = `group read ${addressingMode}`;
      const sent = await sim().groups.send(BOB, group.jid, { text });
      expect(await inboundId(text)).toBe(sent);
      const res = await as(token, api().post(path('chats/read')))
        .send({ chat: group.jid })
        .expect(200);
      expect(res.body.data).toEqual({ chat: group.jid, read: [sent] });
      await eventually(() => sim().readReceiptsReceived(BOB).includes(sent) || undefined);

      await as(token, api().post(path('presence')))
        .send({ state: 'composing', to: group.jid })
        .expect(200);
      const seen = await eventually(() => sim().chatStatesSeen(group.jid)[0]);
      expect(seen).toMatchObject({ from: ACCOUNT, state: 'composing', groupJid: group.jid });
    },
  );

  it('autoRead marks a received message read as it arrives', async () => {
    const off = await sim().sendMessage(BOB, ACCOUNT, { text: 'not auto read' });
    await inboundId('not auto read');
    const patched = await as(admin, api().patch(`/api/v1/sessions/${SESSION}`))
      .send({ autoRead: true })
      .expect(200);
    expect(patched.body.data.autoRead).toBe(true);
    const on = await sim().sendMessage(BOB, ACCOUNT, { text: 'auto read' });
    await eventually(() => sim().readReceiptsReceived(BOB).includes(on) || undefined);
    expect(sim().readReceiptsReceived(BOB)).not.toContain(off);
    await as(admin, api().patch(`/api/v1/sessions/${SESSION}`))
      .send({ autoRead: false })
      .expect(200);
  });

  it('answers 400 with the fields, 403 to a viewer, 409 when not connected', async () => {
    const bad = await as(token, api().post(path('presence')))
      .send({ state: 'dancing' })
      .expect(400);
    expect(JSON.stringify(bad.body)).toContain('state');
    const noTo = await as(token, api().post(path('presence')))
      .send({ state: 'composing' })
      .expect(400);
    expect(JSON.stringify(noTo.body)).toContain('to');
    const badTo = await as(token, api().post(path('presence/subscribe')))
      .send({ to: 'abc' })
      .expect(400);
    expect(JSON.stringify(badTo.body)).toContain('to');
    const noIds = await as(token, api().post(path('messages/read')))
      .send({ messageIds: [] })
      .expect(400);
    expect(JSON.stringify(noIds.body)).toContain('messageIds');
    await as(admin, api().patch(`/api/v1/sessions/${SESSION}`))
      .send({ autoRead: 'yes' })
      .expect(400);

    await as(viewer, api().post(path('presence')))
      .send({ state: 'available' })
      .expect(403);
    await as(viewer, api().post(path('messages/read')))
      .send({ messageIds: ['x'] })
      .expect(403);
    await as(viewer, api().patch(`/api/v1/sessions/${SESSION}`))
      .send({ autoRead: true })
      .expect(403);

    for (const [p, body] of [
      ['presence', { state: 'available' }],
      ['presence/subscribe', { to: `+${ALICE}` }],
      ['messages/read', { messageIds: ['x'] }],
      ['chats/read', { chat: `+${ALICE}` }],
    ] as const) {
      const res = await as(admin, api().post(path(p, IDLE)))
        .send(body)
        .expect(409);
      expect(res.body.code ?? res.body.error?.code ?? JSON.stringify(res.body)).toContain(
        'SESSION_NOT_CONNECTED',
      );
    }
  });
});
