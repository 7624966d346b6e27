import type { NestExpressApplication } from '@nestjs/platform-express';
import { MessageCapture, type MessageToStore } from '../src/messages/message-capture.service';
import { PrismaService } from '../src/prisma/prisma.service';
import { GatewayFixture } from './support/gateway-fixture';

const SESSION = 'capture';

/** An inbound text as the ingest hands it to the store. */
function inbound(waMessageId: string, text = `text of ${waMessageId}`): MessageToStore {
  return {
    sessionId: SESSION,
    waMessageId,
    direction: 'inbound',
    type: 'text',
    chatJid: '6281100000031@s.whatsapp.net',
    from: '6281100000031',
    to: '6281200000031',
    text,
    fileName: null,
    mediaMime: null,
    hasMedia: false,
    waTimestamp: new Date(),
    pushName: 'Capture',
    quotedId: null,
    mediaPath: null,
    mediaSize: null,
    status: 'received',
    raw: null,
  };
}

describe('message capture: one INSERT for new messages, the checked path for the rest (real MariaDB)', () => {
  const fixture = new GatewayFixture();
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let capture: MessageCapture;

  /** Stored rows and webhook outbox rows of these WhatsApp ids. */
  async function counts(ids: string[]) {
    const stored = await prisma.message.groupBy({
      by: ['waMessageId'],
      where: { sessionId: SESSION, waMessageId: { in: ids } },
      _count: true,
    });
    const outbox = await prisma.webhookOutbox.groupBy({
      by: ['messageId'],
      where: { sessionId: SESSION, messageId: { in: ids } },
      _count: true,
    });
    return {
      stored: Object.fromEntries(stored.map((r) => [r.waMessageId, r._count])),
      outbox: Object.fromEntries(outbox.map((r) => [r.messageId, r._count])),
    };
  }

  beforeAll(async () => {
    await fixture.start('wagw_capture');
    // A webhook that no one answers: deliveries fail and stay, so their rows can be counted.
    app = await fixture.startApp(fixture.config({ WEBHOOK_URL: 'http://127.0.0.1:9/hook' }));
    prisma = app.get(PrismaService);
    capture = app.get(MessageCapture);
    await prisma.whatsappSession.create({ data: { id: SESSION, name: 'Capture' } });
  });
  afterAll(() => fixture.close());

  it('stores a batch of new messages once each, in order, with one webhook row each', async () => {
    const ids = ['new-1', 'new-2', 'new-3'];
    // Queued in one tick, so they are written as one batch.
    const results = await Promise.all(ids.map((id) => capture.store(inbound(id))));
    expect(results).toEqual([true, true, true]);
    expect(await counts(ids)).toEqual({
      stored: { 'new-1': 1, 'new-2': 1, 'new-3': 1 },
      outbox: { 'new-1': 1, 'new-2': 1, 'new-3': 1 },
    });
    const rows = await prisma.message.findMany({
      where: { sessionId: SESSION, waMessageId: { in: ids } },
      orderBy: { id: 'asc' },
      select: { waMessageId: true, text: true },
    });
    expect(rows).toEqual(ids.map((id) => ({ waMessageId: id, text: `text of ${id}` })));
  });

  it('a message an earlier process stored is refused by the unique key; the checked path stores the rest of its batch', async () => {
    // As if stored before a restart: this process has not seen it.
    const earlier = inbound('earlier-1');
    await prisma.message.create({
      data: {
        sessionId: SESSION,
        waMessageId: earlier.waMessageId,
        chatJid: earlier.chatJid,
        fromNumber: earlier.from,
        toNumber: earlier.to,
        direction: 'inbound',
        type: 'text',
        text: 'stored earlier',
        waTimestamp: earlier.waTimestamp,
        status: 'received',
      },
    });
    // The refusal is expected, not a failure: the batch is not retried row by row (which first asks
    // whether the database is reachable).
    const probe = jest.spyOn(prisma, 'isReachable');
    const results = await Promise.all([
      capture.store(inbound('before-it')),
      capture.store(earlier),
      capture.store(inbound('after-it')),
    ]);
    expect(results).toEqual([true, false, true]);
    expect(probe).not.toHaveBeenCalled();
    probe.mockRestore();
    expect(await counts(['before-it', 'earlier-1', 'after-it'])).toEqual({
      stored: { 'before-it': 1, 'earlier-1': 1, 'after-it': 1 },
      outbox: { 'before-it': 1, 'after-it': 1 },
    });
    const kept = await prisma.message.findFirstOrThrow({
      where: { sessionId: SESSION, waMessageId: 'earlier-1' },
    });
    expect(kept.text).toBe('stored earlier');
  });

  it('a message seen again (twice in one batch, or again later) is stored once', async () => {
    const first = await Promise.all([capture.store(inbound('again-1')), capture.store(inbound('again-1'))]);
    expect(first).toEqual([true, false]);
    const later = await Promise.all([capture.store(inbound('again-1')), capture.store(inbound('again-2'))]);
    expect(later).toEqual([false, true]);
    expect(await counts(['again-1', 'again-2'])).toEqual({
      stored: { 'again-1': 1, 'again-2': 1 },
      outbox: { 'again-1': 1, 'again-2': 1 },
    });
  });
});
