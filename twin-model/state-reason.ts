/**
 * A sensor's silence limit and why it is in its state (twin-state.ts keeps the state, this
 * words it): reasons are worded when asked, never on each reading.
 */
import { AlarmLevel } from './alarm-rules.ts';
import { describeRule } from './rules/rule-eval.ts';
import { SensorStateCode } from './sensor-state.ts';
import type { SensorEntry, TwinState } from './twin-state.ts';

/** How long the sensor may stay silent before it counts as stale (ms). */
export function staleAfter(state: TwinState, entry: SensorEntry): number {
  return entry.rules === null ? state.config.defaultStaleAfterMs : entry.rules.staleAfterMs;
}

/** Since when a sensor has been silent: its newest reading, else when it was first seen. */
export function silentSince(entry: SensorEntry): number {
  return entry.lastTs > 0 ? entry.lastTs : entry.firstSeenAt;
}

function staleReason(entry: SensorEntry, limit: number, now: number): string {
  return entry.lastTs > 0
    ? `no reading for ${Math.round((now - entry.lastTs) / 1000)} s (limit ${limit / 1000} s)`
    : `no reading since registration (limit ${limit / 1000} s)`;
}

/**
 * Why the sensor is in its state at `now`, worded when asked (never on each reading: a reason
 * is read by the one person who opens a sensor, while readings come by the hundred thousand a
 * second). It follows from what the entry holds — registration, silence, rule levels and the
 * latest values — which only change through a refresh of its state, so it reads as it would
 * have at that refresh; a stale sensor's silence keeps growing with `now`.
 */
export function stateReasonAt(state: TwinState, entry: SensorEntry, now: number): string | null {
  if (entry.state === SensorStateCode.unregistered) return 'no meta message yet';
  if (entry.state === SensorStateCode.stale) return staleReason(entry, staleAfter(state, entry), now);
  let worst: AlarmLevel = AlarmLevel.normal;
  let reason: string | null = null;
  if (entry.rules !== null) {
    const rules = entry.rules.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const level = entry.levels.get(rule.id) ?? AlarmLevel.normal;
      const latest = entry.latest.get(rule.metric);
      if (latest && (level > worst || reason === null)) {
        if (level >= worst) reason = describeRule(rule, entry.memory?.[i] ?? null, latest.ts, latest.value, level);
        worst = Math.max(worst, level) as AlarmLevel;
      }
    }
  }
  if (entry.suspect && entry.state !== SensorStateCode.normal) {
    reason = `${reason ?? ''}; suspect: value unchanged for ${Math.round((entry.lastTs - entry.flat.since) / 60_000)} min (stuck sensor?)`;
  }
  return reason;
}

/** The worst level of the rules whose metric has a value (their reasons are worded by {@link stateReasonAt}). */
export function worstLevel(entry: SensorEntry): AlarmLevel {
  let worst: AlarmLevel = AlarmLevel.normal;
  if (entry.rules === null) return worst;
  const rules = entry.rules.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const level = entry.levels.get(rule.id) ?? AlarmLevel.normal;
    if (level > worst && entry.latest.get(rule.metric)) worst = level;
  }
  return worst;
}
