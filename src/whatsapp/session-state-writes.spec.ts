import { SessionStateWrites } from './session-state-writes';

/** A store that fails while `down` is true, recording what was written in order. */
function flakyStore() {
  const store = { down: false, attempts: 0, written: [] as string[] };
  const write = (value: string) => {
    store.attempts++;
    if (store.down) return Promise.reject(new Error('database unreachable'));
    store.written.push(value);
    return Promise.resolve();
  };
  return { store, write };
}

describe('SessionStateWrites', () => {
  it('writes one after another per session, in the order queued', async () => {
    const writes = new SessionStateWrites();
    const { store, write } = flakyStore();
    await Promise.all([
      writes.persist('a', 'status', 'connecting', write),
      writes.persist('a', 'qr', 'qr-1', write),
    ]);
    expect(store.written).toEqual(['connecting', 'qr-1']);
    expect(writes.hasPending('a')).toBe(false);
  });

  it('retries while the store fails, and the latest value of a kind wins (merged when asked)', async () => {
    const writes = new SessionStateWrites();
    const { store, write } = flakyStore();
    store.down = true;
    const merge = (older: string, newer: string) => `${older}+${newer}`;
    const first = writes.persist('a', 'status', 'connected', write, merge);
    await new Promise((r) => setTimeout(r, 50));
    const second = writes.persist('a', 'status', 'disconnected', write, merge);
    expect(writes.hasPending('a')).toBe(true);
    store.down = false;
    await Promise.all([first, second]);
    expect(store.attempts).toBeGreaterThanOrEqual(2);
    // One write of the merged value: the failed one was not written again on its own.
    expect(store.written).toEqual(['connected+disconnected']);
  });

  it('never rejects: a write is given up after one more attempt once stopped', async () => {
    const writes = new SessionStateWrites();
    const { store, write } = flakyStore();
    store.down = true;
    const pending = writes.persist('a', 'lease', 'release', write);
    await new Promise((r) => setTimeout(r, 20));
    writes.stop();
    await expect(pending).resolves.toBeUndefined();
    expect(store.written).toEqual([]);
    await expect(writes.persist('b', 'lease', 'release', write)).resolves.toBeUndefined();
  });

  it('a cancelled write resolves without being written', async () => {
    const writes = new SessionStateWrites();
    const { store, write } = flakyStore();
    store.down = true;
    const status = writes.persist('a', 'status', 'connecting', write);
    const lease = writes.persist('a', 'lease', 'release', write);
    writes.cancel('a', 'lease');
    await expect(lease).resolves.toBeUndefined();
    store.down = false;
    await status;
    expect(store.written).toEqual(['connecting']);
  });
});
