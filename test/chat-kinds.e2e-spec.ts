import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { adminToken, baseUrl, eventually, GatewayFixture, linkSession } from './support/gateway-fixture';
import { WebhookReceiver } from './support/webhook-receiver';
import { RecordingWsClient } from './support/ws-client';

const SESSION = 'kinds';
const ACCOUNT = '6281299990501';
const ALICE = '6281100000501';
const BOB = '6281100000502';
const CAROL = '6281100000503';
const DAVE = '6281100000504';
const ERIN = '6281100000505';
const pn = (phone: string): string => `${phone}@s.whatsapp.net`;

interface MessageView {
  messageId: string;
  kind: string;
  chatJid: string;
  groupId: string | null;
  from: string;
  to: string;
  participant: string | null;
  participantLid: string | null;
  chatLid: string | null;
  message: string | null;
}

/**
 * Every kind of chat, end to end: the gateway's real Baileys against the simulator (groups with
 * sender keys in pn and lid addressing, status broadcasts, newsletters, contacts addressed by LID),
 * a real MariaDB and a real webhook receiver.
 */
describe('chat kinds, group authors and LIDs', () => {
  const fixture = new GatewayFixture();
  const receiver = new WebhookReceiver();
  let app: NestExpressApplication;
  let token: string;
  let admin: string;

  const sim = () => fixture.simulator;
  const api = () => request(app.getHttpServer());
  const lidOf = (phone: string) => sim().user(phone).lidJid;
  const hooksFor = (messageId: string) => receiver.hooks.filter((h) => h.body.messageId === messageId);

  /** The stored messages of the session, as the API shows them. */
  async function messages(query: Record<string, string> = {}): Promise<MessageView[]> {
    const res = await api()
      .get(`/api/v1/sessions/${SESSION}/messages`)
      .query(query)
      .set('authorization', `Bearer ${token}`)
      .expect(200);
    return res.body.data.messages as MessageView[];
  }
  const stored = (messageId: string) =>
    eventually(async () => (await messages()).find((m) => m.messageId === messageId));

  /**
   * Webhooks of one session are delivered in order: once a direct message written after `ids`
   * has arrived, any webhook of `ids` would have arrived before it.
   */
  async function settleHooks(): Promise<void> {
    const marker = await sim().sendMessage(ALICE, ACCOUNT, { text: `marker ${Date.now()}` });
    await eventually(() => hooksFor(marker).length > 0);
  }

  beforeAll(async () => {
    await fixture.start('wagw_kinds');
    await receiver.start();
    app = await fixture.startApp(fixture.config({ WEBHOOK_URL: receiver.url }));
    for (const phone of [ALICE, BOB, CAROL, DAVE, ERIN]) sim().createContact(phone);
    ({ token } = await linkSession(fixture, app, SESSION, ACCOUNT));
    admin = await adminToken(app);
  }, 60_000);
  afterAll(async () => {
    await fixture.close();
    await receiver.stop();
  });

  it('a direct message is kind direct, from the contact, its LID alongside', async () => {
    const id = await sim().sendMessage(ALICE, ACCOUNT, { text: 'hello direct' });
    const m = await stored(id);
    expect(m).toMatchObject({
      kind: 'direct',
      chatJid: pn(ALICE),
      from: ALICE,
      to: ACCOUNT,
      groupId: null,
      participant: null,
      chatLid: lidOf(ALICE),
    });
    const hook = await eventually(() => hooksFor(id)[0]);
    expect(hook.body).toMatchObject({
      event: 'message.inbound',
      kind: 'direct',
      from: ALICE,
      chatLid: lidOf(ALICE),
    });
  });

  it.each(['pn', 'lid'] as const)(
    'a member’s message in a %s group is stored once, kind group, from the author’s phone, webhooked once',
    async (addressingMode) => {
      const group = sim().groups.create(ALICE, [BOB, CAROL, ACCOUNT], {
        subject: `Kinds ${addressingMode}`,
        addressingMode,
      });
      const id = await sim().groups.send(BOB, group.jid, { text: `hi from Bob (${addressingMode})` });
      const m = await stored(id);
      expect(m).toMatchObject({
        kind: 'group',
        chatJid: group.jid,
        groupId: group.jid,
        from: BOB,
        to: ACCOUNT,
        participant: BOB,
        participantLid: lidOf(BOB),
        chatLid: null,
      });
      expect((await messages({ kind: 'group' })).filter((x) => x.messageId === id)).toHaveLength(1);
      await settleHooks();
      const hooks = hooksFor(id);
      expect(hooks).toHaveLength(1);
      expect(hooks[0].body).toMatchObject({
        event: 'message.inbound',
        from: BOB,
        to: ACCOUNT,
        kind: 'group',
        groupId: group.jid,
        chatJid: group.jid,
        participant: BOB,
        participantLid: lidOf(BOB),
      });
      const rows = await app
        .get(PrismaService)
        .message.count({ where: { sessionId: SESSION, waMessageId: id } });
      expect(rows).toBe(1);
    },
  );

  it('status broadcasts and newsletter posts are stored with their kind, no message.inbound, their own events when subscribed', async () => {
    const wsToken = (
      await api().post('/api/v1/auth/ws-token').set('authorization', `Bearer ${admin}`).expect(200)
    ).body.data.token as string;
    const ws = await RecordingWsClient.connect(`${baseUrl(app).replace('http', 'ws')}/ws?token=${wsToken}`);
    await eventually(() => ws.of('ready').length === 1);
    const status = await sim().sendStatus(CAROL, [ACCOUNT], { text: 'my status' });
    const post = await sim().sendNewsletterMessage(ACCOUNT, { text: 'channel post' });
    expect(await stored(status)).toMatchObject({
      kind: 'status',
      chatJid: 'status@broadcast',
      from: CAROL,
      participant: CAROL,
      participantLid: lidOf(CAROL),
    });
    expect(await stored(post.id)).toMatchObject({ kind: 'newsletter', chatJid: post.newsletterJid });
    expect((await messages({ kind: 'status' })).map((m) => m.messageId)).toEqual([status]);
    await settleHooks();
    // "All events" (the global target's empty list) leaves them out, and /ws does not push them.
    expect(hooksFor(status)).toEqual([]);
    expect(hooksFor(post.id)).toEqual([]);
    await eventually(() => ws.of('message.stored').some((e) => e.data.from === ALICE));
    const pushed = ws.of('message.stored').map((e) => e.data.waMessageId);
    expect(pushed).not.toContain(status);
    expect(pushed).not.toContain(post.id);
    ws.close();

    await api()
      .put('/api/v1/webhooks/config')
      .set('authorization', `Bearer ${admin}`)
      .send({ events: ['message.inbound', 'status.inbound', 'newsletter.inbound'] })
      .expect(200);
    const status2 = await sim().sendStatus(CAROL, [ACCOUNT], { text: 'another status' });
    const post2 = await sim().sendNewsletterMessage(ACCOUNT, { text: 'another post' });
    const statusHook = await eventually(() => hooksFor(status2)[0]);
    const postHook = await eventually(() => hooksFor(post2.id)[0]);
    expect(statusHook.body).toMatchObject({
      event: 'status.inbound',
      kind: 'status',
      from: CAROL,
      participant: CAROL,
      participantLid: lidOf(CAROL),
      message: 'another status',
    });
    expect(postHook.body).toMatchObject({
      event: 'newsletter.inbound',
      kind: 'newsletter',
      chatJid: post2.newsletterJid,
      message: 'another post',
    });
    await settleHooks();
    expect(hooksFor(status2)).toHaveLength(1);
    // The delivery names its message, as message.* deliveries do.
    const row = await app.get(PrismaService).webhookOutbox.findFirst({
      where: { sessionId: SESSION, event: 'status.inbound', messageId: status2 },
    });
    expect(row).not.toBeNull();
    expect(
      receiver.hooks.filter((h) => h.body.event === 'message.inbound' && h.body.kind === 'status'),
    ).toEqual([]);
    await api()
      .put('/api/v1/webhooks/config')
      .set('authorization', `Bearer ${admin}`)
      .send({ events: [] })
      .expect(200);
  });

  it('a contact writing first under its LID, then under its phone number, is one chat; every event names the phone', async () => {
    const first = await sim().sendMessage(DAVE, ACCOUNT, { text: 'by lid' }, { addressing: 'lid' });
    const second = await sim().sendMessage(DAVE, ACCOUNT, { text: 'by phone' }, { addressing: 'pn' });
    await stored(second);
    const chat = await messages({ chatJid: DAVE });
    expect(chat.map((m) => m.messageId).sort()).toEqual([first, second].sort());
    for (const m of chat) expect(m).toMatchObject({ chatJid: pn(DAVE), from: DAVE, chatLid: lidOf(DAVE) });
    const hooks = await eventually(() => {
      const all = [...hooksFor(first), ...hooksFor(second)];
      return all.length === 2 ? all : null;
    });
    for (const h of hooks)
      expect(h.body).toMatchObject({ from: DAVE, chatJid: pn(DAVE), chatLid: lidOf(DAVE) });
    const lid = lidOf(DAVE).split('@')[0];
    const mapping = await eventually(() =>
      app.get(PrismaService).lidMapping.findUnique({ where: { sessionId_lid: { sessionId: SESSION, lid } } }),
    );
    expect(mapping?.phone).toBe(DAVE);
  });

  it('messages stored under a bare LID join the phone number’s chat once the mapping is learned', async () => {
    const first = await sim().sendMessage(
      ERIN,
      ACCOUNT,
      { text: 'lid, no phone' },
      { addressing: 'lid-only' },
    );
    // Nothing names the phone number yet: the LID stands in for it.
    expect(await stored(first)).toMatchObject({
      chatJid: lidOf(ERIN),
      from: lidOf(ERIN).split('@')[0],
      chatLid: lidOf(ERIN),
    });
    const second = await sim().sendMessage(ERIN, ACCOUNT, { text: 'now by phone' }, { addressing: 'pn' });
    await stored(second);
    const chat = await eventually(async () => {
      const found = await messages({ chatJid: pn(ERIN) });
      return found.length === 2 ? found : null;
    });
    expect(chat.map((m) => m.messageId).sort()).toEqual([first, second].sort());
    for (const m of chat) expect(m).toMatchObject({ from: ERIN, chatLid: lidOf(ERIN) });
    expect(await messages({ chatJid: lidOf(ERIN) })).toEqual([]);
  });
});
