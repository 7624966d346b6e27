import { RelayCursor } from './relay-cursor';

describe('RelayCursor', () => {
  it('delivers rows in id order, each once', () => {
    const cursor = new RelayCursor(10n, 5_000);
    expect(cursor.accept([11n, 12n, 13n], 0)).toEqual([true, true, true]);
    expect(cursor.highest).toBe(13n);
    expect(cursor.holes(0)).toEqual([]);
    // A row read again (the same read repeated) is not delivered twice.
    expect(cursor.accept([13n], 1)).toEqual([false]);
  });

  it('asks again for an id that committed after a higher one, and delivers it once when it shows up', () => {
    const cursor = new RelayCursor(0n, 5_000);
    // 2 and 3 are still uncommitted when 4 is read.
    expect(cursor.accept([1n, 4n], 100)).toEqual([true, true]);
    expect(cursor.holes(200)).toEqual([2n, 3n]);
    expect(cursor.accept([3n, 5n], 300)).toEqual([true, true]);
    expect(cursor.holes(400)).toEqual([2n]);
    expect(cursor.accept([2n], 500)).toEqual([true]);
    expect(cursor.accept([2n, 3n], 600)).toEqual([false, false]);
    expect(cursor.holes(700)).toEqual([]);
  });

  it('gives a hole up after the settle time (an insert that rolled back never fills it)', () => {
    const cursor = new RelayCursor(0n, 1_000);
    cursor.accept([3n], 0);
    expect(cursor.holes(1_000)).toEqual([1n, 2n]);
    expect(cursor.holes(1_001)).toEqual([]);
    // Too late: a row that shows up after its hole was given up is not delivered.
    expect(cursor.accept([1n], 1_002)).toEqual([false]);
  });

  it('remembers only the nearest holes of a large jump of ids', () => {
    const cursor = new RelayCursor(0n, 5_000, 3);
    cursor.accept([100n], 0);
    expect(cursor.holes(0)).toEqual([97n, 98n, 99n]);
    cursor.accept([102n], 0);
    expect(cursor.holes(0)).toEqual([98n, 99n, 101n]);
  });
});
