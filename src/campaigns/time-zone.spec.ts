import { canonicalTimeZone, nextWallTime, parseZonedDateTime, startOfDay, wallClock } from './time-zone';

describe('time zones', () => {
  it('knows IANA zones and refuses anything else', () => {
    expect(canonicalTimeZone('Asia/Jakarta')).toBe('Asia/Jakarta');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus')).toBeNull();
  });

  it('reads a local date-time in the given zone, and an instant with an offset as it is', () => {
    expect(parseZonedDateTime('2026-12-01T09:00', 'Asia/Jakarta')?.toISOString()).toBe(
      '2026-12-01T02:00:00.000Z',
    );
    expect(parseZonedDateTime('2026-07-01 09:30:15', 'Europe/Berlin')?.toISOString()).toBe(
      '2026-07-01T07:30:15.000Z',
    );
    expect(parseZonedDateTime('2026-12-01T09:00:00+07:00', 'America/New_York')?.toISOString()).toBe(
      '2026-12-01T02:00:00.000Z',
    );
    expect(parseZonedDateTime('2026-12-01T09:00:00Z', 'Asia/Jakarta')?.toISOString()).toBe(
      '2026-12-01T09:00:00.000Z',
    );
    expect(parseZonedDateTime('next tuesday', 'UTC')).toBeNull();
    expect(parseZonedDateTime('2026-13-01T09:00', 'UTC')).toBeNull();
  });

  it('handles daylight saving: a gap moves forward, midnights stay midnights', () => {
    // 02:30 does not exist in Berlin on 29 March 2026.
    expect(parseZonedDateTime('2026-03-29T02:30', 'Europe/Berlin')?.toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    const day = startOfDay(new Date('2026-03-29T12:00:00Z'), 'Europe/Berlin', 1);
    expect(day.toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(wallClock(day, 'Europe/Berlin')).toMatchObject({ day: 30, hour: 0, minute: 0 });
  });

  it('finds the next time the clock shows HH:mm', () => {
    const now = new Date('2026-12-01T15:00:00Z'); // 22:00 in Jakarta
    expect(nextWallTime(now, 'Asia/Jakarta', '23:30').toISOString()).toBe('2026-12-01T16:30:00.000Z');
    expect(nextWallTime(now, 'Asia/Jakarta', '08:00').toISOString()).toBe('2026-12-02T01:00:00.000Z');
  });
});
