import { drawGap, drawTyping, inQuietHours, nextSendTime, type ThrottleSettings } from './throttle';

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

describe('campaign typing', () => {
  const typing = { typing: true, typingMinMs: 1000, typingMaxMs: 3000 };

  it('draws a typing time between min and max, none when off', () => {
    expect(drawTyping(typing, () => 0)).toBe(1000);
    expect(drawTyping(typing, () => 1)).toBe(3000);
    expect(drawTyping({ ...typing, typing: false }, () => 0.5)).toBe(0);
  });

  it('types inside the gap: the next send starts that much earlier, so messages stay a gap apart', () => {
    const now = at('2026-12-01T03:00:01Z');
    const last = at('2026-12-01T03:00:00Z');
    const gap = { gapMs: 5000, capBound: true };
    expect(nextSendTime(base, { now, lastSendAt: last, gap, sentToday: 0, leadMs: 2000 })).toEqual({
      at: at('2026-12-01T03:00:03Z'),
      reason: 'per-minute cap',
    });
    // Typing longer than the gap starts at once (the message then leaves after the typing).
    expect(nextSendTime(base, { now, lastSendAt: last, gap, sentToday: 0, leadMs: 9000 })).toEqual({
      at: now,
      reason: null,
    });
  });

  it('does not type into quiet hours', () => {
    const quiet = { ...base, timeZone: 'UTC', quietHoursStart: '22:00', quietHoursEnd: '06:00' };
    const now = at('2026-12-01T21:59:59Z');
    const next = nextSendTime(quiet, {
      now,
      lastSendAt: null,
      gap: { gapMs: 0, capBound: false },
      sentToday: 0,
      leadMs: 2000,
    });
    expect(next).toEqual({ at: at('2026-12-02T06:00:00Z'), reason: 'quiet hours' });
  });
});
