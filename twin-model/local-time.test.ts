import { describe, expect, it } from 'vitest';
import {
  formatLocalDateTime,
  formatZonedDateTime,
  instantOfWallTime,
  isIanaZone,
  localClock,
  localDayStart,
  localDayStartAfter,
  localHour,
  utcOffsetLabel,
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
    expect(() => localHour(0, 'Mars/Olympus')).toThrow(/"Mars\/Olympus" is not an IANA time zone/);
  });
});
