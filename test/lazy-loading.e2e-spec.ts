import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import request from 'supertest';
import { eventually } from './support/gateway-fixture';
import { freePort, GatewayProcess } from './support/gateway-process';
import { startTestApp, testConfig } from './support/test-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';

// What the gateway does not need at start is loaded when first needed (docs/benchmarks.md, Idle
// memory): asserted on what is loaded, not on an RSS figure that moves with the machine.

describe('Lazy loading: a gateway outside sandbox mode', () => {
  let db: TestDatabase;
  let gateway: GatewayProcess;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('wagw_lazy');
    dir = mkdtempSync(join(tmpdir(), 'wagw-lazy-'));
  });
  afterAll(async () => {
    await gateway?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with no session, loads neither the simulator, the sandbox module, Baileys nor the NATS client', async () => {
    const file = join(dir, 'loaded.json');
    gateway = new GatewayProcess({
      NODE_ENV: 'development',
      DATABASE_URL: db.url,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      TOKEN_ENCRYPTION_KEY: '5e'.repeat(32),
      MIGRATE_ON_START: 'false',
      NODE_OPTIONS: `--require ${join(__dirname, 'support', 'loaded-modules-probe.js')}`,
      LOADED_MODULES_FILE: file,
    });
    await gateway.start();
    await request(gateway.url).get('/api/v1/sessions').expect(401);
    process.kill(gateway.pid!, 'SIGUSR2');
    await eventually(async () => existsSync(file), 10_000, 50);
    const loaded = (JSON.parse(readFileSync(file, 'utf8')) as string[]).map((f) => f.split('\\').join('/'));

    // The probe sees the app's own files (so an empty list cannot pass), and none of the sandbox's.
    expect(loaded.some((f) => f.endsWith('/src/app.module.ts'))).toBe(true);
    expect(loaded.some((f) => f.endsWith('/src/sessions/sessions.module.ts'))).toBe(true);
    expect(loaded.filter((f) => f.includes('/src/sandbox/'))).toEqual([]);
    // Baileys waits for the first session (require.cache lists an ES module loaded through require).
    expect(loaded.filter((f) => f.includes('/node_modules/@whiskeysockets/baileys/'))).toEqual([]);
    // The NATS client waits for the first publish to a NATS output.
    expect(loaded.filter((f) => f.includes('/node_modules/nats/'))).toEqual([]);
  });
});

describe('Lazy loading: the OpenAPI document', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let createDocument: jest.SpyInstance;

  beforeAll(async () => {
    db = await createTestDatabase('wagw_lazy_docs');
    createDocument = jest.spyOn(SwaggerModule, 'createDocument');
    app = await startTestApp(testConfig(db.url));
  });
  afterAll(async () => {
    createDocument?.mockRestore();
    await app?.close();
    await db?.drop();
  });

  it('is built on the first request for it, once, and not at start', async () => {
    expect(createDocument).not.toHaveBeenCalled();
    await request(app.getHttpServer()).get('/api-documentation').redirects(1).expect(200);
    // The UI page itself needs no document; its init script and the JSON do.
    expect(createDocument).not.toHaveBeenCalled();
    const json = await request(app.getHttpServer()).get('/api-documentation/json').expect(200);
    expect(Object.keys(json.body.paths)).toContain('/health');
    expect(createDocument).toHaveBeenCalledTimes(1);
    await request(app.getHttpServer()).get('/api-documentation/swagger-ui-init.js').expect(200);
    await request(app.getHttpServer()).get('/api-documentation/json').expect(200);
    expect(createDocument).toHaveBeenCalledTimes(1);
  });
});
