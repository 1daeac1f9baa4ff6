/**
 * Wall-clock time in an IANA time zone, from the platform's `Intl` (no time-zone database of our
 * own): the local date and time of an instant, and the instant of a local date and time.
 */

export interface LocalDateTime {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  /** Minutes since local midnight. */
  minuteOfDay: number;
  /** ISO weekday: 1 Monday … 7 Sunday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
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
    } catch {
      throw new RangeError(`time zone ${JSON.stringify(timeZone)} is not an IANA time zone; use one such as "Asia/Shanghai" or "UTC"`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA time zone the platform knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Offset of the zone from UTC at `ms`, in milliseconds (east positive). */
function offsetMs(ms: number, timeZone: string): number {
  const p: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) p[part.type] = part.value;
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The local date and time of `ms` in `timeZone`. */
export function localDateTime(ms: number, timeZone: string): LocalDateTime {
  const local = new Date(ms + offsetMs(ms, timeZone));
  const dow = local.getUTCDay();
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    minuteOfDay: local.getUTCHours() * 60 + local.getUTCMinutes() + local.getUTCSeconds() / 60 + local.getUTCMilliseconds() / 60_000,
    weekday: dow === 0 ? 7 : dow,
  };
}

/**
 * The instant at which the local clock in `timeZone` shows `minuteOfDay` on the given date. Where
 * a clock change skips that time, the instant after the gap; where it repeats it, the first.
 */
export function zonedInstant(year: number, month: number, day: number, minuteOfDay: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day) + minuteOfDay * 60_000;
  // Two rounds settle the offset on either side of a change (the zone's offset at the guess).
  let guess = wall - offsetMs(wall, timeZone);
  guess = wall - offsetMs(guess, timeZone);
  return guess;
}

/** `YYYY-MM-DD` of a local date. */
export function dateKey(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The local date after `year-month-day` (calendar arithmetic, no zone involved). */
export function nextDate(year: number, month: number, day: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(year, month - 1, day + 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** ISO weekday (1 Monday … 7 Sunday) of a local date. */
export function weekdayOf(year: number, month: number, day: number): number {
  const dow = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return dow === 0 ? 7 : dow;
}
