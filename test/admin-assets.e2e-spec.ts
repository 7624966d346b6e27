import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { startTestApp, testConfig } from './support/test-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';

const version = (pkg: string): string =>
  (
    JSON.parse(readFileSync(join(__dirname, '..', 'node_modules', pkg, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

describe('the admin SPA files at /admin', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let legacyApp: NestExpressApplication;

  beforeAll(async () => {
    db = await createTestDatabase('wagw_admin_assets');
    const admin = { ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'admin-password-1' };
    app = await startTestApp(testConfig(db.url, admin));
    legacyApp = await startTestApp(
      testConfig(db.url, { ...admin, ADMIN_DASHBOARD_PASSWORD: 'legacy-password' }),
    );
  });
  afterAll(async () => {
    await app?.close();
    await legacyApp?.close();
    await db?.drop();
  });

  it('answers index.html for /admin/ and any client route, under the strict CSP, never cached stale', async () => {
    await request(app.getHttpServer()).get('/admin').expect(301).expect('location', '/admin/');
    // The first seed served its dashboard at /.
    await request(app.getHttpServer()).get('/').expect(302).expect('location', '/admin/');
    for (const path of ['/admin/', '/admin/campaigns/12', '/admin/sessions/sales/messages']) {
      const res = await request(app.getHttpServer()).get(path).expect(200);
      expect(res.type).toBe('text/html');
      expect(res.headers['cache-control']).toBe('no-cache');
      const csp = res.headers['content-security-policy'];
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).toMatch(/script-src-attr 'none'/);
      expect(csp).toMatch(/connect-src 'self'/);
      expect(csp).not.toMatch(/upgrade-insecure-requests/);
      expect(res.text).toContain('<script type="module" src="/admin/js/main.js"></script>');
      // Vendor URLs carry the installed version, so they can be cached for good.
      expect(res.text).toContain(`/admin/vendor/bootstrap@${version('bootstrap')}/css/bootstrap.min.css`);
      expect(res.text).toContain(`/admin/vendor/chart.js@${version('chart.js')}/chart.umd.min.js`);
      expect(res.text).not.toMatch(/\/admin\/vendor\/(bootstrap|chart\.js)\//);
      expect(res.text).not.toMatch(/<script>|\son[a-z]+=/i);
    }
  });

  it('serves vendor files from node_modules for a year, and the app files revalidated', async () => {
    const css = await request(app.getHttpServer())
      .get(`/admin/vendor/bootstrap@${version('bootstrap')}/css/bootstrap.min.css`)
      .expect(200);
    expect(css.type).toBe('text/css');
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const chart = await request(app.getHttpServer())
      .get(`/admin/vendor/chart.js@${version('chart.js')}/chart.umd.min.js`)
      .expect(200);
    expect(chart.type).toMatch(/javascript/);

    const main = await request(app.getHttpServer()).get('/admin/js/main.js').expect(200);
    expect(main.type).toMatch(/javascript/);
    expect(main.headers['cache-control']).toBe('no-cache');
    expect(main.headers.etag).toBeTruthy();
    await request(app.getHttpServer())
      .get('/admin/js/main.js')
      .set('if-none-match', main.headers.etag)
      .expect(304);
  });

  it('answers 404 for files that do not exist and never serves anything outside admin/', async () => {
    const missing = await request(app.getHttpServer()).get('/admin/js/missing.js').expect(404);
    expect(missing.body).toMatchObject({ success: false });
    await request(app.getHttpServer()).get('/admin/vendor/bootstrap@0.0.0/css/bootstrap.min.css').expect(404);
    for (const path of [
      '/admin/../package.json',
      '/admin/%2e%2e/package.json',
      '/admin/..%2fsrc%2fmain.ts',
    ]) {
      const res = await request(app.getHttpServer()).get(path);
      expect(res.text).not.toContain('"name": "wa-gateway"');
      expect(res.text).not.toContain('bootstrap()');
    }
    await request(app.getHttpServer()).post('/admin/sessions').expect(404);
  });

  it('tells the login page whether the legacy dashboard password is enabled', async () => {
    const off = await request(app.getHttpServer()).get('/admin/config.json').expect(200);
    expect(off.body).toEqual({ legacyLogin: false });
    const on = await request(legacyApp.getHttpServer()).get('/admin/config.json').expect(200);
    expect(on.body).toEqual({ legacyLogin: true });
  });
});
