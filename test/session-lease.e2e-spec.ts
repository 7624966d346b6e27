import type { NestExpressApplication } from '@nestjs/platform-express';
import { PrismaService } from '../src/prisma/prisma.service';
import { ConnectionRegistry } from '../src/whatsapp/connection-registry';
import { SessionSupervisor } from '../src/whatsapp/session-supervisor';
import { eventually, GatewayFixture, linkSession } from './support/gateway-fixture';

jest.setTimeout(180_000);

describe('two gateway processes on one database', () => {
  const fixture = new GatewayFixture();
  let a: NestExpressApplication;
  let b: NestExpressApplication;
  const ids = ['one', 'two', 'three'];

  beforeAll(async () => {
    await fixture.start('wagw_lease');
    a = await fixture.startApp(fixture.config({ INSTANCE_ID: 'gateway-a', SESSION_LEASE_SECONDS: '5' }));
    b = await fixture.startApp(fixture.config({ INSTANCE_ID: 'gateway-b', SESSION_LEASE_SECONDS: '5' }));
    for (const [i, id] of ids.entries()) await linkSession(fixture, i % 2 === 0 ? a : b, id, `62812000003${i}`);
  });
  afterAll(() => fixture.close());

  const holders = (id: string) => [a, b].filter((app) => app.get(ConnectionRegistry).isHeld(id)).length;

  it('each session is opened by exactly one of them', async () => {
    // A few supervision ticks: neither process may open what the other holds.
    await new Promise((r) => setTimeout(r, 4000));
    for (const id of ids) {
      expect(holders(id)).toBe(1);
      const online = fixture.simulator.devices(`62812000003${ids.indexOf(id)}`).filter((d) => d.online);
      expect(online).toHaveLength(1);
    }
  });

  it('when one dies, the other takes its sessions over after the lease expires', async () => {
    const heldByA = a.get(ConnectionRegistry).heldSessionIds();
    expect(heldByA.length).toBeGreaterThan(0);
    // A process that dies: no more lease renewals, its sockets gone, its leases left behind.
    await a.get(SessionSupervisor).onModuleDestroy();
    for (const id of heldByA) await a.get(ConnectionRegistry).abandon(id);
    const prisma = b.get(PrismaService);
    const started = Date.now();
    await eventually(async () => {
      const rows = await prisma.whatsappSession.findMany({ where: { id: { in: heldByA } } });
      return rows.every((r) => r.leaseOwner === 'gateway-b' && r.status === 'connected') && heldByA.every((id) => b.get(ConnectionRegistry).statusOf(id) === 'connected');
    }, 30_000);
    // Not before the 5 s lease could have run out.
    expect(Date.now() - started).toBeGreaterThan(1000);
    for (const id of ids) expect(b.get(ConnectionRegistry).isHeld(id)).toBe(true);
  });
});
