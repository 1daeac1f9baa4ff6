/**
 * The flight recorder's pure core (docs/replay.md): the twin at a past moment rebuilt from stored
 * values with the live twin's code, and the frames of a playback, in the live stream's shapes
 * (web/shared/protocol.ts). No I/O: the values come from storage/replay-store.ts through the
 * replay service.
 *
 * - A keyframe at T: the registry as it was at T (`sensors` versions up to T), then each sensor's
 *   values before T fed through createTwinState / applyTwinInput (the last value, and for the
 *   sensors whose history can matter, {@link historyMatters}, one seed value for the hour before
 *   and the per-minute last values of the last {@link KEYFRAME_DETAIL_MS}), then a tick at T
 *   turns silent sensors stale.
 * - Frames are {@link DeltaMessage}s: per step the last value of each sensor and metric, applied
 *   in order, each step ending with a tick. Every frame also lists the sensors in a gap:
 *   registered, but without a reading for longer than max(step, {@link GAP_MIN_MS}).
 * - Sensors are numbered in id order over those the caller's clearance covers, so a keyframe and
 *   the frames after it share one numbering (`epoch`).
 */
import {
  encodeFrame as encodeReplayFrame,
  REPLAY_GRID_MS,
  snapToGrid,
  type EncodedFrame,
  type Frame,
  type ReplayAction,
} from '../../shared/replay-protocol.ts';
import type { Base64Encoder } from '../../shared/base64.ts';
import { deltaColumns, encodeDelta, indicesToBase64, setDeltaRow } from '../../shared/delta-codec.ts';
import type { RawWindowRow, SensorRegistryRow, SensorValueRow, StepValueRow, WindowValueRow } from '../../../storage/index.ts';
import {
  applyTwinInput,
  createTwinChanges,
  createTwinState,
  headlineValue,
  KIND_NAME_PATTERN,
  type Classification,
  type CompiledRuleSet,
  type IncidentChange,
  type MetricRule,
  type DispatchLogEntry,
  type SensorMeta,
  type DeclaredSensorSite,
  type TwinConfig,
  type TwinContext,
  type TwinState,
} from '../../../twin-model/index.ts';
import { AUTOMATIC_ACTORS } from '../../../twin-model/audit/audit-bindings.ts';
import type { DeltaMessage, SensorSummary } from '../../shared/protocol.ts';
import { CLASS_BIT, type SensorClassifier } from '../auth/classification.ts';
import { summarize } from '../live/live-stream.ts';

/** Seed values come from the rollup this far before a keyframe. */
export const KEYFRAME_LOOKBACK_MS = 60 * 60_000;
/** Per-minute values over this window before a keyframe (longer than every rule's on-delay). */
export const KEYFRAME_DETAIL_MS = 15 * 60_000;
/** A registered sensor without a reading for longer than max(step, this) is in a gap. */
export const GAP_MIN_MS = 2 * 60_000;
/** Frames per request, at most. */
export const MAX_FRAMES = 600;
/** Longest range a replay, timeline or export covers. */
export const MAX_RANGE_MS = 31 * 86_400_000;
// The replay grid is part of the wire format (the console's slider moves on it).
export { REPLAY_GRID_MS, snapToGrid };

/** Steps a playback uses (data ms per frame); steps of 10 s and more come from the rollup `readings_10s`. */
export const STEPS_MS = [
  1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
] as const;

/**
 * The step for a playback speed: the data time one frame covers when the console shows
 * `framesPerSecond` frames a second, snapped up to a step of {@link STEPS_MS}.
 */
export function stepForSpeed(speed: number, framesPerSecond = 10): number {
  const want = (Math.max(1, speed) * 1000) / Math.max(1, framesPerSecond);
  return STEPS_MS.find((s) => s >= want) ?? STEPS_MS[STEPS_MS.length - 1]!;
}

/** A stored value the twin is fed: the sensor's `metric` was `value` at `ts` (epoch ms). */
export type StoredValue = SensorValueRow;

/** Values in the order the twin takes them: by sensor, then by time. */
function bySensorThenTime(a: StoredValue, b: StoredValue): number {
  return a.sensorId < b.sensorId ? -1 : a.sensorId > b.sensorId ? 1 : a.ts - b.ts;
}

function metaOf(row: SensorRegistryRow): SensorMeta | null {
  if (row.deleted || !KIND_NAME_PATTERN.test(row.kind)) return null;
  const meta: SensorMeta = { kind: row.kind, lng: row.lng, lat: row.lat };
  if (row.name) meta.name = row.name;
  if (row.unit) meta.unit = row.unit;
  if (row.district) meta.district = row.district;
  if (row.source) meta.source = row.source;
  if (row.classification) meta.classification = row.classification;
  return meta;
}

/** The registry at a moment: for each sensor, its newest version at or before `at` (null when none). */
export function registryAt(rows: readonly SensorRegistryRow[], at: number): Map<string, SensorRegistryRow | null> {
  const out = new Map<string, SensorRegistryRow | null>();
  for (const r of rows) {
    const held = out.get(r.sensorId);
    if (r.updatedAt > at) {
      if (held === undefined) out.set(r.sensorId, null);
      continue;
    }
    if (!held || held.updatedAt <= r.updatedAt) out.set(r.sensorId, r);
  }
  return out;
}

/**
 * The sensors a clearance may replay, in id order (their replay numbering): every sensor the
 * registry ever held, classified by its newest version (as live does), kept when its
 * classification is within `mask`.
 */
export function replayIds(
  rows: readonly SensorRegistryRow[],
  classify: SensorClassifier,
  mask: number,
  sites: ReadonlyMap<string, DeclaredSensorSite> = new Map(),
): string[] {
  const newest = registryAt(rows, Number.MAX_SAFE_INTEGER);
  const ids: string[] = [];
  for (const [id, row] of newest) {
    if (!row) continue;
    if ((CLASS_BIT[rowClass(row, classify, sites)] & mask) !== 0) ids.push(id);
  }
  return ids.sort();
}

/**
 * The classification of a stored registry row as live: the source of a sensor in the city's
 * register is the register's (device meta cannot re-source it, sensor-register.ts), raised by
 * the row's own classification.
 */
export function rowClass(
  row: SensorRegistryRow,
  classify: SensorClassifier,
  sites: ReadonlyMap<string, DeclaredSensorSite> = new Map(),
): Classification {
  return classify({ classification: row.classification, sourceId: sites.get(row.sensorId)?.sourceId ?? (row.source || null) });
}

export interface TwinAt {
  twin: TwinState;
  ctx: TwinContext & { at: number };
  /**
   * Twin indices of the sensors the twin has not met yet: no registry version at or before the
   * moment rebuilt, and no reading since. They are not on the map then (no position is sent),
   * rather than drawn as unregistered: they did not exist yet. A frame that registers one, or
   * brings its first reading, sends its summary (and position) and takes it out of the set.
   */
  unseen?: Set<number>;
}

/**
 * Rebuilds the twin at `at` from stored data with the live twin's code: registry versions at or
 * before `at` for `ids` (in that order, so twin index = replay index), then `values` (any order;
 * applied per sensor in time order, each with the context clock at its reading time), then a
 * tick at `at`. The same as {@link registerTwin} then {@link feedTwin}.
 */
export function rebuildTwin(
  ids: readonly string[],
  registry: ReadonlyMap<string, SensorRegistryRow | null>,
  values: readonly StoredValue[],
  at: number,
  config: Partial<TwinConfig> = {},
): TwinAt {
  return feedTwin(registerTwin(ids, registry, at, config), values, at);
}

/**
 * The first part of a rebuild: a new twin holding the registry at `at` for `ids` and no value
 * yet. It needs no stored value, so the service runs it while ClickHouse reads them.
 */
export function registerTwin(
  ids: readonly string[],
  registry: ReadonlyMap<string, SensorRegistryRow | null>,
  at: number,
  config: Partial<TwinConfig> = {},
): TwinAt {
  const twin = createTwinState(config);
  const ctx = { at, now: () => ctx.at };
  const changes = createTwinChanges();
  const unseen = new Set<number>();
  for (const id of ids) {
    const row = registry.get(id) ?? null;
    ctx.at = row ? Math.min(row.updatedAt, at) : at;
    applyTwinInput(twin, { type: 'meta', id, meta: row ? metaOf(row) : null }, ctx, changes);
    if (!row) unseen.add(twin.byId.get(id)!.index);
  }
  ctx.at = at;
  return { twin, ctx, unseen };
}

/**
 * The sensors of a keyframe as the stream sends them. A sensor the twin has not met yet at that
 * moment (registered later, no reading before) is listed without a position, so the console
 * does not draw it: an "unregistered" ring would say it sent data without its meta.
 */
export function keyframeSensors(state: TwinAt): SensorSummary[] {
  const { twin, unseen } = state;
  if (unseen) for (const i of [...unseen]) if (twin.sensors[i]!.lastTs > 0 || twin.sensors[i]!.registered) unseen.delete(i);
  return twin.sensors.map((e) => {
    const s = summarize(e);
    return unseen?.has(e.index) ? { ...s, lng: null, lat: null } : s;
  });
}

/** The second part of a rebuild: `values` fed to a twin {@link registerTwin} made, then a tick at `at`. */
export function feedTwin(state: TwinAt, values: readonly StoredValue[], at: number): TwinAt {
  const { twin, ctx } = state;
  const changes = createTwinChanges();
  const sorted = values.filter((v) => v.ts <= at && twin.byId.has(v.sensorId)).sort(bySensorThenTime);
  for (const v of sorted) {
    ctx.at = v.ts;
    applyTwinInput(twin, { type: 'readings', id: v.sensorId, readings: [{ metric: v.metric, ts: v.ts, value: v.value }] }, ctx, changes);
  }
  ctx.at = at;
  applyTwinInput(twin, { type: 'tick' }, ctx, changes);
  return state;
}

export type { Frame };

/**
 * Advances a rebuilt twin through bucketed values: bucket k ends at `from + (k+1)·step`; its
 * values are applied in time order, then a tick at the bucket's end, and the changed sensors
 * become one delta numbered `seq0 + k + 1`. Buckets without any change still give a (small)
 * frame, so the console always has the frame of every step.
 */
export function advanceFrames(
  state: TwinAt,
  buckets: ReadonlyMap<number, StoredValue[]>,
  from: number,
  step: number,
  count: number,
  epoch: string,
  seq0 = 0,
  registrations: readonly SensorRegistryRow[] = [],
  ruleChanges: ReadonlyArray<{ at: number; rules: CompiledRuleSet }> = [],
): Frame[] {
  const { twin, ctx } = state;
  let r = 0;
  const frames: Frame[] = [];
  const gapAfter = Math.max(step, GAP_MIN_MS);
  const metas = registrations.filter((r) => r.updatedAt > from && twin.byId.has(r.sensorId)).sort((a, b) => a.updatedAt - b.updatedAt);
  let m = 0;
  let m0 = 0;
  for (let k = 0; k < count; k++) {
    const end = from + (k + 1) * step;
    const changes = createTwinChanges();
    // A rule version saved during the range is in force from the step it falls in (docs/replay.md).
    for (; r < ruleChanges.length && ruleChanges[r]!.at <= end; r++) {
      ctx.at = Math.max(ruleChanges[r]!.at, end - step);
      applyTwinInput(twin, { type: 'rules', rules: ruleChanges[r]!.rules }, ctx, changes);
    }
    // Registry versions of this step first (registrations, moves, reclassifications, removals).
    for (; m < metas.length && metas[m]!.updatedAt <= end; m++) {
      ctx.at = metas[m]!.updatedAt;
      applyTwinInput(twin, { type: 'meta', id: metas[m]!.sensorId, meta: metaOf(metas[m]!) }, ctx, changes);
    }
    const values = (buckets.get(k) ?? []).slice().sort(bySensorThenTime);
    let dataTime = 0;
    for (const v of values) {
      if (!twin.byId.has(v.sensorId)) continue;
      ctx.at = v.ts;
      applyTwinInput(twin, { type: 'readings', id: v.sensorId, readings: [{ metric: v.metric, ts: v.ts, value: v.value }] }, ctx, changes);
      if (v.ts > dataTime) dataTime = v.ts;
    }
    ctx.at = end;
    applyTwinInput(twin, { type: 'tick' }, ctx, changes);
    const added = metHere(state, changes.changed, metas, m0, m);
    m0 = m;
    frames.push({ delta: deltaOf(twin, changes.changed, epoch, seq0 + k + 1, end, dataTime, added), gaps: gapsOf(twin, end, gapAfter) });
  }
  return frames;
}

/**
 * Summaries a step's delta carries in `added` (the delta's columns have no position): the
 * sensors whose registry version was applied in the step (registered, moved, renamed) and those
 * the twin met in it for the first time.
 */
function metHere(
  state: TwinAt,
  changed: ReadonlySet<number>,
  metas: readonly SensorRegistryRow[],
  from: number,
  to: number,
): SensorSummary[] {
  const { twin, unseen } = state;
  const out = new Set<number>();
  for (let j = from; j < to; j++) out.add(twin.byId.get(metas[j]!.sensorId)!.index);
  if (unseen && unseen.size > 0)
    for (const i of changed) if (unseen.has(i) && (twin.sensors[i]!.lastTs > 0 || twin.sensors[i]!.registered)) out.add(i);
  for (const i of out) unseen?.delete(i);
  return [...out].sort((a, b) => a - b).map((i) => summarize(twin.sensors[i]!));
}

function deltaOf(
  twin: TwinState,
  changed: ReadonlySet<number>,
  epoch: string,
  seq: number,
  serverTime: number,
  dataTime: number,
  added: SensorSummary[] = [],
): DeltaMessage {
  const columns = deltaColumns(changed.size);
  let k = 0;
  for (const i of [...changed].sort((a, b) => a - b)) {
    const entry = twin.sensors[i]!;
    const head = headlineValue(entry);
    setDeltaRow(columns, k++, i, entry.state, head ? head.value : null, head ? head.ts : null);
  }
  return encodeDelta({ epoch, seq, serverTime, dataTime, added }, columns);
}

/** Registered sensors whose newest reading is older than `gapAfter` at `at` (or that never had one). */
export function gapsOf(twin: TwinState, at: number, gapAfter: number): Uint32Array {
  const out: number[] = [];
  for (const s of twin.sensors)
    if (s.registered && (s.lastTs === 0 ? at - s.firstSeenAt > gapAfter : at - s.lastTs > gapAfter)) out.push(s.index);
  return Uint32Array.from(out);
}

/** Groups values by bucket index. */
export function bucketize(rows: readonly StepValueRow[], count: number): Map<number, StoredValue[]> {
  const out = new Map<number, StoredValue[]>();
  for (const r of rows) {
    if (r.k < 0 || r.k >= count) continue;
    let list = out.get(r.k);
    if (!list) {
      list = [];
      out.set(r.k, list);
    }
    list.push({ sensorId: r.sensorId, metric: r.metric, ts: r.ts, value: r.value });
  }
  return out;
}

export type { EncodedFrame };

/** Node's own base64, native: a chunk of frames is megabytes (web/shared/base64.ts is portable but slower). */
const b64: Base64Encoder = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** Replay indices (a keyframe's gaps) as the HTTP answers carry them. */
export const base64Of = (indices: Uint32Array): string => indicesToBase64(indices, b64);

/** A frame as sent over HTTP (web/shared/replay-protocol.ts). */
export function encodeFrame(f: Frame): EncodedFrame {
  return encodeReplayFrame(f, b64);
}

/** The operator actions of a range: incident changes by people, and the dispatch log. */
export function actionsOf(
  changes: readonly IncidentChange[],
  log: readonly DispatchLogEntry[],
  detailOf: (c: IncidentChange) => string = (c) => c.detail,
): ReplayAction[] {
  const out: ReplayAction[] = [];
  for (const c of changes) {
    if (AUTOMATIC_ACTORS.has(c.actor)) continue;
    out.push({
      at: c.at,
      actor: c.actor,
      source: 'incident',
      what: c.what,
      incidentId: c.incidentId,
      unitId: null,
      detail: detailOf(c),
      automatic: false,
    });
  }
  for (const e of log) {
    const data = e.data as { from?: string; to?: string; overrideReason?: string; recommendedUnitId?: string };
    const parts = [
      data.from && data.to ? `${data.from} → ${data.to}` : '',
      data.recommendedUnitId ? `recommended ${data.recommendedUnitId}` : '',
      data.overrideReason ?? e.reason ?? '',
    ].filter(Boolean);
    out.push({
      at: e.at,
      actor: e.actor,
      source: 'dispatch',
      what: e.action,
      incidentId: e.incidentId ?? null,
      unitId: e.unitId ?? null,
      detail: parts.join('; '),
      automatic: AUTOMATIC_ACTORS.has(e.actor),
    });
  }
  return out.sort((a, b) => a.at - b.at);
}

/**
 * Whether a metric's state at a moment can depend on more than its last value: the last value
 * sits in a rule's hysteresis band (between exit and enter) and the values of the window
 * (`lo`…`hi`) reached that level's enter, or the rule has an on-delay and the window reached its
 * warning. Without a rule (a metric no kind alarms on) the last value is all that counts.
 */
export function historyMatters(rules: readonly MetricRule[] | undefined, last: number, lo: number, hi: number): boolean {
  for (const rule of rules ?? []) {
    const up = rule.direction === 'above';
    if (rule.onDelayMs && (up ? hi >= rule.warning.enter : lo <= rule.warning.enter)) return true;
    for (const t of [rule.alarm, rule.warning]) {
      const inBand = up ? last >= t.exit && last < t.enter : last <= t.exit && last > t.enter;
      if (inBand && (up ? hi >= t.enter : lo <= t.enter)) return true;
    }
  }
  return false;
}

/**
 * The values a keyframe at `grid` (or `at`, off the grid) starts from, and the sensors whose
 * history must be fed too. `window` holds per sensor and metric the last value, the range and
 * the seed of the rollup window before the grid point; `tail` the raw readings since it (off the
 * grid only). A sensor needs history when one of its metrics may depend on more than its last
 * value ({@link historyMatters}): it gets its seed value now and its per-minute values later; every
 * other sensor gets its last value only, which gives the same state.
 */
export function keyframeStart(
  window: readonly WindowValueRow[],
  tail: readonly RawWindowRow[],
  rules: ReadonlyMap<string, readonly MetricRule[]>,
): { values: StoredValue[]; history: string[] } {
  const last = new Map<string, { row: SensorValueRow; lo: number; hi: number; raw: boolean }>();
  for (const r of window) last.set(`${r.sensorId}\u0000${r.metric}`, { row: r, lo: r.lo, hi: r.hi, raw: false });
  for (const r of tail) {
    const key = `${r.sensorId}\u0000${r.metric}`;
    const held = last.get(key);
    last.set(key, { row: r, lo: held ? Math.min(r.lo, held.lo) : r.lo, hi: held ? Math.max(r.hi, held.hi) : r.hi, raw: true });
  }
  const history = new Set<string>();
  for (const v of last.values()) if (historyMatters(rules.get(v.row.metric), v.row.value, v.lo, v.hi)) history.add(v.row.sensorId);
  const values: StoredValue[] = [];
  for (const v of last.values())
    if (!history.has(v.row.sensorId) || v.raw)
      values.push({ sensorId: v.row.sensorId, metric: v.row.metric, ts: v.row.ts, value: v.row.value });
  if (history.size > 0)
    for (const r of window)
      if (r.seedTs > 0 && history.has(r.sensorId))
        values.push({ sensorId: r.sensorId, metric: r.metric, ts: r.seedTs, value: r.seedValue });
  return { values, history: [...history].sort() };
}

/**
 * The threshold rules of a rule set by metric, for {@link historyMatters}: every kind's, and
 * every asset's and sensor's version of them (a superset: a sensor is fed its history when any
 * version of a rule on its metric could depend on it, which costs reads, never correctness).
 */
export function thresholdsByMetric(rules: CompiledRuleSet): Map<string, MetricRule[]> {
  const out = new Map<string, MetricRule[]>();
  const add = (resolved: ReturnType<CompiledRuleSet['rulesFor']>) => {
    for (const r of resolved.rules) {
      if (r.type !== 'threshold') continue;
      const rule: MetricRule = { metric: r.metric as MetricRule['metric'], direction: r.direction, warning: r.warning, alarm: r.alarm };
      if (r.onDelayMs !== undefined) rule.onDelayMs = r.onDelayMs;
      out.set(r.metric, [...(out.get(r.metric) ?? []), rule]);
    }
  };
  const set = rules.source;
  for (const kind of Object.keys(set.kinds)) add(rules.rulesFor(kind, null, ''));
  for (const [assetId, byKind] of Object.entries(set.assets ?? {}))
    for (const kind of Object.keys(byKind)) add(rules.rulesFor(kind, assetId, ''));
  for (const [sensorId, byKind] of Object.entries(set.sensors ?? {}))
    for (const kind of Object.keys(byKind)) add(rules.rulesFor(kind, null, sensorId));
  return out;
}

/** The alarm rules of every kind, by metric (a metric name belongs to one kind in practice). */
export function rulesByMetric(kinds: Readonly<Record<string, { metrics: readonly MetricRule[] }>>): Map<string, MetricRule[]> {
  const out = new Map<string, MetricRule[]>();
  for (const kind of Object.values(kinds)) for (const rule of kind.metrics) out.set(rule.metric, [...(out.get(rule.metric) ?? []), rule]);
  return out;
}

/**
 * The timing split of a rebuild (ms, from `performance.now()`): `queryMs` the wait for the stored
 * values left over once the registry part of the twin was built during it, `twinMs` the twin's
 * own work (registry `registerMs` plus feeding the values), so `queryMs + twinMs` is the
 * rebuild's wall time. `t0` start, `t1` values in, `t2` twin fed.
 */
export function rebuildTimings(
  t0: number,
  registerMs: number,
  t1: number,
  t2: number,
): Record<'queryMs' | 'twinMs' | 'registerMs', number> {
  return {
    queryMs: Math.round(Math.max(0, t1 - t0 - registerMs)),
    twinMs: Math.round(t2 - t1 + registerMs),
    registerMs: Math.round(registerMs),
  };
}
