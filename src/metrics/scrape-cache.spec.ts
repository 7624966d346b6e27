import { ScrapeCache, within } from './scrape-cache';

describe('ScrapeCache', () => {
  let now = 0;
  const cache = () => new ScrapeCache<number>(5_000, () => now);
  beforeEach(() => {
    now = 1_000_000;
  });

  it('answers scrapes within the window from one load, and loads again after it', async () => {
    const c = cache();
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    expect(await c.get(load)).toBe(1);
    now += 4_999;
    expect(await c.get(load)).toBe(1);
    now += 1;
    expect(await c.get(load)).toBe(2);
    expect(loads).toBe(2);
  });

  it('lets scrapes that arrive during a load wait for that same load', async () => {
    const c = cache();
    let loads = 0;
    let finish!: (n: number) => void;
    const load = () => {
      loads++;
      return new Promise<number>((resolve) => (finish = resolve));
    };
    const first = c.get(load);
    const second = c.get(load);
    finish(7);
    expect(await Promise.all([first, second])).toEqual([7, 7]);
    expect(loads).toBe(1);
  });

  it('does not keep a failure: the next scrape loads again', async () => {
    const c = cache();
    await expect(c.get(() => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    expect(await c.get(() => Promise.resolve(3))).toBe(3);
  });
});

describe('within', () => {
  it('passes a result that comes in time', async () => {
    await expect(within(Promise.resolve('ok'), 1_000, 'late')).resolves.toBe('ok');
  });

  it('rejects with the message when the work takes longer', async () => {
    const never = new Promise<string>(() => undefined);
    await expect(within(never, 10, 'the database did not answer in time')).rejects.toThrow(
      'the database did not answer in time',
    );
  });
});
