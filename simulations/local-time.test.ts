import { describe, expect, it } from 'vitest';
import { cityTimeZone, localDateKey, localTime, zonedTime, zoneOffsetMs } from './local-time.ts';

const HOUR = 3_600_000;
/** Monday 2024-06-10 00:00 in Asia/Shanghai. */
const MONDAY_SHANGHAI = Date.UTC(2024, 5, 9, 16, 0, 0);

describe('localTime', () => {
  it('is UTC+8 all year in Asia/Shanghai, with the right weekday', () => {
    expect(localTime(MONDAY_SHANGHAI, 'Asia/Shanghai')).toEqual({ hour: 0, weekday: 1 });
    expect(localTime(Date.UTC(2024, 5, 10, 0, 30), 'Asia/Shanghai')).toEqual({ hour: 8.5, weekday: 1 });
    expect(localTime(MONDAY_SHANGHAI - HOUR, 'Asia/Shanghai').weekday).toBe(0);
    expect(zoneOffsetMs(Date.UTC(2024, 0, 1), 'Asia/Shanghai')).toBe(8 * HOUR);
  });

  it('follows daylight saving in Europe/Vienna (last Sunday of March, 01:00 UTC)', () => {
    const change = Date.UTC(2024, 2, 31, 1, 0, 0);
    expect(localTime(change - 1, 'Europe/Vienna').hour).toBeCloseTo(2, 6);
    expect(localTime(change, 'Europe/Vienna')).toEqual({ hour: 3, weekday: 0 });
    expect(zoneOffsetMs(Date.UTC(2024, 6, 1, 6), 'Europe/Vienna')).toBe(2 * HOUR);
    expect(zoneOffsetMs(Date.UTC(2024, 11, 1, 6), 'Europe/Vienna')).toBe(HOUR);
  });

  it('handles zones west of UTC and half-hour offsets', () => {
    expect(localTime(Date.UTC(2024, 6, 1, 3, 0), 'America/New_York')).toEqual({ hour: 23, weekday: 0 });
    expect(localTime(Date.UTC(2024, 0, 1, 0, 0), 'Asia/Kolkata').hour).toBe(5.5);
  });

  it('refuses a zone that is not in the tz database, quoting it', () => {
    expect(() => localTime(0, 'Mars/Olympus')).toThrow(/"Mars\/Olympus" is not an IANA time zone/);
    expect(() => localTime(0, '+01:00')).toThrow(/"\+01:00"/);
  });
});

describe('zonedTime and localDateKey', () => {
  it('give the instant of a local hour and the local date of an instant', () => {
    expect(zonedTime(2026, 7, 1, 8, 'Asia/Shanghai')).toBe(Date.UTC(2026, 6, 1, 0));
    expect(zonedTime(2026, 7, 1, 8, 'Europe/Vienna')).toBe(Date.UTC(2026, 6, 1, 6));
    expect(zonedTime(2026, 1, 15, 8, 'Europe/Vienna')).toBe(Date.UTC(2026, 0, 15, 7));
    expect(localDateKey(Date.UTC(2026, 5, 30, 23, 30), 'Europe/Vienna')).toBe('20260701');
    expect(localDateKey(Date.UTC(2026, 5, 30, 23, 30), 'UTC')).toBe('20260630');
  });

  it('takes the zone of a city model, UTC when it names none', () => {
    expect(cityTimeZone({ timezone: 'Europe/Vienna' })).toBe('Europe/Vienna');
    expect(cityTimeZone({})).toBe('UTC');
  });
});
