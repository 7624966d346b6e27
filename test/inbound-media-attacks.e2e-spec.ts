import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import type { MediaAttack } from '../src/sandbox/simulator/types';
import { createUserAndLogin } from './support/auth-helpers';
import { baseUrl, eventually, GatewayFixture, linkSession, MASTER_KEY } from './support/gateway-fixture';
import { WebhookReceiver } from './support/webhook-receiver';
import { RecordingWsClient } from './support/ws-client';

jest.setTimeout(180_000);

const CONTACT = '6281100000071';
const PHONE = '6281200000071';
const SESSION = 'media';
const MAX_BYTES = 65_536;
const DEADLINE_MS = 6_000;
/** Texts around an attack must be stored and webhooked within this, whatever the media does. */
const AT_ONCE_MS = 4_000;

/**
 * A listener the test owns, standing for whatever a hostile sender points the gateway at (a local
 * service, a metadata endpoint): it counts every TCP connection, whatever is sent on it.
 */
class AttackerListener {
  connections = 0;
  port = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  async start(): Promise<this> {
    const server = createServer((socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nsecret');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

describe('inbound media from a hostile sender (real Baileys, the simulator as attacker, MariaDB)', () => {
  const fixture = new GatewayFixture();
  const receiver = new WebhookReceiver();
  const attacker = new AttackerListener();
  const media = mkdtempSync(join(tmpdir(), 'wagw-inmedia-'));
  const faults: unknown[] = [];
  const onFault = (error: unknown) => faults.push(error);
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let token: string;
  let admin: string;
  let ws: RecordingWsClient;
  let serial = 0;

  beforeAll(async () => {
    process.on('uncaughtException', onFault);
    process.on('unhandledRejection', onFault);
    await receiver.start();
    await attacker.start();
    await fixture.start('wagw_inmedia');
    fixture.simulator.createContact(CONTACT, { pushName: 'Mallory' });
    app = await fixture.startApp(
      fixture.config({
        MEDIA_PATH: media,
        MEDIA_MAX_BYTES: String(MAX_BYTES),
        MEDIA_DOWNLOAD_TIMEOUT_MS: String(DEADLINE_MS),
        WEBHOOK_URL: receiver.url,
      }),
    );
    prisma = app.get(PrismaService);
    ({ token, admin } = await linkSession(fixture, app, SESSION, PHONE));
    const wsToken = (
      await request(app.getHttpServer())
        .post('/api/v1/auth/ws-token')
        .set('authorization', `Bearer ${admin}`)
        .expect(200)
    ).body.data.token as string;
    ws = await RecordingWsClient.connect(`${baseUrl(app).replace('http', 'ws')}/ws?token=${wsToken}`);
  });
  afterAll(async () => {
    ws?.close();
    await fixture.close();
    await receiver.stop();
    await attacker.stop();
    rmSync(media, { recursive: true, force: true });
    process.off('uncaughtException', onFault);
    process.off('unhandledRejection', onFault);
  });

  const hooksOf = (event: string, messageId: string) =>
    receiver.hooks.filter((h) => h.body.event === event && h.body.messageId === messageId);
  const row = (waMessageId: string) =>
    prisma.message.findFirst({ where: { sessionId: SESSION, waMessageId, direction: 'inbound' } });

  /**
   * A text, a hostile media message, a text. The texts are stored and webhooked at once (while
   * the media may still be pending); the media message too, as pending. Returns the media's id.
   */
  async function sendBetweenTexts(attack: MediaAttack, data = Buffer.alloc(20_000, 7)): Promise<string> {
    serial += 1;
    const before = await fixture.simulator.sendMessage(CONTACT, PHONE, { text: `before ${serial}` });
    const mediaId = await fixture.simulator.sendMessage(CONTACT, PHONE, {
      media: { kind: 'document', data, mimetype: 'application/pdf', fileName: `f${serial}.pdf`, attack },
    });
    const after = await fixture.simulator.sendMessage(CONTACT, PHONE, { text: `after ${serial}` });
    const started = Date.now();
    await eventually(
      async () => {
        for (const id of [before, after, mediaId]) {
          if (!(await row(id))) return false;
          if (hooksOf('message.inbound', id).length !== 1) return false;
        }
        return true;
      },
      AT_ONCE_MS,
      50,
    );
    expect(Date.now() - started).toBeLessThan(AT_ONCE_MS);
    expect((await row(after))?.text).toBe(`after ${serial}`);
    const announced = hooksOf('message.inbound', mediaId)[0].body;
    expect(announced).toMatchObject({ type: 'document', mediaState: 'pending' });
    expect(announced.mediaUrl).toBeUndefined();
    return mediaId;
  }

  /** Waits for the media's `message.media` webhook and /ws event, and checks the row says the same. */
  async function settled(mediaId: string, timeoutMs = 15_000) {
    const hook = await eventually(() => hooksOf('message.media', mediaId)[0], timeoutMs);
    await eventually(() => ws.of('message.media').some((e) => e.data.waMessageId === mediaId));
    const stored = await row(mediaId);
    expect(stored?.mediaState).toBe(hook.body.mediaState);
    expect(stored?.mediaError ?? undefined).toBe(hook.body.mediaError);
    expect(hooksOf('message.media', mediaId)).toHaveLength(1);
    return { body: hook.body, row: stored! };
  }

  it('stores a normal media message: pending at first, then stored with the right bytes and a message.media event', async () => {
    const pdf = Buffer.from('%PDF-1.4 a real document '.repeat(200));
    const mediaId = await sendBetweenTexts({}, pdf);
    const { body, row: stored } = await settled(mediaId);
    expect(body).toMatchObject({
      mediaState: 'stored',
      mediaSize: pdf.length,
      mimetype: 'application/pdf',
      sessionId: SESSION,
    });
    expect(stored.mediaSize).toBe(pdf.length);
    const file = await request(app.getHttpServer())
      .get(body.mediaUrl as string)
      .set('authorization', `Bearer ${token}`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(file.body).toEqual(pdf);
    const listed = await request(app.getHttpServer())
      .get(`/api/v1/sessions/${SESSION}/messages?type=document`)
      .set('authorization', `Bearer ${token}`)
      .expect(200);
    expect(
      listed.body.data.messages.find((m: { messageId: string }) => m.messageId === mediaId),
    ).toMatchObject({
      mediaState: 'stored',
      mediaError: null,
      mediaSize: pdf.length,
      mediaUrl: body.mediaUrl,
    });
  });

  it("never fetches a url or directPath the sender chose: no connection reaches the attacker's listener", async () => {
    const target = `http://127.0.0.1:${attacker.port}`;
    const attacks: MediaAttack[] = [
      { url: `${target}/latest/meta-data/` },
      { url: `https://mmg.whatsapp.net@127.0.0.1:${attacker.port}/x` },
      { url: `https://127.0.0.1:${attacker.port}/x`, directPath: `@127.0.0.1:${attacker.port}/x` },
      { url: null, directPath: `//127.0.0.1:${attacker.port}/x` },
      { url: 'http://10.0.0.1/x' },
    ];
    const ids: string[] = [];
    for (const attack of attacks) ids.push(await sendBetweenTexts(attack));
    for (const id of ids) expect((await settled(id)).body).toMatchObject({ mediaState: 'failed' });
    // A directPath alone goes to the media host (the simulator's in sandbox mode), not to the url's host.
    const pathOnly = await sendBetweenTexts({ url: `${target}/x`, directPath: '/media/not-there' });
    expect((await settled(pathOnly)).body).toMatchObject({ mediaState: 'failed', mediaError: 'http_404' });
    expect(attacker.connections).toBe(0);
  });

  it('refuses a declared size over MEDIA_MAX_BYTES before any request', async () => {
    const mediaId = await sendBetweenTexts({ fileLength: MAX_BYTES * 100 });
    expect((await settled(mediaId)).body).toMatchObject({
      mediaState: 'too_large',
      mediaError: 'declared_size_over_limit',
    });
    expect(fixture.simulator.mediaRequests(mediaId)).toBe(0);
  });

  it('stops reading a body larger than the size declared', async () => {
    const mediaId = await sendBetweenTexts({ fileLength: 100 });
    expect((await settled(mediaId)).body).toMatchObject({
      mediaState: 'failed',
      mediaError: 'larger_than_declared',
    });
  });

  it('survives a download cut mid-body: failed, nothing kept, the process and its sessions go on', async () => {
    const mediaId = await sendBetweenTexts({ serve: { cutAfterBytes: 1_000 } });
    const { body, row: stored } = await settled(mediaId);
    expect(body.mediaState).toBe('failed');
    expect(stored.mediaPath).toBeNull();
    expect(fixture.simulator.mediaRequests(mediaId)).toBe(1);
    // Still alive: the next message is stored and webhooked.
    await sendBetweenTexts({});
    expect(faults).toEqual([]);
  });

  it('gives up a slow drip at the deadline, while the messages after it are stored at once', async () => {
    const started = Date.now();
    const mediaId = await sendBetweenTexts({ serve: { dripMs: 200 } });
    // The texts are in; the drip is still going.
    expect((await row(mediaId))?.mediaState).toBe('pending');
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS);
    const { body } = await settled(mediaId, DEADLINE_MS + 10_000);
    expect(body).toMatchObject({ mediaState: 'failed', mediaError: 'deadline' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(DEADLINE_MS - 500);
  });

  it('an operator (or the session token) retries a failed download; viewers and other sessions may not', async () => {
    const pdf = Buffer.from('%PDF-1.4 retried '.repeat(100));
    const mediaId = await sendBetweenTexts({ serve: { failFirst: 1 } }, pdf);
    expect((await settled(mediaId)).body).toMatchObject({ mediaState: 'failed', mediaError: 'http_500' });
    const retryUrl = `/api/v1/sessions/${SESSION}/messages/${mediaId}/media/retry`;
    const server = app.getHttpServer();

    const viewer = await createUserAndLogin(app, admin, {
      email: 'viewer@example.com',
      password: 'viewer-password-1',
      role: 'viewer',
    });
    await request(server).post(retryUrl).set('authorization', `Bearer ${viewer.accessToken}`).expect(403);
    const other = await request(server)
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: 'other', name: 'Other' })
      .expect(201);
    const otherToken = other.body.data.token as string;
    const refused = await request(server).post(retryUrl).set('authorization', `Bearer ${otherToken}`);
    expect([403, 404]).toContain(refused.status);
    // Its own session's route with the other token finds no such message.
    await request(server)
      .post(`/api/v1/sessions/other/messages/${mediaId}/media/retry`)
      .set('authorization', `Bearer ${otherToken}`)
      .expect(404);
    expect((await row(mediaId))?.mediaState).toBe('failed');

    const hooksBefore = hooksOf('message.media', mediaId).length;
    const accepted = await request(server).post(retryUrl).set('authorization', `Bearer ${token}`).expect(202);
    expect(accepted.body.data).toEqual({ messageId: mediaId, mediaState: 'pending' });
    const stored = await eventually(async () => {
      const hooks = hooksOf('message.media', mediaId);
      return hooks.length > hooksBefore ? hooks[hooks.length - 1] : null;
    });
    expect(stored.body).toMatchObject({ mediaState: 'stored', mediaSize: pdf.length });
    expect((await row(mediaId))?.mediaState).toBe('stored');
    expect(fixture.simulator.mediaRequests(mediaId)).toBe(2);

    const again = await request(server).post(retryUrl).set('authorization', `Bearer ${admin}`).expect(409);
    expect(again.body.code).toBe('MEDIA_STATE');
    const text = await fixture.simulator.sendMessage(CONTACT, PHONE, { text: 'no media here' });
    await eventually(() => row(text));
    const noMedia = await request(server)
      .post(`/api/v1/sessions/${SESSION}/messages/${text}/media/retry`)
      .set('authorization', `Bearer ${admin}`)
      .expect(400);
    expect(noMedia.body.code).toBe('NO_MEDIA');
    await request(server)
      .post(`/api/v1/sessions/${SESSION}/messages/NOSUCHMESSAGE/media/retry`)
      .set('authorization', `Bearer ${admin}`)
      .expect(404);
  });

  it("past 4 downloads under way and 200 waiting, the next is failed as 'busy' at once (and can be retried)", async () => {
    const drips: string[] = [];
    for (let i = 0; i < 4; i += 1)
      drips.push(
        await fixture.simulator.sendMessage(CONTACT, PHONE, {
          media: { kind: 'document', data: Buffer.alloc(5_000, i), attack: { serve: { dripMs: 500 } } },
        }),
      );
    await eventually(async () => (await Promise.all(drips.map(row))).every(Boolean));
    const waiting: string[] = [];
    for (let i = 0; i < 200; i += 1)
      waiting.push(
        await fixture.simulator.sendMessage(CONTACT, PHONE, {
          media: { kind: 'document', data: Buffer.from(`queued ${i}`) },
        }),
      );
    const onePast = await sendBetweenTexts({});
    const busy = await eventually(() => hooksOf('message.media', onePast)[0], 10_000);
    expect(busy.body).toMatchObject({ mediaState: 'failed', mediaError: 'busy' });
    expect(fixture.simulator.mediaRequests(onePast)).toBe(0);
    // The drips give up at the deadline; everything that waited is then stored.
    for (const id of drips)
      expect((await settled(id, DEADLINE_MS + 15_000)).body.mediaError).toBe('deadline');
    await eventually(
      async () =>
        (await prisma.message.count({
          where: { sessionId: SESSION, waMessageId: { in: waiting }, mediaState: 'stored' },
        })) === waiting.length,
      30_000,
    );
    await request(app.getHttpServer())
      .post(`/api/v1/sessions/${SESSION}/messages/${onePast}/media/retry`)
      .set('authorization', `Bearer ${token}`)
      .expect(202);
    await eventually(async () => (await row(onePast))?.mediaState === 'stored');
  });

  it('with MEDIA_DOWNLOAD off, media messages are stored as skipped and nothing is fetched', async () => {
    const other = await fixture.startApp(
      fixture.config({ MEDIA_PATH: media, MEDIA_DOWNLOAD: 'false', WEBHOOK_URL: receiver.url }),
    );
    await linkSession(fixture, other, 'nomedia', '6281200000072');
    const id = await fixture.simulator.sendMessage(CONTACT, '6281200000072', {
      media: { kind: 'image', data: Buffer.from('not fetched'), mimetype: 'image/png' },
    });
    const hook = await eventually(() =>
      receiver.hooks.find((h) => h.body.event === 'message.inbound' && h.body.messageId === id),
    );
    expect(hook.body).toMatchObject({ sessionId: 'nomedia', mediaState: 'skipped' });
    await eventually(async () => {
      const stored = await prisma.message.findFirst({ where: { sessionId: 'nomedia', waMessageId: id } });
      return stored?.mediaState === 'skipped';
    });
    expect(fixture.simulator.mediaRequests(id)).toBe(0);
    expect(receiver.hooks.some((h) => h.body.event === 'message.media' && h.body.messageId === id)).toBe(
      false,
    );
    await fixture.stopApp(other);
  });

  it('no unhandled error or rejection reached the process, and no request reached the attacker', async () => {
    await request(app.getHttpServer()).get('/health').expect(200);
    expect(faults).toEqual([]);
    expect(attacker.connections).toBe(0);
  });
});
