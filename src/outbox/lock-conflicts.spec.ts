import { DomainEvents, type OutboxConflictEvent } from '../common/domain-events';
import { lockConflictOf, withConflictRetries } from './lock-conflicts';

describe('lock conflicts', () => {
  it('recognises deadlocks and lock wait timeouts from the driver, through Prisma, or by message', () => {
    expect(lockConflictOf({ errno: 1213 })).toBe('deadlock');
    expect(lockConflictOf({ errno: 1205 })).toBe('lock_wait_timeout');
    expect(
      lockConflictOf({ meta: { driverAdapterError: { cause: { kind: 'TransactionWriteConflict' } } } }),
    ).toBe('deadlock');
    expect(lockConflictOf({ meta: { driverAdapterError: { cause: { kind: 'mysql', code: 1205 } } } })).toBe(
      'lock_wait_timeout',
    );
    expect(lockConflictOf({ code: 'P2034', message: 'write conflict or a deadlock' })).toBe('deadlock');
    expect(
      lockConflictOf(new Error('Raw query failed. Code: `1205`. Message: `Lock wait timeout exceeded`')),
    ).toBe('lock_wait_timeout');
    expect(lockConflictOf({ errno: 1062 })).toBeNull();
    expect(lockConflictOf(new Error('connection refused'))).toBeNull();
    expect(lockConflictOf(undefined)).toBeNull();
  });

  const run = (failures: unknown[]) => {
    const events = new DomainEvents();
    const seen: OutboxConflictEvent[] = [];
    events.on('outbox.conflict', (c) => seen.push(c));
    let calls = 0;
    const work = () => {
      const failure = failures[calls++];
      return failure === undefined ? Promise.resolve('done') : Promise.reject(failure);
    };
    return { result: withConflictRetries(events, 'record', work), seen, calls: () => calls };
  };

  it('runs the transaction again after a conflict and reports each conflict', async () => {
    const { result, seen, calls } = run([{ errno: 1213 }, { errno: 1205 }]);
    await expect(result).resolves.toBe('done');
    expect(calls()).toBe(3);
    expect(seen).toEqual([
      { operation: 'record', kind: 'deadlock' },
      { operation: 'record', kind: 'lock_wait_timeout' },
    ]);
  });

  it('throws any other error at once, and a conflict that keeps coming after 4 runs', async () => {
    const other = run([new Error('connection refused')]);
    await expect(other.result).rejects.toThrow('connection refused');
    expect(other.calls()).toBe(1);
    expect(other.seen).toEqual([]);
    const stuck = run([{ errno: 1213 }, { errno: 1213 }, { errno: 1213 }, { errno: 1213 }, { errno: 1213 }]);
    await expect(stuck.result).rejects.toEqual({ errno: 1213 });
    expect(stuck.calls()).toBe(4);
    expect(stuck.seen).toHaveLength(4);
  });
});
