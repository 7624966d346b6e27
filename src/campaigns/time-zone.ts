/** Date arithmetic in IANA time zones with Intl only (no library): wall-clock parts, midnights, "HH:mm". */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The canonical name of an IANA time zone ('asia/jakarta' -> 'Asia/Jakarta'), or null when unknown. */
export function canonicalTimeZone(name: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function wallClock(date: Date, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(date))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

const asUtc = (w: WallClock) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);

const offsetAt = (instant: number, timeZone: string) =>
  asUtc(wallClock(new Date(instant), timeZone)) - instant;

/**
 * The instant a wall-clock time happens in a zone. Like Temporal's 'compatible': in a repeated hour
 * the earlier instant, in a skipped hour (DST gap) the time as if the clock had not jumped yet.
 */
export function zonedTime(w: WallClock, timeZone: string): Date {
  const target = asUtc(w);
  const before = target - offsetAt(target - 86_400_000, timeZone);
  const after = target - offsetAt(target + 86_400_000, timeZone);
  const valid = [before, after]
    .filter((c) => asUtc(wallClock(new Date(c), timeZone)) === target)
    .sort((a, b) => a - b);
  return new Date(valid[0] ?? before);
}

/**
 * Reads a schedule time: an ISO 8601 instant with Z or an offset, or a local date-time
 * ('2026-12-01T09:00') meant in `timeZone`. Null when it is neither.
 */
export function parseZonedDateTime(input: string, timeZone: string): Date | null {
  const text = input.trim();
  if (/([zZ]|[+-]\d{2}:?\d{2})$/.test(text)) {
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$/.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((v) => Number(v ?? 0));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  return zonedTime({ year, month, day, hour, minute, second }, timeZone);
}

/** Minutes since midnight on the zone's wall clock. */
export function minutesOfDay(date: Date, timeZone: string): number {
  const w = wallClock(date, timeZone);
  return w.hour * 60 + w.minute;
}

/** The zone's midnight that starts the day `date` falls in, shifted by `days`. */
export function startOfDay(date: Date, timeZone: string, days = 0): Date {
  const w = wallClock(date, timeZone);
  const shifted = new Date(Date.UTC(w.year, w.month - 1, w.day + days));
  return zonedTime(
    {
      year: shifted.getUTCFullYear(),
      month: shifted.getUTCMonth() + 1,
      day: shifted.getUTCDate(),
      hour: 0,
      minute: 0,
      second: 0,
    },
    timeZone,
  );
}

export const parseHhMm = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The first instant after `date` at which the zone's clock shows `hhmm`. */
export function nextWallTime(date: Date, timeZone: string, hhmm: string): Date {
  const minutes = parseHhMm(hhmm);
  for (const days of [0, 1, 2]) {
    const w = wallClock(startOfDay(date, timeZone, days), timeZone);
    const at = zonedTime({ ...w, hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0 }, timeZone);
    if (at.getTime() > date.getTime()) return at;
  }
  return new Date(date.getTime() + 86_400_000);
}
