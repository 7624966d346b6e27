import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { ConnectionRegistry } from '../src/whatsapp/connection-registry';
import { adminToken, eventually, GatewayFixture, linkSession, MASTER_KEY } from './support/gateway-fixture';

jest.setTimeout(240_000);

const SESSION = 'relay';
const PAIRED = 'relay-paired';
const ACCOUNT = '6281299990601';
const PAIRED_ACCOUNT = '6281299990602';
const ALICE = '6281100000601';
const BOB = '6281100000602';
const CAROL = '6281100000603';
/** A number nobody registered with the simulated WhatsApp. */
const NOBODY = '6289999990699';
/** How long B waits for the holder (short, so the "holder never answers" case is quick). */
const WAIT_SECONDS = 8;

type Method = 'get' | 'post' | 'patch' | 'delete';

/**
 * Any process serves any request (issue 20), with two gateway processes (A and B: two apps with their
 * own INSTANCE_ID) on one database, real Baileys against the simulator: A holds the session, and every
 * route that needs its live socket answers through B as it does through A, with the effect made by
 * A's socket (B has none for the session). Holder errors come back through B identical; a holder that
 * never answers is a 503 after SESSION_COMMAND_TIMEOUT_SECONDS with nothing done.
 */
describe('command relay: routes on the live socket work from any process', () => {
  const fixture = new GatewayFixture();
  let a: NestExpressApplication;
  let b: NestExpressApplication;
  let prisma: PrismaService;
  let token: string;
  let adminA: string;
  let adminB: string;
  let pairedToken: string;

  const sim = () => fixture.simulator;
  const call = (
    app: NestExpressApplication,
    method: Method,
    path: string,
    as: { bearer?: string; session?: string } = {},
  ) =>
    request(app.getHttpServer())
      [method](`/api/v1/sessions/${as.session ?? SESSION}${path}`)
      .set('authorization', `Bearer ${as.bearer ?? token}`);
  /** The same request through A and through B: the same status and body (the timestamp aside). */
  const sameThroughBoth = async (
    method: Method,
    path: string,
    body?: object,
    as: { bearer?: string; session?: string } = {},
  ) => {
    const send = (app: NestExpressApplication) => {
      const req = call(app, method, path, as);
      return body === undefined ? req : req.send(body);
    };
    const viaA = await send(a);
    const viaB = await send(b);
    // Errors carry the time they were answered and a request id of their own; nothing else may differ.
    const { timestamp: _ta, requestId: _ra, ...restA } = viaA.body;
    const { timestamp: _tb, requestId: _rb, ...restB } = viaB.body;
    expect({ status: viaB.status, body: restB }).toEqual({ status: viaA.status, body: restA });
    return viaB;
  };
  const commandRows = () => prisma.sessionCommand.count();

  beforeAll(async () => {
    await fixture.start('wagw_relay');
    for (const phone of [ALICE, BOB, CAROL]) sim().createContact(phone, { pushName: `Contact ${phone}` });
    // No balancing: the session stays on A for the whole file.
    const shared = { SESSION_BALANCE: 'false', SESSION_COMMAND_TIMEOUT_SECONDS: String(WAIT_SECONDS) };
    a = await fixture.startApp(fixture.config({ INSTANCE_ID: 'gateway-a', ...shared }));
    ({ token, admin: adminA } = await linkSession(fixture, a, SESSION, ACCOUNT));
    b = await fixture.startApp(fixture.config({ INSTANCE_ID: 'gateway-b', ...shared }));
    adminB = await adminToken(b);
    prisma = a.get(PrismaService);
  });
  afterAll(() => fixture.close());

  it('A holds the session; B does not', async () => {
    expect(a.get(ConnectionRegistry).isHeld(SESSION)).toBe(true);
    expect(b.get(ConnectionRegistry).isHeld(SESSION)).toBe(false);
    const row = await prisma.whatsappSession.findUniqueOrThrow({ where: { id: SESSION } });
    expect(row).toMatchObject({ leaseOwner: 'gateway-a', status: 'connected' });
  });

  it('groups through B: create, list, details, rename, add and remove with per-participant results, invite', async () => {
    const created = await call(b, 'post', '/groups')
      .send({ subject: 'Made through B', participants: [`+${ALICE}`, BOB] })
      .expect(201);
    const gid = created.body.data.id as string;
    expect(created.body.data).toMatchObject({
      subject: 'Made through B',
      owner: ACCOUNT,
      myRole: 'superadmin',
      size: 3,
    });
    expect(sim().groups.info(gid)).toMatchObject({ subject: 'Made through B', owner: ACCOUNT });
    expect(
      sim()
        .groups.info(gid)
        .participants.map((p) => p.phoneNumber)
        .sort(),
    ).toEqual([ACCOUNT, ALICE, BOB].sort());

    const list = await call(b, 'get', '/groups').expect(200);
    expect(list.body.data.map((g: { id: string }) => g.id)).toContain(gid);
    // The live metadata answers the same through either process.
    const details = await sameThroughBoth('get', `/groups/${gid}`);
    expect(details.status).toBe(200);
    expect(details.body.data).toMatchObject({ id: gid, subject: 'Made through B' });

    const renamed = await call(b, 'patch', `/groups/${encodeURIComponent(gid)}`)
      .send({ subject: 'Renamed through B', restrict: true })
      .expect(200);
    expect(renamed.body.data).toMatchObject({ subject: 'Renamed through B', restrict: true });
    expect(sim().groups.info(gid)).toMatchObject({ subject: 'Renamed through B', restrict: true });

    const added = await call(b, 'post', `/groups/${gid}/participants`)
      .send({ action: 'add', participants: [CAROL, ALICE] })
      .expect(200);
    expect(added.body.data).toEqual([
      { phoneNumber: CAROL, status: 'ok', code: 200 },
      { phoneNumber: ALICE, status: 'conflict', code: 409 },
    ]);
    const removed = await call(b, 'post', `/groups/${gid}/participants`)
      .send({ action: 'remove', participants: [BOB] })
      .expect(200);
    expect(removed.body.data).toEqual([{ phoneNumber: BOB, status: 'ok', code: 200 }]);
    expect(
      sim()
        .groups.info(gid)
        .participants.map((p) => p.phoneNumber)
        .sort(),
    ).toEqual([ACCOUNT, ALICE, CAROL].sort());

    const invite = await call(b, 'get', `/groups/${gid}/invite`).expect(200);
    expect(invite.body.data).toEqual({
      groupId: gid,
      code: sim().groups.info(gid).inviteCode,
      link: `https://chat.whatsapp.com/${sim().groups.info(gid).inviteCode}`,
    });
    // Audited by the process that answered the request.
    const audited = await prisma.activityLog.findMany({
      where: { targetId: SESSION, action: { in: ['group.created', 'group.updated', 'group.participants'] } },
    });
    expect(audited.map((r) => r.action).sort()).toEqual([
      'group.created',
      'group.participants',
      'group.participants',
      'group.updated',
    ]);
  });

  it("the holder's errors come back through B identical: 404, 403, 404 invite, and 400 bad input", async () => {
    const missing = await sameThroughBoth('get', '/groups/120363999999999999@g.us');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ success: false, code: 'GROUP_NOT_FOUND' });

    const notMine = sim().groups.create(ALICE, [BOB], { subject: 'Not mine' }).jid;
    const forbidden = await sameThroughBoth('get', `/groups/${notMine}/invite`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toMatch(/^(NOT_A_PARTICIPANT|GROUP_NOT_ADMIN)$/);

    const badInvite = await sameThroughBoth('post', '/groups/join', { code: 'AbCdEfGhIjKlMn' });
    expect(badInvite.status).toBe(404);
    expect(badInvite.body.code).toBe('INVITE_NOT_FOUND');

    const badInput = await sameThroughBoth('patch', '/groups/not-a-group', { subject: 'x' });
    expect(badInput.status).toBe(400);
    expect(badInput.body.details).toEqual([{ field: 'groupId', errors: [expect.any(String)] }]);

    const notOnWhatsApp = await sameThroughBoth('post', `/contacts/${NOBODY}/block`);
    expect(notOnWhatsApp.status).toBe(404);
    expect(notOnWhatsApp.body.code).toBe('CONTACT_NOT_FOUND');
  });

  it('presence through B: typing to a contact, online to everyone, a subscription', async () => {
    await call(b, 'post', '/presence').send({ state: 'composing', to: ALICE }).expect(200);
    await eventually(() =>
      sim()
        .chatStatesSeen(ALICE)
        .some((s) => s.from === ACCOUNT && s.state === 'composing'),
    );
    const online = await call(b, 'post', '/presence').send({ state: 'available' }).expect(200);
    expect(online.body.data).toEqual({ state: 'available', to: null });
    await eventually(() => sim().presenceOf(ACCOUNT).state === 'available');
    await call(b, 'post', '/presence/subscribe').send({ to: BOB }).expect(200);
    await eventually(() => sim().presenceOf(BOB).subscribers.includes(ACCOUNT));
  });

  it('check-numbers through B answers as through A', async () => {
    const res = await sameThroughBoth('post', '/check-numbers', { numbers: [`+${ALICE}`, NOBODY] });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      { input: `+${ALICE}`, jid: `${ALICE}@s.whatsapp.net`, exists: true },
      { input: NOBODY, jid: `${NOBODY}@s.whatsapp.net`, exists: false },
    ]);
  });

  it('edits and deletes a sent message through B; the contact sees both; a second change is refused alike', async () => {
    const sent = await call(b, 'post', '/messages/text?wait=true')
      .send({ to: ALICE, text: 'first words' })
      .expect(201);
    const id = sent.body.data.messageId as string;
    await eventually(() => sim().messageAsSeen(ALICE, id)?.text === 'first words');

    const edited = await call(b, 'patch', `/messages/${id}`).send({ text: 'better words' }).expect(200);
    expect(edited.body.data).toMatchObject({ messageId: id, text: 'better words' });
    await eventually(() => sim().messageAsSeen(ALICE, id)?.text === 'better words');
    expect(sim().messageAsSeen(ALICE, id)?.edits).toEqual(['better words']);

    const deleted = await call(b, 'delete', `/messages/${id}`).expect(200);
    expect(deleted.body.data).toMatchObject({ messageId: id });
    await eventually(() => sim().messageAsSeen(ALICE, id)?.revoked);
    const stored = await prisma.message.findFirstOrThrow({ where: { sessionId: SESSION, waMessageId: id } });
    expect(stored.revokedAt).not.toBeNull();

    const again = await sameThroughBoth('patch', `/messages/${id}`, { text: 'too late' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('MESSAGE_NOT_EDITABLE');
    const unknown = await sameThroughBoth('delete', '/messages/NOPE0000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('MESSAGE_NOT_FOUND');
  });

  it('marks a received message read through B: the contact gets the blue ticks', async () => {
    const id = await sim().sendMessage(ALICE, ACCOUNT, { text: 'read me through B' });
    await eventually(() =>
      prisma.message.findFirst({ where: { sessionId: SESSION, waMessageId: id, direction: 'inbound' } }),
    );
    const res = await call(b, 'post', '/messages/read')
      .send({ messageIds: [id, 'NOPE0000000000'] })
      .expect(200);
    expect(res.body.data).toEqual({ read: [id], notFound: ['NOPE0000000000'] });
    await eventually(() => sim().readReceiptsReceived(ALICE).includes(id));
  });

  it('profile picture, about text and block list through B', async () => {
    const url = 'https://pps.whatsapp.net/v/t61.24694-24/relay-alice.jpg';
    sim().setProfile(ALICE, { pictureUrl: url, about: 'Asked through B' });
    const picture = await call(b, 'get', `/contacts/${ALICE}/profile-picture`).expect(200);
    expect(picture.body.data).toEqual({ phoneNumber: ALICE, profilePictureUrl: url });
    const contact = await call(b, 'get', `/contacts/+${ALICE}`).expect(200);
    expect(contact.body.data).toMatchObject({
      phoneNumber: ALICE,
      profilePictureUrl: url,
      about: 'Asked through B',
    });

    const blocked = await call(b, 'post', `/contacts/+${BOB}/block`).expect(200);
    expect(blocked.body.data).toEqual({ phoneNumber: BOB, blocked: true });
    expect(sim().blocklistOf(ACCOUNT)).toEqual([BOB]);
    const list = await call(b, 'get', '/blocklist').expect(200);
    expect(list.body.data.blocked).toEqual([{ phoneNumber: BOB, lid: sim().user(BOB).lidJid }]);
    const unblocked = await call(b, 'post', `/contacts/${BOB}/unblock`).expect(200);
    expect(unblocked.body.data).toEqual({ phoneNumber: BOB, blocked: false });
    expect(sim().blocklistOf(ACCOUNT)).toEqual([]);
  });

  it('a pairing code through B for a session A shows a QR for: it links on A', async () => {
    const created = await request(a.getHttpServer())
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: PAIRED, name: 'Paired through B' })
      .expect(201);
    expect(a.get(ConnectionRegistry).isHeld(PAIRED)).toBe(true);
    const res = await request(b.getHttpServer())
      .post(`/api/v1/sessions/${PAIRED}/pairing-code`)
      .set('authorization', `Bearer ${adminB}`)
      .send({ phoneNumber: `+${PAIRED_ACCOUNT}` })
      .expect(200);
    expect(res.body.data.code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    await sim().enterPairingCode(PAIRED_ACCOUNT, res.body.data.code);
    await eventually(async () => {
      const row = await prisma.whatsappSession.findUniqueOrThrow({ where: { id: PAIRED } });
      return (
        row.status === 'connected' && row.leaseOwner === 'gateway-a' && row.phoneNumber === PAIRED_ACCOUNT
      );
    });
    expect(b.get(ConnectionRegistry).isHeld(PAIRED)).toBe(false);
    pairedToken = created.body.data.token as string;
  });

  it('a session nobody holds answers 409 SESSION_NOT_CONNECTED through either process, as before', async () => {
    await request(a.getHttpServer())
      .post(`/api/v1/sessions/${PAIRED}/disconnect`)
      .set('authorization', `Bearer ${adminA}`)
      .expect(200);
    await eventually(async () => {
      const row = await prisma.whatsappSession.findUniqueOrThrow({ where: { id: PAIRED } });
      return row.leaseOwner === null;
    });
    for (const [method, path, body] of [
      ['post', '/presence', { state: 'available' }],
      ['post', '/check-numbers', { numbers: [ALICE] }],
      ['get', '/groups', undefined],
      ['get', `/contacts/${ALICE}/profile-picture`, undefined],
      ['get', '/blocklist', undefined],
    ] as const) {
      const res = await sameThroughBoth(method, path, body, { session: PAIRED, bearer: pairedToken });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('SESSION_NOT_CONNECTED');
    }
  });

  it(`a holder that never answers: 503 SESSION_HOLDER_UNAVAILABLE after ${WAIT_SECONDS} s, the command withdrawn`, async () => {
    // A lease of a process that is not running (its heartbeat never written): nobody claims the command.
    await prisma.$executeRaw`
      UPDATE whatsapp_sessions
      SET lease_owner = 'gateway-gone', lease_expires_at = NOW(3) + INTERVAL 120 SECOND, status = 'connected'
      WHERE id = ${PAIRED}`;
    const started = Date.now();
    const res = await request(b.getHttpServer())
      .post(`/api/v1/sessions/${PAIRED}/groups`)
      .set('authorization', `Bearer ${adminB}`)
      .send({ subject: 'Never made', participants: [ALICE] });
    const seconds = (Date.now() - started) / 1000;
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ success: false, code: 'SESSION_HOLDER_UNAVAILABLE' });
    expect(res.body.message).toContain(`${WAIT_SECONDS} s`);
    expect(seconds).toBeGreaterThanOrEqual(WAIT_SECONDS - 0.5);
    expect(seconds).toBeLessThan(WAIT_SECONDS + 10);
    expect(
      sim()
        .groups.of(ALICE)
        .some((g) => g.subject === 'Never made'),
    ).toBe(false);
    expect(await prisma.sessionCommand.count({ where: { sessionId: PAIRED } })).toBe(0);
  });

  it('every answered command was removed from session_commands', async () => {
    expect(await commandRows()).toBe(0);
  });
});
