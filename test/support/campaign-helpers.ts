import { deflateSync } from 'node:zlib';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type { WhatsAppSimulator } from '../../src/sandbox/simulator/whatsapp-simulator';
import type { ReceivedMessage } from '../../src/sandbox/simulator/message-log';
import { eventually } from './gateway-fixture';

/** A valid PNG image of `size` x `size` pixels (a gradient, so every byte of it matters). */
export function testPng(size = 8): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size * 3; x++) raw[y * (size * 3 + 1) + 1 + x] = (x * 16 + y * 8) & 0xff;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A small client for the campaign API as one logged-in user. */
export class CampaignApi {
  constructor(
    private readonly app: NestExpressApplication,
    private readonly token: string,
  ) {}

  http(method: 'get' | 'post' | 'patch' | 'delete', path: string) {
    return request(this.app.getHttpServer())[method](path).set('authorization', `Bearer ${this.token}`);
  }

  /** Creates a list and imports `rows` (first row the header) as CSV; returns its id. */
  async list(name: string, rows: string[][]): Promise<number> {
    const id = (await this.http('post', '/api/v1/recipient-lists').send({ name }).expect(201)).body.data
      .id as number;
    const csv = rows.map((r) => r.join(',')).join('\n');
    await this.http('post', `/api/v1/recipient-lists/${id}/import`)
      .attach('file', Buffer.from(csv), { filename: 'list.csv', contentType: 'text/csv' })
      .expect(200);
    return id;
  }

  async create(body: Record<string, unknown>): Promise<number> {
    const res = await this.http('post', '/api/v1/campaigns').send(body);
    if (res.status !== 201)
      throw new Error(`create campaign answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.data.id as number;
  }

  async action(id: number, action: string, body: Record<string, unknown> = {}, status = 200) {
    const res = await this.http('post', `/api/v1/campaigns/${id}/${action}`).send(body);
    if (res.status !== status)
      throw new Error(`${action} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async progress(id: number) {
    return (await this.http('get', `/api/v1/campaigns/${id}/progress`).expect(200)).body.data as {
      status: string;
      counts: Record<string, number>;
      total: number;
      pauseReason: string | null;
      ratePerMinute: number | null;
      etaSeconds: number | null;
      waiting: { reason: string; until: string } | null;
    };
  }

  /** Waits until the campaign's progress satisfies `check`; returns that progress. */
  until(id: number, check: (p: Awaited<ReturnType<CampaignApi['progress']>>) => boolean, timeoutMs = 30_000) {
    return eventually(
      async () => {
        const p = await this.progress(id);
        return check(p) ? p : null;
      },
      timeoutMs,
      100,
    );
  }
}

/** What `contact`'s phone received from the account `from`. */
export const receivedFrom = (sim: WhatsAppSimulator, contact: string, from: string): ReceivedMessage[] =>
  sim.receivedMessages(contact).filter((m) => m.fromPhoneNumber === from);
