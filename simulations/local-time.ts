/**
 * The city's local clock for the simulator: hour of the day and weekday of an instant in an
 * IANA time zone (`Asia/Shanghai`, `Europe/Vienna` …), daylight saving included. The zone's
 * offset comes from the platform's time-zone data (Intl, ECMA-402) and is memoised per quarter
 * hour of UTC: offsets change only at transitions, which fall on whole quarter hours in every
 * zone of the tz database, so a memo per quarter hour is exact.
 */

/** Local wall-clock time of an instant. */
export interface LocalTime {
  /** Hour of the day, fractional, in [0, 24). */
  hour: number;
  /** Day of the week, 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

const DAY_MS = 86_400_000;
const QUARTER_MS = 900_000;
/** Memo entries kept per zone before the memo is cleared (a long live run moves through time). */
const MEMO_LIMIT = 20_000;

/** The zone of a city model, or UTC for a model that names none. */
export function cityTimeZone(city: { timezone?: string | undefined }): string {
  return city.timezone ?? 'UTC';
}

interface ZoneClock {
  format: Intl.DateTimeFormat;
  offsets: Map<number, number>;
}

const clocks = new Map<string, ZoneClock>();

function zoneClock(timeZone: string): ZoneClock {
  let clock = clocks.get(timeZone);
  if (clock === undefined) {
    let format: Intl.DateTimeFormat;
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new RangeError(`time zone ${JSON.stringify(timeZone)} is not an IANA time zone; use one such as "Asia/Shanghai", "Europe/Vienna" or "UTC"`);
    }
    clock = { format, offsets: new Map() };
    clocks.set(timeZone, clock);
  }
  return clock;
}

/**
 * Offset of the zone's local clock from UTC at an instant, in ms (e.g. 28,800,000 for
 * Asia/Shanghai), in whole minutes.
 */
export function zoneOffsetMs(timeMs: number, timeZone: string): number {
  const clock = zoneClock(timeZone);
  const quarter = Math.floor(timeMs / QUARTER_MS);
  const known = clock.offsets.get(quarter);
  if (known !== undefined) return known;
  const at = quarter * QUARTER_MS;
  const p: Record<string, number> = {};
  for (const part of clock.format.formatToParts(new Date(at))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  const offset = Math.round((wall - at) / 60_000) * 60_000;
  if (clock.offsets.size >= MEMO_LIMIT) clock.offsets.clear();
  clock.offsets.set(quarter, offset);
  return offset;
}

/** Local hour and weekday of an instant (epoch ms) in a time zone. */
export function localTime(timeMs: number, timeZone: string): LocalTime {
  const local = timeMs + zoneOffsetMs(timeMs, timeZone);
  const day = Math.floor(local / DAY_MS);
  const hour = (local - day * DAY_MS) / 3_600_000;
  // 1970-01-01 was a Thursday.
  const weekday = (((day + 4) % 7) + 7) % 7;
  return { hour, weekday };
}

/** The local calendar date of an instant, `YYYYMMDD` (e.g. for case numbers). */
export function localDateKey(timeMs: number, timeZone: string): string {
  return new Date(timeMs + zoneOffsetMs(timeMs, timeZone)).toISOString().slice(0, 10).replaceAll('-', '');
}

/**
 * The instant at which the zone's clock shows `hour`:00 on the given date (month 1–12). Near a
 * daylight-saving transition (a skipped or repeated hour) it is one of the instants around it.
 */
export function zonedTime(year: number, month: number, day: number, hour: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour);
  // Two fixed-point steps find the offset in force at the answer (the offset at `wall` read as UTC may differ).
  let guess = wall - zoneOffsetMs(wall, timeZone);
  guess = wall - zoneOffsetMs(guess, timeZone);
  return guess;
}
