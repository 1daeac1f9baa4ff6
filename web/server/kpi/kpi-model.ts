/**
 * The KPI screen's definitions (docs/kpi.md), pure: the day the figures cover (Wuhan's local
 * day, UTC+8 all year), the response-time steps and their targets, and the shaping of rollup
 * rows into what the screen shows (per department, per hour, split by classification clearance).
 * The SQL that reads the rollups is in storage/kpi-store.ts.
 */
import type { KpiWindows } from '../../../storage/index.ts';
import type { Classification } from '../../../twin-model/index.ts';
import {
  RESPONSE_STEPS,
  type DepartmentHealth,
  type ResponseStep,
  type SourceHealth,
  type StepFigures,
} from '../../shared/kpi-protocol.ts';

// The shapes on the wire are defined once in web/shared.
export { RESPONSE_STEPS };
export type { DepartmentHealth, ResponseStep, SourceHealth, StepFigures };

/** China Standard Time has no daylight saving: a local day is a fixed UTC+8 range. */
export const CITY_UTC_OFFSET_MS = 8 * 3_600_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** A sensor counts as online when it reported in the last this many minutes. */
export const ONLINE_WINDOW_MIN = 15;
/** Service-hall queues: the newest value within this many minutes counts as current. */
export const QUEUE_WINDOW_MIN = 15;
/** Rejected messages are shown per minute over this many minutes. */
export const DEAD_LETTER_WINDOW_MIN = 60;

/** Start (epoch ms) of the local day that contains `at`. */
export function dayStartOf(at: number): number {
  return Math.floor((at + CITY_UTC_OFFSET_MS) / DAY_MS) * DAY_MS - CITY_UTC_OFFSET_MS;
}

/** The time ranges one summary covers (the KPI store's query windows). */
export type { KpiWindows };

export function kpiWindows(at: number): KpiWindows {
  const dayStart = dayStartOf(at);
  return {
    at,
    dayStart,
    lastWeekAt: at - WEEK_MS,
    lastWeekDayStart: dayStart - WEEK_MS,
    onlineSince: at - ONLINE_WINDOW_MIN * 60_000,
    queueSince: at - QUEUE_WINDOW_MIN * 60_000,
    deadLettersSince: at - DEAD_LETTER_WINDOW_MIN * 60_000,
  };
}

/** The duration of twin-model/dispatch/response-times.ts each step reports. */
export const STEP_DURATION = {
  acknowledge: 'acknowledgeS',
  dispatch: 'dispatchAfterDetectS',
  arrive: 'arriveAfterDetectS',
  resolve: 'resolveAfterDetectS',
} as const satisfies Record<ResponseStep, string>;

/**
 * Targets (seconds, detection → step), in the spirit of the city's 12345 / emergency service
 * commitments: acknowledged within 3 minutes, a unit sent within 10, on scene within 30, the
 * incident resolved within 4 hours — as the median; the p90 may take half as long again.
 */
export const RESPONSE_TARGETS: Readonly<Record<ResponseStep, { medianS: number; p90S: number }>> = {
  acknowledge: { medianS: 180, p90S: 270 },
  dispatch: { medianS: 600, p90S: 900 },
  arrive: { medianS: 1800, p90S: 2700 },
  resolve: { medianS: 14_400, p90S: 21_600 },
};

export function stepFigures(step: ResponseStep, count: number, medianS: number | null, p90S: number | null): StepFigures {
  const target = RESPONSE_TARGETS[step];
  const median = count > 0 && medianS !== null && Number.isFinite(medianS) ? medianS : null;
  const p90 = count > 0 && p90S !== null && Number.isFinite(p90S) ? p90S : null;
  return {
    step,
    count,
    medianS: median,
    p90S: p90,
    target,
    met: median === null || p90 === null ? null : median <= target.medianS && p90 <= target.p90S,
  };
}

/** Online share, 0..1; null when nothing is registered. */
export function onlineRate(online: number, registered: number): number | null {
  return registered > 0 ? online / registered : null;
}

/** Sums sources into their departments, largest first (ties by name). */
export function byDepartment(sources: readonly SourceHealth[]): DepartmentHealth[] {
  const out = new Map<string, DepartmentHealth>();
  for (const s of sources) {
    const d = out.get(s.departmentZh) ?? {
      departmentZh: s.departmentZh,
      departmentEn: s.departmentEn,
      sources: 0,
      registered: 0,
      online: 0,
      rate: null,
    };
    d.sources++;
    d.registered += s.registered;
    d.online += s.online;
    out.set(s.departmentZh, d);
  }
  return [...out.values()]
    .map((d) => ({ ...d, rate: onlineRate(d.online, d.registered) }))
    .sort((a, b) => b.registered - a.registered || (a.departmentEn < b.departmentEn ? -1 : a.departmentEn > b.departmentEn ? 1 : 0));
}

/** Per-hour counts of a local day: 24 slots, hour i covering [dayStart + i h, dayStart + (i+1) h). */
export function hourSlots(rows: ReadonlyArray<{ hour: number; n: number }>, dayStart: number): number[] {
  const slots = new Array<number>(24).fill(0);
  for (const r of rows) {
    const i = Math.floor((r.hour - dayStart) / HOUR_MS);
    if (i >= 0 && i < 24) slots[i] = slots[i]! + r.n;
  }
  return slots;
}

/**
 * Splits drill-down rows by the caller's clearance: the rows it may see, and how many it may
 * not (their figures are in the KPI as aggregates only; the drill-down says how many are left out).
 */
export function splitByClearance<T extends { classification: Classification }>(
  rows: readonly T[],
  clearance: readonly Classification[],
): { rows: T[]; hidden: number } {
  const cleared = new Set(clearance);
  const visible = rows.filter((r) => cleared.has(r.classification));
  return { rows: visible, hidden: rows.length - visible.length };
}
