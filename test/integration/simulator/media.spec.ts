import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:https';
import * as B from '@whiskeysockets/baileys';
import type { BaileysTestClient } from '../../support/baileys-test-client';
import { SimulatorFixture } from '../../support/simulator-fixture';
import type { MediaKind } from '../../../src/sandbox/simulator/types';

const ACCOUNT = '15550300001';
const CAROL = '15550300002';

describe('media both ways (raw Baileys)', () => {
  const fixture = new SimulatorFixture();
  const sim = fixture.simulator;
  let client: BaileysTestClient;

  beforeAll(async () => {
    await fixture.start();
    sim.createContact(CAROL, { pushName: 'Carol' });
    client = await fixture.pairedClient(ACCOUNT);
  });
  afterAll(() => fixture.close());

  it.each<[MediaKind, keyof B.proto.IMessage]>([
    ['image', 'imageMessage'],
    ['video', 'videoMessage'],
    ['audio', 'audioMessage'],
    ['document', 'documentMessage'],
    ['sticker', 'stickerMessage'],
  ])('delivers a contact’s %s that Baileys downloads byte for byte', async (kind, field) => {
    const data = randomBytes(20_000 + Math.floor(Math.random() * 1000));
    const id = await sim.sendMessage(CAROL, ACCOUNT, {
      media: { kind, data, caption: `a ${kind}`, fileName: `${kind}.bin` },
    });
    const upsert = await client.waitForUpsert((m) => m.key.id === id);
    expect(upsert.message?.[field]).toBeTruthy();
    const downloaded = await B.downloadMediaMessage(upsert, 'buffer', {});
    expect(Buffer.compare(downloaded, data)).toBe(0);
  });

  it('receives an image Baileys uploads over TLS, byte for byte, with its caption', async () => {
    const data = randomBytes(50_000);
    const sent = await client.socket!.sendMessage(`${CAROL}@s.whatsapp.net`, {
      image: data,
      caption: 'sunset',
    });
    const received = await sim.waitForMessage(CAROL, { match: (m) => m.id === sent!.key.id, sinceIndex: 0 });
    expect(received.message.imageMessage?.caption).toBe('sunset');
    expect(received.stanzaType).toBe('media');
    expect(Buffer.compare(await sim.downloadMedia(received), data)).toBe(0);
  });

  it('receives a document Baileys uploads, byte for byte, with its file name', async () => {
    const data = Buffer.from('%PDF-1.4 simulated document\n'.repeat(500));
    const sent = await client.socket!.sendMessage(`${CAROL}@s.whatsapp.net`, {
      document: data,
      mimetype: 'application/pdf',
      fileName: 'report.pdf',
    });
    const received = await sim.waitForMessage(CAROL, { match: (m) => m.id === sent!.key.id, sinceIndex: 0 });
    expect(received.message.documentMessage?.fileName).toBe('report.pdf');
    expect(Buffer.compare(await sim.downloadMedia(received), data)).toBe(0);
  });

  it('serves uploads over TLS trusted only through the simulator agent, and only with the media auth', async () => {
    const { fetchAgent } = sim.socketConfig();
    const url = `https://${fixture.simulator.endpointsOrThrow().uploadHost}/mms/image/abc?auth=wrong&token=abc`;
    await expect(post(url, new Agent())).rejects.toThrow(/self-signed|certificate/i);
    expect(await post(url, fetchAgent)).toBe(401);
  });
});

function post(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end('x');
  });
}
