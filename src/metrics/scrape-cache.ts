/**
 * One value shared by the scrapes of a short window: a scrape within `ttlMs` of the last load gets
 * the same value, and scrapes that arrive while a load is under way wait for that one load. A
 * failed load is not kept, so the next scrape tries again.
 */
export class ScrapeCache<T> {
  private last: { at: number; value: T } | null = null;
  private loading: Promise<T> | null = null;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(load: () => Promise<T>): Promise<T> {
    if (this.last && this.now() - this.last.at < this.ttlMs) return Promise.resolve(this.last.value);
    this.loading ??= load()
      .then((value) => {
        this.last = { at: this.now(), value };
        return value;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }
}

/** Rejects with `message` when `work` has not settled within `ms` (the work itself goes on). */
export function within<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
