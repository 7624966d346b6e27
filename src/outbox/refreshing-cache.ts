/**
 * A small cache for config the delivery hot path reads on every row (targets, secrets, global
 * settings). A missing entry is loaded and awaited; an entry older than `ttlMs` is still answered
 * at once while a fresh copy loads in the background, so a slow database never stalls a POST on a
 * config lookup. delete/clear make the next read load afresh (changes made here apply at once).
 */
export class RefreshingCache<K, V> {
  private readonly entries = new Map<K, { value: V; at: number; refreshing: boolean }>();
  private generation = 0;

  constructor(private readonly ttlMs: number) {}

  async get(key: K, load: () => Promise<V>, refresh: () => Promise<V> = load): Promise<V> {
    const hit = this.entries.get(key);
    if (!hit) {
      const generation = this.generation;
      const value = await load();
      if (generation === this.generation) this.entries.set(key, { value, at: Date.now(), refreshing: false });
      return value;
    }
    this.refreshIfOld(key, hit, refresh);
    return hit.value;
  }

  /**
   * The cached value at once, without a promise (for per-message hot paths), refreshed in the
   * background when old; undefined when nothing is cached yet (then `get` loads it).
   */
  peek(key: K, refresh: () => Promise<V>): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.refreshIfOld(key, hit, refresh);
    return hit.value;
  }

  private refreshIfOld(
    key: K,
    hit: { value: V; at: number; refreshing: boolean },
    refresh: () => Promise<V>,
  ): void {
    if (Date.now() - hit.at >= this.ttlMs && !hit.refreshing) {
      hit.refreshing = true;
      const generation = this.generation;
      refresh().then(
        (value) => {
          if (generation === this.generation)
            this.entries.set(key, { value, at: Date.now(), refreshing: false });
        },
        () => {
          hit.refreshing = false; // keep serving the old value; the next read tries again
        },
      );
    }
  }

  /** A value just written by this process. */
  set(key: K, value: V): void {
    this.generation++;
    this.entries.set(key, { value, at: Date.now(), refreshing: false });
  }

  delete(key: K): void {
    this.generation++;
    this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
