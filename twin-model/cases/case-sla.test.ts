import { describe, expect, it } from 'vitest';
import { addWorkingHours, parseCaseSlaPolicy, slaDeadline, slaLimitOf, type WorkingCalendar } from './case-sla.ts';
import { DEFAULT_CASE_SLA, DEFAULT_WORKING_CALENDAR } from './default-rules.ts';
import { shanghai, TZ } from './fixtures/case-fixtures.ts';
import { localDateTime, zonedInstant } from '../local-time.ts';

const CAL: WorkingCalendar = DEFAULT_WORKING_CALENDAR;
// 2026-07-01 is a Wednesday; 07-03 a Friday, 07-06 a Monday.
const work = (start: number, hours: number, cal: WorkingCalendar = CAL) => addWorkingHours(start, hours, cal, TZ);

describe('working time in Asia/Shanghai (Mon–Fri 08:30–12:00, 13:30–17:30)', () => {
  it('carries the rest of an afternoon over the night into the next morning', () => {
    expect(work(shanghai(2026, 7, 1, 16, 30), 2)).toBe(shanghai(2026, 7, 2, 9, 30));
  });

  it('ends exactly at the close of a period when the hours run out there', () => {
    expect(work(shanghai(2026, 7, 1, 16, 30), 1)).toBe(shanghai(2026, 7, 1, 17, 30));
  });

  it('skips the lunch break', () => {
    expect(work(shanghai(2026, 7, 1, 11, 30), 1)).toBe(shanghai(2026, 7, 1, 14, 0));
  });

  it('carries a Friday evening case over the weekend to Monday', () => {
    expect(work(shanghai(2026, 7, 3, 20, 0), 2)).toBe(shanghai(2026, 7, 6, 10, 30));
    expect(work(shanghai(2026, 7, 3, 17, 0), 2)).toBe(shanghai(2026, 7, 6, 10, 0));
  });

  it('starts a case received on a Saturday at Monday 08:30', () => {
    expect(work(shanghai(2026, 7, 4, 10, 0), 0.5)).toBe(shanghai(2026, 7, 6, 9, 0));
  });

  it('counts five working days as 37.5 working hours, across a weekend', () => {
    expect(work(shanghai(2026, 7, 1, 10, 0), 37.5)).toBe(shanghai(2026, 7, 8, 10, 0));
  });

  it('takes public holidays out and puts make-up working days (调休) in', () => {
    const cal = { ...CAL, holidays: ['2026-10-01', '2026-10-02'], workdays: ['2026-10-10'] };
    // Wednesday 09-30 17:00: half an hour, then the holiday Thursday and Friday and the weekend.
    expect(work(shanghai(2026, 9, 30, 17, 0), 2, cal)).toBe(shanghai(2026, 10, 5, 10, 0));
    // Friday 10-09 17:00: half an hour, then Saturday 10-10 is a working day.
    expect(work(shanghai(2026, 10, 9, 17, 0), 2, cal)).toBe(shanghai(2026, 10, 10, 10, 0));
  });

  it('gives up with a clear error when the calendar has no working hours left', () => {
    const everyDayOff = { ...CAL, workingDays: [6] };
    const holidays = Array.from({ length: 1000 }, (_, i) => new Date(Date.UTC(2026, 6, 4 + i * 7)).toISOString().slice(0, 10));
    expect(() => work(shanghai(2026, 7, 1, 10, 0), 2, { ...everyDayOff, holidays })).toThrow(/no 2 working hours within 1500 days/);
  });
});

describe('calendar time', () => {
  it('counts the night and the weekend', () => {
    const friday = shanghai(2026, 7, 3, 20, 0);
    expect(slaDeadline(friday, 2, 'calendar', CAL, TZ)).toBe(shanghai(2026, 7, 3, 22, 0));
    expect(slaDeadline(friday, 4, 'calendar', CAL, TZ)).toBe(shanghai(2026, 7, 4, 0, 0));
    expect(slaDeadline(friday, 0.25, 'calendar', CAL, TZ)).toBe(shanghai(2026, 7, 3, 20, 15));
  });

  it('the shipped limits: urgent categories on calendar time, the others on working time', () => {
    const policy = parseCaseSlaPolicy(DEFAULT_CASE_SLA);
    expect(slaLimitOf(policy, 'fire')).toEqual({ time: 'calendar', acceptH: 0.25, replyH: 4 });
    expect(slaLimitOf(policy, 'noise')).toEqual({ time: 'working', acceptH: 2, replyH: 37.5 });
  });
});

describe('zones with daylight saving', () => {
  it('keeps working hours on the local clock across the change (Europe/Vienna, 2026-03-29)', () => {
    // Friday 17:00 CET (16:00Z) + 2 h: 0.5 h on Friday, 1.5 h on Monday from 08:30 CEST = 06:30Z.
    expect(addWorkingHours(Date.UTC(2026, 2, 27, 16, 0), 2, CAL, 'Europe/Vienna')).toBe(Date.UTC(2026, 2, 30, 8, 0));
    expect(zonedInstant(2026, 3, 29, 3 * 60, 'Europe/Vienna')).toBe(Date.UTC(2026, 2, 29, 1, 0));
    expect(localDateTime(Date.UTC(2026, 2, 30, 6, 30), 'Europe/Vienna')).toMatchObject({ day: 30, minuteOfDay: 8 * 60 + 30, weekday: 1 });
  });
});

describe('policy validation', () => {
  const bad = (patch: Record<string, unknown>) => () => parseCaseSlaPolicy({ ...DEFAULT_CASE_SLA, ...patch });

  it('quotes a bad working period and says what is accepted', () => {
    expect(bad({ calendar: { ...CAL, hours: [{ from: '08:30', to: '25:00' }] } })).toThrow(
      /calendar\.hours\.0\.to: a local time HH:MM from 00:00 to 24:00 \(found "25:00"\)/,
    );
  });

  it('refuses periods that overlap or end before they start', () => {
    expect(
      bad({
        calendar: {
          ...CAL,
          hours: [
            { from: '08:30', to: '12:00' },
            { from: '11:00', to: '17:30' },
          ],
        },
      }),
    ).toThrow(/period 11:00–17:30 overlaps or precedes the one before it/);
    expect(bad({ calendar: { ...CAL, hours: [{ from: '12:00', to: '08:00' }] } })).toThrow(/period 12:00–08:00 must end after it starts/);
  });

  it('refuses a date both holiday and make-up working day, and a bad date', () => {
    expect(bad({ calendar: { ...CAL, holidays: ['2026-10-01'], workdays: ['2026-10-01'] } })).toThrow(
      /2026-10-01 is both a holiday and a make-up working day/,
    );
    expect(bad({ calendar: { ...CAL, holidays: ['2026-13-01'] } })).toThrow(
      /calendar\.holidays\.0: a local date YYYY-MM-DD \(found "2026-13-01"\)/,
    );
  });

  it('refuses an unknown category, an unknown kind of time and limits out of order', () => {
    expect(bad({ categories: { flood: { time: 'calendar', acceptH: 1, replyH: 2 } } })).toThrow(
      /"flood" is not a case category; categories are waterlogging/,
    );
    expect(bad({ default: { time: 'office', acceptH: 1, replyH: 2 } })).toThrow(/default\.time: either "calendar".*\(found "office"\)/);
    expect(bad({ default: { time: 'working', acceptH: 3, replyH: 2 } })).toThrow(/acceptH must not exceed replyH/);
    expect(bad({ default: { time: 'working', acceptH: -1, replyH: 2 } })).toThrow(
      /default\.acceptH: a positive number of hours \(found -1\)/,
    );
  });
});
