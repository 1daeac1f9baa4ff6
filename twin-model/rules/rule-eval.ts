/**
 * Evaluating one rule on one reading: the level it gives, and the little history rate-of-change
 * and flatline rules need. History is kept only for sensors that have such a rule, compactly:
 *
 * - rate of change: the window cut into RATE_BUCKETS steps, each step's min and max (a ring of
 *   RATE_BUCKETS + 1 steps in one Float64Array). The change is the reading against the lowest
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

/** The steps of one rate window: per slot its step number, min and max. */
export class RateMemory {
  readonly kind = 'rate';
  readonly stepMs: number;
  private readonly slots = new Float64Array(SLOTS * 3).fill(Number.NaN);

  constructor(readonly windowMs: number) {
    this.stepMs = windowMs / RATE_BUCKETS;
  }

  add(ts: number, value: number): void {
    const step = Math.floor(ts / this.stepMs);
    const at = (((step % SLOTS) + SLOTS) % SLOTS) * 3;
    const s = this.slots;
    if (s[at] !== step) {
      s[at] = step;
      s[at + 1] = value;
      s[at + 2] = value;
    } else {
      if (value < s[at + 1]!) s[at + 1] = value;
      if (value > s[at + 2]!) s[at + 2] = value;
    }
  }

  /** The change of `value` (read at `ts`) against the window: up (rise) or down (fall), never negative. */
  change(direction: ResolvedRateRule['direction'], ts: number, value: number): number {
    const step = Math.floor(ts / this.stepMs);
    let lo = value;
    let hi = value;
    const s = this.slots;
    for (let i = 0; i < SLOTS; i++) {
      const k = s[i * 3]!;
      if (!(k >= step - RATE_BUCKETS && k <= step)) continue;
      if (s[i * 3 + 1]! < lo) lo = s[i * 3 + 1]!;
      if (s[i * 3 + 2]! > hi) hi = s[i * 3 + 2]!;
    }
    const rise = value - lo;
    const fall = hi - value;
    return direction === 'rise' ? rise : direction === 'fall' ? fall : Math.max(rise, fall);
  }
}

/** The current run of a flatline rule. */
export class FlatMemory {
  readonly kind = 'flat';
  ref = Number.NaN;
  since = 0;
  count = 0;

  add(ts: number, value: number, epsilon: number): void {
    if (Number.isNaN(this.ref) || Math.abs(value - this.ref) > epsilon) {
      this.ref = value;
      this.since = ts;
      this.count = 1;
    } else this.count++;
  }

  /** Whether the run is long enough (time and readings) for the rule, as of `ts`. */
  flat(rule: ResolvedFlatlineRule, ts: number): boolean {
    return this.count >= (rule.minReadings ?? DEFAULT_FLATLINE_MIN_READINGS) && ts - this.since >= rule.forMs;
  }
}

export type RuleMemoryCell = RateMemory | FlatMemory | null;

/** A fresh memory cell for a rule: null for thresholds (they need none). */
export function memoryCellFor(rule: ResolvedRule): RuleMemoryCell {
  switch (rule.type) {
    case 'threshold':
      return null;
    case 'rate':
      return new RateMemory(rule.windowMs);
    case 'flatline':
      return new FlatMemory();
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
  if (a.type === 'rate' && b.type === 'rate') return a.windowMs === b.windowMs;
  if (a.type === 'flatline' && b.type === 'flatline') return a.epsilon === b.epsilon;
  return true;
}

const levelCode = (level: 'warning' | 'alarm'): AlarmLevel => (level === 'alarm' ? AlarmLevel.alarm : AlarmLevel.warning);

/** Takes a reading into the rule's history (nothing for thresholds). */
export function observeReading(rule: ResolvedRule, cell: RuleMemoryCell, ts: number, value: number): void {
  if (rule.type === 'rate') (cell as RateMemory).add(ts, value);
  else if (rule.type === 'flatline') (cell as FlatMemory).add(ts, value, rule.epsilon);
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
      const change = (cell as RateMemory).change(rule.direction, ts, value);
      const bound = previous !== AlarmLevel.normal ? (rule.exitDelta ?? rule.delta) : rule.delta;
      return change >= bound ? levelCode(rule.level) : AlarmLevel.normal;
    }
    case 'flatline':
      return (cell as FlatMemory).flat(rule, ts) ? levelCode(rule.level) : AlarmLevel.normal;
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
    const change = (cell as RateMemory).change(rule.direction, ts, value);
    const sign = rule.direction === 'rise' ? '+' : rule.direction === 'fall' ? '-' : '±';
    return `${rule.metric} ${sign}${round2(change)} in ${duration(rule.windowMs)} ≥ ${sign}${rule.delta} (rate ${name})`;
  }
  const since = (cell as FlatMemory).since;
  return `${rule.metric} ${round2(value)} unchanged ±${rule.epsilon} for ${Math.round((ts - since) / 60_000)} min (flatline ${name})`;
}
