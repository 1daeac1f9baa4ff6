/**
 * The city's clock: wall-clock time in the city's IANA time zone (a city package's
 * `city.json` `timezone`, `Asia/Shanghai` for the generated Wuhan), from the platform's `Intl`
 * data — no fixed offsets, so daylight saving (Europe/Berlin, America/New_York) is honoured.
 * Used wherever a time is shown or a local day or hour is computed: the KPI day, after-action
 * reports, unit shifts, the simulator's daily curves, the console's formatting, on-call rosters
 * and message texts (notifications/city-time.ts), CAP date-times (cap/cap-time.ts), case time
 * limits on working hours (cases/case-sla.ts). The one place that asks `Intl` about a zone.
 *
 * Pure: the instant comes in. The zone's offset is read once per quarter hour of the instant
 * (offsets change on quarter hours at most), so hot paths (the simulator samples thousands of
 * sensors a second) pay for `Intl` only when the quarter hour changes.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Zone offsets change on quarter hours at most (tzdata has no other transitions in use). */
const QUARTER_MS = 15 * 60_000;

/** The zone of a city that names none: the model was built without one. */
export const FALLBACK_TIME_ZONE = 'UTC';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      // hourCycle h23: midnight is 00, never 24.
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      throw new RangeError(
        `time zone ${JSON.stringify(zone)} is not an IANA time zone; use one such as "Europe/Berlin", "Asia/Shanghai" or "UTC"`,
      );
    }
    formatters.set(zone, f);
  }
  return f;
}

/** Whether `zone` is an IANA time-zone name the platform knows (names, not offsets such as `+08:00`). */
export function isIanaZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The last quarter hour asked per zone and its offset: most callers ask about "now" again and again. */
const lastOffset = new Map<string, { quarter: number; offsetMs: number }>();

/** Offset of `zone` from UTC at the instant `ms` (milliseconds, east positive). */
export function zoneOffsetMs(ms: number, zone: string): number {
  const quarter = Math.floor(ms / QUARTER_MS);
  const hit = lastOffset.get(zone);
  if (hit && hit.quarter === quarter) return hit.offsetMs;
  const p: Record<string, string> = {};
  for (const part of formatter(zone).formatToParts(new Date(quarter * QUARTER_MS))) p[part.type] = part.value;
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  const offsetMs = wall - quarter * QUARTER_MS;
  lastOffset.set(zone, { quarter, offsetMs });
  return offsetMs;
}

/** Offset of `zone` from UTC at the instant `ms`, in whole minutes (east positive). */
export function utcOffsetMinutes(ms: number, zone: string): number {
  return Math.round(zoneOffsetMs(ms, zone) / 60_000);
}

/** Local wall time of an instant: hour (fractional, 0–24), weekday (0 Sunday … 6 Saturday), date. */
export interface LocalClock {
  hour: number;
  weekday: number;
  /** `YYYY-MM-DD`. */
  date: string;
}

/** The wall time in `zone` at `ms`. */
export function localClock(ms: number, zone: string): LocalClock {
  const local = ms + zoneOffsetMs(ms, zone);
  const day = Math.floor(local / DAY_MS);
  // 1970-01-01 was a Thursday.
  const weekday = (((day + 4) % 7) + 7) % 7;
  return { hour: (local - day * DAY_MS) / HOUR_MS, weekday, date: new Date(day * DAY_MS).toISOString().slice(0, 10) };
}

/** Local hour (fractional, 0–24) of an instant in `zone`. */
export function localHour(ms: number, zone: string): number {
  const local = ms + zoneOffsetMs(ms, zone);
  return (((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
}

/**
 * The instant the clocks in `zone` show `wallMs` (a wall time written as if it were UTC). Where
 * a clock change repeats that time, the first; where it skips it, the offset from before the
 * change is applied (02:30 on a spring-forward night reads as 03:30 after it).
 */
export function instantOfWallTime(wallMs: number, zone: string): number {
  // Offsets change by an hour or two at most, and never twice within 14 hours.
  const before = wallMs - zoneOffsetMs(wallMs - 14 * HOUR_MS, zone);
  const after = wallMs - zoneOffsetMs(wallMs + 14 * HOUR_MS, zone);
  const shows = (t: number): boolean => t + zoneOffsetMs(t, zone) === wallMs;
  const okBefore = shows(before);
  const okAfter = shows(after);
  if (okBefore && okAfter) return Math.min(before, after);
  if (okAfter) return after;
  return before;
}

/** Start (epoch ms) of the local day in `zone` that contains `ms` (local midnight; 23 or 25 hours long on a clock change). */
export function localDayStart(ms: number, zone: string): number {
  const local = ms + zoneOffsetMs(ms, zone);
  return instantOfWallTime(Math.floor(local / DAY_MS) * DAY_MS, zone);
}

/** Local midnight `days` local days after (or before, negative) the local midnight `dayStart`. */
export function localDayStartAfter(dayStart: number, days: number, zone: string): number {
  const wall = Math.floor((dayStart + zoneOffsetMs(dayStart, zone)) / DAY_MS) * DAY_MS;
  return instantOfWallTime(wall + days * DAY_MS, zone);
}

/** A local date and time in parts, for calendar arithmetic (working hours, holidays). */
export interface LocalDateTime {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  /** Minutes since local midnight (fractional). */
  minuteOfDay: number;
  /** ISO weekday: 1 Monday … 7 Sunday. */
  weekday: number;
}

/** The local date and time of `ms` in `zone`. */
export function localDateTime(ms: number, zone: string): LocalDateTime {
  const local = new Date(ms + zoneOffsetMs(ms, zone));
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
 * The instant at which the clocks in `zone` show `minuteOfDay` on the local date `year-month-day`
 * (month 1–12); a skipped or repeated time as {@link instantOfWallTime} reads it.
 */
export function zonedInstant(year: number, month: number, day: number, minuteOfDay: number, zone: string): number {
  return instantOfWallTime(Date.UTC(year, month - 1, day) + minuteOfDay * 60_000, zone);
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

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `2026-07-01 16:00:00` on the clocks of `zone`. */
export function formatLocalDateTime(ms: number, zone: string): string {
  if (!Number.isFinite(ms)) return '—';
  return new Date(ms + zoneOffsetMs(ms, zone)).toISOString().replace('T', ' ').slice(0, 19);
}

/** The offset as people write it next to a time: `UTC+8`, `UTC+5:30`, `UTC-4`, `UTC`. */
export function utcOffsetLabel(ms: number, zone: string): string {
  const offset = zoneOffsetMs(ms, zone);
  if (offset === 0) return 'UTC';
  const sign = offset > 0 ? '+' : '-';
  const minutes = Math.round(Math.abs(offset) / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `UTC${sign}${h}${m ? `:${pad2(m)}` : ''}`;
}

/** A local time as the city reads it, with its zone: `2026-07-01 16:00:00 (Asia/Shanghai, UTC+8)`. */
export function formatZonedDateTime(ms: number, zone: string): string {
  if (!Number.isFinite(ms)) return '—';
  return `${formatLocalDateTime(ms, zone)} (${zone}, ${utcOffsetLabel(ms, zone)})`;
}

/** The zone of a city model: its own (`timezone`), else {@link FALLBACK_TIME_ZONE}. */
export function cityTimeZone(city: { timezone?: string } | null | undefined): string {
  return city?.timezone ?? FALLBACK_TIME_ZONE;
}
