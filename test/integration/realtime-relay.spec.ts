import type { PrismaService } from '../../src/prisma/prisma.service';
import { RealtimeRelay } from '../../src/realtime/realtime-relay';
import { GatewayInstances } from '../../src/whatsapp/gateway-instances';
import { ClusterPort } from '../../src/whatsapp/whatsapp.port';
import { OwnerFixture, prismaOf, sleep } from './owner-fixture';

/**
 * The /ws relay (realtime_events) on a real database, with two "processes" whose heartbeats are
 * real rows of gateway_instances; the readers' ticks are driven by the test (no timers).
 */
describe('realtime relay (realtime_events)', () => {
  let fixture: OwnerFixture;
  let prisma: PrismaService | undefined;
  const procs: { relay: RealtimeRelay; instances: GatewayInstances; got: [string, unknown][] }[] = [];

  const open = async (id: string) => {
    const proc = await fixture.open(
      [RealtimeRelay, GatewayInstances, { provide: ClusterPort, useExisting: GatewayInstances }],
      { INSTANCE_ID: id },
    );
    prisma ??= prismaOf(proc.moduleRef);
    const relay = proc.get(RealtimeRelay);
    const got: [string, unknown][] = [];
    relay.onRelayed((event, payload) => got.push([event, JSON.parse(payload)]));
    const entry = { relay, instances: proc.get(GatewayInstances), got };
    procs.push(entry);
    return entry;
  };
  const rows = () => prisma!.realtimeEvent.findMany({ orderBy: { id: 'asc' } });
  const status = (sessionId: string, n: number) => ({ sessionId, status: 'connected', n });

  beforeAll(async () => {
    fixture = await OwnerFixture.create('wagw_it_relay');
  });
  afterAll(async () => {
    for (const { relay } of procs) await relay.onModuleDestroy();
    await fixture?.close();
  });

  it('a process alone writes and reads nothing', async () => {
    const a = await open('relay-a');
    expect((await a.instances.beat()).live).toBe(1);
    a.relay.publish('session.status', 's1', JSON.stringify(status('s1', 0)));
    await a.relay.tick();
    await sleep(100);
    expect(await rows()).toEqual([]);
    expect(a.relay.active).toBe(false);
  });

  it('in a cluster: batched writes, read by the other process in order, never by their writer', async () => {
    const [a] = procs;
    const b = await open('relay-b');
    await b.instances.beat();
    await a.instances.beat();
    expect(a.relay.active && b.relay.active).toBe(true);
    // A row a minute and a half old: the first read of a process in a cluster prunes it.
    await prisma!.$executeRaw`
      INSERT INTO realtime_events (origin, event, session_id, payload, created_at)
      VALUES ('relay-old', 'session.status', 'old', '{}', NOW(3) - INTERVAL 90 SECOND)`;
    await b.relay.tick(); // B starts reading at the table's end
    expect((await rows()).map((r) => r.origin)).not.toContain('relay-old');

    for (let n = 0; n < 50; n++) a.relay.publish('message.stored', 's1', JSON.stringify(status('s1', n)));
    await sleep(300);
    const written = await rows();
    expect(written).toHaveLength(50);
    expect(written.every((r) => r.origin === 'relay-a' && r.sessionId === 's1')).toBe(true);
    // Batched: the 50 rows of one burst were written by one statement (one created_at).
    expect(new Set(written.map((r) => r.createdAt.getTime())).size).toBe(1);
    await b.relay.tick();
    await a.relay.tick();
    expect(b.got.map(([, data]) => (data as { n: number }).n)).toEqual([...Array(50).keys()]);
    expect(b.got[0]).toEqual(['message.stored', status('s1', 0)]);
    expect(a.got).toEqual([]);
    await b.relay.tick();
    expect(b.got).toHaveLength(50);
  });

  it('a row that commits after a higher id was read is still delivered, once', async () => {
    const [a, b] = procs;
    b.got.length = 0;
    let commit!: () => void;
    let inserted!: () => void;
    const insertedNow = new Promise<void>((resolve) => (inserted = resolve));
    // A third writer's insert takes its id now and commits later.
    const slow = prisma!.$transaction(
      async (tx) => {
        await tx.$executeRaw`
          INSERT INTO realtime_events (origin, event, session_id, payload)
          VALUES ('relay-c', 'session.status', 's2', ${JSON.stringify(status('s2', 1))})`;
        inserted();
        await new Promise<void>((resolve) => (commit = resolve));
      },
      { timeout: 20_000 },
    );
    await insertedNow;
    a.relay.publish('session.status', 's1', JSON.stringify(status('s1', 100)));
    await sleep(200);
    await b.relay.tick();
    expect(b.got).toEqual([['session.status', status('s1', 100)]]);
    commit();
    await slow;
    await b.relay.tick();
    expect(b.got).toEqual([
      ['session.status', status('s1', 100)],
      ['session.status', status('s2', 1)],
    ]);
    await b.relay.tick();
    expect(b.got).toHaveLength(2);
  });

  it('alone again: nothing more is written', async () => {
    const [a, b] = procs;
    // B's heartbeat row goes, as at a clean shutdown.
    await prisma!.gatewayInstance.deleteMany({ where: { id: 'relay-b' } });
    expect((await a.instances.beat()).live).toBe(1);
    const before = (await rows()).length;
    a.relay.publish('session.status', 's1', JSON.stringify(status('s1', 200)));
    await sleep(200);
    expect(await rows()).toHaveLength(before);
    expect(b.relay.active).toBe(true);
  });
});
