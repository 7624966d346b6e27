import { drawGap, inQuietHours, nextSendTime, type ThrottleSettings } from './throttle';

const base: ThrottleSettings = {
  minDelayMs: 3000,
  maxDelayMs: 8000,
  perMinuteCap: null,
  perDayCap: null,
  quietHoursStart: null,
  quietHoursEnd: null,
  timeZone: 'Asia/Jakarta',
};
const at = (iso: string) => new Date(iso);

describe('campaign throttle', () => {
  it('draws a delay between min and max; a per-minute cap spreads sends at least 60 s / cap apart', () => {
    expect(drawGap(base, () => 0)).toEqual({ gapMs: 3000, capBound: false });
    expect(drawGap(base, () => 1)).toEqual({ gapMs: 8000, capBound: false });
    expect(drawGap({ ...base, perMinuteCap: 4 }, () => 0.5)).toEqual({ gapMs: 15000, capBound: true });
    expect(drawGap({ ...base, perMinuteCap: 60 }, () => 0.5)).toEqual({ gapMs: 5500, capBound: false });
  });

  it('waits for the gap after the previous send', () => {
    const now = at('2026-12-01T03:00:02Z');
    const gap = { gapMs: 5000, capBound: false };
    expect(nextSendTime(base, { now, lastSendAt: null, gap, sentToday: 0 })).toEqual({
      at: now,
      reason: null,
    });
    expect(nextSendTime(base, { now, lastSendAt: at('2026-12-01T03:00:00Z'), gap, sentToday: 0 })).toEqual({
      at: at('2026-12-01T03:00:05Z'),
      reason: 'delay',
    });
  });

  it('stops for the day at the daily cap, until midnight in the campaign zone', () => {
    const now = at('2026-12-01T10:00:00Z'); // 17:00 in Jakarta
    const next = nextSendTime(
      { ...base, perDayCap: 100 },
      { now, lastSendAt: null, gap: { gapMs: 0, capBound: false }, sentToday: 100 },
    );
    expect(next).toEqual({ at: at('2026-12-01T17:00:00Z'), reason: 'per-day cap' });
  });

  it('sends nothing in quiet hours (also across midnight), and resumes when they end', () => {
    const quiet = { ...base, quietHoursStart: '21:00', quietHoursEnd: '08:00' };
    expect(inQuietHours(at('2026-12-01T15:00:00Z'), quiet)).toBe(true); // 22:00
    expect(inQuietHours(at('2026-12-01T00:30:00Z'), quiet)).toBe(true); // 07:30
    expect(inQuietHours(at('2026-12-01T01:00:00Z'), quiet)).toBe(false); // 08:00
    const next = nextSendTime(quiet, {
      now: at('2026-12-01T15:00:00Z'),
      lastSendAt: null,
      gap: { gapMs: 0, capBound: false },
      sentToday: 0,
    });
    expect(next).toEqual({ at: at('2026-12-02T01:00:00Z'), reason: 'quiet hours' });
    const day = { ...base, quietHoursStart: '12:00', quietHoursEnd: '13:00' };
    expect(inQuietHours(at('2026-12-01T05:30:00Z'), day)).toBe(true);
    expect(inQuietHours(at('2026-12-01T06:00:00Z'), day)).toBe(false);
  });
});
