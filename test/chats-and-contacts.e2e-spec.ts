import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { createUserAndLogin } from './support/auth-helpers';
import { eventually, GatewayFixture, linkSession, MASTER_KEY } from './support/gateway-fixture';

const SESSION = 'chats';
const ACCOUNT = '6281299990701';
const ALICE = '6281100000701';
const BOB = '6281100000702';
const CAROL = '6281100000703';
const DAVE = '6281100000704';

interface ChatView {
  chatJid: string;
  kind: string;
  phoneNumber: string | null;
  groupId: string | null;
  chatLid: string | null;
  name: string | null;
  unreadCount: number;
  lastMessageAt: string;
  lastMessage: {
    messageId: string;
    direction: string;
    type: string;
    message: string | null;
    status: string;
    timestamp: string;
    revoked: boolean;
  } | null;
}

/**
 * Chats and contacts end to end: the gateway's real Baileys against the simulator and a real
 * MariaDB. The chat list comes from the chats table the capture keeps; profiles and the block list
 * are asked of the simulated WhatsApp live.
 */
describe('chats and contacts', () => {
  const fixture = new GatewayFixture();
  let app: NestExpressApplication;
  let token: string;
  let admin: string;
  let viewer: string;

  const sim = () => fixture.simulator;
  const api = () => request(app.getHttpServer());
  const as = (bearer: string, req: request.Test) => req.set('authorization', `Bearer ${bearer}`);
  const path = (p: string) => `/api/v1/sessions/${SESSION}/${p}`;
  const chats = async (query = ''): Promise<{ chats: ChatView[]; pagination: Record<string, unknown> }> =>
    (await as(token, api().get(path(`chats${query}`))).expect(200)).body.data;
  const chatOf = async (jid: string): Promise<ChatView | undefined> =>
    (await chats()).chats.find((c) => c.chatJid === jid);
  const stored = (text: string) =>
    eventually(async () => app.get(PrismaService).message.findFirst({ where: { sessionId: SESSION, text } }));

  beforeAll(async () => {
    await fixture.start('wagw_chats');
    app = await fixture.startApp();
    sim().createContact(ALICE, { pushName: 'Alice A' });
    sim().createContact(BOB, { pushName: 'Bob B' });
    sim().createContact(CAROL, { pushName: 'Carol C' });
    sim().createContact(DAVE, { pushName: 'Dave D' });
    ({ token, admin } = await linkSession(fixture, app, SESSION, ACCOUNT));
    viewer = (
      await createUserAndLogin(app, admin, {
        email: 'chats-viewer@example.com',
        password: 'viewer-password-123',
        role: 'viewer',
      })
    ).accessToken;
  }, 60_000);
  afterAll(async () => {
    await fixture.close();
  });

  it('lists chats newest first with the last message, unread counts and kind; read through the API goes back to 0', async () => {
    await sim().sendMessage(ALICE, ACCOUNT, { text: 'alice 1' });
    await stored('alice 1');
    await sim().sendMessage(ALICE, ACCOUNT, { text: 'alice 2' });
    await stored('alice 2');
    await sim().sendMessage(BOB, ACCOUNT, { text: 'bob 1' });
    await stored('bob 1');
    const group = sim().groups.create(CAROL, [ALICE, ACCOUNT], { subject: 'Chat list group' });
    const groupMessage = await sim().groups.send(CAROL, group.jid, { text: 'group 1' });
    await stored('group 1');

    const list = await eventually(async () => {
      const page = await chats();
      return page.chats.length >= 3 ? page : undefined;
    });
    expect(list.chats.map((c) => c.chatJid)).toEqual([
      group.jid,
      `${BOB}@s.whatsapp.net`,
      `${ALICE}@s.whatsapp.net`,
    ]);
    expect(list.pagination).toEqual({ limit: 50, count: 3, nextCursor: null });
    const [g, bob, alice] = list.chats;
    expect(alice).toMatchObject({
      kind: 'direct',
      phoneNumber: ALICE,
      groupId: null,
      unreadCount: 2,
      lastMessage: {
        direction: 'inbound',
        type: 'text',
        message: 'alice 2',
        revoked: false,
        status: 'received',
      },
    });
    expect(bob).toMatchObject({ kind: 'direct', phoneNumber: BOB, unreadCount: 1 });
    expect(g).toMatchObject({
      kind: 'group',
      phoneNumber: null,
      groupId: group.jid,
      unreadCount: 1,
      lastMessage: { messageId: groupMessage, message: 'group 1' },
    });
    expect(new Date(alice.lastMessageAt).getTime()).toBeLessThanOrEqual(new Date(g.lastMessageAt).getTime());
    // Names: the push name of a contact (stored shortly after its messages), a group's subject.
    await eventually(async () => (await chatOf(`${ALICE}@s.whatsapp.net`))?.name === 'Alice A' || undefined);
    await eventually(async () => (await chatOf(group.jid))?.name === 'Chat list group' || undefined);

    // Kind filter, search, paging with the cursor.
    expect((await chats('?kind=group')).chats.map((c) => c.chatJid)).toEqual([group.jid]);
    expect((await chats('?search=Alice')).chats.map((c) => c.chatJid)).toEqual([`${ALICE}@s.whatsapp.net`]);
    const first = await chats('?limit=2');
    expect(first.chats).toHaveLength(2);
    expect(first.pagination.nextCursor).toEqual(expect.any(String));
    const second = await chats(`?limit=2&cursor=${first.pagination.nextCursor as string}`);
    expect(second.chats.map((c) => c.chatJid)).toEqual([`${ALICE}@s.whatsapp.net`]);
    expect(second.pagination.nextCursor).toBeNull();

    // Read through the API: the chat, and a message of another chat.
    await as(token, api().post(path('chats/read')))
      .send({ chat: `+${ALICE}` })
      .expect(200);
    expect((await chatOf(`${ALICE}@s.whatsapp.net`))?.unreadCount).toBe(0);
    const bobMessage = (await stored('bob 1'))!.waMessageId;
    await as(token, api().post(path('messages/read')))
      .send({ messageIds: [bobMessage] })
      .expect(200);
    expect((await chatOf(`${BOB}@s.whatsapp.net`))?.unreadCount).toBe(0);

    // A new message counts again; the account's answer makes it the last message and reads the chat.
    await sim().sendMessage(ALICE, ACCOUNT, { text: 'alice 3' });
    await eventually(async () => (await chatOf(`${ALICE}@s.whatsapp.net`))?.unreadCount === 1 || undefined);
    const sent = await as(token, api().post(path('messages/text')))
      .send({ to: ALICE, text: 'answer to alice' })
      .expect(201);
    const after = await eventually(async () => {
      const chat = await chatOf(`${ALICE}@s.whatsapp.net`);
      return chat?.lastMessage?.messageId === sent.body.data.messageId ? chat : undefined;
    });
    expect(after).toMatchObject({
      unreadCount: 0,
      lastMessage: { direction: 'outbound', message: 'answer to alice' },
    });
    expect((await chats()).chats[0].chatJid).toBe(`${ALICE}@s.whatsapp.net`);

    // Viewers read the list too.
    await as(viewer, api().get(path('chats'))).expect(200);
  });

  it('lists the contacts the session knows with their push names', async () => {
    const list = await eventually(async () => {
      const res = await as(token, api().get(path('contacts'))).expect(200);
      const contacts = res.body.data.contacts as { phoneNumber: string; pushName: string }[];
      return contacts.some((c) => c.phoneNumber === ALICE && c.pushName === 'Alice A') &&
        contacts.some((c) => c.phoneNumber === BOB && c.pushName === 'Bob B')
        ? res.body.data
        : undefined;
    });
    const alice = list.contacts.find((c: { phoneNumber: string }) => c.phoneNumber === ALICE);
    expect(alice).toMatchObject({ jid: `${ALICE}@s.whatsapp.net`, name: 'Alice A', savedName: null });
    expect(list.contacts.some((c: { phoneNumber: string }) => c.phoneNumber === ACCOUNT)).toBe(false);
    const searched = await as(viewer, api().get(path('contacts?search=Bob'))).expect(200);
    expect(searched.body.data.contacts.map((c: { phoneNumber: string }) => c.phoneNumber)).toEqual([BOB]);
    // LIKE's wildcards typed in a search are plain characters: no name holds them.
    for (const wildcard of ['%25', '_', 'B_b'])
      expect(
        (await as(viewer, api().get(path(`contacts?search=${wildcard}`))).expect(200)).body.data.contacts,
      ).toEqual([]);
    const paged = await as(token, api().get(path('contacts?limit=1'))).expect(200);
    expect(paged.body.data.pagination).toMatchObject({ limit: 1, count: 1, nextCursor: expect.any(String) });
    const next = await as(
      token,
      api().get(path(`contacts?limit=1&cursor=${paged.body.data.pagination.nextCursor as string}`)),
    ).expect(200);
    expect(next.body.data.contacts[0].jid > paged.body.data.contacts[0].jid).toBe(true);
  });

  it('keeps one chat and one contact when messages stored under a LID take the phone number', async () => {
    const lid = sim().user(DAVE).lidJid;
    await sim().sendMessage(DAVE, ACCOUNT, { text: 'dave by lid' }, { addressing: 'lid-only' });
    await eventually(async () => (await chatOf(lid))?.unreadCount === 1 || undefined);
    await sim().sendMessage(DAVE, ACCOUNT, { text: 'dave by phone' }, { addressing: 'pn' });
    const merged = await eventually(async () => {
      const page = await chats();
      const dave = page.chats.filter((c) => c.chatJid === lid || c.chatJid === `${DAVE}@s.whatsapp.net`);
      return dave.length === 1 && dave[0].chatJid !== lid && dave[0].unreadCount === 2 ? dave[0] : undefined;
    });
    expect(merged).toMatchObject({
      phoneNumber: DAVE,
      chatLid: lid,
      lastMessage: { message: 'dave by phone' },
    });
    const contacts = await eventually(async () => {
      const res = await as(token, api().get(path('contacts?search=Dave'))).expect(200);
      const list = res.body.data.contacts as { jid: string; lid: string | null }[];
      return list.length === 1 && list[0].lid === lid ? list : undefined;
    });
    expect(contacts[0]).toMatchObject({
      jid: `${DAVE}@s.whatsapp.net`,
      phoneNumber: DAVE,
      pushName: 'Dave D',
    });
  });

  it("goes back to 0 unread when the account's phone reads the chat (read-self receipts)", async () => {
    const ids = [
      await sim().sendMessage(CAROL, ACCOUNT, { text: 'carol 1' }),
      await sim().sendMessage(CAROL, ACCOUNT, { text: 'carol 2' }),
    ];
    await stored('carol 2');
    const carol = `${CAROL}@s.whatsapp.net`;
    await eventually(async () => (await chatOf(carol))?.unreadCount === 2 || undefined);
    expect(sim().readOnPhone(ACCOUNT, CAROL, ids)).toBe(1);
    await eventually(async () => (await chatOf(carol))?.unreadCount === 0 || undefined);
    expect((await chatOf(carol))?.lastMessage?.message).toBe('carol 2');
  });

  it('answers a contact with its profile picture URL and about text, asked of WhatsApp (null when none)', async () => {
    const url = 'https://pps.whatsapp.net/v/t61.24694-24/alice.jpg';
    sim().setProfile(ALICE, { pictureUrl: url, about: 'Busy building things' });
    const res = await as(viewer, api().get(path(`contacts/+${ALICE}`))).expect(200);
    expect(res.body.data).toMatchObject({
      phoneNumber: ALICE,
      known: true,
      pushName: 'Alice A',
      profilePictureUrl: url,
      about: 'Busy building things',
      aboutSetAt: expect.any(String),
    });
    const picture = await as(token, api().get(path(`contacts/${ALICE}/profile-picture`))).expect(200);
    expect(picture.body.data).toEqual({ phoneNumber: ALICE, profilePictureUrl: url });

    const none = await as(token, api().get(path(`contacts/${CAROL}`))).expect(200);
    expect(none.body.data).toMatchObject({ phoneNumber: CAROL, profilePictureUrl: null, about: null });
  });

  it('blocks and unblocks a contact: the simulated WhatsApp holds the block list, GET blocklist matches', async () => {
    const blocked = await as(token, api().post(path(`contacts/+${BOB}/block`))).expect(200);
    expect(blocked.body.data).toEqual({ phoneNumber: BOB, blocked: true });
    expect(sim().blocklistOf(ACCOUNT)).toEqual([BOB]);
    const list = await as(viewer, api().get(path('blocklist'))).expect(200);
    expect(list.body.data.blocked).toEqual([{ phoneNumber: BOB, lid: sim().user(BOB).lidJid }]);

    // A blocked contact's messages do not reach the account; after unblocking they do.
    await sim().sendMessage(BOB, ACCOUNT, { text: 'while blocked' });
    const unblocked = await as(token, api().post(path(`contacts/${BOB}/unblock`))).expect(200);
    expect(unblocked.body.data).toEqual({ phoneNumber: BOB, blocked: false });
    expect(sim().blocklistOf(ACCOUNT)).toEqual([]);
    await sim().sendMessage(BOB, ACCOUNT, { text: 'after unblock' });
    await stored('after unblock');
    const prisma = app.get(PrismaService);
    expect(await prisma.message.count({ where: { sessionId: SESSION, text: 'while blocked' } })).toBe(0);
    expect((await as(token, api().get(path('blocklist'))).expect(200)).body.data.blocked).toEqual([]);
  });

  it("answers 400 with the fields for bad input, 404 to another session's token, 403 to a viewer who blocks", async () => {
    for (const query of ['limit=0', 'limit=201', 'kind=channel', 'cursor=not-a-cursor', 'limit=abc']) {
      const res = await as(token, api().get(path(`chats?${query}`))).expect(400);
      expect(JSON.stringify(res.body.details)).toContain(query.split('=')[0]);
    }
    const badCursor = await as(token, api().get(path('contacts?cursor=%7B%7D'))).expect(400);
    expect(JSON.stringify(badCursor.body.details)).toContain('cursor');
    for (const route of ['contacts/abc', 'contacts/12/profile-picture']) {
      const res = await as(token, api().get(path(route))).expect(400);
      expect(JSON.stringify(res.body.details)).toContain('phone');
    }
    const badBlock = await as(token, api().post(path('contacts/not-a-number/block'))).expect(400);
    expect(JSON.stringify(badBlock.body.details)).toContain('phone');

    // Another session's token does not open this session (404, as for every session route).
    const other = await api()
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: 'chats-other', name: 'Other' })
      .expect(201);
    for (const route of ['chats', 'contacts', 'blocklist'])
      await as(other.body.data.token as string, api().get(path(route))).expect(404);

    await as(viewer, api().post(path(`contacts/${BOB}/block`))).expect(403);
    await as(viewer, api().post(path(`contacts/${BOB}/unblock`))).expect(403);
    expect(sim().blocklistOf(ACCOUNT)).toEqual([]);
  });
});
