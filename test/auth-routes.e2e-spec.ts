import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { authTestConfig, createUserAndLogin, login, startAuthApp, TEST_ADMIN } from './support/auth-helpers';
import { concretePath, listRoutes, MUTATING, type RouteInfo } from './support/routes';
import { createTestDatabase, type TestDatabase } from './support/test-database';

// The only routes anyone may call without credentials. A new public route must be added here on purpose.
const EXPECTED_PUBLIC = [
  'GET /health',
  // Public to the user guards only: it checks METRICS_TOKEN itself (404 without one, 401 without it).
  'GET /metrics',
  'POST /api/v1/auth/dashboard-login',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/refresh',
];

// The only mutating routes a viewer may call: self-service. Any other new mutating route must be 403.
const EXPECTED_VIEWER_MUTATIONS = [
  'POST /api/v1/auth/change-password',
  'POST /api/v1/auth/logout',
  'POST /api/v1/auth/ws-token',
];

const send = (app: NestExpressApplication, route: RouteInfo, token?: string) => {
  const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  const req = request(app.getHttpServer())[method](concretePath(route.path));
  return token ? req.set('authorization', `Bearer ${token}`) : req;
};

describe('every route of the app is behind the AccessGuard', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let routes: RouteInfo[];

  beforeAll(async () => {
    db = await createTestDatabase('wagw_routes');
    app = await startAuthApp(authTestConfig(db.url));
    routes = listRoutes(app);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('enumerates the routes from Nest, including those of the auth, users and activity modules', () => {
    const keys = routes.map((r) => r.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'GET /api/v1/auth/me',
        'POST /api/v1/users',
        'PATCH /api/v1/users/:id',
        'GET /api/v1/activity/export',
      ]),
    );
    expect(routes.length).toBeGreaterThan(15);
  });

  it('the public routes are exactly the expected ones', () => {
    expect(routes.filter((r) => r.isPublic).map((r) => r.key)).toEqual([...EXPECTED_PUBLIC].sort());
  });

  it('without credentials every non-public route answers 401 in the error envelope', async () => {
    const answers: string[] = [];
    for (const route of routes.filter((r) => !r.isPublic)) {
      const res = await send(app, route);
      answers.push(`${route.key} -> ${res.status} ${res.body?.code}`);
    }
    expect(answers).toEqual(routes.filter((r) => !r.isPublic).map((r) => `${r.key} -> 401 UNAUTHORIZED`));
  });

  it('public routes are reachable without credentials', async () => {
    for (const route of routes.filter((r) => r.isPublic)) {
      const res = await send(app, route);
      expect([route.key, res.status]).not.toEqual([route.key, 401]);
      expect([route.key, res.status]).not.toEqual([route.key, 403]);
    }
  });

  it('with a viewer token every mutating route answers 403, except the self-service ones', async () => {
    const admin = await login(app, TEST_ADMIN);
    const viewer = await createUserAndLogin(app, admin.accessToken, {
      email: 'viewer@example.com',
      password: 'viewer-password-1',
      role: 'viewer',
    });
    const mutating = routes.filter((r) => MUTATING.has(r.method) && !r.isPublic);
    const viewerMay = mutating.filter((r) =>
      r.requirements?.some((q) => q.kind === 'roles' && q.roles.includes('viewer')),
    );
    expect(viewerMay.map((r) => r.key)).toEqual([...EXPECTED_VIEWER_MUTATIONS].sort());

    const answers: string[] = [];
    for (const route of mutating.filter((r) => !viewerMay.includes(r))) {
      const res = await send(app, route, viewer.accessToken);
      answers.push(`${route.key} -> ${res.status}`);
    }
    expect(answers).toEqual(mutating.filter((r) => !viewerMay.includes(r)).map((r) => `${r.key} -> 403`));

    // The exempt ones really let a viewer through (logout last: it ends the viewer's login).
    const wsToken = await request(app.getHttpServer())
      .post('/api/v1/auth/ws-token')
      .set('authorization', `Bearer ${viewer.accessToken}`);
    expect(wsToken.status).toBe(200);
    const change = await request(app.getHttpServer())
      .post('/api/v1/auth/change-password')
      .set('authorization', `Bearer ${viewer.accessToken}`)
      .send({});
    expect(change.status).toBe(400); // past the guard, stopped by validation
    const logout = await request(app.getHttpServer())
      .post('/api/v1/auth/logout')
      .set('authorization', `Bearer ${viewer.accessToken}`);
    expect(logout.status).toBe(200);
  });
});
