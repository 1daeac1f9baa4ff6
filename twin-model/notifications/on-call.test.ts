import { describe, expect, it } from 'vitest';
import { cityWallTime, formatCountdown, previousDate } from './city-time.ts';
import { parseNotifyDoc } from './notification-config.ts';
import { onCallNow, onCallTiers } from './on-call.ts';

/** Epoch ms of a local wall time in a zone with a fixed offset (hours east of UTC) on that date. */
const local = (iso: string, offsetH: number): number => Date.parse(`${iso}Z`) - offsetH * 3_600_000;
const SHANGHAI = 'Asia/Shanghai';
const NEW_YORK = 'America/New_York';

const drainage = parseNotifyDoc('roster', {
  id: 'drainage',
  shifts: [
    { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '20:00', tiers: [['wang'], ['li']] },
    { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '20:00', to: '08:00', tiers: [['zhao'], ['li']] },
    { days: ['sat', 'sun'], from: '08:00', to: '20:00', tiers: [['sun']] },
  ],
  overrides: [{ date: '2026-10-01', tiers: [['chen']], reason: 'National Day' }],
});

describe('city time', () => {
  it('reads the wall clock of the zone, midnight as 00', () => {
    // 2026-12-07 is a Monday; 16:00 UTC on the Sunday is 00:00 Monday in Shanghai.
    expect(cityWallTime(Date.UTC(2026, 11, 6, 16, 0, 0), SHANGHAI)).toEqual({
      date: '2026-12-07',
      weekday: 'mon',
      minuteOfDay: 0,
      text: '2026-12-07 00:00:00',
    });
    expect(previousDate('2026-03-01')).toEqual({ date: '2026-02-28', weekday: 'sat' });
    expect(formatCountdown(125_000)).toBe('02:05');
    expect(formatCountdown(3_725_000)).toBe('1:02:05');
    expect(formatCountdown(-5)).toBe('00:00');
  });
});

describe('on call now (Asia/Shanghai, UTC+8)', () => {
  const at = (iso: string) => local(iso, 8);

  it('hands over at the shift boundary: the day shift from 08:00, the night shift from 20:00', () => {
    expect(onCallNow(drainage, 1, at('2026-12-07T07:59:59'), SHANGHAI)).toEqual(['zhao']);
    expect(onCallNow(drainage, 1, at('2026-12-07T08:00:00'), SHANGHAI)).toEqual(['wang']);
    expect(onCallNow(drainage, 1, at('2026-12-07T19:59:59'), SHANGHAI)).toEqual(['wang']);
    expect(onCallNow(drainage, 1, at('2026-12-07T20:00:00'), SHANGHAI)).toEqual(['zhao']);
    expect(onCallNow(drainage, 2, at('2026-12-07T10:00:00'), SHANGHAI)).toEqual(['li']);
  });

  it('keeps a night shift across midnight: it belongs to the day it starts', () => {
    expect(onCallNow(drainage, 1, at('2026-12-07T23:59:59'), SHANGHAI)).toEqual(['zhao']);
    expect(onCallNow(drainage, 1, at('2026-12-08T00:00:00'), SHANGHAI)).toEqual(['zhao']);
    const fridayNights = parseNotifyDoc('roster', {
      id: 'fri',
      shifts: [{ days: ['fri'], from: '22:00', to: '06:00', tiers: [['night']] }],
    });
    // 2026-12-11 is a Friday.
    expect(onCallNow(fridayNights, 1, at('2026-12-11T21:59:59'), SHANGHAI)).toEqual([]);
    expect(onCallNow(fridayNights, 1, at('2026-12-12T00:30:00'), SHANGHAI)).toEqual(['night']);
    expect(onCallNow(fridayNights, 1, at('2026-12-12T05:59:59'), SHANGHAI)).toEqual(['night']);
    expect(onCallNow(fridayNights, 1, at('2026-12-12T06:00:00'), SHANGHAI)).toEqual([]);
    // Thursday night is not Friday's shift.
    expect(onCallNow(fridayNights, 1, at('2026-12-11T00:30:00'), SHANGHAI)).toEqual([]);
  });

  it('has nobody at a tier the covering shift does not name', () => {
    // 2026-12-12 is a Saturday: only tier 1 in the weekend day shift.
    expect(onCallTiers(drainage, at('2026-12-12T09:00:00'), SHANGHAI)).toEqual([['sun']]);
    expect(onCallNow(drainage, 2, at('2026-12-12T09:00:00'), SHANGHAI)).toEqual([]);
  });

  it('lets a date override replace the shifts within its hours only', () => {
    // 2026-10-01 is a Thursday.
    expect(onCallTiers(drainage, at('2026-10-01T12:00:00'), SHANGHAI)).toEqual([['chen']]);
    expect(onCallTiers(drainage, at('2026-10-01T23:00:00'), SHANGHAI)).toEqual([['chen']]);
    // After the overridden date, Thursday's night shift (begun at 20:00 under the override) runs on.
    expect(onCallTiers(drainage, at('2026-10-02T00:30:00'), SHANGHAI)).toEqual([['zhao'], ['li']]);
  });

  it('adds up overlapping shifts (a handover)', () => {
    const overlap = parseNotifyDoc('roster', {
      id: 'overlap',
      shifts: [
        { days: ['mon'], from: '08:00', to: '16:30', tiers: [['amy']] },
        { days: ['mon'], from: '16:00', to: '24:00', tiers: [['bob'], ['cai']] },
      ],
    });
    expect(onCallTiers(overlap, at('2026-12-07T16:15:00'), SHANGHAI)).toEqual([['amy', 'bob'], ['cai']]);
    expect(onCallTiers(overlap, at('2026-12-07T23:59:00'), SHANGHAI)).toEqual([['bob'], ['cai']]);
    expect(onCallTiers(overlap, at('2026-12-08T00:00:00'), SHANGHAI)).toEqual([]);
  });
});

describe('on call now (America/New_York, with daylight saving)', () => {
  const roster = parseNotifyDoc('roster', {
    id: 'ny',
    shifts: [
      { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '06:00', to: '22:00', tiers: [['day']] },
      { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '22:00', to: '06:00', tiers: [['night']] },
    ],
  });

  it('hands over at local 06:00 and 22:00 in winter (UTC-5) and across midnight', () => {
    expect(onCallNow(roster, 1, local('2026-03-07T05:59:59', -5), NEW_YORK)).toEqual(['night']);
    expect(onCallNow(roster, 1, local('2026-03-07T06:00:00', -5), NEW_YORK)).toEqual(['day']);
    expect(onCallNow(roster, 1, local('2026-03-07T21:59:59', -5), NEW_YORK)).toEqual(['day']);
    expect(onCallNow(roster, 1, local('2026-03-07T22:00:00', -5), NEW_YORK)).toEqual(['night']);
    expect(onCallNow(roster, 1, local('2026-03-07T23:59:59', -5), NEW_YORK)).toEqual(['night']);
    expect(onCallNow(roster, 1, local('2026-03-08T00:00:00', -5), NEW_YORK)).toEqual(['night']);
  });

  it('follows the local clock when daylight saving begins (2026-03-08 02:00 → 03:00, UTC-4)', () => {
    // The same UTC instant, 10:30, is 05:30 on the Saturday (night) and 06:30 on the Sunday (day).
    expect(onCallNow(roster, 1, Date.UTC(2026, 2, 7, 10, 30), NEW_YORK)).toEqual(['night']);
    expect(onCallNow(roster, 1, Date.UTC(2026, 2, 8, 10, 30), NEW_YORK)).toEqual(['day']);
    expect(onCallNow(roster, 1, local('2026-03-08T05:59:59', -4), NEW_YORK)).toEqual(['night']);
    expect(onCallNow(roster, 1, local('2026-03-08T06:00:00', -4), NEW_YORK)).toEqual(['day']);
  });
});
