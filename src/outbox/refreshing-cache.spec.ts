import { RefreshingCache } from './refreshing-cache';

describe('RefreshingCache', () => {
  it('loads a missing entry, then answers stale entries at once while refreshing in the background', async () => {
    const cache = new RefreshingCache<string, number>(0);
    let n = 0;
    const load = async () => ++n;
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('a', load)).toBe(1); // stale: old value now, refresh started
    await new Promise((r) => setImmediate(r));
    expect(await cache.get('a', load)).toBe(2);
  });

  it('after delete the next read waits for a fresh value, and a refresh started before is dropped', async () => {
    const cache = new RefreshingCache<string, string>(0);
    await cache.get('k', async () => 'old');
    let release: (v: string) => void = () => undefined;
    const slow = () => new Promise<string>((r) => (release = r));
    expect(await cache.get('k', slow)).toBe('old');
    cache.delete('k');
    expect(await cache.get('k', async () => 'new')).toBe('new');
    release('stale refresh');
    await new Promise((r) => setImmediate(r));
    const cache2Value = await cache.get(
      'k',
      async () => 'unused',
      async () => 'new',
    );
    expect(cache2Value).toBe('new');
  });

  it('keeps serving the old value when a refresh fails', async () => {
    const cache = new RefreshingCache<string, number>(0);
    await cache.get('k', async () => 1);
    expect(await cache.get('k', () => Promise.reject(new Error('db down')))).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(await cache.get('k', async () => 3)).toBe(1);
  });

  it('peek answers a cached value at once (refreshing an old one) and nothing before the first load', async () => {
    const cache = new RefreshingCache<string, number>(0);
    let n = 0;
    const load = async () => ++n;
    expect(cache.peek('a', load)).toBeUndefined();
    expect(n).toBe(0);
    await cache.get('a', load);
    expect(cache.peek('a', load)).toBe(1); // stale: old value now, refresh started
    await new Promise((r) => setImmediate(r));
    expect(cache.peek('a', load)).toBe(2);
  });
});
