import { describe, expect, it } from 'vitest';
import {
  dateKey,
  formatLocalDateTime,
  formatZonedDateTime,
  instantOfWallTime,
  isIanaZone,
  localClock,
  localDateTime,
  localDayStart,
  localDayStartAfter,
  localHour,
  nextDate,
  utcOffsetLabel,
  utcOffsetMinutes,
  weekdayOf,
  zonedInstant,
  zoneOffsetMs,
} from './local-time.ts';

const H = 3_600_000;

describe('the city clock', () => {
  it('reads Asia/Shanghai as UTC+8 all year', () => {
    expect(zoneOffsetMs(Date.UTC(2026, 0, 15), 'Asia/Shanghai')).toBe(8 * H);
    expect(zoneOffsetMs(Date.UTC(2026, 6, 15), 'Asia/Shanghai')).toBe(8 * H);
    expect(localHour(Date.UTC(2026, 6, 1, 0, 30), 'Asia/Shanghai')).toBe(8.5);
    expect(formatLocalDateTime(Date.UTC(2026, 11, 4, 19, 35, 16), 'Asia/Shanghai')).toBe('2026-12-05 03:35:16');
  });

  it('follows daylight saving in Europe/Berlin', () => {
    expect(utcOffsetLabel(Date.UTC(2026, 0, 15, 12), 'Europe/Berlin')).toBe('UTC+1');
    expect(utcOffsetLabel(Date.UTC(2026, 6, 15, 12), 'Europe/Berlin')).toBe('UTC+2');
    // 2026-03-29: clocks go from 02:00 to 03:00 (01:00 UTC).
    expect(localHour(Date.UTC(2026, 2, 29, 0, 59), 'Europe/Berlin')).toBeCloseTo(1 + 59 / 60, 9);
    expect(localHour(Date.UTC(2026, 2, 29, 1, 0), 'Europe/Berlin')).toBe(3);
  });

  it('finds local midnight, and days of 23 and 25 hours', () => {
    const berlinSpring = localDayStart(Date.UTC(2026, 2, 29, 12), 'Europe/Berlin');
    expect(new Date(berlinSpring).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(localDayStartAfter(berlinSpring, 1, 'Europe/Berlin') - berlinSpring).toBe(23 * H);
    const berlinAutumn = localDayStart(Date.UTC(2026, 9, 25, 12), 'Europe/Berlin');
    expect(new Date(berlinAutumn).toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(localDayStartAfter(berlinAutumn, 1, 'Europe/Berlin') - berlinAutumn).toBe(25 * H);
    expect(new Date(localDayStart(Date.UTC(2026, 2, 9, 17, 30), 'Asia/Shanghai')).toISOString()).toBe('2026-03-09T16:00:00.000Z');
    expect(localDayStartAfter(localDayStart(Date.UTC(2026, 2, 29, 12), 'Europe/Berlin'), -7, 'Europe/Berlin')).toBe(
      Date.UTC(2026, 2, 21, 23),
    );
  });

  it('takes the first of a repeated hour', () => {
    // 2026-10-25 02:30 happens twice in Berlin: 00:30 UTC (summer time), then 01:30 UTC.
    expect(instantOfWallTime(Date.UTC(2026, 9, 25, 2, 30), 'Europe/Berlin')).toBe(Date.UTC(2026, 9, 25, 0, 30));
  });

  it('gives the weekday and the date of the local day', () => {
    // Monday 2024-06-10 00:00 in Shanghai is Sunday 16:00 UTC.
    expect(localClock(Date.UTC(2024, 5, 9, 16), 'Asia/Shanghai')).toEqual({ hour: 0, weekday: 1, date: '2024-06-10' });
    expect(localClock(Date.UTC(2024, 5, 9, 16), 'Europe/Berlin')).toEqual({ hour: 18, weekday: 0, date: '2024-06-09' });
  });

  it('writes offsets and zones for people', () => {
    expect(utcOffsetLabel(0, 'UTC')).toBe('UTC');
    expect(utcOffsetLabel(Date.UTC(2026, 0, 1), 'Asia/Kolkata')).toBe('UTC+5:30');
    expect(utcOffsetLabel(Date.UTC(2026, 6, 1), 'America/New_York')).toBe('UTC-4');
    expect(formatZonedDateTime(Date.UTC(2026, 6, 1, 8), 'Asia/Shanghai')).toBe('2026-07-01 16:00:00 (Asia/Shanghai, UTC+8)');
    expect(formatZonedDateTime(Number.NaN, 'UTC')).toBe('—');
  });

  it('knows IANA names from offsets and nonsense', () => {
    expect(isIanaZone('Europe/Berlin')).toBe(true);
    expect(isIanaZone('+08:00')).toBe(false);
    expect(isIanaZone('Mars/Olympus')).toBe(false);
    expect(isIanaZone('Asia/Atlantis')).toBe(false);
    expect(isIanaZone('')).toBe(false);
    expect(() => localHour(0, 'Mars/Olympus')).toThrow(/"Mars\/Olympus" is not an IANA time zone/);
  });

  it('gives offsets in whole minutes, east positive', () => {
    expect(utcOffsetMinutes(Date.UTC(2026, 6, 1), 'Asia/Shanghai')).toBe(480);
    expect(utcOffsetMinutes(Date.UTC(2026, 6, 1), 'Asia/Kolkata')).toBe(330);
    expect(utcOffsetMinutes(Date.UTC(2026, 0, 1), 'America/Los_Angeles')).toBe(-480);
    expect(utcOffsetMinutes(Date.UTC(2026, 6, 1), 'UTC')).toBe(0);
  });

  it('breaks an instant into a local date, minute of day and ISO weekday', () => {
    // Monday 2026-03-30 06:30:30Z is 08:30:30 CEST in Vienna.
    expect(localDateTime(Date.UTC(2026, 2, 30, 6, 30, 30), 'Europe/Vienna')).toEqual({
      year: 2026,
      month: 3,
      day: 30,
      minuteOfDay: 8 * 60 + 30.5,
      weekday: 1,
    });
    // Sunday 2026-12-06 16:00Z is Monday 00:00 in Shanghai; Sunday is 7.
    expect(localDateTime(Date.UTC(2026, 11, 6, 16), 'Asia/Shanghai')).toMatchObject({ day: 7, minuteOfDay: 0, weekday: 1 });
    expect(localDateTime(Date.UTC(2026, 11, 6, 12), 'Asia/Shanghai')).toMatchObject({ day: 6, weekday: 7 });
  });

  it('finds the instant of a local date and minute of day', () => {
    expect(zonedInstant(2026, 7, 1, 16 * 60, 'Asia/Shanghai')).toBe(Date.UTC(2026, 6, 1, 8));
    expect(zonedInstant(2026, 3, 29, 3 * 60, 'Europe/Vienna')).toBe(Date.UTC(2026, 2, 29, 1, 0));
  });

  it('reads a skipped local time after the gap and a repeated one as its first instant, east and west of UTC', () => {
    // Vienna 2026-03-29 02:30 does not exist (02:00 → 03:00 CEST): 03:30 CEST = 01:30Z.
    expect(zonedInstant(2026, 3, 29, 2 * 60 + 30, 'Europe/Vienna')).toBe(Date.UTC(2026, 2, 29, 1, 30));
    // New York 2026-03-08 02:30 does not exist (02:00 → 03:00 EDT): 03:30 EDT = 07:30Z.
    expect(zonedInstant(2026, 3, 8, 2 * 60 + 30, 'America/New_York')).toBe(Date.UTC(2026, 2, 8, 7, 30));
    // Vienna 2026-10-25 02:30 happens twice: first in summer time, 00:30Z.
    expect(zonedInstant(2026, 10, 25, 2 * 60 + 30, 'Europe/Vienna')).toBe(Date.UTC(2026, 9, 25, 0, 30));
    // New York 2026-11-01 01:30 happens twice: first in summer time, 05:30Z.
    expect(zonedInstant(2026, 11, 1, 60 + 30, 'America/New_York')).toBe(Date.UTC(2026, 10, 1, 5, 30));
  });

  it('does calendar arithmetic on local dates', () => {
    expect(dateKey(2026, 3, 9)).toBe('2026-03-09');
    expect(nextDate(2026, 2, 28)).toEqual({ year: 2026, month: 3, day: 1 });
    expect(nextDate(2026, 12, 31)).toEqual({ year: 2027, month: 1, day: 1 });
    expect(weekdayOf(2026, 12, 7)).toBe(1);
    expect(weekdayOf(2026, 12, 6)).toBe(7);
  });
});
