/**
 * The city's local clock for the simulator: hour of the day and weekday of an instant in an
 * IANA time zone (`Asia/Shanghai`, `Europe/Vienna` …), daylight saving included — the simulator's
 * view of the product's one clock (twin-model/local-time.ts: the platform's `Intl` data, the
 * offset read once per quarter hour).
 */
import { cityTimeZone, instantOfWallTime, localClock, zoneOffsetMs } from '../twin-model/local-time.ts';

export { cityTimeZone, zoneOffsetMs };

/** Local wall-clock time of an instant. */
export interface LocalTime {
  /** Hour of the day, fractional, in [0, 24). */
  hour: number;
  /** Day of the week, 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

/** Local hour and weekday of an instant (epoch ms) in a time zone. */
export function localTime(timeMs: number, timeZone: string): LocalTime {
  const { hour, weekday } = localClock(timeMs, timeZone);
  return { hour, weekday };
}

/** The local calendar date of an instant, `YYYYMMDD` (e.g. for case numbers). */
export function localDateKey(timeMs: number, timeZone: string): string {
  return localClock(timeMs, timeZone).date.replaceAll('-', '');
}

/**
 * The instant at which the zone's clock shows `hour`:00 on the given date (month 1–12). Near a
 * daylight-saving transition (a skipped or repeated hour) it is one of the instants around it.
 */
export function zonedTime(year: number, month: number, day: number, hour: number, timeZone: string): number {
  return instantOfWallTime(Date.UTC(year, month - 1, day, hour), timeZone);
}
