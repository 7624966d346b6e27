import type { NestExpressApplication } from '@nestjs/platform-express';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { ActivityService, audited } from '../src/activity/activity.service';
import { SYSTEM_ACTOR } from '../src/auth/actor';
import { PrismaService } from '../src/prisma/prisma.service';
import {
  authTestConfig,
  createUserAndLogin,
  login,
  nextIp,
  startAuthApp,
  TEST_ADMIN,
} from './support/auth-helpers';
import { createTestDatabase, type TestDatabase } from './support/test-database';

describe('activity log: writing, listing, CSV export', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let activity: ActivityService;
  let admin: string;
  let operator: string;

  const get = (path: string, token = admin) =>
    request(app.getHttpServer()).get(path).set('authorization', `Bearer ${token}`);

  beforeAll(async () => {
    db = await createTestDatabase('wagw_activity');
    app = await startAuthApp(authTestConfig(db.url));
    prisma = app.get(PrismaService);
    activity = app.get(ActivityService);
    admin = (await login(app, TEST_ADMIN)).accessToken;
    operator = (
      await createUserAndLogin(app, admin, {
        email: 'op@example.com',
        password: 'operator-pass-1',
        role: 'operator',
      })
    ).accessToken;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('record() drops credential-like keys and values from metadata, and labels each kind of actor', async () => {
    await activity.record({
      ...audited({
        ...SYSTEM_ACTOR,
        principal: { kind: 'session-token', sessionId: 's1', tokenId: 7, prefix: 'wag_AbCdEfGh' },
      }),
      action: 'test.sanitised',
      targetType: 'session',
      targetId: 's1',
      metadata: {
        password: 'p1',
        newPassword: 'p2',
        refreshToken: 'p3',
        'x-master-key': 'p4',
        webhookSecret: 'p5',
        nested: { authorization: 'Bearer abc', apiKey: 'p6', kept: 'yes' },
        list: [{ token: 'p7', n: 1 }],
        pasted: `wag_${'x'.repeat(43)}`,
        tokenId: 7,
        name: 'crm',
      },
    });
    await activity.record({
      ...audited({ ...SYSTEM_ACTOR, principal: { kind: 'master-key' } }),
      action: 'test.master',
    });
    await activity.record({ action: 'test.system' });
    const rows = await prisma.activityLog.findMany({
      where: { action: { startsWith: 'test.' } },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => [r.action, r.actorLabel, r.actorId])).toEqual([
      ['test.sanitised', 'session-token:wag_AbCdEfGh', null],
      ['test.master', 'master-key', null],
      ['test.system', 'system', null],
    ]);
    expect(rows[0].metadata).toEqual({
      nested: { kept: 'yes' },
      list: [{ n: 1 }],
      pasted: '[redacted]',
      tokenId: 7,
      name: 'crm',
    });
  });

  it('record() inside a transaction is rolled back with it', async () => {
    await expect(
      prisma.$transaction(async (tx) => {
        await activity.record({ action: 'test.rolled_back' }, tx);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await prisma.activityLog.count({ where: { action: 'test.rolled_back' } })).toBe(0);
  });

  it('lists newest first with pagination; admin only', async () => {
    const total = await prisma.activityLog.count();
    const page1 = await get('/api/v1/activity?limit=2').expect(200);
    expect(page1.body.data.pagination).toEqual({ page: 1, limit: 2, total, pages: Math.ceil(total / 2) });
    expect(page1.body.data.items).toHaveLength(2);
    expect(page1.body.data.items[0].id).toBeGreaterThan(page1.body.data.items[1].id);
    const page2 = await get('/api/v1/activity?limit=2&page=2').expect(200);
    expect(page2.body.data.items[0].id).toBeLessThan(page1.body.data.items[1].id);
    expect(page1.body.data.items[0]).toEqual({
      id: expect.any(Number),
      createdAt: expect.any(String),
      actorId: null,
      actorLabel: 'system',
      action: 'test.system',
      targetType: null,
      targetId: null,
      metadata: null,
      ip: null,
      userAgent: null,
    });
    await get('/api/v1/activity', operator).expect(403);
    await get('/api/v1/activity/export', operator).expect(403);
    await request(app.getHttpServer()).get('/api/v1/activity').expect(401);
  });

  it('filters by actor, action (exact or family), target and time range', async () => {
    const actions = async (query: string) =>
      ((await get(`/api/v1/activity?${query}`).expect(200)).body.data.items as { action: string }[]).map(
        (i) => i.action,
      );
    expect(await actions('action=test.master')).toEqual(['test.master']);
    expect((await actions('action=test.*')).sort()).toEqual(['test.master', 'test.sanitised', 'test.system']);
    expect(await actions('actor=session-token')).toEqual(['test.sanitised']);
    expect(await actions('actor=session_token')).toEqual([]); // _ is a plain character, not LIKE's wildcard
    const adminRow = await prisma.user.findUniqueOrThrow({ where: { email: TEST_ADMIN.email } });
    expect((await actions(`actorId=${adminRow.id}`)).sort()).toEqual(['auth.login', 'user.created']);
    expect(await actions('targetType=session&targetId=s1')).toEqual(['test.sanitised']);
    expect(await actions(`targetType=user&targetId=${adminRow.id}&action=auth.login`)).toEqual([
      'auth.login',
    ]);

    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await actions(`from=${encodeURIComponent(future)}`)).toEqual([]);
    expect((await actions(`to=${encodeURIComponent(future)}`)).length).toBe(await prisma.activityLog.count());
    expect(await actions('to=2000-01-01T00:00:00Z')).toEqual([]);

    for (const bad of ['limit=500', 'page=0', 'from=yesterday', 'action=a;drop', 'unknown=1']) {
      const res = await get(`/api/v1/activity?${bad}`).expect(400);
      expect(res.body.code).toBe('VALIDATION_ERROR');
    }
  });

  it('records the client address as trusted from the proxy, and the user agent', async () => {
    await request(app.getHttpServer())
      .post('/api/v1/auth/login')
      .set('x-forwarded-for', '203.0.113.50')
      .set('user-agent', 'agent/1.0')
      .send({ email: 'who@example.com', password: 'whatever-1' })
      .expect(401);
    const row = await prisma.activityLog.findFirstOrThrow({ where: { actorLabel: 'who@example.com' } });
    expect(row).toMatchObject({ action: 'auth.login_failed', ip: '203.0.113.50', userAgent: 'agent/1.0' });
  });

  it('exports CSV (same filters), escaping cells a spreadsheet would run as formulas', async () => {
    for (const agent of ['=HYPERLINK("http://evil")', '+SUM(1)', '-1+2', '@cmd', 'plain']) {
      await request(app.getHttpServer())
        .post('/api/v1/auth/login')
        .set('x-forwarded-for', nextIp())
        .set('user-agent', agent)
        .send({ email: 'formula@example.com', password: 'whatever-1' })
        .expect(401);
    }
    const res = await get('/api/v1/activity/export?actor=formula%40example.com').expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="activity-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const records = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(Object.keys(records[0])).toEqual([
      'id',
      'createdAt',
      'actorId',
      'actorLabel',
      'action',
      'targetType',
      'targetId',
      'ip',
      'userAgent',
      'metadata',
    ]);
    expect(records.map((r) => r.userAgent)).toEqual([
      'plain',
      "'@cmd",
      "'-1+2",
      "'+SUM(1)",
      `'=HYPERLINK("http://evil")`,
    ]);
    expect(JSON.parse(records[0].metadata)).toEqual({ reason: 'unknown_email' });
  });

  it('streams a long export completely, in batches', async () => {
    await prisma.activityLog.createMany({
      data: Array.from({ length: 1234 }, (_, i) => ({
        actorLabel: 'bulk',
        action: 'test.bulk',
        targetId: String(i),
      })),
    });
    const res = await get('/api/v1/activity/export?action=test.bulk').expect(200);
    const records = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(records).toHaveLength(1234);
    expect(new Set(records.map((r) => r.targetId)).size).toBe(1234);
    expect(records[0].targetId).toBe('1233');
  });
});
