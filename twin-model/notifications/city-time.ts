/**
 * Wall-clock time in the city's time zone (an IANA zone such as `Asia/Shanghai`), for rosters
 * and message texts. Pure: the zone database is the runtime's ICU data, the instant comes in.
 * Daylight saving needs no special case here: a zone's local date and minute of day are read
 * for the instant, so a shift written as 01:00–03:00 is simply shorter on a spring-forward night.
 * The zone arithmetic is the city's one clock (../local-time.ts); this module adds the roster's
 * words for it.
 */
import { dateKey, formatLocalDateTime, localDateTime } from '../local-time.ts';

/** Days of the week as written in rosters (ISO order: Monday first). */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** An instant as the city's clocks show it. */
export interface CityWallTime {
  /** Local calendar date, `YYYY-MM-DD`. */
  date: string;
  weekday: Weekday;
  /** Minutes since local midnight (0–1439). */
  minuteOfDay: number;
  /** Local `YYYY-MM-DD HH:mm:ss`. */
  text: string;
}

/** The city's wall time at an epoch-ms instant. Throws on an unknown zone (validate it first with {@link isIanaZone}). */
export function cityWallTime(epochMs: number, zone: string): CityWallTime {
  const { year, month, day, minuteOfDay, weekday } = localDateTime(epochMs, zone);
  return {
    date: dateKey(year, month, day),
    weekday: WEEKDAYS[weekday - 1] ?? 'mon',
    minuteOfDay: Math.floor(minuteOfDay),
    text: formatLocalDateTime(epochMs, zone),
  };
}

/** The calendar date before `date` (`YYYY-MM-DD`), and its weekday: calendar arithmetic, unaffected by daylight saving. */
export function previousDate(date: string): { date: string; weekday: Weekday } {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const prev = new Date(Date.UTC(y, m - 1, d) - 86_400_000);
  const iso = prev.toISOString().slice(0, 10);
  // getUTCDay: 0 = Sunday.
  return { date: iso, weekday: WEEKDAYS[(prev.getUTCDay() + 6) % 7]! };
}

/** `HH:MM` (00:00–24:00) as minutes since midnight, or null when malformed. */
export function minutesOf(hhmm: string): number | null {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(hhmm);
  if (!m) return null;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes <= 24 * 60 ? minutes : null;
}

/** A duration as `mm:ss` (or `h:mm:ss` from an hour on), for "next escalation in …"; negative durations read 00:00. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}
