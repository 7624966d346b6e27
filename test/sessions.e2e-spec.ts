import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DomainEvents } from '../src/common/domain-events';
import type { Prisma } from '../src/generated/prisma/client';
import { PrismaService } from '../src/prisma/prisma.service';
import { BufferJSON } from '../src/whatsapp/baileys';
import { decodeRawMessage } from '../src/whatsapp/raw-message';
import { adminToken, baseUrl, eventually, GatewayFixture, MASTER_KEY } from './support/gateway-fixture';
import { RecordingWsClient } from './support/ws-client';

jest.setTimeout(120_000);

const CONTACT = '6281100000001';
const PHONE = '6281200000001';
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe('sessions end to end (real Baileys against the simulator)', () => {
  const fixture = new GatewayFixture();
  const media = mkdtempSync(join(tmpdir(), 'wagw-media-'));
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let token: string;
  let admin: string;

  beforeAll(async () => {
    await fixture.start('wagw_sessions');
    fixture.simulator.createContact(CONTACT, { pushName: 'Ann' });
    app = await fixture.startApp(fixture.config({ MEDIA_PATH: media }));
    prisma = app.get(PrismaService);
    admin = await adminToken(app);
  });
  afterAll(async () => {
    await fixture.close();
    rmSync(media, { recursive: true, force: true });
  });

  it('create -> QR over REST and /ws -> the simulated phone scans it -> connected with the phone number', async () => {
    const wsToken = (
      await request(app.getHttpServer())
        .post('/api/v1/auth/ws-token')
        .set('authorization', `Bearer ${admin}`)
        .expect(200)
    ).body.data.token as string;
    const ws = await RecordingWsClient.connect(`${baseUrl(app).replace('http', 'ws')}/ws?token=${wsToken}`);
    try {
      const created = await request(app.getHttpServer())
        .post('/api/v1/sessions')
        .set('x-master-key', MASTER_KEY)
        .send({ id: 'sales', name: 'Sales' })
        .expect(201);
      token = created.body.data.token;
      expect(token).toMatch(/^wag_/);
      expect(created.body.data.session).toMatchObject({ id: 'sales', name: 'Sales' });

      const qr = await eventually(async () => {
        const res = await request(app.getHttpServer())
          .get('/api/v1/sessions/sales/qr')
          .set('authorization', `Bearer ${admin}`);
        return res.status === 200 ? res.body.data : null;
      });
      expect(qr.qrCode).toMatch(/^data:image\/png;base64,/);
      expect(qr.qr).toMatch(/^https:\/\/wa\.me\/settings\/linked_devices#/);
      await eventually(() =>
        ws.of('session.qr').some((e) => e.data.sessionId === 'sales' && e.data.qr === qr.qr),
      );

      await fixture.simulator.linkDevice(qr.qr, { phoneNumber: PHONE });
      await eventually(() =>
        ws.of('session.status').some((e) => e.data.sessionId === 'sales' && e.data.status === 'connected'),
      );
      const res = await request(app.getHttpServer())
        .get('/api/v1/sessions/sales')
        .set('authorization', `Bearer ${admin}`)
        .expect(200);
      expect(res.body.data).toMatchObject({ status: 'connected', phoneNumber: PHONE, hasQrCode: false });
      await request(app.getHttpServer())
        .get('/api/v1/sessions/sales/qr')
        .set('authorization', `Bearer ${admin}`)
        .expect(404);
    } finally {
      ws.close();
    }
  });

  it('stores an inbound text and image once, with the right fields and the media file', async () => {
    await fixture.simulator.sendMessage(CONTACT, PHONE, { text: 'hello gateway' });
    await fixture.simulator.sendMessage(CONTACT, PHONE, {
      media: { kind: 'image', data: PNG, mimetype: 'image/png', caption: 'a pixel' },
    });
    const rows = await eventually(async () => {
      const found = await prisma.message.findMany({
        where: { sessionId: 'sales', direction: 'inbound' },
        orderBy: { id: 'asc' },
      });
      // The media is attached after the message is stored (mediaState pending, then stored).
      return found.length >= 2 && found[1].mediaState === 'stored' ? found : null;
    });
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      fromNumber: CONTACT,
      toNumber: PHONE,
      type: 'text',
      text: 'hello gateway',
      status: 'received',
      pushName: 'Ann',
    });
    expect(rows[1]).toMatchObject({
      type: 'image',
      text: 'a pixel',
      mediaMime: 'image/png',
      mediaSize: PNG.length,
    });
    expect(readFileSync(join(media, rows[1].mediaPath!))).toEqual(PNG);

    const listed = await request(app.getHttpServer())
      .get('/api/v1/sessions/sales/messages?direction=inbound')
      .set('authorization', `Bearer ${token}`)
      .expect(200);
    expect(listed.body.data.messages.map((m: { type: string }) => m.type)).toEqual(['image', 'text']);
    const file = await request(app.getHttpServer())
      .get(listed.body.data.messages[0].mediaUrl)
      .set('authorization', `Bearer ${token}`)
      .expect(200);
    expect(Buffer.from(file.body)).toEqual(PNG);
  });

  it('sends a text and a document that the contact receives exactly; receipts update the stored status', async () => {
    const text = await request(app.getHttpServer())
      .post('/api/v1/sessions/sales/messages/text')
      .set('authorization', `Bearer ${token}`)
      .send({ to: '+62 811-0000-0001', text: 'hi Ann' })
      .expect(201);
    const gotText = await fixture.simulator.waitForMessage(CONTACT, {
      match: (m) => m.id === text.body.data.messageId,
      sinceIndex: 0,
    });
    expect(gotText.message.extendedTextMessage?.text ?? gotText.message.conversation).toBe('hi Ann');

    const pdf = Buffer.from('%PDF-1.4 tiny test document');
    const doc = await request(app.getHttpServer())
      .post('/api/v1/sessions/sales/messages/document')
      .set('authorization', `Bearer ${token}`)
      .field('to', CONTACT)
      .field('fileName', 'invoice.pdf')
      .attach('file', pdf, { filename: 'upload.pdf', contentType: 'application/pdf' })
      .expect(201);
    const gotDoc = await fixture.simulator.waitForMessage(CONTACT, {
      match: (m) => m.id === doc.body.data.messageId,
      sinceIndex: 0,
    });
    expect(gotDoc.message.documentMessage?.fileName).toBe('invoice.pdf');
    expect(await fixture.simulator.downloadMedia(gotDoc)).toEqual(pdf);

    const stored = await eventually(() =>
      prisma.message.findFirst({ where: { waMessageId: text.body.data.messageId, status: 'delivered' } }),
    );
    expect(stored).toMatchObject({
      direction: 'outbound',
      type: 'text',
      text: 'hi Ann',
      toNumber: CONTACT,
      fromNumber: PHONE,
    });
    fixture.simulator.sendReceipt(CONTACT, text.body.data.messageId, 'read');
    await eventually(() =>
      prisma.message.findFirst({ where: { waMessageId: text.body.data.messageId, status: 'read' } }),
    );
    expect(await prisma.message.count({ where: { waMessageId: text.body.data.messageId } })).toBe(1);
  });

  it('replies to and reacts on a stored inbound message, also one stored in the older JSON form', async () => {
    const quoted = await fixture.simulator.sendMessage(CONTACT, PHONE, { text: 'quote me' });
    const row = await eventually(() =>
      prisma.message.findFirst({ where: { waMessageId: quoted, direction: 'inbound' } }),
    );
    expect(typeof row.raw).toBe('string'); // protobuf bytes as base64 (src/whatsapp/raw-message.ts)

    const reply = async (text: string) => {
      const sent = await request(app.getHttpServer())
        .post('/api/v1/sessions/sales/messages/text')
        .set('authorization', `Bearer ${token}`)
        .send({ to: CONTACT, text, quotedMessageId: quoted })
        .expect(201);
      const got = await fixture.simulator.waitForMessage(CONTACT, {
        match: (m) => m.id === sent.body.data.messageId,
        sinceIndex: 0,
      });
      expect(got.message.extendedTextMessage?.text).toBe(text);
      expect(got.message.extendedTextMessage?.contextInfo).toMatchObject({
        stanzaId: quoted,
        quotedMessage: { conversation: 'quote me' },
      });
    };
    await reply('quoting you');

    const reaction = await request(app.getHttpServer())
      .post('/api/v1/sessions/sales/reaction')
      .set('authorization', `Bearer ${token}`)
      .send({ to: CONTACT, messageId: quoted, emoji: '👍' })
      .expect(201);
    const gotReaction = await fixture.simulator.waitForMessage(CONTACT, {
      match: (m) => m.id === reaction.body.data.messageId,
      sinceIndex: 0,
    });
    expect(gotReaction.message.reactionMessage).toMatchObject({ text: '👍', key: { id: quoted } });

    // A row written before raw was kept as protobuf holds the message as BufferJSON.
    const legacy = JSON.parse(
      JSON.stringify(decodeRawMessage(row.raw), BufferJSON.replacer),
    ) as Prisma.InputJsonValue;
    await prisma.message.update({ where: { id: row.id }, data: { raw: legacy } });
    await reply('quoting the older row');
  });

  it('stores what a sender chose at any length: a 60,000-emoji text whole, a 300-character file name clipped', async () => {
    const long = '😀'.repeat(60_000); // 240,000 bytes in utf8mb4
    const name = `${'n'.repeat(296)}.pdf`;
    const textId = await fixture.simulator.sendMessage(CONTACT, PHONE, { text: long });
    const docId = await fixture.simulator.sendMessage(CONTACT, PHONE, {
      media: { kind: 'document', data: Buffer.from('%PDF-1.4'), mimetype: 'application/pdf', fileName: name },
    });
    const text = await eventually(() => prisma.message.findFirst({ where: { waMessageId: textId } }));
    const doc = await eventually(() => prisma.message.findFirst({ where: { waMessageId: docId } }));
    expect(text.text).toBe(long);
    expect(doc.fileName).toBe(name.slice(0, 255));
    expect(doc.text).toBe(name); // the seed's `message` of a document is its file name
  });

  it('comes back connected after a restart of the app, without a new QR', async () => {
    await fixture.stopApp(app);
    app = await fixture.startApp(fixture.config({ MEDIA_PATH: media }));
    prisma = app.get(PrismaService);
    const qrs: string[] = [];
    app.get(DomainEvents).on('session.qr', (e) => qrs.push(e.sessionId));
    await eventually(
      async () =>
        (await prisma.whatsappSession.findUnique({ where: { id: 'sales' } }))?.status === 'connected',
    );
    expect(qrs).toEqual([]);
    await fixture.simulator.sendMessage(CONTACT, PHONE, { text: 'after restart' });
    await eventually(() =>
      prisma.message.findFirst({ where: { sessionId: 'sales', text: 'after restart' } }),
    );
  });
});
