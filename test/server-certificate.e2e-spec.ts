import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DomainEvents, type SessionStatusEvent } from '../src/common/domain-events';
import { PrismaService } from '../src/prisma/prisma.service';
import { ConnectionRegistry } from '../src/whatsapp/connection-registry';
import { eventually, GatewayFixture, linkSession, MASTER_KEY } from './support/gateway-fixture';

jest.setTimeout(180_000);

const PHONE = '6281200000031';
const REFUSED = {
  status: 'disconnected',
  shouldConnect: false,
  lastDisconnectCode: 400,
  lastDisconnectReason:
    'WhatsApp server certificate not trusted (noise intermediate certificate signature invalid)',
};

/**
 * A server whose Noise certificate chain is not signed by the trusted root (here the simulator's) is
 * an impostor: real Baileys, with the gateway's signature checks, refuses it before logging in.
 */
describe("the WhatsApp server's certificate chain (real Baileys against the simulator)", () => {
  const fixture = new GatewayFixture();
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let registry: ConnectionRegistry;
  const statuses: SessionStatusEvent[] = [];
  const row = (id: string) => prisma.whatsappSession.findUniqueOrThrow({ where: { id } });

  beforeAll(async () => {
    await fixture.start('wagw_servercert');
    app = await fixture.startApp();
    prisma = app.get(PrismaService);
    registry = app.get(ConnectionRegistry);
    app.get(DomainEvents).on('session.status', (e) => statuses.push(e));
  });
  afterEach(() => fixture.simulator.serveUntrustedCertChain(false));
  afterAll(() => fixture.close());

  it('connects with the genuine chain, and a reconnect to a server with an untrusted chain stops with the reason', async () => {
    await linkSession(fixture, app, 'sc', PHONE);
    const jid = (await row('sc')).jid!;
    const device = { phoneNumber: PHONE, deviceId: Number(/:(\d+)@/.exec(jid)![1]) };

    fixture.simulator.serveUntrustedCertChain();
    statuses.length = 0;
    fixture.simulator.disconnect(device, 428);
    await eventually(async () => (await row('sc')).status === 'disconnected', 20_000);
    // Not retried: an impostor gets no second handshake, and the session never reached connected.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await row('sc')).toMatchObject(REFUSED);
    expect(statuses.filter((s) => s.sessionId === 'sc').map((s) => s.status)).toEqual([
      'connecting',
      'disconnected',
    ]);
    expect(registry.statusOf('sc')).not.toBe('connected');

    fixture.simulator.serveUntrustedCertChain(false);
    await registry.connect('sc');
    await eventually(async () => (await row('sc')).status === 'connected', 20_000);
  });

  it('a new session never gets a QR from a server with an untrusted chain', async () => {
    fixture.simulator.serveUntrustedCertChain();
    await request(app.getHttpServer())
      .post('/api/v1/sessions')
      .set('x-master-key', MASTER_KEY)
      .send({ id: 'sc-new', name: 'Session sc-new' })
      .expect(201);
    await eventually(async () => (await row('sc-new')).status === 'disconnected', 20_000);
    expect(await row('sc-new')).toMatchObject({ ...REFUSED, qr: null });
    expect(statuses.some((s) => s.sessionId === 'sc-new' && s.status === 'qr_pending')).toBe(false);
  });
});
