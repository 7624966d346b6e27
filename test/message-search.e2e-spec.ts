import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { authTestConfig, login, startAuthApp, TEST_ADMIN } from './support/auth-helpers';
import { createTestDatabase, type TestDatabase } from './support/test-database';

const SESSION = 'search';
const OTHER = 'search-other';

/** Stored in this order (ids ascending): the listing answers newest first. */
const STORED: { text: string | null; type?: string; direction?: 'inbound' | 'outbound'; session?: string }[] =
  [
    { text: 'Your order 1042 has shipped' },
    { text: 'ORDER 1043 is late' },
    { text: 'discount 100% today' },
    { text: 'discount 1000 today' },
    { text: 'file_name.pdf', type: 'document' },
    { text: 'a file name here' },
    { text: 'Photo of the order', type: 'image', direction: 'outbound' },
    { text: null, type: 'image' },
    { text: 'order in another session', session: OTHER },
  ];

/** GET /api/v1/sessions/:id/messages with a search, on stored rows in a real MariaDB. */
describe('message listing: text search', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let token: string;

  const list = (query: Record<string, string>, session = SESSION) =>
    request(app.getHttpServer())
      .get(`/api/v1/sessions/${session}/messages`)
      .query(query)
      .set('authorization', `Bearer ${token}`);
  const texts = async (query: Record<string, string>): Promise<(string | null)[]> =>
    ((await list(query).expect(200)).body.data.messages as { message: string | null }[]).map(
      (m) => m.message,
    );

  beforeAll(async () => {
    db = await createTestDatabase('wagw_msg_search');
    app = await startAuthApp(authTestConfig(db.url));
    const prisma = app.get(PrismaService);
    await prisma.whatsappSession.createMany({
      data: [
        { id: SESSION, name: 'Search' },
        { id: OTHER, name: 'Other' },
      ],
    });
    const at = Date.now() - 60_000;
    await prisma.message.createMany({
      data: STORED.map((m, i) => {
        const outbound = m.direction === 'outbound';
        return {
          sessionId: m.session ?? SESSION,
          waMessageId: `search-${i}`,
          chatJid: '6281100000051@s.whatsapp.net',
          fromNumber: outbound ? '6281200000051' : '6281100000051',
          toNumber: outbound ? '6281100000051' : '6281200000051',
          direction: m.direction ?? 'inbound',
          type: m.type ?? 'text',
          text: m.text,
          waTimestamp: new Date(at + i * 1000),
          status: outbound ? 'sent' : 'received',
        };
      }),
    });
    token = (await login(app, TEST_ADMIN)).accessToken;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('finds the messages whose text or caption contains every word, in any case and order, in this session only', async () => {
    expect(await texts({ search: 'order' })).toEqual([
      'Photo of the order',
      'ORDER 1043 is late',
      'Your order 1042 has shipped',
    ]);
    expect(await texts({ search: 'SHIPPED order' })).toEqual(['Your order 1042 has shipped']);
    expect(await texts({ search: '  1043  ' })).toEqual(['ORDER 1043 is late']);
    expect(await texts({ search: 'order refund' })).toEqual([]);
    // With the other filters.
    expect(await texts({ search: 'order', type: 'image', direction: 'outbound' })).toEqual([
      'Photo of the order',
    ]);
    expect(await texts({ search: 'order', direction: 'inbound' })).toEqual([
      'ORDER 1043 is late',
      'Your order 1042 has shipped',
    ]);
    // Without a search every message is listed, the one without text too.
    expect(await texts({})).toHaveLength(8);
  });

  it('takes % and _ as themselves, not as LIKE wildcards', async () => {
    expect(await texts({ search: '100%' })).toEqual(['discount 100% today']);
    expect(await texts({ search: '%' })).toEqual(['discount 100% today']);
    expect(await texts({ search: 'e_n' })).toEqual(['file_name.pdf']);
    expect(await texts({ search: '_' })).toEqual(['file_name.pdf']);
    expect(await texts({ search: '\\' })).toEqual([]);
  });

  it('pages a search with the keyset cursor and with the offset', async () => {
    const first = (await list({ search: 'order', limit: '2' }).expect(200)).body.data;
    expect(first.messages.map((m: { message: string }) => m.message)).toEqual([
      'Photo of the order',
      'ORDER 1043 is late',
    ]);
    expect(first.pagination).toMatchObject({ limit: 2, count: 2, nextCursor: expect.any(String) });
    const second = (
      await list({ search: 'order', limit: '2', cursor: first.pagination.nextCursor as string }).expect(200)
    ).body.data;
    expect(second.messages.map((m: { message: string }) => m.message)).toEqual([
      'Your order 1042 has shipped',
    ]);
    expect(second.pagination).toMatchObject({ count: 1, nextCursor: null });
    expect(await texts({ search: 'order', limit: '2', offset: '2' })).toEqual([
      'Your order 1042 has shipped',
    ]);
  });

  it('a search longer than 200 characters, or only spaces, is a 400 naming the field', async () => {
    for (const search of ['x'.repeat(201), '   ']) {
      const res = await list({ search }).expect(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['search']);
    }
    // 200 characters is allowed (spaces around are trimmed first).
    expect(await texts({ search: ` ${'x'.repeat(200)} ` })).toEqual([]);
  });
});
