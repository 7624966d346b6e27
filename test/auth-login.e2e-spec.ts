import { JwtService } from '@nestjs/jwt';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { API_AUDIENCE, JWT_ISSUER } from '../src/auth/jwt-settings';
import { RefreshTokensService } from '../src/auth/refresh-tokens.service';
import { WsTokenService } from '../src/auth/ws-token.service';
import { PrismaService } from '../src/prisma/prisma.service';
import {
  activityDuring,
  activityTableText,
  authTestConfig,
  createUserAndLogin,
  FakeClock,
  login,
  nextIp,
  startAuthApp,
  TEST_ADMIN,
  TEST_MASTER_KEY,
} from './support/auth-helpers';
import { createTestDatabase, type TestDatabase } from './support/test-database';

const decode = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
const withoutNoise = (body: Record<string, unknown>) => {
  const { timestamp: _t, requestId: _r, ...rest } = body;
  return rest;
};

describe('login, lockout, refresh, logout, expiry, password change', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let prisma: PrismaService;
  const clock = new FakeClock();
  let adminToken: string;
  /** Every password and token used here; none may ever appear in the activity log. */
  const secrets: string[] = [TEST_ADMIN.password, TEST_MASTER_KEY];

  const server = () => app.getHttpServer();
  const attempt = (email: string, password: string, ip = nextIp()) => {
    secrets.push(password);
    return request(server()).post('/api/v1/auth/login').set('x-forwarded-for', ip).send({ email, password });
  };
  const me = (token: string) =>
    request(server()).get('/api/v1/auth/me').set('authorization', `Bearer ${token}`);
  const refresh = (refreshToken: string) =>
    request(server()).post('/api/v1/auth/refresh').send({ refreshToken });
  const track = <T extends { accessToken: string; refreshToken: string }>(answer: T): T => {
    secrets.push(answer.accessToken, answer.refreshToken);
    return answer;
  };

  beforeAll(async () => {
    db = await createTestDatabase('wagw_login');
    app = await startAuthApp(
      authTestConfig(db.url, {
        LOGIN_MAX_FAILURES: '3',
        LOGIN_ACCOUNT_MAX_FAILURES: '6',
        LOGIN_LOCKOUT_MINUTES: '1',
        LOGIN_RATE_LIMIT_PER_MINUTE: '10',
        JWT_TTL_SECONDS: '120',
      }),
      { clock },
    );
    prisma = app.get(PrismaService);
    adminToken = track(await login(app, TEST_ADMIN)).accessToken;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('a login answers a short-lived JWT, a refresh token and the user, and is audited once', async () => {
    let res!: request.Response;
    const ip = nextIp();
    const rows = await activityDuring(app, async () => {
      res = await attempt(TEST_ADMIN.email.toUpperCase(), TEST_ADMIN.password, ip).expect(200);
    });
    const data = track(res.body.data as { accessToken: string; refreshToken: string });
    expect(res.body).toMatchObject({
      success: true,
      data: {
        tokenType: 'Bearer',
        expiresIn: 120,
        refreshToken: expect.stringMatching(/^wrt_/),
        refreshExpiresAt: expect.any(String),
        user: { email: TEST_ADMIN.email, role: 'admin', mustChangePassword: false },
      },
    });
    expect(res.body.data.user.passwordHash).toBeUndefined();
    const claims = decode(data.accessToken);
    expect(claims).toMatchObject({ aud: API_AUDIENCE, iss: JWT_ISSUER, sub: String(res.body.data.user.id) });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(120);
    expect((await me(data.accessToken).expect(200)).body.data.email).toBe(TEST_ADMIN.email);
    expect(rows).toEqual([
      {
        action: 'auth.login',
        actorId: res.body.data.user.id,
        actorLabel: TEST_ADMIN.email,
        targetType: 'user',
        targetId: String(res.body.data.user.id),
        metadata: { method: 'password' },
        ip,
      },
    ]);
  });

  it('a wrong password and an unknown email get the same answer, each audited once', async () => {
    let wrong!: request.Response;
    let unknown!: request.Response;
    const rows = await activityDuring(app, async () => {
      wrong = await attempt(TEST_ADMIN.email, 'not-the-password');
      unknown = await attempt('nobody@example.com', 'not-the-password');
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(withoutNoise(wrong.body)).toEqual(withoutNoise(unknown.body));
    expect(withoutNoise(wrong.body)).toEqual({
      success: false,
      message: 'Invalid email or password',
      code: 'INVALID_CREDENTIALS',
    });
    const admin = await prisma.user.findUniqueOrThrow({ where: { email: TEST_ADMIN.email } });
    expect(rows).toMatchObject([
      {
        action: 'auth.login_failed',
        actorId: null,
        actorLabel: TEST_ADMIN.email,
        targetId: String(admin.id),
      },
      { action: 'auth.login_failed', actorId: null, actorLabel: 'nobody@example.com', targetId: null },
    ]);
    await prisma.user.update({ where: { id: admin.id }, data: { failedLoginCount: 0 } });
  });

  it('locks an account from one address after LOGIN_MAX_FAILURES wrong passwords and releases it after the window', async () => {
    const user = { email: 'lock@example.com', password: 'right-password-1' };
    const ip = '192.0.2.10';
    await createUserAndLogin(app, adminToken, { ...user, role: 'operator' });

    // A success in between starts the count again.
    await attempt(user.email, 'wrong-1', ip).expect(401);
    await attempt(user.email, 'wrong-2', ip).expect(401);
    track((await attempt(user.email, user.password, ip).expect(200)).body.data);
    await attempt(user.email, 'wrong-3', ip).expect(401);
    await attempt(user.email, 'wrong-4', ip).expect(401);

    const locking = await activityDuring(app, () => attempt(user.email, 'wrong-5', ip).expect(401));
    expect(locking).toMatchObject([
      { action: 'auth.login_failed', ip, metadata: { reason: 'bad_password', lock: 'address' } },
    ]);
    const lockedUntil = new Date((locking[0].metadata as { lockedUntil: string }).lockedUntil);
    expect(lockedUntil.getTime() - clock.now().getTime()).toBeGreaterThan(55_000);
    expect(lockedUntil.getTime() - clock.now().getTime()).toBeLessThanOrEqual(60_000);
    // Locked from that address only: the account itself is not locked for everyone.
    expect((await prisma.user.findUniqueOrThrow({ where: { email: user.email } })).lockedUntil).toBeNull();

    // The right password is refused from that address while locked, with the very same answer.
    const refused = await attempt(user.email, user.password, ip).expect(401);
    expect(withoutNoise(refused.body)).toEqual({
      success: false,
      message: 'Invalid email or password',
      code: 'INVALID_CREDENTIALS',
    });
    // The real user, from another address, still logs in.
    track((await attempt(user.email, user.password, '192.0.2.11').expect(200)).body.data);
    clock.advance(50_000);
    await attempt(user.email, user.password, ip).expect(401);

    clock.advance(11_000);
    track((await attempt(user.email, user.password, ip).expect(200)).body.data);
    const released = await prisma.user.findUniqueOrThrow({ where: { email: user.email } });
    expect(released).toMatchObject({ lockedUntil: null, failedLoginCount: 0 });
  });

  it('failures decay: only those within the last LOGIN_LOCKOUT_MINUTES count', async () => {
    const user = { email: 'decay@example.com', password: 'right-password-2' };
    const ip = '192.0.2.20';
    await createUserAndLogin(app, adminToken, { ...user, role: 'viewer' });
    await attempt(user.email, 'wrong-1', ip).expect(401);
    clock.advance(40_000);
    await attempt(user.email, 'wrong-2', ip).expect(401);
    clock.advance(30_000);
    // The first failure left the 60 s window: this third one does not lock.
    const third = await activityDuring(app, () => attempt(user.email, 'wrong-3', ip).expect(401));
    expect(third).toMatchObject([{ metadata: { reason: 'bad_password' } }]);
    expect(third[0].metadata).not.toHaveProperty('lock');
    track((await attempt(user.email, user.password, ip).expect(200)).body.data);
  });

  it('LOGIN_ACCOUNT_MAX_FAILURES from many addresses lock the account for everyone, with a doubling lock', async () => {
    const user = { email: 'spread@example.com', password: 'right-password-3' };
    await createUserAndLogin(app, adminToken, { ...user, role: 'viewer' });
    const spray = async () => {
      for (let i = 0; i < 3; i += 1) {
        const ip = nextIp();
        await attempt(user.email, `spray-${i}-a`, ip).expect(401);
        await attempt(user.email, `spray-${i}-b`, ip).expect(401);
      }
    };
    const lockOf = async () => {
      const row = await prisma.user.findUniqueOrThrow({ where: { email: user.email } });
      return row.lockedUntil!.getTime() - clock.now().getTime();
    };
    await spray();
    expect(await lockOf()).toBeGreaterThan(55_000);
    expect(await lockOf()).toBeLessThanOrEqual(60_000);
    // Everyone is refused, the right password from a fresh address too, and that is audited as such.
    const refused = await activityDuring(app, () => attempt(user.email, user.password).expect(401));
    expect(refused).toMatchObject([{ metadata: { reason: 'locked', scope: 'account' } }]);

    clock.advance(61_000);
    await spray();
    expect(await lockOf()).toBeGreaterThan(115_000);
    expect(await lockOf()).toBeLessThanOrEqual(120_000);
    clock.advance(121_000);
    track((await attempt(user.email, user.password).expect(200)).body.data);
    expect(await prisma.user.findUniqueOrThrow({ where: { email: user.email } })).toMatchObject({
      lockedUntil: null,
      failedLoginCount: 0,
    });
  });

  it('limits login attempts per IP address (LOGIN_RATE_LIMIT_PER_MINUTE)', async () => {
    const ip = '203.0.113.77';
    for (let i = 0; i < 10; i += 1) await attempt('someone@example.com', `guess-${i}`, ip).expect(401);
    const res = await attempt('someone@example.com', 'guess-10', ip).expect(429);
    expect(res.body).toMatchObject({ success: false, code: 'TOO_MANY_REQUESTS' });
    await attempt(TEST_ADMIN.email, TEST_ADMIN.password, ip).expect(429);
    track((await attempt(TEST_ADMIN.email, TEST_ADMIN.password, '203.0.113.78').expect(200)).body.data);
  });

  it('refresh rotates the refresh token; presenting a used one ends the whole login', async () => {
    const first = track(await login(app, TEST_ADMIN));
    const second = track((await refresh(first.refreshToken).expect(200)).body.data);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    await me(second.accessToken).expect(200);
    const third = track((await refresh(second.refreshToken).expect(200)).body.data);

    const rows = await activityDuring(app, async () => {
      const reuse = await refresh(first.refreshToken).expect(401);
      expect(reuse.body).toMatchObject({ code: 'INVALID_REFRESH_TOKEN' });
    });
    expect(rows).toMatchObject([{ action: 'auth.refresh_reused', targetType: 'user', actorLabel: 'system' }]);
    // The whole family is gone: the latest refresh token and every access token of this login.
    await refresh(third.refreshToken).expect(401);
    await me(third.accessToken).expect(401);
    await me(first.accessToken).expect(401);
    await refresh('wrt_unknown').expect(401);
  });

  it('an expired refresh token is refused', async () => {
    const answer = track(await login(app, TEST_ADMIN));
    clock.advance(15 * 86_400_000);
    await refresh(answer.refreshToken).expect(401);
  });

  it('logout ends the login: refresh token and access token stop working; audited once', async () => {
    const answer = track(await login(app, TEST_ADMIN));
    const other = track(await login(app, TEST_ADMIN));
    const rows = await activityDuring(app, () =>
      request(server())
        .post('/api/v1/auth/logout')
        .set('authorization', `Bearer ${answer.accessToken}`)
        .expect(200),
    );
    expect(rows).toMatchObject([
      {
        action: 'auth.logout',
        actorLabel: TEST_ADMIN.email,
        targetType: 'user',
        targetId: String(answer.user.id),
      },
    ]);
    await me(answer.accessToken).expect(401);
    await refresh(answer.refreshToken).expect(401);
    // Another login of the same user is untouched.
    await me(other.accessToken).expect(200);
  });

  it('an expired JWT is 401 while the same token unexpired works', async () => {
    const answer = track(await login(app, TEST_ADMIN));
    const jwt = app.get(JwtService);
    const sid = decode(answer.accessToken).sid;
    const now = Math.floor(Date.now() / 1000);
    const sign = (exp: number) =>
      jwt.signAsync(
        { sid, iat: now - 300, exp },
        { subject: String(answer.user.id), audience: API_AUDIENCE },
      );
    await me(await sign(now + 60)).expect(200);
    const expired = await me(await sign(now - 1)).expect(401);
    expect(expired.body).toMatchObject({ success: false, code: 'UNAUTHORIZED' });
  });

  it('WebSocket tokens: 60 s, their own audience, refused by the API and after logout', async () => {
    const answer = track(await login(app, TEST_ADMIN));
    const res = await request(server())
      .post('/api/v1/auth/ws-token')
      .set('authorization', `Bearer ${answer.accessToken}`)
      .expect(200);
    const { token, expiresIn } = res.body.data as { token: string; expiresIn: number };
    secrets.push(token);
    expect(expiresIn).toBe(60);
    const claims = decode(token);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(60);
    const ws = app.get(WsTokenService);
    expect(await ws.verifyWsToken(token)).toMatchObject({
      kind: 'user',
      email: TEST_ADMIN.email,
      role: 'admin',
    });
    expect(await ws.verifyWsToken(answer.accessToken)).toBeNull();
    expect(await ws.verifyWsToken('garbage')).toBeNull();
    await me(token).expect(401);
    await request(server()).post('/api/v1/auth/logout').set('authorization', `Bearer ${answer.accessToken}`);
    expect(await ws.verifyWsToken(token)).toBeNull();
  });

  it('a user who must change their password may only see themselves, log out or change it', async () => {
    const initial = 'initial-password-1';
    const created = await request(server())
      .post('/api/v1/users')
      .set('authorization', `Bearer ${adminToken}`)
      .send({ email: 'fresh@example.com', password: initial, role: 'admin' })
      .expect(201);
    secrets.push(initial);
    expect(created.body.data.mustChangePassword).toBe(true);
    const answer = track(await login(app, { email: 'fresh@example.com', password: initial }));
    expect(answer.user.mustChangePassword).toBe(true);
    const auth = { authorization: `Bearer ${answer.accessToken}` };

    expect((await me(answer.accessToken).expect(200)).body.data.mustChangePassword).toBe(true);
    for (const res of [
      await request(server()).get('/api/v1/users').set(auth),
      await request(server()).post('/api/v1/auth/ws-token').set(auth),
      await request(server()).get('/api/v1/activity').set(auth),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'PASSWORD_CHANGE_REQUIRED' });
    }

    const change = (currentPassword: string, newPassword: string) => {
      secrets.push(currentPassword, newPassword);
      return request(server())
        .post('/api/v1/auth/change-password')
        .set(auth)
        .set('x-forwarded-for', nextIp())
        .send({ currentPassword, newPassword });
    };
    expect((await change('not-the-current', 'new-password-1').expect(400)).body.code).toBe(
      'INVALID_CURRENT_PASSWORD',
    );
    expect((await change(initial, initial).expect(400)).body.code).toBe('PASSWORD_UNCHANGED');
    expect((await change(initial, 'short').expect(400)).body.code).toBe('VALIDATION_ERROR');
    expect((await change(initial, 'ü'.repeat(37)).expect(400)).body.code).toBe('VALIDATION_ERROR'); // 74 bytes

    let changed!: request.Response;
    const rows = await activityDuring(app, async () => {
      changed = await change(initial, 'brand-new-password').expect(200);
    });
    const fresh = track(changed.body.data as { accessToken: string; refreshToken: string });
    expect(changed.body.data.user.mustChangePassword).toBe(false);
    expect(rows).toMatchObject([
      { action: 'user.password_changed', actorLabel: 'fresh@example.com', targetId: String(answer.user.id) },
    ]);
    // The old login is over; the new one may do everything.
    await me(answer.accessToken).expect(401);
    await refresh(answer.refreshToken).expect(401);
    await request(server())
      .get('/api/v1/users')
      .set('authorization', `Bearer ${fresh.accessToken}`)
      .expect(200);
    await attempt('fresh@example.com', initial).expect(401);
    await attempt('fresh@example.com', 'brand-new-password').expect(200);
  });

  it('the legacy dashboard login does not exist when ADMIN_DASHBOARD_PASSWORD is unset', async () => {
    await request(server())
      .post('/api/v1/auth/dashboard-login')
      .send({ password: 'anything-at-all' })
      .expect(404);
  });

  it('logins whose every refresh token expired over a day ago are pruned; a login with a live token is kept whole', async () => {
    const live = track(await login(app, TEST_ADMIN));
    const admin = await prisma.user.findFirstOrThrow({ where: { email: TEST_ADMIN.email } });
    const now = clock.now().getTime();
    const day = 86_400_000;
    const row = (familyId: string, n: number, expiresInMs: number) => ({
      userId: admin.id,
      familyId,
      tokenHash: `${familyId}-${n}`.padEnd(64, '0'),
      expiresAt: new Date(now + expiresInMs),
    });
    await prisma.refreshToken.createMany({
      data: [
        row('prune-gone', 1, -3 * day),
        row('prune-gone', 2, -2 * day),
        row('prune-mixed', 1, -3 * day),
        row('prune-mixed', 2, day),
        row('prune-recent', 1, -3_600_000),
      ],
    });
    expect(await app.get(RefreshTokensService).pruneExpired()).toBeGreaterThanOrEqual(2);
    const left = await prisma.refreshToken.groupBy({
      by: ['familyId'],
      _count: true,
      _max: { expiresAt: true },
    });
    const mine = Object.fromEntries(
      left.filter((r) => r.familyId.startsWith('prune-')).map((r) => [r.familyId, r._count]),
    );
    expect(mine).toEqual({ 'prune-mixed': 2, 'prune-recent': 1 });
    // Nothing prunable is left, and the live login still refreshes.
    const prunable = left.filter((r) => r._max.expiresAt!.getTime() < now - day);
    expect(prunable).toEqual([]);
    track(
      (await refresh(live.refreshToken).expect(200)).body.data as {
        accessToken: string;
        refreshToken: string;
      },
    );
  });

  it('no activity row contains a password or a token used above', async () => {
    const text = await activityTableText(app);
    expect(text.length).toBeGreaterThan(1000);
    const leaked = secrets.filter((secret) => secret.length >= 8 && text.includes(secret));
    expect(leaked).toEqual([]);
  });
});

describe('timing and the legacy dashboard password (production bcrypt cost)', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  const DASHBOARD_PASSWORD = 'legacy-dashboard-password';

  beforeAll(async () => {
    db = await createTestDatabase('wagw_timing');
    // NODE_ENV=development: bcrypt at cost 12, so a skipped comparison would show plainly in the times.
    app = await startAuthApp(
      authTestConfig(db.url, {
        NODE_ENV: 'development',
        LOGIN_MAX_FAILURES: '1000',
        ADMIN_DASHBOARD_PASSWORD: DASHBOARD_PASSWORD,
      }),
    );
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('an unknown email takes about as long as a wrong password', async () => {
    const timed = async (email: string) => {
      const started = process.hrtime.bigint();
      await request(app.getHttpServer())
        .post('/api/v1/auth/login')
        .set('x-forwarded-for', nextIp())
        .send({ email, password: 'wrong-password' })
        .expect(401);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    await timed('warm-up@example.com');
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      known.push(await timed(TEST_ADMIN.email));
      unknown.push(await timed(`ghost-${i}@example.com`));
    }
    const ratio = median(unknown) / median(known);
    // Without the dummy comparison an unknown email answers in a few ms against ~200 ms: a ratio near 0.
    expect(median(known)).toBeGreaterThan(50);
    expect(ratio).toBeGreaterThan(0.67);
    expect(ratio).toBeLessThan(1.5);
  });

  it('ADMIN_DASHBOARD_PASSWORD logs in as the oldest active admin; a wrong one is 401; both audited', async () => {
    const server = app.getHttpServer();
    const wrong = await activityDuring(app, () =>
      request(server)
        .post('/api/v1/auth/dashboard-login')
        .send({ password: 'not-the-legacy-one' })
        .expect(401),
    );
    expect(wrong).toMatchObject([
      { action: 'auth.login_failed', actorLabel: 'legacy-password', metadata: { reason: 'bad_password' } },
    ]);
    let res!: request.Response;
    const ok = await activityDuring(app, async () => {
      res = await request(server).post('/api/v1/auth/dashboard-login').send({ password: DASHBOARD_PASSWORD });
    });
    expect(res.status).toBe(200);
    expect(res.body.data.user).toMatchObject({ email: TEST_ADMIN.email, role: 'admin' });
    expect(ok).toMatchObject([
      {
        action: 'auth.login',
        actorLabel: 'legacy-password',
        actorId: null,
        metadata: {
          method: 'dashboard-password',
          via: 'legacy_password',
          legacy: true,
          as: TEST_ADMIN.email,
        },
      },
    ]);
    await request(server)
      .get('/api/v1/auth/me')
      .set('authorization', `Bearer ${res.body.data.accessToken}`)
      .expect(200);
    expect(await activityTableText(app)).not.toContain(DASHBOARD_PASSWORD);
  });
});

describe("the legacy dashboard password: its own lockout, the admin's lock, off unless enabled", () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let prisma: PrismaService;
  const clock = new FakeClock();
  const DASHBOARD_PASSWORD = 'legacy-dashboard-password-2';
  const legacy = (password: string, ip: string) =>
    request(app.getHttpServer())
      .post('/api/v1/auth/dashboard-login')
      .set('x-forwarded-for', ip)
      .send({ password });

  beforeAll(async () => {
    db = await createTestDatabase('wagw_legacy');
    app = await startAuthApp(
      authTestConfig(db.url, {
        LOGIN_MAX_FAILURES: '2',
        LOGIN_ACCOUNT_MAX_FAILURES: '4',
        LOGIN_LOCKOUT_MINUTES: '1',
        ADMIN_DASHBOARD_PASSWORD: DASHBOARD_PASSWORD,
      }),
      { clock },
    );
    prisma = app.get(PrismaService);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('counts its own failures per address, apart from the admin account', async () => {
    const ip = '192.0.2.30';
    await legacy('wrong-legacy-1', ip).expect(401);
    const locking = await activityDuring(app, () => legacy('wrong-legacy-2', ip).expect(401));
    expect(locking).toMatchObject([
      {
        action: 'auth.login_failed',
        actorLabel: 'legacy-password',
        metadata: { reason: 'bad_password', lock: 'address', via: 'legacy_password' },
      },
    ]);
    // The right legacy password is refused from that address; the admin's own login is not affected.
    const refused = await activityDuring(app, () => legacy(DASHBOARD_PASSWORD, ip).expect(401));
    expect(refused).toMatchObject([{ metadata: { reason: 'locked', scope: 'address' } }]);
    await login(app, TEST_ADMIN);
    await legacy(DASHBOARD_PASSWORD, '192.0.2.31').expect(200);
    clock.advance(61_000);
    await legacy(DASHBOARD_PASSWORD, ip).expect(200);
  });

  it('LOGIN_ACCOUNT_MAX_FAILURES from many addresses turn the legacy password off for everyone until they decay', async () => {
    for (let i = 0; i < 4; i += 1) await legacy(`spray-${i}`, nextIp()).expect(401);
    const refused = await activityDuring(app, () => legacy(DASHBOARD_PASSWORD, nextIp()).expect(401));
    expect(refused).toMatchObject([{ metadata: { reason: 'locked', scope: 'account' } }]);
    clock.advance(61_000);
    await legacy(DASHBOARD_PASSWORD, nextIp()).expect(200);
  });

  it('is refused while the admin it logs in as is locked', async () => {
    const admin = await prisma.user.findUniqueOrThrow({ where: { email: TEST_ADMIN.email } });
    await prisma.user.update({
      where: { id: admin.id },
      data: { lockedUntil: new Date(clock.now().getTime() + 60_000) },
    });
    const refused = await activityDuring(app, () => legacy(DASHBOARD_PASSWORD, nextIp()).expect(401));
    expect(refused).toMatchObject([
      { actorLabel: 'legacy-password', metadata: { reason: 'admin_locked', scope: 'account' } },
    ]);
    clock.advance(61_000);
    await legacy(DASHBOARD_PASSWORD, nextIp()).expect(200);
  });

  it('does not exist (404) when ADMIN_DASHBOARD_PASSWORD_ENABLED=false', async () => {
    const off = await startAuthApp(
      authTestConfig(db.url, {
        ADMIN_DASHBOARD_PASSWORD: DASHBOARD_PASSWORD,
        ADMIN_DASHBOARD_PASSWORD_ENABLED: 'false',
      }),
    );
    try {
      await request(off.getHttpServer())
        .post('/api/v1/auth/dashboard-login')
        .send({ password: DASHBOARD_PASSWORD })
        .expect(404);
    } finally {
      await off.close();
    }
  });
});
