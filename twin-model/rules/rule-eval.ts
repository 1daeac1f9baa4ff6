/**
 * Evaluating one rule on one reading: the level it gives, and the little history rate-of-change
 * and flatline rules need. History is kept only for sensors that have such a rule, compactly:
 *
 * - rate of change: the window cut into RATE_BUCKETS steps, each step's minimum (or maximum, or
 *   both) in a ring of RATE_BUCKETS + 1 steps. The change is the reading against the lowest
 *   (rise) or highest (fall) value of the steps the window reaches into, so a change counts
 *   when it happened within `windowMs` to `windowMs × (1 + 1/RATE_BUCKETS)` before the reading.
 * - flatline: where the current run began (value, time) and how many readings it holds.
 *
 * The twin (twin-state.ts) and the preview (rule-preview.ts) run this same code.
 */
import { AlarmLevel, describeLevel, evaluateLevel } from '../alarm-rules.ts';
import type { ResolvedFlatlineRule, ResolvedRateRule, ResolvedRule, ResolvedRules } from './rule-resolve.ts';

/** Steps per rate window: the window's precision is one step (a tenth). */
export const RATE_BUCKETS = 10;
/** Readings a flatline run must hold when its rule does not say. */
export const DEFAULT_FLATLINE_MIN_READINGS = 2;

const SLOTS = RATE_BUCKETS + 1;
const mod = (a: number, n: number) => ((a % n) + n) % n;

/**
 * A rule's history as a plain array of doubles (the most compact form V8 has for a few
 * numbers: one FixedDoubleArray on the heap):
 * - rate: `[stepMs, newest step, …slots]`, a slot per step of the ring holding the step's
 *   minimum (rise), maximum (fall) or both (either);
 * - flatline: `[value where the run began, since when, readings in the run]`.
 */
export type RuleMemoryCell = number[] | null;

function rateCell(rule: ResolvedRateRule): number[] {
  const perSlot = rule.direction === 'either' ? 2 : 1;
  const cell = new Array<number>(2 + SLOTS * perSlot).fill(Number.NaN);
  cell[0] = rule.windowMs / RATE_BUCKETS;
  return cell;
}

function rateAdd(rule: ResolvedRateRule, cell: number[], ts: number, value: number): void {
  const step = Math.floor(ts / cell[0]!);
  const last = cell[1]!;
  const either = rule.direction === 'either';
  const perSlot = either ? 2 : 1;
  if (Number.isNaN(last) || step > last) {
    // Steps the ring moves past start empty.
    const from = Number.isNaN(last) ? step - RATE_BUCKETS : Math.max(last + 1, step - RATE_BUCKETS);
    for (let k = from; k <= step; k++) {
      const at = 2 + mod(k, SLOTS) * perSlot;
      cell[at] = Number.NaN;
      if (either) cell[at + 1] = Number.NaN;
    }
    cell[1] = step;
  } else if (step < last - RATE_BUCKETS) return;
  const at = 2 + mod(step, SLOTS) * perSlot;
  if (rule.direction === 'rise') {
    if (!(cell[at]! <= value)) cell[at] = value;
  } else if (rule.direction === 'fall') {
    if (!(cell[at]! >= value)) cell[at] = value;
  } else {
    if (!(cell[at]! <= value)) cell[at] = value;
    if (!(cell[at + 1]! >= value)) cell[at + 1] = value;
  }
}

/** The change of `value` (read at `ts`) against the window: up (rise) or down (fall), never negative. */
export function rateChange(rule: ResolvedRateRule, cell: number[], ts: number, value: number): number {
  const step = Math.floor(ts / cell[0]!);
  const last = cell[1]!;
  let lo = value;
  let hi = value;
  if (!Number.isNaN(last)) {
    const either = rule.direction === 'either';
    for (let i = 0; i < SLOTS; i++) {
      const k = last - mod(last - i, SLOTS);
      if (k < step - RATE_BUCKETS || k > step) continue;
      const at = 2 + i * (either ? 2 : 1);
      if (rule.direction === 'rise') {
        if (cell[at]! < lo) lo = cell[at]!;
      } else if (rule.direction === 'fall') {
        if (cell[at]! > hi) hi = cell[at]!;
      } else {
        if (cell[at]! < lo) lo = cell[at]!;
        if (cell[at + 1]! > hi) hi = cell[at + 1]!;
      }
    }
  }
  const rise = value - lo;
  const fall = hi - value;
  return rule.direction === 'rise' ? rise : rule.direction === 'fall' ? fall : Math.max(rise, fall);
}

function flatAdd(rule: ResolvedFlatlineRule, cell: number[], ts: number, value: number): void {
  if (Number.isNaN(cell[0]!) || Math.abs(value - cell[0]!) > rule.epsilon) {
    cell[0] = value;
    cell[1] = ts;
    cell[2] = 1;
  } else cell[2]!++;
}

/** Whether the run is long enough (time and readings) for the rule, as of `ts`. */
function isFlat(rule: ResolvedFlatlineRule, cell: number[], ts: number): boolean {
  return cell[2]! >= (rule.minReadings ?? DEFAULT_FLATLINE_MIN_READINGS) && ts - cell[1]! >= rule.forMs;
}

/** A fresh memory cell for a rule: null for thresholds (they need none). */
export function memoryCellFor(rule: ResolvedRule): RuleMemoryCell {
  switch (rule.type) {
    case 'threshold':
      return null;
    case 'rate':
      return rateCell(rule);
    case 'flatline':
      return [Number.NaN, 0, 0];
    default: {
      const never: never = rule;
      throw new Error(`unknown rule ${JSON.stringify(never)}`);
    }
  }
}

/** Memory cells aligned with `rules.rules`, or null when no rule keeps history (most sensors). */
export function createRuleMemory(rules: ResolvedRules): RuleMemoryCell[] | null {
  return rules.keepsHistory ? rules.rules.map(memoryCellFor) : null;
}

/** Whether a memory cell can be carried over to a changed rule (same history parameters). */
export function sameHistory(a: ResolvedRule, b: ResolvedRule): boolean {
  if (a.type !== b.type || a.metric !== b.metric) return false;
  if (a.type === 'rate' && b.type === 'rate') return a.windowMs === b.windowMs && a.direction === b.direction;
  if (a.type === 'flatline' && b.type === 'flatline') return a.epsilon === b.epsilon;
  return true;
}

const levelCode = (level: 'warning' | 'alarm'): AlarmLevel => (level === 'alarm' ? AlarmLevel.alarm : AlarmLevel.warning);

/** Takes a reading into the rule's history (nothing for thresholds). */
export function observeReading(rule: ResolvedRule, cell: RuleMemoryCell, ts: number, value: number): void {
  if (rule.type === 'rate') rateAdd(rule, cell!, ts, value);
  else if (rule.type === 'flatline') flatAdd(rule, cell!, ts, value);
}

/**
 * The level a rule gives for `value` read at `ts` (after `observeReading`), with `previous`
 * for hysteresis; on-delays are the caller's (the twin's `rising`).
 */
export function ruleLevel(rule: ResolvedRule, cell: RuleMemoryCell, ts: number, value: number, previous: AlarmLevel): AlarmLevel {
  switch (rule.type) {
    case 'threshold':
      return evaluateLevel(rule, value, previous);
    case 'rate': {
      const change = rateChange(rule, cell!, ts, value);
      const bound = previous !== AlarmLevel.normal ? (rule.exitDelta ?? rule.delta) : rule.delta;
      return change >= bound ? levelCode(rule.level) : AlarmLevel.normal;
    }
    case 'flatline':
      return isFlat(rule, cell!, ts) ? levelCode(rule.level) : AlarmLevel.normal;
    default: {
      const never: never = rule;
      throw new Error(`unknown rule ${JSON.stringify(never)}`);
    }
  }
}

/** The rule's on-delay (flatline rules have `forMs` instead). */
export function onDelayOf(rule: ResolvedRule): number | undefined {
  return rule.type === 'flatline' ? undefined : rule.onDelayMs;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

function duration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

/**
 * A short reason: thresholds as before ("water_level_cm 34 ≥ 30 (alarm)"), then
 * "water_level_cm +12 in 5 min ≥ +10 (rate warning)", "water_level_cm 12 unchanged ±0.1 for
 * 42 min (flatline warning)"; every rule within limits reads "water_level_cm 12 within limits".
 */
export function describeRule(rule: ResolvedRule, cell: RuleMemoryCell, ts: number, value: number, level: AlarmLevel): string {
  if (rule.type === 'threshold') return describeLevel(rule, value, level);
  if (level === AlarmLevel.normal) return `${rule.metric} ${round2(value)} within limits`;
  const name = level === AlarmLevel.alarm ? 'alarm' : 'warning';
  if (rule.type === 'rate') {
    const change = rateChange(rule, cell!, ts, value);
    const sign = rule.direction === 'rise' ? '+' : rule.direction === 'fall' ? '-' : '±';
    return `${rule.metric} ${sign}${round2(change)} in ${duration(rule.windowMs)} ≥ ${sign}${rule.delta} (rate ${name})`;
  }
  const since = cell![1]!;
  return `${rule.metric} ${round2(value)} unchanged ±${rule.epsilon} for ${Math.round((ts - since) / 60_000)} min (flatline ${name})`;
}
