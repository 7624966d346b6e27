import type { NestExpressApplication } from '@nestjs/platform-express';
import { DomainEvents, type SessionStatusEvent } from '../src/common/domain-events';
import { PrismaService } from '../src/prisma/prisma.service';
import type { DisconnectCode } from '../src/sandbox/simulator/whatsapp-simulator';
import { ConnectionRegistry } from '../src/whatsapp/connection-registry';
import { eventually, GatewayFixture, linkSession } from './support/gateway-fixture';

jest.setTimeout(180_000);

const PHONE = '6281200000021';

/** Open sockets and timers of this process, by kind (what a leak would grow). */
const handles = () => {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
};

describe('reconnection by close code (real Baileys against the simulator)', () => {
  const fixture = new GatewayFixture();
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let registry: ConnectionRegistry;
  const statuses: SessionStatusEvent[] = [];

  const row = () => prisma.whatsappSession.findUniqueOrThrow({ where: { id: 'rc' } });
  const device = async () => ({
    phoneNumber: PHONE,
    deviceId: Number(/:(\d+)@/.exec((await row()).jid!)![1]),
  });
  const closeWith = async (code: DisconnectCode) => {
    statuses.length = 0;
    fixture.simulator.disconnect(await device(), code);
  };
  const connectedAgain = () =>
    eventually(
      () => statuses.some((s) => s.status === 'connected') && registry.statusOf('rc') === 'connected',
      20_000,
    );

  beforeAll(async () => {
    await fixture.start('wagw_reconnect');
    // Short keep-alive so that 408 (silence) is seen in seconds.
    app = await fixture.startApp(fixture.config(), { keepAliveIntervalMs: 1_000 });
    prisma = app.get(PrismaService);
    registry = app.get(ConnectionRegistry);
    app.get(DomainEvents).on('session.status', (e) => e.sessionId === 'rc' && statuses.push(e));
    await linkSession(fixture, app, 'rc', PHONE);
    // The REST status turns `connected` before the event is out; a late one would count for a test.
    await eventually(() => statuses.some((s) => s.status === 'connected'));
  });
  afterAll(() => fixture.close());

  it('515 restart-required reconnects at once, without a QR', async () => {
    await closeWith(515);
    await connectedAgain();
    expect(statuses.map((s) => s.status)).toEqual(['connecting', 'connected']);
    expect(statuses[0]).toMatchObject({ code: 515, reason: 'restart required' });
  });

  it.each([428, 408] as const)('%i (connection closed / lost) reconnects with backoff', async (code) => {
    await closeWith(code);
    await connectedAgain();
    expect(statuses[0]).toMatchObject({ status: 'connecting', code });
  });

  it('440 replaced by another client stops without reconnecting; connect brings it back', async () => {
    await closeWith(440);
    await eventually(() => statuses.some((s) => s.status === 'disconnected'));
    await new Promise((r) => setTimeout(r, 2500));
    expect(statuses.map((s) => s.status)).toEqual(['disconnected']);
    expect(await row()).toMatchObject({
      status: 'disconnected',
      shouldConnect: false,
      lastDisconnectCode: 440,
      lastDisconnectReason: 'replaced by another client',
    });
    await registry.connect('rc');
    await connectedAgain();
  });

  it('500 bad session data is reported, not looped on', async () => {
    await closeWith(500);
    await eventually(() => statuses.some((s) => s.status === 'disconnected'));
    await new Promise((r) => setTimeout(r, 2500));
    expect(statuses.map((s) => s.status)).toEqual(['disconnected']);
    expect(await row()).toMatchObject({ lastDisconnectCode: 500, lastDisconnectReason: 'bad session data' });
    await registry.connect('rc');
    await connectedAgain();
  });

  it('two starts at once (the connect route and the supervisor) open one socket, not two that replace each other', async () => {
    await registry.disconnect('rc', 'test');
    statuses.length = 0;
    await Promise.all([registry.connect('rc'), registry.connect('rc')]);
    await connectedAgain();
    await new Promise((r) => setTimeout(r, 1500));
    expect(statuses.map((s) => s.status)).toEqual(['connecting', 'connected']);
    expect(await row()).toMatchObject({ status: 'connected', shouldConnect: true });
  });

  it('20 forced disconnects in a row leak no sockets or timers and end connected', async () => {
    const before = handles();
    for (let i = 0; i < 20; i++) {
      await closeWith(i % 2 === 0 ? 515 : 428);
      await connectedAgain();
    }
    // Let closed sockets finish closing.
    await new Promise((r) => setTimeout(r, 1000));
    const after = handles();
    for (const kind of ['TCPSocketWrap', 'Timeout', 'TCPWRAP']) {
      expect(after[kind] ?? 0).toBeLessThanOrEqual((before[kind] ?? 0) + 2);
    }
    expect((await row()).status).toBe('connected');
  });

  it('401 logged out clears the auth state and stops', async () => {
    await closeWith(401);
    await eventually(() => statuses.some((s) => s.status === 'logged_out'));
    expect(await prisma.sessionAuthKey.count({ where: { sessionId: 'rc' } })).toBe(0);
    expect(await row()).toMatchObject({
      status: 'logged_out',
      shouldConnect: false,
      lastDisconnectCode: 401,
    });
    expect(registry.isHeld('rc')).toBe(false);
  });
});
