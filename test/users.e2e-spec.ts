import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import {
  activityDuring,
  activityTableText,
  authTestConfig,
  createUserAndLogin,
  login,
  nextIp,
  startAuthApp,
  TEST_ADMIN,
  TEST_MASTER_KEY,
} from './support/auth-helpers';
import { createTestDatabase, type TestDatabase } from './support/test-database';

describe('user management (admin only) and the last admin', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let admin: { accessToken: string; refreshToken: string; user: { id: number } };
  const secrets: string[] = [TEST_ADMIN.password, TEST_MASTER_KEY];

  const as = (token: string) => {
    const server = app.getHttpServer();
    const auth = {
      authorization: `Bearer ${token}`,
      'x-forwarded-for': '192.0.2.10',
      'user-agent': 'users-test',
    };
    return {
      get: (path: string) => request(server).get(path).set(auth),
      post: (path: string, body: object = {}) => request(server).post(path).set(auth).send(body),
      patch: (path: string, body: object) => request(server).patch(path).set(auth).send(body),
      delete: (path: string) => request(server).delete(path).set(auth),
    };
  };
  const track = <T extends { accessToken: string; refreshToken: string }>(answer: T): T => {
    secrets.push(answer.accessToken, answer.refreshToken);
    return answer;
  };

  beforeAll(async () => {
    db = await createTestDatabase('wagw_users');
    app = await startAuthApp(authTestConfig(db.url));
    prisma = app.get(PrismaService);
    admin = track(await login(app, TEST_ADMIN));
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('the first admin was seeded from ADMIN_EMAIL/ADMIN_PASSWORD, without a forced change, audited as system', async () => {
    const seeded = await prisma.user.findMany();
    expect(seeded).toHaveLength(1);
    expect(seeded[0]).toMatchObject({ email: TEST_ADMIN.email, role: 'admin', mustChangePassword: false });
    expect(seeded[0].passwordHash).toMatch(/^\$2b\$04\$/); // bcrypt, cost 4 under NODE_ENV=test
    const rows = await prisma.activityLog.findMany({ where: { action: 'user.created' } });
    expect(rows).toMatchObject([
      { actorId: null, actorLabel: 'system', targetType: 'user', targetId: String(seeded[0].id) },
    ]);
  });

  it('creates a user (stored as given, email normalised), refuses duplicates and bad input; audited once', async () => {
    let res!: request.Response;
    const password = 'created-password-1';
    secrets.push(password);
    const rows = await activityDuring(app, async () => {
      res = await as(admin.accessToken)
        .post('/api/v1/users', {
          email: ' Ops@Example.com ',
          name: '<b>Ops</b> & co',
          password,
          role: 'operator',
        })
        .expect(201);
    });
    expect(res.body.data).toMatchObject({
      email: 'ops@example.com',
      name: '<b>Ops</b> & co',
      role: 'operator',
      active: true,
      mustChangePassword: true,
    });
    expect(Object.keys(res.body.data)).not.toContain('passwordHash');
    expect(JSON.stringify(res.body)).not.toContain('$2b$');
    expect(rows).toEqual([
      {
        action: 'user.created',
        actorId: admin.user.id,
        actorLabel: TEST_ADMIN.email,
        targetType: 'user',
        targetId: String(res.body.data.id),
        metadata: { email: 'ops@example.com', role: 'operator' },
        ip: '192.0.2.10',
      },
    ]);

    await as(admin.accessToken)
      .post('/api/v1/users', { email: 'OPS@example.com', password, role: 'viewer' })
      .expect(409);
    const bad = await as(admin.accessToken)
      .post('/api/v1/users', { email: 'x@example.com', password: 'short', role: 'root' })
      .expect(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['password', 'role']);
  });

  it('lists and gets users; 404 for an unknown id; only admins may', async () => {
    const list = await as(admin.accessToken).get('/api/v1/users').expect(200);
    expect(list.body.data.map((u: { email: string }) => u.email)).toEqual([
      TEST_ADMIN.email,
      'ops@example.com',
    ]);
    const id = list.body.data[1].id as number;
    expect((await as(admin.accessToken).get(`/api/v1/users/${id}`).expect(200)).body.data.email).toBe(
      'ops@example.com',
    );
    await as(admin.accessToken).get('/api/v1/users/99999').expect(404);
    await as(admin.accessToken).get('/api/v1/users/abc').expect(400);

    const operator = track(
      await createUserAndLogin(app, admin.accessToken, {
        email: 'op2@example.com',
        password: 'operator-pass-2',
        role: 'operator',
      }),
    );
    secrets.push('operator-pass-2');
    await as(operator.accessToken).get('/api/v1/users').expect(403);
    await as(operator.accessToken).get(`/api/v1/users/${id}`).expect(403);
  });

  it('updates name and role (effective at once); a no-op writes nothing; each change audited once', async () => {
    const user = track(
      await createUserAndLogin(app, admin.accessToken, {
        email: 'promote@example.com',
        password: 'promote-pass-1',
        role: 'viewer',
      }),
    );
    secrets.push('promote-pass-1');
    await as(user.accessToken).get('/api/v1/users').expect(403);

    const rows = await activityDuring(app, async () => {
      const res = await as(admin.accessToken)
        .patch(`/api/v1/users/${user.user.id}`, { role: 'admin', name: 'Promoted' })
        .expect(200);
      expect(res.body.data).toMatchObject({ role: 'admin', name: 'Promoted' });
    });
    expect(rows).toMatchObject([
      {
        action: 'user.updated',
        actorId: admin.user.id,
        targetType: 'user',
        targetId: String(user.user.id),
        metadata: {
          changes: { role: { from: 'viewer', to: 'admin' }, name: { from: null, to: 'Promoted' } },
        },
      },
    ]);
    // The same access token now carries the new role: roles are read per request.
    await as(user.accessToken).get('/api/v1/users').expect(200);

    const none = await activityDuring(app, () =>
      as(admin.accessToken).patch(`/api/v1/users/${user.user.id}`, { role: 'admin' }).expect(200),
    );
    expect(none).toEqual([]);
    await as(admin.accessToken).patch(`/api/v1/users/${user.user.id}`, { role: 'owner' }).expect(400);
    await as(admin.accessToken)
      .patch(`/api/v1/users/${user.user.id}`, { email: 'new@example.com' })
      .expect(400);
    await as(admin.accessToken).patch('/api/v1/users/99999', { name: 'x' }).expect(404);
  });

  it('deactivation ends every login at once; reactivation does not revive them', async () => {
    const password = 'deactivate-pass-1';
    secrets.push(password);
    const user = track(
      await createUserAndLogin(app, admin.accessToken, {
        email: 'gone@example.com',
        password,
        role: 'operator',
      }),
    );
    await as(user.accessToken).get('/api/v1/auth/me').expect(200);

    const rows = await activityDuring(app, () =>
      as(admin.accessToken).delete(`/api/v1/users/${user.user.id}`).expect(200),
    );
    expect(rows).toMatchObject([
      {
        action: 'user.deactivated',
        actorLabel: TEST_ADMIN.email,
        targetId: String(user.user.id),
        metadata: { changes: { active: { from: true, to: false } } },
      },
    ]);
    await as(user.accessToken).get('/api/v1/auth/me').expect(401);
    await request(app.getHttpServer())
      .post('/api/v1/auth/refresh')
      .send({ refreshToken: user.refreshToken })
      .expect(401);
    const refused = await request(app.getHttpServer())
      .post('/api/v1/auth/login')
      .set('x-forwarded-for', nextIp())
      .send({ email: 'gone@example.com', password })
      .expect(401);
    expect(refused.body.message).toBe('Invalid email or password');

    await as(admin.accessToken).patch(`/api/v1/users/${user.user.id}`, { active: true }).expect(200);
    await as(user.accessToken).get('/api/v1/auth/me').expect(401);
    track(await login(app, { email: 'gone@example.com', password }));
  });

  it('the last active admin cannot be demoted or deactivated (409); with two, one can', async () => {
    // Only the seeded admin and 'promote@example.com' are admins now; demote the latter first.
    const admins = await prisma.user.findMany({ where: { role: 'admin', active: true } });
    expect(admins.map((u) => u.email).sort()).toEqual(['promote@example.com', TEST_ADMIN.email]);
    const other = admins.find((u) => u.email !== TEST_ADMIN.email)!;
    await as(admin.accessToken).patch(`/api/v1/users/${other.id}`, { role: 'operator' }).expect(200);

    const self = `/api/v1/users/${admin.user.id}`;
    const none = await activityDuring(app, async () => {
      for (const res of [
        await as(admin.accessToken).patch(self, { role: 'viewer' }),
        await as(admin.accessToken).patch(self, { active: false }),
        await as(admin.accessToken).patch(self, { role: 'operator', active: false }),
        await as(admin.accessToken).delete(self),
      ]) {
        expect(res.status).toBe(409);
        expect(res.body).toMatchObject({ code: 'LAST_ADMIN' });
      }
    });
    expect(none).toEqual([]);
    expect(await prisma.user.findUniqueOrThrow({ where: { id: admin.user.id } })).toMatchObject({
      role: 'admin',
      active: true,
    });
    // Renaming the last admin is fine.
    await as(admin.accessToken).patch(self, { name: 'Root' }).expect(200);
  });

  it('two concurrent demotions of the only two admins: exactly one succeeds', async () => {
    const second = await as(admin.accessToken)
      .post('/api/v1/users', { email: 'admin2@example.com', password: 'second-admin-1', role: 'admin' })
      .expect(201);
    secrets.push('second-admin-1');
    const [a, b] = await Promise.all([
      as(admin.accessToken).patch(`/api/v1/users/${admin.user.id}`, { role: 'operator' }),
      as(admin.accessToken).patch(`/api/v1/users/${second.body.data.id}`, { active: false }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect(await prisma.user.count({ where: { role: 'admin', active: true } })).toBe(1);
    // Put things back: the seeded admin stays an active admin for the tests after this one.
    await prisma.user.update({ where: { id: admin.user.id }, data: { role: 'admin' } });
  });

  it('an admin resets a password: generated (shown once) or given; forced change; logins end; audited', async () => {
    const password = 'before-reset-1';
    secrets.push(password);
    const user = track(
      await createUserAndLogin(app, admin.accessToken, {
        email: 'reset@example.com',
        password,
        role: 'viewer',
      }),
    );
    let res!: request.Response;
    const rows = await activityDuring(app, async () => {
      res = await as(admin.accessToken).post(`/api/v1/users/${user.user.id}/reset-password`).expect(200);
    });
    const temporary = res.body.data.temporaryPassword as string;
    secrets.push(temporary);
    expect(temporary).toMatch(/^[\w-]{24}$/);
    expect(res.body.data.user).toMatchObject({ mustChangePassword: true });
    expect(rows).toMatchObject([
      {
        action: 'user.password_reset',
        actorId: admin.user.id,
        targetId: String(user.user.id),
        metadata: { generated: true },
      },
    ]);
    await as(user.accessToken).get('/api/v1/auth/me').expect(401);
    await request(app.getHttpServer())
      .post('/api/v1/auth/login')
      .set('x-forwarded-for', nextIp())
      .send({ email: 'reset@example.com', password })
      .expect(401);
    const relogged = track(await login(app, { email: 'reset@example.com', password: temporary }));
    expect(relogged.user.mustChangePassword).toBe(true);

    const given = await as(admin.accessToken)
      .post(`/api/v1/users/${user.user.id}/reset-password`, { password: 'chosen-by-admin-1' })
      .expect(200);
    secrets.push('chosen-by-admin-1');
    expect(given.body.data.temporaryPassword).toBeUndefined();
    track(await login(app, { email: 'reset@example.com', password: 'chosen-by-admin-1' }));
    await as(admin.accessToken).post('/api/v1/users/99999/reset-password').expect(404);
  });

  it('no activity row contains a password, token or password hash used above', async () => {
    const hashes = (await prisma.user.findMany()).map((u) => u.passwordHash);
    const text = await activityTableText(app);
    const leaked = [...secrets, ...hashes].filter((secret) => text.includes(secret));
    expect(leaked).toEqual([]);
    expect(text).toContain('user.password_reset'); // the search ran over the real rows
  });
});
