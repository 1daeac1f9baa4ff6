/**
 * Time limits of hotline cases (办理时限), per category: the assigned department must ACCEPT the
 * case within A hours of its assignment (签收), and the citizen must have the REPLY within R hours
 * of the case's receipt — or of its reopening (答复). Each category counts its hours in one of two
 * ways (docs/cases.md#time-limits):
 *
 * - `calendar`: every hour counts, night and weekend — for what endangers people or property
 *   (fire, gas, waterlogging, power, traffic, crowds);
 * - `working`: only the city's working hours count (by default Monday–Friday 08:30–12:00 and
 *   13:30–17:30 in the city's time zone), with public holidays taken out and the make-up working
 *   days (调休) put in — for the ordinary complaints a department handles in office hours.
 *
 * Hours are hours of the chosen kind: 37.5 working hours is five working days of 7.5 hours.
 */
import { z } from 'zod';
import { CASE_CATEGORIES, type CaseCategory } from './case-types.ts';
import { parseOrThrow } from './case-rules-error.ts';
import { quoteValue } from '../quote-value.ts';
import { dateKey, localDateTime, nextDate, weekdayOf, zonedInstant } from '../local-time.ts';

const HHMM = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;
const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

const clock = z.string().regex(HHMM, 'a local time HH:MM from 00:00 to 24:00');
const isoDate = z.string().regex(ISO_DATE, 'a local date YYYY-MM-DD');

function minutesOf(hhmm: string): number {
  const m = HHMM.exec(hhmm)!;
  return Number(m[1] ?? m[3]) * 60 + Number(m[2] ?? m[4]);
}

export const workingCalendarSchema = z
  .object({
    /** ISO weekdays that are working days (1 Monday … 7 Sunday). */
    workingDays: z.array(z.number().int('a whole ISO weekday').min(1, 'an ISO weekday 1–7').max(7, 'an ISO weekday 1–7')).min(1).max(7),
    /** Working periods of a working day, in order, not overlapping. */
    hours: z
      .array(z.object({ from: clock, to: clock }))
      .min(1, 'at least one working period')
      .max(6),
    /** Public holidays: no working hours, whatever the weekday. */
    holidays: z.array(isoDate).max(1000).default([]),
    /** Make-up working days (调休): working days, whatever the weekday. */
    workdays: z.array(isoDate).max(1000).default([]),
  })
  .superRefine((c, ctx) => {
    let end = -1;
    c.hours.forEach((p, i) => {
      // zod runs this check even when a time failed its pattern (reported above).
      if (!HHMM.test(p.from) || !HHMM.test(p.to)) return;
      const from = minutesOf(p.from);
      const to = minutesOf(p.to);
      if (from >= to) ctx.addIssue({ code: 'custom', path: ['hours', i], message: `period ${p.from}–${p.to} must end after it starts` });
      if (from < end)
        ctx.addIssue({ code: 'custom', path: ['hours', i], message: `period ${p.from}–${p.to} overlaps or precedes the one before it` });
      end = Math.max(end, to);
    });
    const holidays = new Set(c.holidays);
    for (const d of c.workdays) {
      if (holidays.has(d))
        ctx.addIssue({ code: 'custom', path: ['workdays'], message: `${d} is both a holiday and a make-up working day` });
    }
  });

export type WorkingCalendar = z.infer<typeof workingCalendarSchema>;

export const slaLimitSchema = z
  .object({
    /** Which hours count. */
    time: z.enum(['calendar', 'working'], 'either "calendar" (every hour) or "working" (working hours only)'),
    /** Hours from an assignment to its acceptance. */
    acceptH: z.number().positive('a positive number of hours').max(720, 'at most 720 hours'),
    /** Hours from receipt (or reopening) to the reply. */
    replyH: z.number().positive('a positive number of hours').max(2000, 'at most 2000 hours'),
  })
  .refine((l) => l.acceptH <= l.replyH, { message: 'acceptH must not exceed replyH' });

export type SlaLimit = z.infer<typeof slaLimitSchema>;

export const caseSlaPolicySchema = z.object({
  version: z.literal(1, 'version 1'),
  calendar: workingCalendarSchema,
  /** The limit of every category not listed. */
  default: slaLimitSchema,
  categories: z
    .record(z.string(), slaLimitSchema)
    .default({})
    .superRefine((rec, ctx) => {
      for (const key of Object.keys(rec)) {
        if (!(CASE_CATEGORIES as readonly string[]).includes(key))
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `${quoteValue(key)} is not a case category; categories are ${CASE_CATEGORIES.join(', ')}`,
          });
      }
    }),
});

export type CaseSlaPolicy = z.infer<typeof caseSlaPolicySchema>;

/** Validates a time-limit policy document; the error names the field, the value and what is accepted. */
export function parseCaseSlaPolicy(doc: unknown, name = 'case time limits'): CaseSlaPolicy {
  return parseOrThrow(caseSlaPolicySchema, doc, name);
}

/** The limit of a category. */
export function slaLimitOf(policy: CaseSlaPolicy, category: CaseCategory): SlaLimit {
  return policy.categories[category] ?? policy.default;
}

/** Days searched for working time before giving up (a calendar with no working day left in it). */
const MAX_SEARCH_DAYS = 1500;

function isWorkingDay(calendar: WorkingCalendar, year: number, month: number, day: number): boolean {
  const key = dateKey(year, month, day);
  if (calendar.workdays.includes(key)) return true;
  if (calendar.holidays.includes(key)) return false;
  return calendar.workingDays.includes(weekdayOf(year, month, day));
}

/**
 * Instants of local times, memoised: every case of a month asks for the same few dozen working
 * periods, and each instant costs a few `Intl` formatting calls. Bounded: emptied when full.
 */
const instants = new Map<string, number>();
const MAX_MEMO = 50_000;

function localInstant(year: number, month: number, day: number, minuteOfDay: number, timeZone: string): number {
  const key = `${timeZone}|${year}|${month}|${day}|${minuteOfDay}`;
  let t = instants.get(key);
  if (t === undefined) {
    if (instants.size >= MAX_MEMO) instants.clear();
    t = zonedInstant(year, month, day, minuteOfDay, timeZone);
    instants.set(key, t);
  }
  return t;
}

/**
 * The instant `hours` working hours after `start`: the clock runs only inside the working periods
 * of working days (local time in `timeZone`); a start outside them waits for the next period.
 */
export function addWorkingHours(start: number, hours: number, calendar: WorkingCalendar, timeZone: string): number {
  let remaining = hours * 3_600_000;
  const periods = calendar.hours.map((p) => ({ from: minutesOf(p.from), to: minutesOf(p.to) }));
  let { year, month, day } = localDateTime(start, timeZone);
  for (let i = 0; i < MAX_SEARCH_DAYS; i++) {
    if (isWorkingDay(calendar, year, month, day)) {
      for (const p of periods) {
        const end = localInstant(year, month, day, p.to, timeZone);
        const from = Math.max(localInstant(year, month, day, p.from, timeZone), start);
        if (from >= end) continue;
        if (remaining <= end - from) return from + remaining;
        remaining -= end - from;
      }
    }
    ({ year, month, day } = nextDate(year, month, day));
  }
  throw new RangeError(`no ${hours} working hours within ${MAX_SEARCH_DAYS} days of ${new Date(start).toISOString()}: check the calendar`);
}

/** The deadline `hours` after `start` under a limit's kind of time. */
export function slaDeadline(start: number, hours: number, time: SlaLimit['time'], calendar: WorkingCalendar, timeZone: string): number {
  return time === 'calendar' ? start + Math.round(hours * 3_600_000) : addWorkingHours(start, hours, calendar, timeZone);
}
