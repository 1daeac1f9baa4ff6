/**
 * The KPI screen's definitions (docs/kpi.md), pure: the day the figures cover (the city's
 * local day in its IANA time zone, 23 or 25 hours long where clocks change), the response-time
 * steps and their targets (the product's, or the city's own from its package's `kpi.json`), and
 * the shaping of rollup rows into what the screen shows (per department, per hour, split by
 * classification clearance).
 * The SQL that reads the rollups is in storage/kpi-store.ts.
 */
import type { KpiWindows } from '../../../storage/index.ts';
import type { CityKpiTargets, Classification } from '../../../twin-model/index.ts';
import { localDayStart, localDayStartAfter } from '../../../twin-model/local-time.ts';
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

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** A sensor counts as online when it reported in the last this many minutes. */
export const ONLINE_WINDOW_MIN = 15;
/** Service-hall queues: the newest value within this many minutes counts as current. */
export const QUEUE_WINDOW_MIN = 15;
/** Rejected messages are shown per minute over this many minutes. */
export const DEAD_LETTER_WINDOW_MIN = 60;

/** Start (epoch ms) of the local day in the city's `timeZone` that contains `at`. */
export function dayStartOf(at: number, timeZone: string): number {
  return localDayStart(at, timeZone);
}

/**
 * The end (exclusive) of the city's hour holding `w.at`: hours count from the city's local
 * midnight, so where its offset has minutes (UTC+5:30) this is not the end of a UTC hour.
 */
export function currentHourEnd(w: Pick<KpiWindows, 'at' | 'dayStart'>): number {
  return w.dayStart + (Math.floor((w.at - w.dayStart) / HOUR_MS) + 1) * HOUR_MS;
}

/** The time ranges one summary covers (the KPI store's query windows). */
export type { KpiWindows };

/**
 * The windows of a summary at `at` in the city's `timeZone`: today from local midnight, the same
 * local day a week earlier (from its midnight to the next) and the same time into it.
 */
export function kpiWindows(at: number, timeZone: string): KpiWindows {
  const dayStart = localDayStart(at, timeZone);
  const lastWeekDayStart = localDayStartAfter(dayStart, -7, timeZone);
  return {
    at,
    dayStart,
    lastWeekAt: lastWeekDayStart + (at - dayStart),
    lastWeekDayStart,
    lastWeekDayEnd: localDayStartAfter(lastWeekDayStart, 1, timeZone),
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

export type ResponseTargets = Readonly<Record<ResponseStep, { medianS: number; p90S: number }>>;

/**
 * Targets (seconds, detection → step), in the spirit of a city's 12345 / emergency service
 * commitments: acknowledged within 3 minutes, a unit sent within 10, on scene within 30, the
 * incident resolved within 4 hours — as the median; the p90 may take half as long again. A city
 * package's `kpi.json` replaces them step by step ({@link responseTargetsOf}).
 */
export const RESPONSE_TARGETS: ResponseTargets = {
  acknowledge: { medianS: 180, p90S: 270 },
  dispatch: { medianS: 600, p90S: 900 },
  arrive: { medianS: 1800, p90S: 2700 },
  resolve: { medianS: 14_400, p90S: 21_600 },
};

/** The city's targets: its own steps from `kpi.json`, the product's for the others. */
export function responseTargetsOf(kpi: CityKpiTargets | undefined): ResponseTargets {
  const out = { ...RESPONSE_TARGETS };
  for (const step of RESPONSE_STEPS) {
    const own = kpi?.responseTargets[step];
    if (own) out[step] = { medianS: own.medianS, p90S: own.p90S };
  }
  return out;
}

export function stepFigures(
  step: ResponseStep,
  count: number,
  medianS: number | null,
  p90S: number | null,
  targets: ResponseTargets = RESPONSE_TARGETS,
): StepFigures {
  const target = targets[step];
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

/**
 * Per-hour counts of a local day: 24 slots, hour i covering [dayStart + i h, dayStart + (i+1) h).
 * On a day of 25 hours (clocks going back) the last hour is left out; on a day of 23 the last slot stays empty.
 */
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
