import { Controller, Get, Module, Post } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import {
  ANY_ROLE,
  CurrentPrincipal,
  MasterKey,
  OPERATOR_ROLES,
  Public,
  Roles,
  SessionToken,
} from '../src/auth/decorators';
import type { Principal } from '../src/auth/principal';
import { SessionTokensService } from '../src/auth/session-tokens.service';
import { PrismaService } from '../src/prisma/prisma.service';
import {
  authTestConfig,
  createUserAndLogin,
  FakeClock,
  login,
  startAuthApp,
  TEST_ADMIN,
  TEST_MASTER_KEY,
} from './support/auth-helpers';
import { createTestDatabase, type TestDatabase } from './support/test-database';

// Test-only routes, one per combination of requirements the product's controllers use.
@Controller('guard-probe')
class GuardProbeController {
  @Get('sessions/:id/token-only')
  @SessionToken()
  tokenOnly(@CurrentPrincipal() p: Principal) {
    return p;
  }

  @Get('sessions/:id/token-or-user')
  @Roles(...ANY_ROLE)
  @SessionToken()
  tokenOrUser(@CurrentPrincipal() p: Principal) {
    return p;
  }

  @Get('named/:sessionId')
  @SessionToken('sessionId')
  named(@CurrentPrincipal() p: Principal) {
    return p;
  }

  @Post('master')
  @MasterKey()
  master(@CurrentPrincipal() p: Principal) {
    return p;
  }

  @Post('master-or-operator')
  @Roles(...OPERATOR_ROLES)
  @MasterKey()
  masterOrOperator(@CurrentPrincipal() p: Principal) {
    return p;
  }

  @Get('undecorated')
  undecorated(@CurrentPrincipal() p: Principal) {
    return p;
  }
}

@Roles('operator')
@Controller('guard-probe-class')
class ClassLevelProbeController {
  @Get()
  inherited(@CurrentPrincipal() p: Principal) {
    return p;
  }

  @Get('open')
  @Public()
  open() {
    return 'open';
  }
}

@Module({ controllers: [GuardProbeController, ClassLevelProbeController] })
class GuardProbeModule {}

describe('AccessGuard: session tokens, master key, roles, deny by default', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let tokens: SessionTokensService;
  let prisma: PrismaService;
  const clock = new FakeClock();
  let admin: string;
  let operator: string;
  let viewer: string;

  const get = (path: string, bearer?: string) => {
    const req = request(app.getHttpServer()).get(path);
    return bearer ? req.set('authorization', `Bearer ${bearer}`) : req;
  };
  const post = (path: string, headers: Record<string, string> = {}) =>
    request(app.getHttpServer()).post(path).set(headers);

  beforeAll(async () => {
    db = await createTestDatabase('wagw_guard');
    app = await startAuthApp(authTestConfig(db.url), { clock, imports: [GuardProbeModule] });
    tokens = app.get(SessionTokensService);
    prisma = app.get(PrismaService);
    await prisma.whatsappSession.createMany({
      data: [
        { id: 'alpha', name: 'A' },
        { id: 'beta', name: 'B' },
      ],
    });
    admin = (await login(app, TEST_ADMIN)).accessToken;
    operator = (
      await createUserAndLogin(app, admin, {
        email: 'op@example.com',
        password: 'operator-pass-1',
        role: 'operator',
      })
    ).accessToken;
    viewer = (
      await createUserAndLogin(app, admin, {
        email: 'view@example.com',
        password: 'viewer-pass-1',
        role: 'viewer',
      })
    ).accessToken;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  describe('session tokens', () => {
    it("a session's token works on its own session, and the principal says which token", async () => {
      const { token, record } = await tokens.issue('alpha', { name: 'crm' });
      expect(token).toMatch(/^wag_[\w-]{43}$/);
      expect(record.prefix).toBe(token.slice(0, 12));
      const res = await get('/guard-probe/sessions/alpha/token-only', token).expect(200);
      expect(res.body.data).toEqual({
        kind: 'session-token',
        sessionId: 'alpha',
        tokenId: record.id,
        prefix: record.prefix,
      });
      await get('/guard-probe/named/alpha', token).expect(200);
    });

    it("another session's token is 404 Session not found", async () => {
      const { token } = await tokens.issue('beta', { name: 'other' });
      for (const path of [
        '/guard-probe/sessions/alpha/token-only',
        '/guard-probe/sessions/alpha/token-or-user',
      ]) {
        const res = await get(path, token).expect(404);
        expect(res.body).toMatchObject({ success: false, message: 'Session not found', code: 'NOT_FOUND' });
      }
      await get('/guard-probe/named/alpha', token).expect(404);
    });

    it('no token, an unknown token, a revoked or an expired token are 401', async () => {
      await get('/guard-probe/sessions/alpha/token-only').expect(401);
      await get('/guard-probe/sessions/alpha/token-only', `wag_${'x'.repeat(43)}`).expect(401);
      await get('/guard-probe/sessions/alpha/token-only', 'not-a-token').expect(401);
      await request(app.getHttpServer())
        .get('/guard-probe/sessions/alpha/token-only')
        .set('authorization', 'Basic abc')
        .expect(401);

      const revoked = await tokens.issue('alpha', { name: 'revoked' });
      await get('/guard-probe/sessions/alpha/token-only', revoked.token).expect(200);
      await tokens.revoke('alpha', revoked.record.id);
      await get('/guard-probe/sessions/alpha/token-only', revoked.token).expect(401);

      const expiring = await tokens.issue('alpha', {
        name: 'short',
        expiresAt: new Date(clock.now().getTime() + 60_000),
      });
      await get('/guard-probe/sessions/alpha/token-only', expiring.token).expect(200);
      clock.advance(61_000);
      await get('/guard-probe/sessions/alpha/token-only', expiring.token).expect(401);
    });

    it('a session token is 403 on routes that do not take one', async () => {
      const { token } = await tokens.issue('alpha', { name: 'narrow' });
      await post('/guard-probe/master', { authorization: `Bearer ${token}` }).expect(403);
      await get('/guard-probe/undecorated', token).expect(403);
      await get('/api/v1/auth/me', token).expect(403);
    });

    it('a route taking a user or a session token takes either', async () => {
      const { token } = await tokens.issue('alpha', { name: 'both' });
      expect((await get('/guard-probe/sessions/alpha/token-or-user', token).expect(200)).body.data.kind).toBe(
        'session-token',
      );
      expect(
        (await get('/guard-probe/sessions/alpha/token-or-user', viewer).expect(200)).body.data,
      ).toMatchObject({
        kind: 'user',
        email: 'view@example.com',
        role: 'viewer',
      });
      await get('/guard-probe/sessions/alpha/token-only', viewer).expect(403);
    });

    it('lastUsedAt is written at most once a minute', async () => {
      const { token, record } = await tokens.issue('alpha', { name: 'usage' });
      const lastUsed = async () =>
        (await prisma.sessionToken.findUniqueOrThrow({ where: { id: record.id } })).lastUsedAt;
      expect(await lastUsed()).toBeNull();
      await get('/guard-probe/sessions/alpha/token-only', token).expect(200);
      const first = await lastUsed();
      expect(first).toBeInstanceOf(Date);
      clock.advance(30_000);
      await get('/guard-probe/sessions/alpha/token-only', token).expect(200);
      expect(await lastUsed()).toEqual(first);
      clock.advance(31_000);
      await get('/guard-probe/sessions/alpha/token-only', token).expect(200);
      expect((await lastUsed())?.getTime()).toBeGreaterThanOrEqual((first as Date).getTime() + 60_000);
    });

    it('list never shows a hash; rotate revokes the old token and issues one with the same name', async () => {
      const { token, record } = await tokens.issue('beta', { name: 'rotating', createdById: 1 });
      const listed = await tokens.list('beta');
      expect(listed.map((t) => t.id)).toContain(record.id);
      expect(JSON.stringify(listed)).not.toMatch(/[0-9a-f]{64}/);
      expect(Object.keys(listed[0]).sort()).toEqual(
        [
          'createdAt',
          'createdById',
          'expiresAt',
          'id',
          'lastUsedAt',
          'name',
          'prefix',
          'revokedAt',
          'sessionId',
        ].sort(),
      );

      const rotated = await tokens.rotate('beta', record.id);
      expect(rotated.record).toMatchObject({ name: 'rotating', createdById: 1, sessionId: 'beta' });
      expect(rotated.revoked.revokedAt).toBeInstanceOf(Date);
      await get('/guard-probe/sessions/beta/token-only', token).expect(401);
      await get('/guard-probe/sessions/beta/token-only', rotated.token).expect(200);
      await expect(tokens.rotate('beta', record.id)).rejects.toThrow('already revoked');
      await expect(tokens.revoke('alpha', rotated.record.id)).rejects.toThrow('Token not found');
    });
  });

  describe('master key', () => {
    it('is accepted where a route takes it, compared exactly', async () => {
      const res = await post('/guard-probe/master', { 'x-master-key': TEST_MASTER_KEY }).expect(201);
      expect(res.body.data).toEqual({ kind: 'master-key' });
      await post('/guard-probe/master', { 'x-master-key': `${TEST_MASTER_KEY}x` }).expect(401);
      await post('/guard-probe/master', { 'x-master-key': TEST_MASTER_KEY.slice(0, -1) }).expect(401);
      await post('/guard-probe/master').expect(401);
    });

    it('is 403 where a route does not take it; a user JWT is 403 on a master-key-only route', async () => {
      await get('/guard-probe/undecorated').set('x-master-key', TEST_MASTER_KEY).expect(403);
      await get('/api/v1/users').set('x-master-key', TEST_MASTER_KEY).expect(403);
      await post('/guard-probe/master', { authorization: `Bearer ${admin}` }).expect(403);
    });

    it('a route taking operators or the master key takes either, and refuses a viewer', async () => {
      await post('/guard-probe/master-or-operator', { 'x-master-key': TEST_MASTER_KEY }).expect(201);
      const res = await post('/guard-probe/master-or-operator', {
        authorization: `Bearer ${operator}`,
      }).expect(201);
      expect(res.body.data).toMatchObject({ kind: 'user', role: 'operator' });
      await post('/guard-probe/master-or-operator', { authorization: `Bearer ${admin}` }).expect(201);
      await post('/guard-probe/master-or-operator', { authorization: `Bearer ${viewer}` }).expect(403);
    });
  });

  describe('roles and the default', () => {
    it('a route without decorators needs an admin', async () => {
      await get('/guard-probe/undecorated').expect(401);
      await get('/guard-probe/undecorated', viewer).expect(403);
      await get('/guard-probe/undecorated', operator).expect(403);
      expect((await get('/guard-probe/undecorated', admin).expect(200)).body.data).toMatchObject({
        kind: 'user',
        role: 'admin',
        email: TEST_ADMIN.email,
      });
    });

    it("a controller's requirement applies to its routes, and a route's own replaces it", async () => {
      await get('/guard-probe-class', operator).expect(200);
      await get('/guard-probe-class', admin).expect(403);
      await get('/guard-probe-class', viewer).expect(403);
      await get('/guard-probe-class/open').expect(200);
    });

    it('a garbage or tampered JWT is 401', async () => {
      await get('/guard-probe/undecorated', 'a.b.c').expect(401);
      const [h, p, s] = admin.split('.');
      const forged = Buffer.from(
        JSON.parse(Buffer.from(p, 'base64url').toString()).sub === '1' ? '{"sub":"2"}' : '{"sub":"1"}',
      );
      await get('/guard-probe/undecorated', `${h}.${forged.toString('base64url')}.${s}`).expect(401);
    });
  });
});

describe('AccessGuard without MASTER_API_KEY', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;

  beforeAll(async () => {
    db = await createTestDatabase('wagw_nokey');
    app = await startAuthApp(authTestConfig(db.url, { MASTER_API_KEY: '' }), { imports: [GuardProbeModule] });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('two gateways alive in one process each check JWTs against their own database', async () => {
    // Passport strategies register on a per-instance Passport, not the process-wide one.
    const otherDb = await createTestDatabase('wagw_other');
    const other = await startAuthApp(authTestConfig(otherDb.url));
    try {
      const mine = await login(app, TEST_ADMIN);
      await request(app.getHttpServer())
        .get('/api/v1/auth/me')
        .set('authorization', `Bearer ${mine.accessToken}`)
        .expect(200);
      // Same signing key, but that login does not exist in the other database.
      await request(other.getHttpServer())
        .get('/api/v1/auth/me')
        .set('authorization', `Bearer ${mine.accessToken}`)
        .expect(401);
    } finally {
      await other.close();
      await otherDb.drop();
    }
  });

  it('no master key value is ever accepted, not even an empty one', async () => {
    for (const value of [TEST_MASTER_KEY, '', 'undefined']) {
      await request(app.getHttpServer()).post('/guard-probe/master').set('x-master-key', value).expect(401);
    }
  });
});
