import { createHash, randomBytes } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { testPng } from './support/campaign-helpers';
import { eventually, GatewayFixture, linkSession } from './support/gateway-fixture';
import { WebhookReceiver } from './support/webhook-receiver';

jest.setTimeout(120_000);

const SESSION = 'voice';
const ACCOUNT = '6281299990601';
const CONTACT = '6281100000601';
const MAX_MEDIA = 2 * 1024 * 1024;
// An Ogg page header and some bytes: enough for WhatsApp to carry (Baileys' duration and waveform
// probes fail on it and are skipped, as for any audio they cannot read).
const OGG = Buffer.concat([Buffer.from('OggS\0\x02', 'latin1'), randomBytes(2048)]);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * Voice notes and media given as base64, end to end: the gateway's real Baileys against the
 * simulator, a real MariaDB and a real webhook receiver.
 */
describe('voice notes and base64 media', () => {
  const fixture = new GatewayFixture();
  const receiver = new WebhookReceiver();
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let token: string;

  const send = (kind: string) =>
    request(app.getHttpServer())
      .post(`/api/v1/sessions/${SESSION}/messages/${kind}`)
      .set('authorization', `Bearer ${token}`);
  const received = (messageId: string) =>
    fixture.simulator.waitForMessage(CONTACT, { match: (m) => m.id === messageId, sinceIndex: 0 });
  const stored = (waMessageId: string, direction: 'inbound' | 'outbound') =>
    eventually(() => prisma.message.findFirst({ where: { sessionId: SESSION, waMessageId, direction } }));

  beforeAll(async () => {
    await fixture.start('wagw_voice_base64');
    await receiver.start();
    fixture.simulator.createContact(CONTACT, { pushName: 'Vera' });
    app = await fixture.startApp(
      fixture.config({ WEBHOOK_URL: receiver.url, MEDIA_MAX_BYTES: String(MAX_MEDIA) }),
    );
    prisma = app.get(PrismaService);
    ({ token } = await linkSession(fixture, app, SESSION, ACCOUNT));
  });
  afterAll(async () => {
    await fixture.close();
    await receiver.stop();
  });

  it('sends a voice note (audio with ptt, JSON base64) that the contact receives as ptt ogg/opus', async () => {
    const res = await send('audio')
      .send({ to: `+${CONTACT}`, base64: OGG.toString('base64'), mimetype: 'audio/ogg', ptt: true })
      .expect(201);
    const got = await received(res.body.data.messageId);
    expect(got.message.audioMessage).toMatchObject({ ptt: true, mimetype: 'audio/ogg; codecs=opus' });
    expect(await fixture.simulator.downloadMedia(got)).toEqual(OGG);

    const row = await stored(res.body.data.messageId, 'outbound');
    expect(row).toMatchObject({ type: 'audio', ptt: true, mediaMime: 'audio/ogg; codecs=opus' });
    const listed = await request(app.getHttpServer())
      .get(`/api/v1/sessions/${SESSION}/messages?direction=outbound&type=audio`)
      .set('authorization', `Bearer ${token}`)
      .expect(200);
    expect(listed.body.data.messages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ messageId: res.body.data.messageId, type: 'audio', ptt: true }),
      ]),
    );
  });

  it('messages/voice takes an upload as a voice note; a plain audio is not one', async () => {
    const voice = await send('voice')
      .field('to', CONTACT)
      .attach('file', OGG, { filename: 'note.ogg', contentType: 'audio/ogg' })
      .expect(201);
    const gotVoice = await received(voice.body.data.messageId);
    expect(gotVoice.message.audioMessage).toMatchObject({ ptt: true, mimetype: 'audio/ogg; codecs=opus' });
    expect(sha256(await fixture.simulator.downloadMedia(gotVoice))).toBe(sha256(OGG));

    const multipartPtt = await send('audio')
      .field('to', CONTACT)
      .field('ptt', 'true')
      .attach('file', OGG, { filename: 'note.ogg', contentType: 'audio/ogg' })
      .expect(201);
    expect((await received(multipartPtt.body.data.messageId)).message.audioMessage?.ptt).toBe(true);

    const plain = await send('audio')
      .send({ to: CONTACT, base64: `data:audio/mpeg;base64,${OGG.toString('base64')}` })
      .expect(201);
    const gotPlain = await received(plain.body.data.messageId);
    expect(gotPlain.message.audioMessage?.ptt).toBeFalsy();
    expect(gotPlain.message.audioMessage?.mimetype).toBe('audio/mpeg');
    expect(await stored(plain.body.data.messageId, 'outbound')).toMatchObject({ type: 'audio', ptt: false });
  });

  it('stores an inbound voice note as audio with ptt, and its webhook says so (once)', async () => {
    const id = await fixture.simulator.sendMessage(CONTACT, ACCOUNT, {
      media: { kind: 'audio', data: OGG, ptt: true },
    });
    const plainId = await fixture.simulator.sendMessage(CONTACT, ACCOUNT, {
      media: { kind: 'audio', data: OGG, mimetype: 'audio/mpeg' },
    });
    expect(await stored(id, 'inbound')).toMatchObject({ type: 'audio', ptt: true, fromNumber: CONTACT });
    expect(await stored(plainId, 'inbound')).toMatchObject({ type: 'audio', ptt: false });

    const hooksOf = (messageId: string) =>
      receiver.hooks.filter((h) => h.body.event === 'message.inbound' && h.body.messageId === messageId);
    const [hook] = await eventually(() => (hooksOf(id).length ? hooksOf(id) : undefined));
    expect(hook.body).toMatchObject({
      event: 'message.inbound',
      sessionId: SESSION,
      from: CONTACT,
      type: 'audio',
      ptt: true,
      mimetype: 'audio/ogg; codecs=opus',
    });
    const [plainHook] = await eventually(() => (hooksOf(plainId).length ? hooksOf(plainId) : undefined));
    expect(plainHook.body).toMatchObject({ type: 'audio', ptt: false });
    // Delivered once: no second delivery of the same event comes in.
    await eventually(() =>
      receiver.hooks.some((h) => h.body.event === 'message.media' && h.body.messageId === id),
    );
    expect(hooksOf(id)).toHaveLength(1);

    const listed = await request(app.getHttpServer())
      .get(`/api/v1/sessions/${SESSION}/messages?direction=inbound&type=audio`)
      .set('authorization', `Bearer ${token}`)
      .expect(200);
    const views = listed.body.data.messages as { messageId: string; ptt: boolean }[];
    expect(views.find((m) => m.messageId === id)?.ptt).toBe(true);
    expect(views.find((m) => m.messageId === plainId)?.ptt).toBe(false);
  });

  it('sends an image as plain base64 (type sniffed) and a document as a data URL (its type used)', async () => {
    const png = testPng(16);
    const image = await send('image')
      .send({ to: CONTACT, base64: png.toString('base64'), caption: 'inline' })
      .expect(201);
    const gotImage = await received(image.body.data.messageId);
    expect(gotImage.message.imageMessage).toMatchObject({ mimetype: 'image/png', caption: 'inline' });
    expect(sha256(await fixture.simulator.downloadMedia(gotImage))).toBe(sha256(png));

    const pdf = Buffer.from('%PDF-1.4 an inline document\n%%EOF\n');
    const doc = await send('document')
      .send({
        to: CONTACT,
        base64: `data:application/pdf;base64,${pdf.toString('base64')}`,
        fileName: 'inline.pdf',
      })
      .expect(201);
    const gotDoc = await received(doc.body.data.messageId);
    expect(gotDoc.message.documentMessage).toMatchObject({
      mimetype: 'application/pdf',
      fileName: 'inline.pdf',
    });
    expect(await fixture.simulator.downloadMedia(gotDoc)).toEqual(pdf);

    // A data URL of another type than the kind allows is refused like an upload of that type.
    const wrong = await send('image')
      .send({ to: CONTACT, base64: `data:application/pdf;base64,${pdf.toString('base64')}` })
      .expect(400);
    expect(wrong.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('takes a JSON body the size of the largest file on media routes only', async () => {
    const big = randomBytes(MAX_MEDIA - 1024); // base64 of it is ~2.7 MB, beyond BODY_LIMIT (1mb)
    const doc = await send('document')
      .send({ to: CONTACT, base64: big.toString('base64'), mimetype: 'application/octet-stream' })
      .expect(201);
    const got = await received(doc.body.data.messageId);
    expect(sha256(await fixture.simulator.downloadMedia(got))).toBe(sha256(big));

    const tooBig = await send('document')
      .send({ to: CONTACT, base64: randomBytes(MAX_MEDIA + 1).toString('base64') })
      .expect(413);
    expect(tooBig.body.code).toBe('MEDIA_TOO_LARGE');
    // Other routes keep BODY_LIMIT.
    await send('text')
      .send({ to: CONTACT, text: 'x'.repeat(1_100_000) })
      .expect(413);
  });

  it('refuses bad base64, two sources, no source and ptt on other kinds, naming the fields', async () => {
    const fieldsOf = async (kind: string, body: Record<string, unknown>) => {
      const res = await send(kind)
        .send({ to: CONTACT, ...body })
        .expect(400);
      return (res.body.details as { field: string }[]).map((d) => d.field);
    };
    expect(await fieldsOf('image', { base64: 'not base64!' })).toEqual(['base64']);
    expect(await fieldsOf('image', { base64: 'data:image/png,plain-text' })).toEqual(['base64']);
    expect(await fieldsOf('image', { base64: 42 })).toEqual(['base64']);
    expect(
      await fieldsOf('image', { base64: testPng().toString('base64'), url: 'https://example.com/a.png' }),
    ).toEqual(['url', 'base64']);
    expect(await fieldsOf('document', {})).toEqual(['file']);
    expect(await fieldsOf('image', { base64: testPng().toString('base64'), ptt: true })).toEqual(['ptt']);
    expect(await fieldsOf('audio', { base64: OGG.toString('base64'), ptt: 'yes' })).toEqual(['ptt']);

    const both = await send('image')
      .field('to', CONTACT)
      .field('base64', testPng().toString('base64'))
      .attach('file', testPng(), { filename: 'a.png', contentType: 'image/png' })
      .expect(400);
    expect(both.body.details.map((d: { field: string }) => d.field)).toEqual(['file', 'base64']);
  });
});
