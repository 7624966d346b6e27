import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { ConnectionRegistry } from '../src/whatsapp/connection-registry';
import { SessionSupervisor } from '../src/whatsapp/session-supervisor';
import { adminToken, eventually, GatewayFixture, linkSession, MASTER_KEY } from './support/gateway-fixture';

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
    for (const [i, id] of ids.entries())
      await linkSession(fixture, i % 2 === 0 ? a : b, id, `62812000003${i}`);
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

  it('a session created or connected through one process is opened by that one, even while the other one supervises', async () => {
    const raced = ['race-1', 'race-2', 'race-3', 'race-4', 'race-5'];
    const admin = await adminToken(a);
    const server = a.getHttpServer();
    let racing = true;
    // The other process runs supervision passes back to back, each looking for sessions to claim.
    const supervising = (async () => {
      while (racing) await b.get(SessionSupervisor).tick();
    })();
    try {
      for (const id of raced) {
        await request(server)
          .post('/api/v1/sessions')
          .set('x-master-key', MASTER_KEY)
          .send({ id, name: id })
          .expect(201);
        expect(a.get(ConnectionRegistry).isHeld(id)).toBe(true);
        await request(server)
          .post(`/api/v1/sessions/${id}/disconnect`)
          .set('authorization', `Bearer ${admin}`)
          .expect(200);
        expect(a.get(ConnectionRegistry).isHeld(id)).toBe(false);
        await request(server)
          .post(`/api/v1/sessions/${id}/connect`)
          .set('authorization', `Bearer ${admin}`)
          .expect(200);
        expect(a.get(ConnectionRegistry).isHeld(id)).toBe(true);
      }
    } finally {
      racing = false;
      await supervising;
    }
    for (const id of raced) expect(b.get(ConnectionRegistry).isHeld(id)).toBe(false);
    for (const id of raced)
      await request(server)
        .delete(`/api/v1/sessions/${id}`)
        .set('authorization', `Bearer ${admin}`)
        .expect(200);
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
      return (
        rows.every((r) => r.leaseOwner === 'gateway-b' && r.status === 'connected') &&
        heldByA.every((id) => b.get(ConnectionRegistry).statusOf(id) === 'connected')
      );
    }, 30_000);
    // Not before the 5 s lease could have run out.
    expect(Date.now() - started).toBeGreaterThan(1000);
    for (const id of ids) expect(b.get(ConnectionRegistry).isHeld(id)).toBe(true);
  });
});
