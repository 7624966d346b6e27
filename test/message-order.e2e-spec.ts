import type { NestExpressApplication } from '@nestjs/platform-express';
import { PrismaService } from '../src/prisma/prisma.service';
import { WhatsappIngest } from '../src/whatsapp/whatsapp-ingest';
import request from 'supertest';
import { adminToken, baseUrl, eventually, GatewayFixture, linkSession } from './support/gateway-fixture';
import { RecordingWsClient } from './support/ws-client';

jest.setTimeout(120_000);

const SESSIONS = [
  { id: 'order-a', phone: '6281277900001' },
  { id: 'order-b', phone: '6281277900002' },
];
/** Contacts new to the sessions: their first messages are the ones Baileys learns their LID from. */
const CONTACTS = ['6281277900101', '6281277900102', '6281277900103'];
/** Messages each contact sends each session, one after the other. */
const COUNT = 60;

/**
 * The gateway promises each session's messages stored, and their events delivered, in the order
 * WhatsApp delivered them. Several contacts write to two sessions at once, each contact's messages
 * numbered in the order it sent them: the stored rows, the webhook outbox rows and the /ws
 * `message.stored` events of each (session, contact) pair must come in that order.
 */
describe('inbound message order per session (real Baileys against the simulator)', () => {
  const fixture = new GatewayFixture();
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let ws: RecordingWsClient;

  beforeAll(async () => {
    await fixture.start('wagw_order');
    // A webhook no one answers: the outbox rows stay for their order to be read.
    app = await fixture.startApp(fixture.config({ WEBHOOK_URL: 'http://127.0.0.1:9/hook' }));
    prisma = app.get(PrismaService);
    for (const contact of CONTACTS) fixture.simulator.createContact(contact);
    for (const s of SESSIONS) await linkSession(fixture, app, s.id, s.phone);
    const token = (
      await request(app.getHttpServer())
        .post('/api/v1/auth/ws-token')
        .set('authorization', `Bearer ${await adminToken(app)}`)
        .expect(200)
    ).body.data.token as string;
    ws = await RecordingWsClient.connect(`${baseUrl(app).replace('http', 'ws')}/ws?token=${token}`);
    await eventually(() => ws.of('ready').length === 1);
  });
  afterAll(async () => {
    ws?.close();
    await fixture.close();
  });

  it("stores, queues for the webhook and pushes on /ws each contact's messages in the order sent", async () => {
    // The order Baileys upserted them in, to tell a reordering by Baileys from one by the gateway.
    const upserted = new Map<string, string[]>();
    const accept = WhatsappIngest.prototype.accept;
    const spy = jest.spyOn(WhatsappIngest.prototype, 'accept').mockImplementation(function (
      this: WhatsappIngest,
      sessionId,
      messages,
      ownNumber,
    ) {
      const list = upserted.get(sessionId) ?? [];
      upserted.set(sessionId, list);
      for (const m of messages) if (m.key?.id) list.push(m.key.id);
      return accept.call(this, sessionId, messages, ownNumber);
    });
    // Each (contact, session) pair sends in order; the pairs run at the same time.
    const sent = new Map<string, string[]>();
    await Promise.all(
      SESSIONS.flatMap((s) =>
        CONTACTS.map(async (contact, c) => {
          const ids: string[] = [];
          sent.set(`${s.id} ${contact}`, ids);
          for (let i = 1; i <= COUNT; i++) {
            const addressing = c === 1 ? 'lid' : 'pn';
            ids.push(await fixture.simulator.sendMessage(contact, s.phone, { text: `${i}` }, { addressing }));
          }
        }),
      ),
    );
    const total = SESSIONS.length * CONTACTS.length * COUNT;
    await eventually(
      async () => (await prisma.message.count({ where: { direction: 'inbound' } })) === total,
      60_000,
      200,
    );
    await eventually(
      () => ws.of('message.stored').filter((e) => e.data.direction === 'inbound').length === total,
    );

    for (const s of SESSIONS) {
      const rows = await prisma.message.findMany({
        where: { sessionId: s.id, direction: 'inbound' },
        orderBy: { id: 'asc' },
        select: { waMessageId: true, fromNumber: true },
      });
      const outbox = await prisma.webhookOutbox.findMany({
        where: { sessionId: s.id, event: 'message.inbound' },
        orderBy: { id: 'asc' },
        select: { messageId: true },
      });
      const pushed = ws
        .of('message.stored')
        .filter((e) => e.data.sessionId === s.id && e.data.direction === 'inbound')
        .map((e) => e.data.waMessageId as string);
      for (const contact of CONTACTS) {
        const ids = sent.get(`${s.id} ${contact}`)!;
        const mine = new Set(ids);
        // Baileys' upserts first (where the order was lost: a contact's 2nd and 3rd message swapped).
        expect((upserted.get(s.id) ?? []).filter((id) => mine.has(id))).toEqual(ids);
        expect(rows.filter((r) => r.fromNumber === contact).map((r) => r.waMessageId)).toEqual(ids);
        expect(outbox.map((r) => r.messageId).filter((id) => mine.has(id!))).toEqual(ids);
        expect(pushed.filter((id) => mine.has(id))).toEqual(ids);
      }
    }
    spy.mockRestore();
  });
});
