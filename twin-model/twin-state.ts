/**
 * The live twin of the sensor network: the registry (from meta messages and the city
 * model's planned sites) and each sensor's latest values and display state.
 *
 * `applyTwinInput(state, input, ctx, changes)` is the one updater. It is deterministic (time
 * comes from `ctx`, no I/O) so the same code runs live, in replay and in simulation. It
 * mutates `state` in place rather than returning a copy: the live path applies hundreds of
 * thousands of readings a second and copying would dominate; callers that need snapshots
 * take them explicitly (`sensorSummary`).
 */
import { AlarmLevel } from './alarm-rules.ts';
import type { DeclaredSensorSite } from './city/city-types.ts';
import type { SeenUnit } from './messages/device-metrics.ts';
import { applyUnits } from './seen-units.ts';
import type { Reading } from './messages/payload-parser.ts';
import type { SensorMeta } from './messages/record-parsers.ts';
import {
  createRuleMemory,
  memoryCellFor,
  observeReading,
  onDelayOf,
  ruleLevel,
  sameHistory,
  type RuleMemoryCell,
} from './rules/rule-eval.ts';
import { DEFAULT_COMPILED_RULES, type CompiledRuleSet, type ResolvedRules } from './rules/rule-resolve.ts';
import { emptyMap, firstKey, intern, SmallMap, withEntry, withoutEntry } from './compact-entry.ts';
import { DeadlineWheel } from './deadline-wheel.ts';
import { resolveSensorMeta } from './sensor-register.ts';
import { silentSince, staleAfter, stateReasonAt, worstLevel } from './state-reason.ts';

export { stateReasonAt };
import { SENSOR_STATES, SensorStateCode, stateName, type SensorStateName } from './sensor-state.ts';
import { KIND_METRICS, type Classification } from './vocabulary.ts';

export interface LatestValue {
  value: number;
  ts: number;
}

export interface SensorEntry {
  /** Position in `state.sensors`; stable for the life of the state. */
  index: number;
  id: string;
  /** A v1 kind, a declared kind (vocabulary-registry.ts), or `unknown` before any meta. */
  kind: string;
  /** The kind's headline metric (drawn on the map), or null for an unknown kind. */
  headline: string | null;
  lng: number | null;
  lat: number | null;
  district: string | null;
  sourceId: string | null;
  classification: Classification | null;
  name: string | null;
  /** The asset the sensor watches (from the city model's site), if any. */
  assetId: string | null;
  /** A meta message registered it (a planned site alone does not). */
  registered: boolean;
  /** When it was first seen or registered (ctx time), for staleness of silent sensors. */
  firstSeenAt: number;
  latest: Map<string, LatestValue>;
  /** The unit each metric the vocabulary has no unit for last came in, by metric (seen-units.ts). */
  units: Map<string, string>;
  /** The rules that apply (its kind's with its asset's and its own overrides); null for an unknown kind. */
  rules: ResolvedRules | null;
  /** History of its rate-of-change and flatline rules, aligned with `rules.rules`; null when it has none. */
  memory: RuleMemoryCell[] | null;
  /** Level per rule id (a default rule's id is its metric); a rule at normal has none. */
  levels: Map<string, AlarmLevel>;
  state: SensorStateCode;
  /** Newest reading time (epoch ms), 0 when none. */
  lastTs: number;
  /** Rises waiting out their rule's on-delay: rule id → since when (reading time). Empty for most sensors. */
  rising: Map<string, number>;
  /** Flatline detection on the headline metric: reference value, since when, how many readings. */
  flat: { ref: number; since: number; count: number };
  /** The headline value has not moved for FLATLINE_MS: probably stuck (a jammed float, a frozen feed). */
  suspect: boolean;
}

/** A value that stays within tolerance this long (and FLATLINE_MIN_READINGS readings) is suspect. */
export const FLATLINE_MS = 30 * 60_000;
export const FLATLINE_MIN_READINGS = 10;

/** Tolerance of the flatline check: 2% of the value, at least 0.5 units. */
function flatTolerance(ref: number): number {
  return Math.max(0.5, Math.abs(ref) * 0.02);
}

export interface TwinConfig {
  /** The alarm rules in force (rules/rule-resolve.ts `compileRuleSet`); replaced live by `setRules`. */
  rules: CompiledRuleSet;
  /** The metrics of a kind (first = headline), from the vocabulary; undefined for an unknown kind. */
  kindMetrics: (kind: string) => readonly string[] | undefined;
  /** Planned sites of the city model (the register), for positions of sensors that have no meta yet. */
  sites: ReadonlyMap<string, DeclaredSensorSite>;
  /** District code at a position, or null (from the city model). */
  districtAt: (lng: number, lat: number) => string | null;
  /** Staleness for sensors of unknown kind (a kind without rules has the rule set's fallback). */
  defaultStaleAfterMs: number;
}

export interface TwinState {
  config: TwinConfig;
  sensors: SensorEntry[];
  byId: Map<string, SensorEntry>;
  /** Newest reading time seen across all sensors (epoch ms). */
  lastDataTime: number;
  /** Counts meta inputs (a sensor's kind, district, place or registration may have changed): indexes over the entries rebuild when it moves. */
  metaVersion: number;
}

export type TwinInput =
  | { type: 'meta'; id: string; meta: SensorMeta | null }
  /** `units`: the units readings of metrics the vocabulary has no unit for came in (payload-parser.ts). */
  | { type: 'readings'; id: string; readings: readonly Reading[]; units?: readonly SeenUnit[] | undefined }
  /** Re-evaluates staleness; send about once a second. */
  | { type: 'tick' }
  /** A new rule set, in force from now: every sensor re-evaluated from its current values. */
  | { type: 'rules'; rules: CompiledRuleSet };

export interface TwinContext {
  now(): number;
}

/** A sensor entering, changing or leaving warning/alarm (the input of incident fusion). */
export interface AlarmTransition {
  sensorId: string;
  from: SensorStateCode;
  to: SensorStateCode;
  /** Context time of the transition. */
  at: number;
  /** The reading time that caused it (0 for staleness or registration changes). */
  ts: number;
}

/** Indices of sensors that changed, collected across several inputs until the caller flushes. */
export interface TwinChanges {
  changed: Set<number>;
  /** Indices of sensors added to the state (also in `changed`). */
  added: number[];
  /** Sensors whose headline's unit as sent changed, collected only when the set is present (the live stream's). */
  described?: Set<number>;
  /** Alarm transitions, collected only when the array is present (see createTwinChanges). */
  alarms?: AlarmTransition[];
}

export function createTwinChanges(options: { collectAlarms?: boolean } = {}): TwinChanges {
  return options.collectAlarms ? { changed: new Set(), added: [], alarms: [] } : { changed: new Set(), added: [] };
}

function isAlarmState(code: SensorStateCode): boolean {
  return code === SensorStateCode.warning || code === SensorStateCode.alarm;
}

/** Notes a transition into, within or out of warning/alarm. */
function noteTransition(entry: SensorEntry, before: SensorStateCode, ctx: TwinContext, changes: TwinChanges, ts: number): void {
  if (!changes.alarms || entry.state === before) return;
  if (!isAlarmState(before) && !isAlarmState(entry.state)) return;
  changes.alarms.push({ sensorId: entry.id, from: before, to: entry.state, at: ctx.now(), ts });
}

export function createTwinState(config: Partial<TwinConfig> = {}): TwinState {
  return {
    config: {
      rules: config.rules ?? DEFAULT_COMPILED_RULES,
      kindMetrics: config.kindMetrics ?? ((kind) => KIND_METRICS[kind as keyof typeof KIND_METRICS]),
      sites: config.sites ?? new Map(),
      districtAt: config.districtAt ?? (() => null),
      defaultStaleAfterMs: config.defaultStaleAfterMs ?? 10 * 60_000,
    },
    sensors: [],
    byId: new Map(),
    lastDataTime: 0,
    metaVersion: 0,
  };
}

function ensureSensor(state: TwinState, id: string, ctx: TwinContext, changes: TwinChanges): SensorEntry {
  const existing = state.byId.get(id);
  if (existing) return existing;
  const site = state.config.sites.get(id);
  const rules = site ? state.config.rules.rulesFor(site.kind, site.assetId ?? null, id) : null;
  const entry: SensorEntry = {
    index: state.sensors.length,
    id,
    kind: site?.kind ?? 'unknown',
    headline: site ? (state.config.kindMetrics(site.kind)?.[0] ?? null) : null,
    lng: site?.lng ?? null,
    lat: site?.lat ?? null,
    district: site?.district ?? null,
    sourceId: site?.sourceId ?? null,
    classification: null,
    name: site?.nameZh ?? null,
    assetId: site?.assetId ?? null,
    registered: false,
    firstSeenAt: ctx.now(),
    latest: new SmallMap(),
    units: emptyMap(),
    rules,
    memory: rules ? createRuleMemory(rules) : null,
    levels: emptyMap(),
    state: SensorStateCode.unregistered,
    lastTs: 0,
    rising: emptyMap(),
    flat: { ref: Number.NaN, since: 0, count: 0 },
    suspect: false,
  };
  state.sensors.push(entry);
  state.byId.set(id, entry);
  const counts = stateCounts.get(state);
  if (counts) counts[SensorStateCode.unregistered]!++;
  changes.added.push(entry.index);
  changes.changed.add(entry.index);
  return entry;
}

/** The metric drawn on the map for a sensor: its kind's first metric, or the first seen. */
export function headlineMetric(entry: SensorEntry): string | null {
  if (entry.headline !== null) return entry.headline;
  return firstKey(entry.latest) ?? null;
}

export function headlineValue(entry: SensorEntry): LatestValue | null {
  const metric = headlineMetric(entry);
  return metric === null ? null : (entry.latest.get(metric) ?? null);
}

/**
 * Whether the sensor's value is not to be trusted: the built-in stuck check (`suspect`) or one
 * of its flatline rules raised. Incident fusion withdraws a suspect sensor's evidence.
 */
export function isSuspect(entry: SensorEntry): boolean {
  if (entry.suspect) return true;
  if (!entry.rules?.hasFlatline) return false;
  return entry.rules.rules.some((r) => r.type === 'flatline' && (entry.levels.get(r.id) ?? AlarmLevel.normal) !== AlarmLevel.normal);
}

/** Recomputes the display state from levels, registration and silence. */
function refreshState(state: TwinState, entry: SensorEntry, now: number): void {
  let code: SensorStateCode;
  if (!entry.registered) {
    code = SensorStateCode.unregistered;
  } else if (now - silentSince(entry) > staleAfter(state, entry)) {
    code = SensorStateCode.stale;
  } else {
    const worst = worstLevel(entry);
    code =
      worst === AlarmLevel.alarm ? SensorStateCode.alarm : worst === AlarmLevel.warning ? SensorStateCode.warning : SensorStateCode.normal;
  }
  const counts = stateCounts.get(state);
  if (counts && code !== entry.state) {
    counts[entry.state]!--;
    counts[code]!++;
  }
  entry.state = code;
}

function applyMeta(state: TwinState, id: string, deviceMeta: SensorMeta | null, ctx: TwinContext, changes: TwinChanges): void {
  state.metaVersion++;
  const entry = ensureSensor(state, id, ctx, changes);
  const before = entry.state;
  const site = state.config.sites.get(id);
  // A sensor of the city's register keeps the register's kind, position, name and source,
  // and device meta cannot deregister it.
  const resolved = resolveSensorMeta(site, deviceMeta);
  if (resolved.refused.includes('registration')) return;
  const meta = resolved.meta;
  if (meta === null) {
    entry.registered = false;
  } else {
    entry.registered = true;
    entry.kind = intern(meta.kind);
    entry.headline = state.config.kindMetrics(meta.kind)?.[0] ?? null;
    entry.lng = meta.lng;
    entry.lat = meta.lat;
    entry.district = intern(meta.district ?? state.config.districtAt(meta.lng, meta.lat) ?? site?.district ?? null);
    entry.sourceId = intern(meta.source ?? site?.sourceId ?? null);
    entry.classification = intern(meta.classification ?? null);
    entry.name = meta.name ?? site?.nameZh ?? null;
    adoptRules(entry, state.config.rules.rulesFor(meta.kind, entry.assetId, id));
    entry.levels = emptyMap();
    // Levels depend on the kind's rules: re-evaluate from the latest values without hysteresis memory.
    const rules = entry.rules!.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const latest = entry.latest.get(rule.metric);
      if (latest) setLevel(entry, rule.id, ruleLevel(rule, entry.memory?.[i] ?? null, latest.ts, latest.value, AlarmLevel.normal));
    }
  }
  refreshState(state, entry, ctx.now());
  schedule(state, entry);
  noteTransition(entry, before, ctx, changes, 0);
  changes.changed.add(entry.index);
}

function applyReadings(state: TwinState, input: Extract<TwinInput, { type: 'readings' }>, ctx: TwinContext, changes: TwinChanges): void {
  const { id, readings, units } = input;
  const entry = ensureSensor(state, id, ctx, changes);
  const rules = entry.rules?.rules;
  const before = entry.state;
  let touched = false;
  for (const r of readings) {
    const current = entry.latest.get(r.metric);
    // A late reading is stored but does not roll the live state back.
    if (current && current.ts > r.ts) continue;
    // Updated in place: one object per metric for the sensor's life, not one per reading (each
    // would outlive the collector's young generation). Nothing keeps a reference to it.
    if (current) {
      current.value = r.value;
      current.ts = r.ts;
    } else entry.latest.set(r.metric, { value: r.value, ts: r.ts });
    touched = true;
    if (r.ts > entry.lastTs) entry.lastTs = r.ts;
    if (rules) {
      for (let i = 0; i < rules.length; i++) {
        const rule = rules[i]!;
        if (rule.metric !== r.metric) continue;
        const cell = entry.memory === null ? null : entry.memory[i]!;
        if (cell !== null) observeReading(rule, cell, r.ts, r.value);
        const current = entry.levels.get(rule.id) ?? AlarmLevel.normal;
        const onDelayMs = onDelayOf(rule);
        const next = onDelayMs
          ? delayedLevel(entry, rule, cell, r.ts, r.value, current, onDelayMs)
          : ruleLevel(rule, cell, r.ts, r.value, current);
        if (next !== current) setLevel(entry, rule.id, next);
      }
    }
  }
  if (!touched) return;
  // The units of a message with current readings (a late message's do not roll them back).
  if (units !== undefined && applyUnits(entry, units, headlineMetric(entry))) changes.described?.add(entry.index);
  updateFlatline(entry);
  if (entry.lastTs > state.lastDataTime) state.lastDataTime = entry.lastTs;
  refreshState(state, entry, ctx.now());
  schedule(state, entry);
  noteTransition(entry, before, ctx, changes, entry.lastTs);
  changes.changed.add(entry.index);
}

/**
 * A reading against a rule with an on-delay; keeps the pending rise in `entry.rising` and
 * returns the rule's level. A rise begins when the value crosses the next level's `enter`; while
 * it waits out the on-delay it is judged in that level's hysteresis band, so it restarts only
 * when the value falls back past the level's `exit` (as a raised level clears) and noise just
 * under the threshold does not restart it. Once the on-delay has passed, the level is entered
 * on a reading that crosses its `enter`, as hysteresis enters a level. Falling is immediate.
 */
function delayedLevel(
  entry: SensorEntry,
  rule: ResolvedRules['rules'][number],
  cell: RuleMemoryCell,
  ts: number,
  value: number,
  current: AlarmLevel,
  onDelayMs: number,
): AlarmLevel {
  const pending = entry.rising.get(rule.id);
  const band = pending === undefined || current === AlarmLevel.alarm ? current : ((current + 1) as AlarmLevel);
  const held = ruleLevel(rule, cell, ts, value, band);
  if (held <= current) {
    if (pending !== undefined) entry.rising = withoutEntry(entry.rising, rule.id);
    return held;
  }
  const since = pending ?? ts;
  if (pending === undefined) entry.rising = withEntry(entry.rising, rule.id, since);
  if (ts - since < onDelayMs) return current;
  const entered = band === current ? held : ruleLevel(rule, cell, ts, value, current);
  if (entered <= current) return current;
  entry.rising = withoutEntry(entry.rising, rule.id);
  return entered;
}

/** Keeps a rule's level; a rule at normal keeps none (most sensors hold no map of levels). */
function setLevel(entry: SensorEntry, ruleId: string, level: AlarmLevel): void {
  entry.levels = level === AlarmLevel.normal ? withoutEntry(entry.levels, ruleId) : withEntry(entry.levels, ruleId, level);
}

/** Tracks how long the headline value has stayed put; a value that never moves is suspect. */
function updateFlatline(entry: SensorEntry): void {
  const head = headlineValue(entry);
  if (!head) return;
  const f = entry.flat;
  if (Number.isNaN(f.ref) || Math.abs(head.value - f.ref) > flatTolerance(f.ref)) {
    f.ref = head.value;
    f.since = head.ts;
    f.count = 1;
  } else {
    f.count++;
  }
  entry.suspect = f.count >= FLATLINE_MIN_READINGS && head.ts - f.since >= FLATLINE_MS;
}

/**
 * Staleness by deadline. Each registered sensor that is not stale sits in a deadline wheel at
 * the time it would fall silent past its limit (`silentSince + staleAfter`), moved on every
 * reading and meta message in O(1); a tick takes only the sensors whose deadline has passed.
 * The wheel is built by one full scan on the first tick, and again when the clock goes back
 * or the staleness limits may have changed behind the twin's back (the rule set or the
 * fallback limit replaced without a `rules` input).
 */
interface Staleness {
  wheel: DeadlineWheel;
  rules: CompiledRuleSet;
  defaultStaleAfterMs: number;
  /** The newest tick's time. */
  at: number;
}

const staleness = new WeakMap<TwinState, Staleness>();

/** Files the sensor at its staleness deadline, or takes it out when it cannot fall stale. */
function schedule(state: TwinState, entry: SensorEntry): void {
  const s = staleness.get(state);
  if (s === undefined) return;
  if (entry.registered && entry.state !== SensorStateCode.stale) s.wheel.set(entry.index, silentSince(entry) + staleAfter(state, entry));
  else s.wheel.delete(entry.index);
}

/** Puts the sensor on the right side of its staleness limit at `now`. */
function reviewStaleness(state: TwinState, entry: SensorEntry, now: number, ctx: TwinContext, changes: TwinChanges): void {
  if (!entry.registered) return;
  const silentTooLong = now > silentSince(entry) + staleAfter(state, entry);
  // A sensor on the same side of its limit as before keeps its state and reason (a stale
  // one's growing silence is worded by stateReasonAt).
  if (silentTooLong === (entry.state === SensorStateCode.stale)) return;
  const before = entry.state;
  refreshState(state, entry, now);
  noteTransition(entry, before, ctx, changes, 0);
  if (entry.state !== before) changes.changed.add(entry.index);
}

function applyTick(state: TwinState, ctx: TwinContext, changes: TwinChanges): void {
  const now = ctx.now();
  const s = staleness.get(state);
  if (s && now >= s.at && s.rules === state.config.rules && s.defaultStaleAfterMs === state.config.defaultStaleAfterMs) {
    s.at = now;
    // Taken in index order, as the full scan goes.
    const due = s.wheel.takeDue(now).sort((a, b) => a - b);
    for (const index of due) {
      const entry = state.sensors[index]!;
      reviewStaleness(state, entry, now, ctx, changes);
      schedule(state, entry);
    }
    return;
  }
  for (const entry of state.sensors) reviewStaleness(state, entry, now, ctx, changes);
  const wheel = s?.wheel ?? new DeadlineWheel();
  wheel.clear();
  staleness.set(state, { wheel, rules: state.config.rules, defaultStaleAfterMs: state.config.defaultStaleAfterMs, at: now });
  for (const entry of state.sensors) schedule(state, entry);
}

/**
 * Gives a sensor new rules, carrying over the history of rules that keep their id and history
 * parameters (a rate rule with a new window starts empty).
 */
function adoptRules(entry: SensorEntry, next: ResolvedRules): void {
  const old = entry.rules;
  if (old === next) return;
  const cells = entry.memory;
  entry.memory = next.keepsHistory
    ? next.rules.map((rule) => {
        const j = old ? old.rules.findIndex((o) => o.id === rule.id) : -1;
        const kept = j >= 0 && cells ? (cells[j] ?? null) : null;
        return kept !== null && sameHistory(old!.rules[j]!, rule) ? kept : memoryCellFor(rule);
      })
    : null;
  entry.rules = next;
}

/**
 * Re-evaluates a sensor's levels under new rules from its current values. A rule that keeps
 * its id and type keeps its level as hysteresis memory and its pending rise (on-delay).
 */
function reevaluate(entry: SensorEntry, next: ResolvedRules): void {
  const old = entry.rules;
  adoptRules(entry, next);
  let levels = emptyMap<string, AlarmLevel>();
  const rules = next.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const latest = entry.latest.get(rule.metric);
    if (!latest) continue;
    const same = old?.rules.some((o) => o.id === rule.id && o.type === rule.type) ?? false;
    const previous = same ? (entry.levels.get(rule.id) ?? AlarmLevel.normal) : AlarmLevel.normal;
    const onDelayMs = onDelayOf(rule);
    const cell = entry.memory?.[i] ?? null;
    if (!same || !onDelayMs) entry.rising = withoutEntry(entry.rising, rule.id);
    const level = onDelayMs
      ? delayedLevel(entry, rule, cell, latest.ts, latest.value, previous, onDelayMs)
      : ruleLevel(rule, cell, latest.ts, latest.value, previous);
    if (level !== AlarmLevel.normal) levels = withEntry(levels, rule.id, level);
  }
  for (const id of [...entry.rising.keys()]) if (!rules.some((r) => r.id === id)) entry.rising = withoutEntry(entry.rising, id);
  entry.levels = levels;
}

function applyRules(state: TwinState, rules: CompiledRuleSet, ctx: TwinContext, changes: TwinChanges): void {
  state.config.rules = rules;
  const now = ctx.now();
  for (const entry of state.sensors) {
    if (entry.kind === 'unknown') continue;
    const before = entry.state;
    const reason = stateReasonAt(state, entry, now);
    reevaluate(entry, rules.rulesFor(entry.kind, entry.assetId, entry.id));
    refreshState(state, entry, now);
    noteTransition(entry, before, ctx, changes, 0);
    if (entry.state !== before || stateReasonAt(state, entry, now) !== reason) changes.changed.add(entry.index);
  }
  // Limits may have moved either way: the next tick files every sensor again.
  staleness.delete(state);
}

/** Puts a rule set in force from now (the `rules` input): no restart, changes noted as usual. */
export function setRules(state: TwinState, rules: CompiledRuleSet, ctx: TwinContext, changes: TwinChanges): void {
  applyTwinInput(state, { type: 'rules', rules }, ctx, changes);
}

/** Applies one input. Changed sensor indices are added to `changes`. */
export function applyTwinInput(state: TwinState, input: TwinInput, ctx: TwinContext, changes: TwinChanges): void {
  switch (input.type) {
    case 'meta':
      applyMeta(state, input.id, input.meta, ctx, changes);
      return;
    case 'readings':
      applyReadings(state, input, ctx, changes);
      return;
    case 'tick':
      applyTick(state, ctx, changes);
      return;
    case 'rules':
      applyRules(state, input.rules, ctx, changes);
      return;
    default: {
      const never: never = input;
      throw new Error(`unknown twin input ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Sensors per display state, kept as states change once asked for (the status strip asks every
 * second; a count over a million entries would hold the event loop each time).
 */
const stateCounts = new WeakMap<TwinState, Int32Array>();

/** Counts of sensors per display state. */
export function countByState(state: TwinState): Record<SensorStateName, number> {
  let counts = stateCounts.get(state);
  if (counts === undefined) {
    counts = new Int32Array(SENSOR_STATES.length);
    for (const s of state.sensors) counts[s.state]!++;
    stateCounts.set(state, counts);
  }
  const out = {} as Record<SensorStateName, number>;
  for (let code = 0; code < SENSOR_STATES.length; code++) out[stateName(code)] = counts[code]!;
  return out;
}
