import { spawnSync } from 'node:child_process';
import type { AppConfig } from '../config/app-config';
import type { ConnectionRegistry } from './connection-registry';
import { machineIdentity, pidAlive } from './gateway-instances';
import { SessionBalancer } from './session-balancer';
import type { SessionLeases } from './session-leases';

/** A registry holding `held` (all connected) that records hand-overs. */
function fakeRegistry(held: string[]) {
  const handedOver: string[] = [];
  const registry = {
    heldSessionIds: () => held.filter((id) => !handedOver.includes(id)),
    statusOf: () => 'connected',
    handOver: (id: string) => {
      handedOver.push(id);
      return Promise.resolve();
    },
  } as unknown as ConnectionRegistry;
  return { registry, handedOver };
}

const config = (overrides: Partial<AppConfig> = {}) =>
  ({
    SESSION_BALANCE: true,
    SESSION_BALANCE_MOVES: 5,
    SESSION_BALANCE_MIN_HOLD_SECONDS: 0,
    SESSION_LEASE_SECONDS: 30,
    ...overrides,
  }) as AppConfig;
const wanted = (count: number) => ({ wantedCount: () => Promise.resolve(count) }) as unknown as SessionLeases;
const ids = (n: number, prefix = 's') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('SessionBalancer', () => {
  it('opens free sessions only up to the fair share (wanted / live, rounded up)', async () => {
    const { registry, handedOver } = fakeRegistry(ids(18));
    const balancer = new SessionBalancer(config(), registry, wanted(41));
    expect(await balancer.balance({ live: 2, deadBoots: [] }, ids(5, 'free'))).toEqual([
      'free0',
      'free1',
      'free2',
    ]);
    expect(handedOver).toEqual([]);
  });

  it('hands over the surplus, at most SESSION_BALANCE_MOVES a pass, and opens nothing then', async () => {
    const { registry, handedOver } = fakeRegistry(ids(40));
    const balancer = new SessionBalancer(config(), registry, wanted(40));
    expect(await balancer.balance({ live: 2, deadBoots: [] }, ['free'])).toEqual([]);
    expect(handedOver).toHaveLength(5);
    await balancer.balance({ live: 2, deadBoots: [] }, []);
    expect(handedOver).toHaveLength(10);
  });

  it('does not move within one of the share (hysteresis)', async () => {
    const { registry, handedOver } = fakeRegistry(ids(21));
    const balancer = new SessionBalancer(config(), registry, wanted(41));
    await balancer.balance({ live: 2, deadBoots: [] }, []);
    expect(handedOver).toEqual([]);
  });

  it('keeps a session it has held for less than the minimum hold time', async () => {
    const { registry, handedOver } = fakeRegistry(ids(10));
    const balancer = new SessionBalancer(
      config({ SESSION_BALANCE_MIN_HOLD_SECONDS: 60 }),
      registry,
      wanted(10),
    );
    await balancer.balance({ live: 2, deadBoots: [] }, []);
    expect(handedOver).toEqual([]);
  });

  it('takes every free session when balancing is off', async () => {
    const { registry } = fakeRegistry(ids(10));
    const balancer = new SessionBalancer(config({ SESSION_BALANCE: false }), registry, wanted(20));
    expect(await balancer.balance({ live: 2, deadBoots: [] }, ids(10, 'free'))).toHaveLength(10);
  });
});

describe('proof that a holder is dead', () => {
  it('knows this process alive and an exited child dead', () => {
    expect(pidAlive(process.pid)).toBe(true);
    const child = spawnSync(process.execPath, ['-e', '0']);
    expect(child.status).toBe(0);
    expect(pidAlive(child.pid)).toBe(false);
  });

  it('names the kernel boot and the PID namespace (Linux)', () => {
    if (process.platform !== 'linux') return expect(machineIdentity()).toBeNull();
    expect(machineIdentity()).toMatch(/^[0-9a-f-]{36}\/pid:\[\d+\]$/);
  });
});
