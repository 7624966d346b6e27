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

/** Showing "typing…" before each message (campaign typing). */
export interface TypingSettings {
  typing: boolean;
  typingMinMs: number;
  typingMaxMs: number;
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

/** How long to show "typing…" before the next message: random between min and max; 0 when off. */
export function drawTyping(s: TypingSettings, random: () => number = Math.random): number {
  if (!s.typing) return 0;
  return Math.round(s.typingMinMs + random() * Math.max(0, s.typingMaxMs - s.typingMinMs));
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
  /**
   * How long the next send shows "typing…" before its message leaves: it starts that much earlier,
   * so the gap between two messages (lastSendAt is when the previous one left) stays the same.
   */
  leadMs?: number;
}

/** When the next send may go out and, if that is later than now, why. */
export function nextSendTime(
  s: ThrottleSettings,
  st: ThrottleState,
): { at: Date; reason: WaitReason | null } {
  let at = st.now;
  let reason: WaitReason | null = null;
  const lead = st.leadMs ?? 0;
  if (st.lastSendAt && st.lastSendAt.getTime() + st.gap.gapMs - lead > at.getTime()) {
    at = new Date(st.lastSendAt.getTime() + st.gap.gapMs - lead);
    reason = st.gap.capBound ? 'per-minute cap' : 'delay';
  }
  if (s.perDayCap !== null && st.sentToday >= s.perDayCap) {
    const tomorrow = startOfDay(st.now, s.timeZone, 1);
    if (tomorrow > at) {
      at = tomorrow;
      reason = 'per-day cap';
    }
  }
  // Neither the typing nor the message after it falls in quiet hours.
  if (inQuietHours(at, s) || (lead > 0 && inQuietHours(new Date(at.getTime() + lead), s))) {
    at = nextWallTime(at, s.timeZone, s.quietHoursEnd!);
    reason = 'quiet hours';
  }
  return { at, reason };
}
