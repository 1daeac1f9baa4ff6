import { describe, expect, it } from 'vitest';
import {
  byDepartment,
  dayStartOf,
  DAY_MS,
  hourSlots,
  HOUR_MS,
  kpiWindows,
  onlineRate,
  responseTargetsOf,
  RESPONSE_TARGETS,
  splitByClearance,
  stepFigures,
  type SourceHealth,
} from './kpi-model.ts';

const SH = 'Asia/Shanghai';

describe('the local day (Asia/Shanghai, UTC+8 all year)', () => {
  it('starts at 16:00 UTC of the previous UTC day', () => {
    // 2026-03-10 01:30 local = 2026-03-09 17:30 UTC.
    const at = Date.UTC(2026, 2, 9, 17, 30);
    expect(new Date(dayStartOf(at, SH)).toISOString()).toBe('2026-03-09T16:00:00.000Z');
  });

  it('keeps a moment just before local midnight in its own day', () => {
    const at = Date.UTC(2026, 2, 9, 15, 59, 59, 999); // 23:59:59.999 local
    expect(new Date(dayStartOf(at, SH)).toISOString()).toBe('2026-03-08T16:00:00.000Z');
    expect(dayStartOf(at + 1, SH)).toBe(dayStartOf(at, SH) + DAY_MS);
  });

  it('compares with the same moment one week earlier', () => {
    const at = Date.UTC(2026, 2, 9, 17, 30);
    const w = kpiWindows(at, SH);
    expect(w.dayStart - w.lastWeekDayStart).toBe(7 * DAY_MS);
    expect(w.lastWeekDayEnd - w.lastWeekDayStart).toBe(DAY_MS);
    expect(w.at - w.lastWeekAt).toBe(7 * DAY_MS);
    expect(w.at - w.onlineSince).toBe(15 * 60_000);
  });
});

describe('the local day where clocks change (Europe/Berlin)', () => {
  const BER = 'Europe/Berlin';

  it('starts at local midnight: 23:00 UTC in winter, 22:00 UTC in summer', () => {
    expect(new Date(dayStartOf(Date.UTC(2026, 0, 15, 12), BER)).toISOString()).toBe('2026-01-14T23:00:00.000Z');
    expect(new Date(dayStartOf(Date.UTC(2026, 6, 15, 12), BER)).toISOString()).toBe('2026-07-14T22:00:00.000Z');
  });

  it('compares a summer Sunday with the winter Sunday before it, local time to local time', () => {
    // Sunday 2026-04-05 10:00 local (08:00 UTC, summer time); a week earlier clocks went forward.
    const at = Date.UTC(2026, 3, 5, 8);
    const w = kpiWindows(at, BER);
    expect(new Date(w.dayStart).toISOString()).toBe('2026-04-04T22:00:00.000Z');
    // Sunday 2026-03-29: midnight was still winter time (23:00 UTC the day before), the day 23 h long.
    expect(new Date(w.lastWeekDayStart).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(w.lastWeekDayEnd - w.lastWeekDayStart).toBe(23 * HOUR_MS);
    expect(w.lastWeekAt - w.lastWeekDayStart).toBe(w.at - w.dayStart);
  });
});

describe("the city's own targets", () => {
  it('takes the steps kpi.json gives and keeps the defaults for the others', () => {
    const targets = responseTargetsOf({ responseTargets: { acknowledge: { medianS: 60, p90S: 90 } } });
    expect(targets.acknowledge).toEqual({ medianS: 60, p90S: 90 });
    expect(targets.resolve).toEqual(RESPONSE_TARGETS.resolve);
    expect(responseTargetsOf(undefined)).toEqual(RESPONSE_TARGETS);
    expect(stepFigures('acknowledge', 10, 120, 200, targets)).toMatchObject({ target: { medianS: 60, p90S: 90 }, met: false });
  });
});

describe('response-time steps against targets', () => {
  it('meets the target only when both median and p90 are within it', () => {
    expect(stepFigures('acknowledge', 10, 120, 200).met).toBe(true);
    expect(stepFigures('acknowledge', 10, 120, 400).met).toBe(false);
    expect(stepFigures('acknowledge', 10, 200, 200).met).toBe(false);
  });

  it('has no figures and no verdict when no incident reached the step', () => {
    expect(stepFigures('arrive', 0, Number.NaN, Number.NaN)).toMatchObject({ count: 0, medianS: null, p90S: null, met: null });
  });
});

describe('sensor health per department', () => {
  const src = (source: string, dep: string, registered: number, online: number): SourceHealth => ({
    source,
    nameZh: source,
    nameEn: source,
    departmentZh: dep,
    departmentEn: dep,
    classification: 'public',
    registered,
    online,
    rate: onlineRate(online, registered),
  });

  it('sums the sources of a department and rates the sum, not the mean of rates', () => {
    const deps = byDepartment([src('a', 'water', 100, 90), src('b', 'water', 10, 0), src('c', 'traffic', 50, 50)]);
    expect(deps).toEqual([
      { departmentZh: 'water', departmentEn: 'water', sources: 2, registered: 110, online: 90, rate: 90 / 110 },
      { departmentZh: 'traffic', departmentEn: 'traffic', sources: 1, registered: 50, online: 50, rate: 1 },
    ]);
  });

  it('has no rate for a department with nothing registered', () => {
    expect(onlineRate(0, 0)).toBeNull();
  });
});

describe('hour slots', () => {
  it('puts each hour in its slot of the local day and ignores hours of other days', () => {
    const day = dayStartOf(Date.UTC(2026, 2, 9, 17, 30), SH);
    const slots = hourSlots(
      [
        { hour: day, n: 2 },
        { hour: day + 5 * HOUR_MS, n: 3 },
        { hour: day + 23 * HOUR_MS, n: 1 },
        { hour: day + 24 * HOUR_MS, n: 9 },
        { hour: day - HOUR_MS, n: 9 },
      ],
      day,
    );
    expect(slots).toHaveLength(24);
    expect(slots[0]).toBe(2);
    expect(slots[5]).toBe(3);
    expect(slots[23]).toBe(1);
    expect(slots.reduce((a, b) => a + b, 0)).toBe(6);
  });
});

describe('drill-down rows and clearance', () => {
  it('lists the rows within the clearance and counts the rest', () => {
    const rows = [
      { id: 1, classification: 'public' as const },
      { id: 2, classification: 'sensitive' as const },
      { id: 3, classification: 'internal' as const },
    ];
    const { rows: visible, hidden } = splitByClearance(rows, ['public', 'internal']);
    expect(visible.map((r) => r.id)).toEqual([1, 3]);
    expect(hidden).toBe(1);
    expect(visible.length + hidden).toBe(rows.length);
  });
});
