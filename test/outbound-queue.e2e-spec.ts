import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { messageText } from '../src/sandbox/simulator/message-log';
import { ConnectionRegistry } from '../src/whatsapp/connection-registry';
import { OutboundRetention } from '../src/whatsapp/outbound-retention';
import { adminToken, eventually, GatewayFixture, linkSession, MASTER_KEY } from './support/gateway-fixture';

jest.setTimeout(180_000);

const CONTACT = '6281100000071';
const PHONE = '6281200000071';
const SESSION = 'queue';

/**
 * The durable outbound queue with two gateway processes (A and B, two apps with their own
 * INSTANCE_ID) on one database: any process accepts a send, the session's holder sends it, once.
 */
describe('outbound queue: any process serves any send', () => {
  const fixture = new GatewayFixture();
  let a: NestExpressApplication;
  let b: NestExpressApplication;
  let prisma: PrismaService;
  let token: string;

  beforeAll(async () => {
    await fixture.start('wagw_outbound');
    fixture.simulator.createContact(CONTACT, { pushName: 'Queue contact' });
    // A webhook nobody answers: the failed sends' message.status rows are written for it.
    const lease = {
      SESSION_LEASE_SECONDS: '6',
      OUTBOUND_TTL_SECONDS: '5',
      OUTBOUND_SETTLE_SECONDS: '3',
      WEBHOOK_URL: 'http://127.0.0.1:9/hook',
    };
    b = await fixture.startApp(fixture.config({ INSTANCE_ID: 'gateway-b', ...lease }));
    ({ token } = await linkSession(fixture, b, SESSION, PHONE));
    a = await fixture.startApp(fixture.config({ INSTANCE_ID: 'gateway-a', ...lease }));
    prisma = a.get(PrismaService);
  });
  afterAll(() => fixture.close());

  const send = (
    app: NestExpressApplication,
    body: Record<string, unknown>,
    options: { key?: string; wait?: boolean } = {},
  ) => {
    const req = request(app.getHttpServer())
      .post(`/api/v1/sessions/${SESSION}/messages/text${options.wait ? '?wait=true' : ''}`)
      .set('authorization', `Bearer ${token}`);
    if (options.key !== undefined) req.set('idempotency-key', options.key);
    return req.send(body);
  };
  /** The messages with this id the contact's phone got. */
  const received = (messageId: string) =>
    fixture.simulator.receivedMessages(CONTACT).filter((m) => m.id === messageId);
  const rowOf = (messageId: string) =>
    prisma.outboundMessage.findUniqueOrThrow({
      where: { sessionId_waMessageId: { sessionId: SESSION, waMessageId: messageId } },
    });

  it('B holds the session; a send through A answers queued at once and B delivers it once', async () => {
    expect(b.get(ConnectionRegistry).isHeld(SESSION)).toBe(true);
    expect(a.get(ConnectionRegistry).isHeld(SESSION)).toBe(false);
    const res = await send(a, { to: CONTACT, text: 'through A' }).expect(201);
    expect(res.body.data).toEqual({
      messageId: expect.stringMatching(/^[0-9A-F]{16,}$/),
      to: `${CONTACT}@s.whatsapp.net`,
      status: 'queued',
      timestamp: expect.stringMatching(/^\d+$/),
    });
    const { messageId } = res.body.data;
    await eventually(() => received(messageId).length === 1);
    expect(messageText(received(messageId)[0].message)).toBe('through A');
    await eventually(async () => (await rowOf(messageId)).status === 'sent');
    expect(await rowOf(messageId)).toMatchObject({
      claimedBy: 'gateway-b',
      attempts: 1,
      toJid: `${CONTACT}@s.whatsapp.net`,
    });
    // Stored as the account's own outbound message, as a direct send always was.
    await eventually(() =>
      prisma.message.findFirst({
        where: { sessionId: SESSION, waMessageId: messageId, direction: 'outbound' },
      }),
    );
    // Nothing more arrives later (no second send by anyone).
    await new Promise((r) => setTimeout(r, 1000));
    expect(received(messageId)).toHaveLength(1);
  });

  it('the same send with the same Idempotency-Key on A then on B: one message, one id in both answers', async () => {
    const body = { to: CONTACT, text: 'exactly once' };
    const first = await send(a, body, { key: 'order-1001' }).expect(201);
    const second = await send(b, body, { key: 'order-1001' }).expect(201);
    expect(second.body.data.messageId).toBe(first.body.data.messageId);
    // Both at once on both processes: still the one send.
    const racing = await Promise.all([
      send(a, body, { key: 'order-1001' }),
      send(b, body, { key: 'order-1001' }),
    ]);
    for (const res of racing) expect(res.body.data.messageId).toBe(first.body.data.messageId);
    await eventually(() => received(first.body.data.messageId).length === 1);
    await eventually(async () => (await rowOf(first.body.data.messageId)).status === 'sent');
    const again = await send(a, body, { key: 'order-1001' }).expect(201);
    expect(again.body.data).toMatchObject({ messageId: first.body.data.messageId, status: 'sent' });
    expect(
      await prisma.outboundMessage.count({ where: { sessionId: SESSION, idempotencyKey: 'order-1001' } }),
    ).toBe(1);
    await new Promise((r) => setTimeout(r, 1000));
    expect(
      fixture.simulator.receivedMessages(CONTACT).filter((m) => messageText(m.message) === 'exactly once'),
    ).toHaveLength(1);

    // The same key for another send is refused, naming the header.
    const reused = await send(b, { to: CONTACT, text: 'something else' }, { key: 'order-1001' }).expect(422);
    expect(reused.body).toMatchObject({ success: false, code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(reused.body.details).toEqual([{ field: 'Idempotency-Key', errors: [expect.any(String)] }]);
  });

  it('a bad Idempotency-Key or wait is a 400 naming it; nothing is queued', async () => {
    const before = await prisma.outboundMessage.count();
    const long = await send(a, { to: CONTACT, text: 'x' }, { key: 'k'.repeat(129) }).expect(400);
    expect(long.body).toMatchObject({ success: false, code: 'VALIDATION_ERROR' });
    expect(long.body.details).toEqual([
      { field: 'Idempotency-Key', errors: [expect.stringContaining('128')] },
    ]);
    const wait = await request(a.getHttpServer())
      .post(`/api/v1/sessions/${SESSION}/messages/text?wait=maybe`)
      .set('authorization', `Bearer ${token}`)
      .send({ to: CONTACT, text: 'x' })
      .expect(400);
    expect(wait.body.details).toEqual([{ field: 'wait', errors: [expect.any(String)] }]);
    expect(await prisma.outboundMessage.count()).toBe(before);
  });

  it('?wait=true answers once WhatsApp took the message, through either process', async () => {
    for (const app of [a, b]) {
      const res = await send(
        app,
        { to: CONTACT, text: `waited ${app === a ? 'A' : 'B'}` },
        { wait: true },
      ).expect(201);
      expect(res.body.data).toMatchObject({ status: 'sent', to: `${CONTACT}@s.whatsapp.net` });
      await eventually(() => received(res.body.data.messageId).length === 1);
    }
  });

  it("a send a dead process left in flight is settled by WhatsApp's receipt for its id; the queue behind it waits", async () => {
    const sent = await send(a, { to: CONTACT, text: 'left in flight' }, { wait: true }).expect(201);
    const id = sent.body.data.messageId as string;
    await eventually(() => received(id).length === 1);
    await eventually(() => prisma.message.findFirst({ where: { sessionId: SESSION, waMessageId: id } }));
    // As a process that died right after handing it to WhatsApp leaves it: claimed, neither recorded nor stored.
    await prisma.message.deleteMany({ where: { sessionId: SESSION, waMessageId: id } });
    await prisma.outboundMessage.update({
      where: { sessionId_waMessageId: { sessionId: SESSION, waMessageId: id } },
      data: { status: 'sending', claimedBy: 'gateway-dead', claimedAt: new Date(), sentAt: null },
    });
    const behind = await send(b, { to: CONTACT, text: 'behind it' }).expect(201);
    const behindId = behind.body.data.messageId as string;
    // One send in flight per session: nothing overtakes the unsettled one.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await rowOf(behindId)).status).toBe('queued');
    expect(received(behindId)).toHaveLength(0);
    // The contact's phone reads it: the receipt names the id, which settles the send.
    fixture.simulator.sendReceipt(CONTACT, id, 'read');
    await eventually(async () => (await rowOf(id)).status === 'sent');
    await eventually(() => received(behindId).length === 1);
    expect(received(id)).toHaveLength(1);
  });

  it('a send left in flight that nothing settles within the bound fails as unknown_after_crash and is never sent', async () => {
    const id = '3EB0DEAD00000000000071';
    await prisma.outboundMessage.create({
      data: {
        sessionId: SESSION,
        waMessageId: id,
        toJid: `${CONTACT}@s.whatsapp.net`,
        content: { content: { kind: 'text', text: 'lost in the crash' } },
        fingerprint: '0'.repeat(64),
        status: 'sending',
        attempts: 1,
        claimedBy: 'gateway-dead',
        claimedAt: new Date(),
        expiresAt: new Date(Date.now() + 60_000),
      },
    });
    await eventually(async () => (await rowOf(id)).status === 'failed', 20_000);
    expect(await rowOf(id)).toMatchObject({ lastError: expect.stringMatching(/^unknown_after_crash/) });
    const event = await prisma.webhookOutbox.findFirstOrThrow({
      where: { event: 'message.status', messageId: id },
    });
    expect(JSON.parse(String(event.payload))).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^unknown_after_crash/),
    });
    expect(received(id)).toHaveLength(0);
    // The queue moves on.
    const next = await send(a, { to: CONTACT, text: 'after the unknown' }, { wait: true }).expect(201);
    expect(next.body.data.status).toBe('sent');
  });

  it('a send accepted while the session reconnects goes out once it is back', async () => {
    const registry = b.get(ConnectionRegistry);
    await registry.disconnect(SESSION, 'test: reconnecting', { keepWanted: true });
    expect(registry.isHeld(SESSION)).toBe(false);
    const res = await send(a, { to: CONTACT, text: 'after the reconnect' }).expect(201);
    expect(res.body.data.status).toBe('queued');
    const { messageId } = res.body.data;
    // Whichever process's supervisor takes the session back sends it.
    await eventually(() => received(messageId).length === 1, 30_000);
    await eventually(async () => (await rowOf(messageId)).status === 'sent');
    expect([a, b].filter((app) => app.get(ConnectionRegistry).isHeld(SESSION))).toHaveLength(1);
  });

  it('a send its session cannot take within its time to live fails, with the reason, and never goes out later', async () => {
    const holder = [a, b].find((app) => app.get(ConnectionRegistry).isHeld(SESSION))!;
    await eventually(() => holder.get(ConnectionRegistry).statusOf(SESSION) === 'connected');
    await holder
      .get(ConnectionRegistry)
      .disconnect(SESSION, 'test: held by a process that died', { keepWanted: true });
    // A holder that died: its lease outlives the test's time to live, so nobody can send.
    await prisma.whatsappSession.update({
      where: { id: SESSION },
      data: { leaseOwner: 'gateway-dead', leaseExpiresAt: new Date(Date.now() + 3_600_000) },
    });
    const started = Date.now();
    const res = await send(a, { to: CONTACT, text: 'too late' }, { wait: true }).expect(201);
    expect(res.body.data).toMatchObject({ status: 'failed', error: expect.stringMatching(/^expired/) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
    const { messageId } = res.body.data;
    expect(await rowOf(messageId)).toMatchObject({
      status: 'failed',
      lastError: expect.stringMatching(/^expired/),
    });
    const event = await prisma.webhookOutbox.findFirstOrThrow({
      where: { event: 'message.status', messageId },
    });
    expect(JSON.parse(String(event.payload))).toMatchObject({
      messageId,
      status: 'failed',
      reason: expect.stringMatching(/^expired/),
    });

    // The session comes back: the expired send stays unsent.
    await prisma.whatsappSession.update({
      where: { id: SESSION },
      data: { leaseOwner: null, leaseExpiresAt: null },
    });
    await eventually(
      () => [a, b].some((app) => app.get(ConnectionRegistry).statusOf(SESSION) === 'connected'),
      30_000,
    );
    const after = await send(b, { to: CONTACT, text: 'back again' }, { wait: true }).expect(201);
    expect(after.body.data.status).toBe('sent');
    expect(received(messageId)).toHaveLength(0);
  });

  it('status, QR and messages are read from the database: the same answer from either process', async () => {
    const admin = await adminToken(a);
    await request(b.getHttpServer())
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: 'fresh', name: 'Fresh' })
      .expect(201);
    const live = await eventually(() => b.get(ConnectionRegistry).qrOf('fresh'));
    // A, which does not hold it, shows the QR B shows (it moves on every refresh: compare with B's now).
    await eventually(async () => {
      const res = await request(a.getHttpServer())
        .get('/api/v1/sessions/fresh/qr')
        .set('authorization', `Bearer ${admin}`);
      return res.status === 200 && res.body.data.qr === b.get(ConnectionRegistry).qrOf('fresh');
    });
    expect(live).toEqual(expect.any(String));
    const view = await request(a.getHttpServer())
      .get('/api/v1/sessions/fresh')
      .set('authorization', `Bearer ${admin}`)
      .expect(200);
    expect(view.body.data).toMatchObject({ status: 'qr_pending', hasQrCode: true, heldBy: 'gateway-b' });
    const listed = await request(a.getHttpServer())
      .get(`/api/v1/sessions/${SESSION}/messages?direction=outbound`)
      .set('authorization', `Bearer ${token}`)
      .expect(200);
    expect(JSON.stringify(listed.body.data)).toContain('through A');
    await request(b.getHttpServer())
      .delete('/api/v1/sessions/fresh')
      .set('authorization', `Bearer ${admin}`)
      .expect(200);
  });

  it('disconnect, logout and delete through A of sessions B holds: B applies them (no SESSION_HELD_ELSEWHERE)', async () => {
    const admin = await adminToken(a);
    const asAdmin = (req: request.Test) => req.set('authorization', `Bearer ${admin}`);
    const held = (id: string) => b.get(ConnectionRegistry).isHeld(id);
    await linkSession(fixture, b, 'other', '6281200000072');
    await linkSession(fixture, b, 'third', '6281200000073');
    expect(held('other') && held('third')).toBe(true);

    await asAdmin(request(a.getHttpServer()).post('/api/v1/sessions/other/disconnect')).expect(200);
    await eventually(() => !held('other'), 20_000);
    await eventually(() => fixture.simulator.devices('6281200000072').every((d) => !d.online), 20_000);
    expect(await prisma.whatsappSession.findUniqueOrThrow({ where: { id: 'other' } })).toMatchObject({
      status: 'disconnected',
      shouldConnect: false,
    });
    // Back on B, then logged out through A: the phone no longer lists the device.
    await asAdmin(request(b.getHttpServer()).post('/api/v1/sessions/other/connect')).expect(200);
    await eventually(() => b.get(ConnectionRegistry).statusOf('other') === 'connected', 20_000);
    const devices = fixture.simulator.devices('6281200000072').length;
    const out = await asAdmin(request(a.getHttpServer()).post('/api/v1/sessions/other/logout')).expect(200);
    expect(out.body.data).toMatchObject({ status: 'logged_out', shouldConnect: false });
    expect(held('other')).toBe(false);
    expect(fixture.simulator.devices('6281200000072')).toHaveLength(devices - 1);

    await asAdmin(request(a.getHttpServer()).delete('/api/v1/sessions/third')).expect(200);
    expect(await prisma.whatsappSession.findUnique({ where: { id: 'third' } })).toBeNull();
    await eventually(() => !held('third'), 20_000);
    expect(fixture.simulator.devices('6281200000073')).toHaveLength(0);
  });

  it('a session not linked or disconnected on request refuses sends at once, as before', async () => {
    const holder = [a, b].find((app) => app.get(ConnectionRegistry).isHeld(SESSION))!;
    await holder.get(ConnectionRegistry).disconnect(SESSION, 'test: stopped');
    const res = await send(a, { to: CONTACT, text: 'refused' }).expect(409);
    expect(res.body.code).toBe('SESSION_NOT_CONNECTED');
  });

  it('settled rows go after OUTBOUND_RETENTION_DAYS, with their Idempotency-Keys; unsettled ones stay', async () => {
    const settled = await prisma.outboundMessage.count({ where: { status: { in: ['sent', 'failed'] } } });
    expect(settled).toBeGreaterThan(5);
    const unsettled = await prisma.outboundMessage.count({
      where: { status: { in: ['queued', 'sending'] } },
    });
    expect(await a.get(OutboundRetention).prune(new Date())).toBe(0);
    const removed = await a.get(OutboundRetention).prune(new Date(Date.now() + 8 * 24 * 3_600_000));
    expect(removed).toBe(settled);
    expect(await prisma.outboundMessage.count()).toBe(unsettled);
    expect(await prisma.outboundMessage.count({ where: { idempotencyKey: 'order-1001' } })).toBe(0);
  });
});
