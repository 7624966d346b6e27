import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Body, Controller, Module, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { IsEmail, IsInt, Min } from 'class-validator';
import request from 'supertest';
import { AppModule } from '../src/app.module';
import { Public } from '../src/auth/decorators';
import { configureApp } from '../src/app.setup';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { startTestApp, testConfig } from './support/test-app';
import { authTestConfig, createUserAndLogin, login, TEST_ADMIN } from './support/auth-helpers';

class ProbeDto {
  @IsEmail()
  email: string;

  @IsInt()
  @Min(1)
  count: number;
}

// A route with a DTO, only to exercise the global pipe and filter the way every module's routes do.
@Public()
@Controller('probe')
class ProbeController {
  @Post()
  echo(@Body() dto: ProbeDto): ProbeDto {
    return dto;
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe('HTTP foundation', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;

  beforeAll(async () => {
    db = await createTestDatabase('wagw_http');
    const config = authTestConfig(db.url, { BODY_LIMIT: '2kb' });
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(config), ProbeModule],
    }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false });
    configureApp(app, config);
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('GET /health is public and minimal: the status only, nothing about the insides', async () => {
    const res = await request(app.getHttpServer()).get('/health').expect(200);
    expect(res.body).toEqual({ success: true, message: 'Health check', data: { status: 'ok' } });
    expect(res.headers['x-request-id']).toMatch(/^[\w-]{8,}$/);
  });

  it('GET /api/v1/health/details needs a login (any role) and has the database, sessions, capture, uptime and memory', async () => {
    await request(app.getHttpServer()).get('/api/v1/health/details').expect(401);
    const admin = await login(app, TEST_ADMIN);
    const viewer = await createUserAndLogin(app, admin.accessToken, {
      email: 'viewer@example.com',
      password: 'viewer-password-for-tests',
      role: 'viewer',
    });
    const res = await request(app.getHttpServer())
      .get('/api/v1/health/details')
      .set('authorization', `Bearer ${viewer.accessToken}`)
      .expect(200);
    expect(res.body.data).toMatchObject({
      status: 'ok',
      reasons: [],
      database: { reachable: true },
      sessions: { total: 0 },
      capture: { journaling: false, inMemory: 0 },
      process: { unhandledRejections: 0 },
    });
    expect(res.body.data.uptime).toEqual(expect.any(Number));
    expect(res.body.data.memory.rss).toBeGreaterThan(0);
  });

  it('an unknown route is a 404 in the error envelope', async () => {
    const res = await request(app.getHttpServer()).get('/no/such/route').expect(404);
    expect(res.body).toEqual({
      success: false,
      message: 'Cannot GET /no/such/route',
      code: 'NOT_FOUND',
      timestamp: expect.any(String),
      requestId: expect.any(String),
    });
  });

  it('a validation error is a 400 naming each bad field', async () => {
    const res = await request(app.getHttpServer())
      .post('/probe')
      .send({ email: 'nope', count: 0, extra: 1 })
      .expect(400);
    expect(res.body).toMatchObject({
      success: false,
      code: 'VALIDATION_ERROR',
      message: 'Validation failed',
    });
    const fields = Object.fromEntries(
      res.body.details.map((d: { field: string; errors: string[] }) => [d.field, d.errors]),
    );
    expect(Object.keys(fields).sort()).toEqual(['count', 'email', 'extra']);
    expect(fields.email[0]).toMatch(/email/);
    expect(fields.extra[0]).toMatch(/should not exist/);
  });

  it('a valid body passes, wrapped in the success envelope', async () => {
    const res = await request(app.getHttpServer())
      .post('/probe')
      .send({ email: 'a@example.com', count: 2 })
      .expect(201);
    expect(res.body).toEqual({ success: true, message: 'OK', data: { email: 'a@example.com', count: 2 } });
  });

  it('malformed JSON is a 400 and an oversized body a 413, without parser internals', async () => {
    const bad = await request(app.getHttpServer())
      .post('/probe')
      .set('content-type', 'application/json')
      .send('{bad')
      .expect(400);
    expect(bad.body).toMatchObject({
      success: false,
      code: 'INVALID_JSON',
      message: 'Request body is not valid JSON',
    });
    const big = await request(app.getHttpServer())
      .post('/probe')
      .send({ email: 'a@example.com', count: 1, pad: 'x'.repeat(4000) });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ success: false, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('sends security headers', async () => {
    const res = await request(app.getHttpServer()).get('/health');
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('/api-documentation serves the Swagger UI and the OpenAPI JSON beside it', async () => {
    const ui = await request(app.getHttpServer()).get('/api-documentation').redirects(1).expect(200);
    expect(ui.text).toMatch(/swagger-ui/);
    const json = await request(app.getHttpServer()).get('/api-documentation/json').expect(200);
    expect(json.body.openapi).toMatch(/^3\./);
    expect(Object.keys(json.body.paths)).toContain('/health');
  });

  it('the OpenAPI description declares every path parameter of every route, with its type', async () => {
    const json = await request(app.getHttpServer()).get('/api-documentation/json').expect(200);
    const paths = json.body.paths as Record<
      string,
      Record<string, { parameters?: { name: string; in: string; schema?: { type?: string } }[] }>
    >;
    const undeclared: string[] = [];
    for (const [path, operations] of Object.entries(paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, operation] of Object.entries(operations)) {
        const declared = (operation.parameters ?? []).filter(
          (p) => p.in === 'path' && ['string', 'number'].includes(p.schema?.type ?? ''),
        );
        for (const name of names)
          if (!declared.some((p) => p.name === name))
            undeclared.push(`${method.toUpperCase()} ${path}: ${name}`);
      }
    }
    expect(Object.keys(paths)).toContain('/api/v1/sessions/{id}/messages/text');
    expect(undeclared).toEqual([]);
  });
});

describe('HTTP foundation with the database down', () => {
  it('GET /health is 503 (down) within about a second of the database going away', async () => {
    // The app starts with its database (it checks its encryption key there), through a TCP hop
    // that is then cut: connections dropped and refused.
    const db = await createTestDatabase('wagw_http_down');
    const sockets = new Set<Socket>();
    const target = new URL(db.url);
    const link = createServer((client) => {
      const upstream = connect(Number(target.port || 3306), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => link.listen(0, '127.0.0.1', resolve));
    const url = new URL(db.url);
    url.port = String((link.address() as AddressInfo).port);
    url.searchParams.set('pool_timeout', '1');
    const app = await startTestApp(testConfig(url.toString()));
    try {
      await request(app.getHttpServer()).get('/health').expect(200);
      await new Promise<void>((resolve) => {
        link.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      const started = Date.now();
      const res = await request(app.getHttpServer()).get('/health').expect(503);
      expect(res.body.data).toEqual({ status: 'down' });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await app.close();
      await db.drop();
    }
  });
});
