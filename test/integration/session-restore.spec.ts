import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { ConnectionRegistry } from '../../src/whatsapp/connection-registry';
import { eventually, GatewayFixture, linkSession } from '../support/gateway-fixture';

jest.setTimeout(180_000);

const SESSIONS = 6;
const CONCURRENCY = 2;

/**
 * Saved sessions brought back at start: the supervisor opens them SESSION_RESTORE_CONCURRENCY at a
 * time, a session keeping its place until its login is done, and opens every one of them.
 */
describe('restoring saved sessions at start', () => {
  const fixture = new GatewayFixture();
  const ids = Array.from({ length: SESSIONS }, (_, i) => `restore-${i}`);
  const config = () => fixture.config({ SESSION_RESTORE_CONCURRENCY: String(CONCURRENCY) });

  beforeAll(async () => {
    await fixture.start('wagw_restore');
    const app = await fixture.startApp(config());
    for (const [i, id] of ids.entries()) await linkSession(fixture, app, id, `62812000077${i}`);
    await fixture.stopApp(app);
  });
  afterAll(() => fixture.close());

  it(`never has more than ${CONCURRENCY} sessions logging in at once, and restores them all`, async () => {
    // The app is built by hand so that its registry is watched before the supervisor's first pass.
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(config(), { baileys: fixture.simulator.socketConfig() })],
    }).compile();
    const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false });
    fixture.apps.push(app);
    const registry = app.get(ConnectionRegistry);
    let peak = 0;
    const connecting = () =>
      registry.heldSessionIds().filter((id) => registry.statusOf(id) === 'connecting').length;
    const watch = setInterval(() => (peak = Math.max(peak, connecting())), 1);
    try {
      configureApp(app, config());
      await app.listen(0, '127.0.0.1');
      await eventually(() => ids.every((id) => registry.statusOf(id) === 'connected'), 60_000, 20);
    } finally {
      clearInterval(watch);
    }
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(CONCURRENCY);
    for (const [i] of ids.entries())
      expect(fixture.simulator.devices(`62812000077${i}`).filter((d) => d.online)).toHaveLength(1);
  });
});
