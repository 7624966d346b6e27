import { minutesOfDay, nextWallTime, parseHhMm, startOfDay } from './time-zone';

export interface ThrottleSettings {
  minDelayMs: number;
  maxDelayMs: number;
  perMinuteCap: number | null;
  perDayCap: number | null;
  quietHoursStart: string | null;
  quietHoursEnd: string | null;
  timeZone: string;
}

export type WaitReason = 'delay' | 'per-minute cap' | 'per-day cap' | 'quiet hours';

/**
 * The gap to keep after a send: a random delay between min and max, and never less than
 * 60 s / perMinuteCap, so sends are spread evenly and no 60-second window holds more than the cap.
 */
export function drawGap(
  s: ThrottleSettings,
  random: () => number = Math.random,
): { gapMs: number; capBound: boolean } {
  const delay = Math.round(s.minDelayMs + random() * Math.max(0, s.maxDelayMs - s.minDelayMs));
  const spacing = s.perMinuteCap ? Math.ceil(60_000 / s.perMinuteCap) : 0;
  return { gapMs: Math.max(delay, spacing), capBound: spacing > delay };
}

/** Whether the zone's clock at `date` is inside [start, end) (which may wrap past midnight). */
export function inQuietHours(date: Date, s: ThrottleSettings): boolean {
  if (!s.quietHoursStart || !s.quietHoursEnd) return false;
  const start = parseHhMm(s.quietHoursStart);
  const end = parseHhMm(s.quietHoursEnd);
  if (start === end) return false;
  const m = minutesOfDay(date, s.timeZone);
  return start < end ? m >= start && m < end : m >= start || m < end;
}

export interface ThrottleState {
  now: Date;
  /** When the previous send of this campaign went out (null: none yet). */
  lastSendAt: Date | null;
  gap: { gapMs: number; capBound: boolean };
  /** Sends of this campaign since the zone's midnight. */
  sentToday: number;
}

/** When the next send may go out and, if that is later than now, why. */
export function nextSendTime(
  s: ThrottleSettings,
  st: ThrottleState,
): { at: Date; reason: WaitReason | null } {
  let at = st.now;
  let reason: WaitReason | null = null;
  if (st.lastSendAt && st.lastSendAt.getTime() + st.gap.gapMs > at.getTime()) {
    at = new Date(st.lastSendAt.getTime() + st.gap.gapMs);
    reason = st.gap.capBound ? 'per-minute cap' : 'delay';
  }
  if (s.perDayCap !== null && st.sentToday >= s.perDayCap) {
    const tomorrow = startOfDay(st.now, s.timeZone, 1);
    if (tomorrow > at) {
      at = tomorrow;
      reason = 'per-day cap';
    }
  }
  if (inQuietHours(at, s)) {
    at = nextWallTime(at, s.timeZone, s.quietHoursEnd!);
    reason = 'quiet hours';
  }
  return { at, reason };
}
