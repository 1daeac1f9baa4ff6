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
import { AlarmLevel, DEFAULT_ALARM_RULES, describeLevel, evaluateLevel, type KindRules } from './alarm-rules.ts';
import type { DeclaredSensorSite } from './city/city-types.ts';
import type { Reading } from './messages/payload-parser.ts';
import type { SensorMeta } from './messages/record-parsers.ts';
import { resolveSensorMeta } from './sensor-register.ts';
import { SensorStateCode, stateName, type SensorStateName } from './sensor-state.ts';
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
  levels: Map<string, AlarmLevel>;
  state: SensorStateCode;
  stateReason: string | null;
  /** Newest reading time (epoch ms), 0 when none. */
  lastTs: number;
  /** Rises waiting out their rule's on-delay: metric → since when (reading time). */
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
  /**
   * Alarm rules by kind. A kind without rules (a declared kind the city gave none) shows its
   * values and goes stale after {@link defaultStaleAfterMs}; it never alarms.
   */
  rules: Readonly<Partial<Record<string, KindRules>>>;
  /** The metrics of a kind (first = headline), from the vocabulary; undefined for an unknown kind. */
  kindMetrics: (kind: string) => readonly string[] | undefined;
  /** Planned sites of the city model (the register), for positions of sensors that have no meta yet. */
  sites: ReadonlyMap<string, DeclaredSensorSite>;
  /** District code at a position, or null (from the city model). */
  districtAt: (lng: number, lat: number) => string | null;
  /** Staleness for sensors of unknown kind or of a kind without rules. */
  defaultStaleAfterMs: number;
}

export interface TwinState {
  config: TwinConfig;
  sensors: SensorEntry[];
  byId: Map<string, SensorEntry>;
  /** Newest reading time seen across all sensors (epoch ms). */
  lastDataTime: number;
}

export type TwinInput =
  | { type: 'meta'; id: string; meta: SensorMeta | null }
  | { type: 'readings'; id: string; readings: readonly Reading[] }
  /** Re-evaluates staleness; send about once a second. */
  | { type: 'tick' };

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
      rules: config.rules ?? DEFAULT_ALARM_RULES,
      kindMetrics: config.kindMetrics ?? ((kind) => KIND_METRICS[kind as keyof typeof KIND_METRICS]),
      sites: config.sites ?? new Map(),
      districtAt: config.districtAt ?? (() => null),
      defaultStaleAfterMs: config.defaultStaleAfterMs ?? 10 * 60_000,
    },
    sensors: [],
    byId: new Map(),
    lastDataTime: 0,
  };
}

function ensureSensor(state: TwinState, id: string, ctx: TwinContext, changes: TwinChanges): SensorEntry {
  const existing = state.byId.get(id);
  if (existing) return existing;
  const site = state.config.sites.get(id);
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
    latest: new Map(),
    levels: new Map(),
    state: SensorStateCode.unregistered,
    stateReason: 'no meta message yet',
    lastTs: 0,
    rising: new Map(),
    flat: { ref: Number.NaN, since: 0, count: 0 },
    suspect: false,
  };
  state.sensors.push(entry);
  state.byId.set(id, entry);
  changes.added.push(entry.index);
  changes.changed.add(entry.index);
  return entry;
}

/** The metric drawn on the map for a sensor: its kind's first metric, or the first seen. */
export function headlineMetric(entry: SensorEntry): string | null {
  if (entry.headline !== null) return entry.headline;
  const first = entry.latest.keys().next();
  return first.done ? null : first.value;
}

export function headlineValue(entry: SensorEntry): LatestValue | null {
  const metric = headlineMetric(entry);
  return metric === null ? null : (entry.latest.get(metric) ?? null);
}

/** The alarm rules of a sensor's kind, or undefined (unknown kind, or a declared kind without rules). */
export function rulesOf(state: TwinState, kind: string): KindRules | undefined {
  return Object.hasOwn(state.config.rules, kind) ? state.config.rules[kind] : undefined;
}

function staleAfter(state: TwinState, entry: SensorEntry): number {
  return rulesOf(state, entry.kind)?.staleAfterMs ?? state.config.defaultStaleAfterMs;
}

/** Recomputes the display state from levels, registration and silence. */
function refreshState(state: TwinState, entry: SensorEntry, now: number): void {
  let code: SensorStateCode;
  let reason: string | null;
  const silentSince = entry.lastTs > 0 ? entry.lastTs : entry.firstSeenAt;
  const limit = staleAfter(state, entry);
  if (!entry.registered) {
    code = SensorStateCode.unregistered;
    reason = 'no meta message yet';
  } else if (now - silentSince > limit) {
    code = SensorStateCode.stale;
    reason =
      entry.lastTs > 0
        ? `no reading for ${Math.round((now - entry.lastTs) / 1000)} s (limit ${limit / 1000} s)`
        : `no reading since registration (limit ${limit / 1000} s)`;
  } else {
    let worst: AlarmLevel = AlarmLevel.normal;
    reason = null;
    const rules = rulesOf(state, entry.kind);
    if (rules) {
      for (const rule of rules.metrics) {
        const level = entry.levels.get(rule.metric) ?? AlarmLevel.normal;
        const latest = entry.latest.get(rule.metric);
        if (latest && (level > worst || reason === null)) {
          if (level >= worst) reason = describeLevel(rule, latest.value, level);
          worst = Math.max(worst, level) as AlarmLevel;
        }
      }
    }
    code =
      worst === AlarmLevel.alarm ? SensorStateCode.alarm : worst === AlarmLevel.warning ? SensorStateCode.warning : SensorStateCode.normal;
    if (entry.suspect && code !== SensorStateCode.normal) {
      reason = `${reason ?? ''}; suspect: value unchanged for ${Math.round((entry.lastTs - entry.flat.since) / 60_000)} min (stuck sensor?)`;
    }
  }
  entry.state = code;
  entry.stateReason = reason;
}

function applyMeta(state: TwinState, id: string, deviceMeta: SensorMeta | null, ctx: TwinContext, changes: TwinChanges): void {
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
    entry.kind = meta.kind;
    entry.headline = state.config.kindMetrics(meta.kind)?.[0] ?? null;
    entry.lng = meta.lng;
    entry.lat = meta.lat;
    entry.district = meta.district ?? state.config.districtAt(meta.lng, meta.lat) ?? site?.district ?? null;
    entry.sourceId = meta.source ?? site?.sourceId ?? null;
    entry.classification = meta.classification ?? null;
    entry.name = meta.name ?? site?.nameZh ?? null;
    entry.levels.clear();
    // Levels depend on the kind's rules: re-evaluate from the latest values without hysteresis memory.
    for (const rule of rulesOf(state, meta.kind)?.metrics ?? []) {
      const latest = entry.latest.get(rule.metric);
      if (latest) entry.levels.set(rule.metric, evaluateLevel(rule, latest.value, AlarmLevel.normal));
    }
  }
  refreshState(state, entry, ctx.now());
  noteTransition(entry, before, ctx, changes, 0);
  changes.changed.add(entry.index);
}

function applyReadings(state: TwinState, id: string, readings: readonly Reading[], ctx: TwinContext, changes: TwinChanges): void {
  const entry = ensureSensor(state, id, ctx, changes);
  const rules = rulesOf(state, entry.kind) ?? null;
  const before = entry.state;
  let touched = false;
  for (const r of readings) {
    const current = entry.latest.get(r.metric);
    // A late reading is stored but does not roll the live state back.
    if (current && current.ts > r.ts) continue;
    entry.latest.set(r.metric, { value: r.value, ts: r.ts });
    touched = true;
    if (r.ts > entry.lastTs) entry.lastTs = r.ts;
    if (rules) {
      for (const rule of rules.metrics) {
        if (rule.metric !== r.metric) continue;
        const current = entry.levels.get(rule.metric) ?? AlarmLevel.normal;
        const next = evaluateLevel(rule, r.value, current);
        if (next > current && rule.onDelayMs) {
          // A rise counts once it has lasted the rule's on-delay.
          const since = entry.rising.get(rule.metric) ?? r.ts;
          entry.rising.set(rule.metric, since);
          if (r.ts - since < rule.onDelayMs) continue;
        }
        entry.rising.delete(rule.metric);
        entry.levels.set(rule.metric, next);
      }
    }
  }
  if (!touched) return;
  updateFlatline(entry);
  if (entry.lastTs > state.lastDataTime) state.lastDataTime = entry.lastTs;
  refreshState(state, entry, ctx.now());
  noteTransition(entry, before, ctx, changes, entry.lastTs);
  changes.changed.add(entry.index);
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

function applyTick(state: TwinState, ctx: TwinContext, changes: TwinChanges): void {
  const now = ctx.now();
  for (const entry of state.sensors) {
    const before = entry.state;
    const reason = entry.stateReason;
    refreshState(state, entry, now);
    noteTransition(entry, before, ctx, changes, 0);
    // Staleness reasons carry a growing duration; only a state change is news.
    if (entry.state !== before) changes.changed.add(entry.index);
    else if (entry.state === SensorStateCode.stale) entry.stateReason = entry.stateReason ?? reason;
  }
}

/** Applies one input. Changed sensor indices are added to `changes`. */
export function applyTwinInput(state: TwinState, input: TwinInput, ctx: TwinContext, changes: TwinChanges): void {
  switch (input.type) {
    case 'meta':
      applyMeta(state, input.id, input.meta, ctx, changes);
      return;
    case 'readings':
      applyReadings(state, input.id, input.readings, ctx, changes);
      return;
    case 'tick':
      applyTick(state, ctx, changes);
      return;
    default: {
      const never: never = input;
      throw new Error(`unknown twin input ${JSON.stringify(never)}`);
    }
  }
}

/** Counts of sensors per display state. */
export function countByState(state: TwinState): Record<SensorStateName, number> {
  const counts: Record<SensorStateName, number> = { normal: 0, warning: 0, alarm: 0, stale: 0, unregistered: 0 };
  for (const s of state.sensors) counts[stateName(s.state)]++;
  return counts;
}
