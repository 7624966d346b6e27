import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { baseUrl, eventually, MASTER_KEY } from './support/gateway-fixture';
import { SandboxApp } from './support/sandbox-app';
import { WebhookReceiver } from './support/webhook-receiver';
import { RecordingWsClient } from './support/ws-client';

const SESSION = 'sbpresence';
const ACCOUNT = '6281299990901';
const ALICE = '6281100000901';
const BOB = '6281100000902';

/**
 * The sandbox's presence and read routes: a simulated contact types, records, pauses, goes online
 * and offline towards a session, and reads what the session sent it. The gateway in sandbox mode (no
 * demo), its session linked through the sandbox's own link route: real Baileys against the
 * simulator, a real MariaDB, a real webhook receiver and /ws.
 */
describe('sandbox presence and read routes', () => {
  const sandbox = new SandboxApp();
  const receiver = new WebhookReceiver();
  let app: NestExpressApplication;
  let admin: string;
  let sessionToken: string;
  let ws: RecordingWsClient;

  const api = () => request(app.getHttpServer());
  const auth = (req: request.Test, bearer = admin) => req.set('authorization', `Bearer ${bearer}`);
  const contact = (phone: string, p: string) => `/api/v1/sandbox/contacts/${phone}/${p}`;
  const presenceHooks = (phone: string) =>
    receiver.hooks
      .filter((h) => h.body.event === 'presence.update' && h.body.phoneNumber === phone)
      .map((h) => h.body);
  const presenceWs = (phone: string) =>
    ws
      .of('presence.update')
      .map((e) => e.data as { phoneNumber: string; presence: string; chatJid: string; sessionId: string })
      .filter((d) => d.phoneNumber === phone);
  const storedStatus = async (waMessageId: string) =>
    (
      await app
        .get(PrismaService)
        .message.findFirstOrThrow({ where: { sessionId: SESSION, waMessageId, direction: 'outbound' } })
    ).status;

  beforeAll(async () => {
    await receiver.start();
    ({ app, admin } = await sandbox.start('wagw_sbpresence'));
    for (const phoneNumber of [ALICE, BOB]) {
      await auth(api().post('/api/v1/sandbox/contacts')).send({ phoneNumber }).expect(201);
    }
    const created = await api()
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: SESSION, name: 'Sandbox presence' })
      .expect(201);
    sessionToken = created.body.data.token;
    await eventually(async () => (await auth(api().get(`/api/v1/sessions/${SESSION}/qr`))).status === 200);
    await auth(api().post(`/api/v1/sandbox/sessions/${SESSION}/link`))
      .send({ phoneNumber: ACCOUNT })
      .expect(201);
    await eventually(
      async () =>
        (await auth(api().get(`/api/v1/sessions/${SESSION}`))).body.data?.status === 'connected' || undefined,
    );
    // Presence reaches a webhook only when asked for by name.
    await auth(api().put(`/api/v1/sessions/${SESSION}/webhook`))
      .send({ webhookUrl: receiver.url, webhookEvents: ['presence.update', 'message.status'] })
      .expect(200);
    const wsToken = (await auth(api().post('/api/v1/auth/ws-token')).expect(200)).body.data.token;
    ws = await RecordingWsClient.connect(`${baseUrl(app).replace('http', 'ws')}/ws?token=${wsToken}`);
  }, 90_000);
  afterAll(async () => {
    ws?.close();
    await sandbox.close();
    await receiver.stop();
  });

  it('a contact types, records and pauses: the session gets presence.update for each (webhook and /ws)', async () => {
    // Baileys reports a contact's `paused` (stopped typing) as plain `available` in the chat.
    for (const [state, heard] of [
      ['composing', 'composing'],
      ['recording', 'recording'],
      ['paused', 'available'],
    ]) {
      const res = await auth(api().post(contact(ALICE, 'presence')))
        .send({ sessionId: SESSION, state })
        .expect(200);
      expect(res.body.data).toEqual({
        phoneNumber: ALICE,
        sessionId: SESSION,
        state,
        devicesReached: 1,
        subscribed: false,
      });
      // One at a time, so the order seen is the order shown.
      await eventually(() => presenceWs(ALICE).some((d) => d.presence === heard) || undefined);
    }
    expect(presenceWs(ALICE).map((d) => d.presence)).toEqual(['composing', 'recording', 'available']);
    expect(presenceWs(ALICE)[0]).toMatchObject({ sessionId: SESSION, chatJid: `${ALICE}@s.whatsapp.net` });

    const hooks = await eventually(() => {
      const list = presenceHooks(ALICE);
      return list.length >= 3 ? list : undefined;
    });
    expect(hooks.map((h) => h.presence).sort()).toEqual(['available', 'composing', 'recording']);
    expect(hooks[0]).toMatchObject({ sessionId: SESSION, chatJid: `${ALICE}@s.whatsapp.net` });
    expect(new Set(hooks.map((h) => h.deliveryId)).size).toBe(hooks.length);

    // The other way: what the session shows the contact is on the contact's presence view.
    await auth(api().post(`/api/v1/sessions/${SESSION}/presence`))
      .send({ state: 'composing', to: `+${ALICE}` })
      .expect(200);
    const view = await eventually(async () => {
      const res = await auth(api().get(contact(ALICE, 'presence'))).expect(200);
      return res.body.data.chatStates.length ? res.body.data : undefined;
    });
    expect(view).toMatchObject({
      phoneNumber: ALICE,
      chatStates: [{ from: ACCOUNT, state: 'composing' }],
      subscribers: [],
    });
  });

  it('online and offline reach the session only once it subscribed to the contact', async () => {
    const before = await auth(api().post(contact(BOB, 'presence')))
      .send({ sessionId: SESSION, state: 'available' })
      .expect(200);
    expect(before.body.data).toMatchObject({ devicesReached: 0, subscribed: false });

    await auth(api().post(`/api/v1/sessions/${SESSION}/presence/subscribe`), sessionToken)
      .send({ to: `+${BOB}` })
      .expect(200);
    const view = await eventually(async () => {
      const res = await auth(api().get(contact(BOB, 'presence'))).expect(200);
      return res.body.data.subscribers.includes(ACCOUNT) ? res.body.data : undefined;
    });
    expect(view.state).toBe('available');
    // WhatsApp answers the subscription with the contact's presence now: online.
    await eventually(() => presenceWs(BOB).some((d) => d.presence === 'available') || undefined);

    const offline = await auth(api().post(contact(BOB, 'presence')))
      .send({ sessionId: SESSION, state: 'unavailable' })
      .expect(200);
    expect(offline.body.data).toMatchObject({ state: 'unavailable', devicesReached: 1, subscribed: true });
    await eventually(() => presenceWs(BOB).some((d) => d.presence === 'unavailable') || undefined);
    await auth(api().post(contact(BOB, 'presence')))
      .send({ sessionId: SESSION, state: 'available' })
      .expect(200);
    await eventually(() => (presenceWs(BOB).length >= 3 ? true : undefined));
    expect(presenceWs(BOB).map((d) => d.presence)).toEqual(['available', 'unavailable', 'available']);
    const hooks = await eventually(() => {
      const list = presenceHooks(BOB);
      return list.length >= 3 ? list : undefined;
    });
    expect(hooks.map((h) => h.presence).sort()).toEqual(['available', 'available', 'unavailable']);
    expect((await auth(api().get(contact(BOB, 'presence')))).body.data.state).toBe('available');
  });

  it('a contact reads one message, then the whole chat: the stored status moves to read', async () => {
    const ids: string[] = [];
    for (const text of ['read me first', 'read me with the chat']) {
      const sent = await auth(api().post(`/api/v1/sessions/${SESSION}/messages/text`), sessionToken)
        .send({ to: `+${ALICE}`, text })
        .expect(201);
      ids.push(sent.body.data.messageId);
    }
    for (const id of ids) await eventually(async () => (await storedStatus(id)) === 'delivered' || undefined);

    const one = await auth(api().post(contact(ALICE, 'read')))
      .send({ sessionId: SESSION, messageIds: [ids[0], '3EB0NOTSENT'] })
      .expect(200);
    expect(one.body.data).toEqual({
      phoneNumber: ALICE,
      sessionId: SESSION,
      read: [ids[0]],
      notFound: ['3EB0NOTSENT'],
    });
    await eventually(async () => (await storedStatus(ids[0])) === 'read' || undefined);
    expect(await storedStatus(ids[1])).toBe('delivered');
    const statusEvent = await eventually(() =>
      ws
        .of('message.status')
        .map((e) => e.data as { waMessageId: string; status: string })
        .find((d) => d.waMessageId === ids[0] && d.status === 'read'),
    );
    expect(statusEvent).toMatchObject({ sessionId: SESSION, chatJid: `${ALICE}@s.whatsapp.net` });

    // The whole chat: only what is still unread (the first was read above).
    const chat = await auth(api().post(contact(ALICE, 'read')))
      .send({ sessionId: SESSION })
      .expect(200);
    expect(chat.body.data).toMatchObject({ read: [ids[1]], notFound: [] });
    await eventually(async () => (await storedStatus(ids[1])) === 'read' || undefined);
    const hook = await eventually(() =>
      receiver.hooks.find(
        (h) => h.body.event === 'message.status' && h.body.messageId === ids[1] && h.body.status === 'read',
      ),
    );
    expect(hook.body.sessionId).toBe(SESSION);

    const again = await auth(api().post(contact(ALICE, 'read')))
      .send({ sessionId: SESSION })
      .expect(200);
    expect(again.body.data.read).toEqual([]);
  });

  it('answers 400 with the fields for bad input, 404 for an unknown session or contact, 403 to a non-admin', async () => {
    const badState = await auth(api().post(contact(ALICE, 'presence')))
      .send({ sessionId: SESSION, state: 'dancing' })
      .expect(400);
    expect(badState.body.details.map((d: { field: string }) => d.field)).toEqual(['state']);
    const noSession = await auth(api().post(contact(ALICE, 'presence')))
      .send({ state: 'composing' })
      .expect(400);
    expect(noSession.body.details.map((d: { field: string }) => d.field)).toEqual(['sessionId']);
    const noIds = await auth(api().post(contact(ALICE, 'read')))
      .send({ sessionId: SESSION, messageIds: [] })
      .expect(400);
    expect(noIds.body.details.map((d: { field: string }) => d.field)).toEqual(['messageIds']);
    const badPhone = await auth(api().post(contact('12ab', 'read')))
      .send({ sessionId: SESSION })
      .expect(400);
    expect(badPhone.body.details.map((d: { field: string }) => d.field)).toEqual(['phone']);

    const unknownContact = await auth(api().post(contact('6281100000999', 'presence')))
      .send({ sessionId: SESSION, state: 'composing' })
      .expect(404);
    expect(unknownContact.body.code).toBe('CONTACT_NOT_FOUND');
    await auth(api().get(contact('6281100000999', 'presence'))).expect(404);
    const unknownSession = await auth(api().post(contact(ALICE, 'read')))
      .send({ sessionId: 'no-such-session' })
      .expect(404);
    expect(unknownSession.body.code).toBe('SESSION_NOT_FOUND');

    await auth(api().post(contact(ALICE, 'presence')), sessionToken)
      .send({ sessionId: SESSION, state: 'composing' })
      .expect(403);
    await api().post(contact(ALICE, 'read')).send({ sessionId: SESSION }).expect(401);
  });
});
