import request from 'supertest';
import { DomainEvents, type SessionStatusEvent } from '../src/common/domain-events';
import { PrismaService } from '../src/prisma/prisma.service';
import { ConnectionRegistry } from '../src/whatsapp/connection-registry';
import { adminToken, eventually, GatewayFixture, linkSession, MASTER_KEY } from './support/gateway-fixture';

jest.setTimeout(120_000);

describe('session timeouts', () => {
  const fixture = new GatewayFixture();
  beforeAll(() => fixture.start('wagw_timeouts'));
  afterAll(() => fixture.close());

  it('a session left in qr_pending longer than QR_TIMEOUT_SECONDS is stopped', async () => {
    const app = await fixture.startApp(fixture.config({ QR_TIMEOUT_SECONDS: '2' }));
    const prisma = app.get(PrismaService);
    await request(app.getHttpServer())
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: 'unscanned', name: 'Unscanned' })
      .expect(201);
    await eventually(
      async () =>
        (await prisma.whatsappSession.findUnique({ where: { id: 'unscanned' } }))?.status === 'qr_pending',
    );
    const row = await eventually(async () => {
      const r = await prisma.whatsappSession.findUnique({ where: { id: 'unscanned' } });
      return r?.status === 'disconnected' ? r : null;
    }, 10_000);
    expect(row).toMatchObject({
      shouldConnect: false,
      lastDisconnectReason: 'QR code was not scanned in time',
    });
    expect(app.get(ConnectionRegistry).isHeld('unscanned')).toBe(false);
    const admin = await adminToken(app);
    await request(app.getHttpServer())
      .get('/api/v1/sessions/unscanned/qr')
      .set('authorization', `Bearer ${admin}`)
      .expect(404);
    await fixture.stopApp(app);
  });

  it('a connected session with no traffic for SESSION_TIMEOUT_HOURS is restarted and comes back connected', async () => {
    // 0.0005 h = 1.8 s of silence.
    const app = await fixture.startApp(
      fixture.config({ SESSION_TIMEOUT_HOURS: '0.0005', SESSION_LEASE_SECONDS: '5' }),
    );
    const statuses: SessionStatusEvent[] = [];
    app.get(DomainEvents).on('session.status', (e) => e.sessionId === 'idle' && statuses.push(e));
    await linkSession(fixture, app, 'idle', '6281200000041');
    const restartedAt = () => statuses.findIndex((s) => s.reason === 'idle timeout: restarting');
    await eventually(
      () => restartedAt() >= 0 && statuses.slice(restartedAt()).some((s) => s.status === 'connected'),
      20_000,
    );
    expect(statuses[restartedAt()].status).toBe('disconnected');
    expect(
      (await app.get(PrismaService).whatsappSession.findUniqueOrThrow({ where: { id: 'idle' } }))
        .shouldConnect,
    ).toBe(true);
  });
});
