/**
 * The flight recorder (docs/replay.md): the twin at any past moment, rebuilt from what
 * ClickHouse stored, and the frames of a playback, in the live stream's shapes
 * (web/shared/protocol.ts).
 *
 * - A keyframe at T is a {@link SnapshotMessage}: the registry as it was at T (`sensors`
 *   versions up to T), then each sensor's readings before T fed through the SAME twin code as
 *   live (createTwinState / applyTwinInput), read from the time-first rollup `readings_10s`:
 *   the last value, and for the sensors whose history can matter one seed value for the hour
 *   before and the per-minute last values of the last {@link KEYFRAME_DETAIL_MS} (so hysteresis
 *   and on-delays play out as they did). The API snaps T to the {@link REPLAY_GRID_MS} grid;
 *   off the grid, the raw readings since the grid point are added.
 *   Then a tick at T turns silent sensors stale. The incidents at T are the latest stored change
 *   of each (IncidentStore.stateAt); units are their last AVL fix and dispatch-log status at or
 *   before T.
 * - Frames are {@link DeltaMessage}s: per step, `argMax(value, ts)` per sensor and metric
 *   computed in ClickHouse (from `readings_10s` for steps of 10 s and more, from raw readings below), applied
 *   to the keyframe's twin in order, each step ending with a tick. Every frame also lists the
 *   sensors in a gap: registered, but without a reading for longer than max(step, 2 min).
 * - Sensors are numbered in id order over those the caller's clearance covers, so a keyframe and
 *   the frames after it share one numbering (`epoch`).
 */
import type { Coverage, ReplayAction, ReplayEvents, UnitAt, UnitTrack } from '../shared/replay-protocol.ts';
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../../storage/index.ts';
import {
  applyTwinInput,
  createTwinChanges,
  createTwinState,
  DEFAULT_ALARM_RULES,
  headlineValue,
  isSensorKind,
  type CityModel,
  type Classification,
  type Incident,
  type IncidentChange,
  type MetricRule,
  type DispatchLogEntry,
  type ResponseUnit,
  type SensorMeta,
  type SensorSite,
  type TwinConfig,
  type TwinContext,
  type TwinState,
  type UnitStatus,
} from '../../twin-model/index.ts';
import { responseTimesOf, type IncidentResponseTimes } from '../../twin-model/dispatch/response-times.ts';
import type { DeltaMessage, IncidentView, SensorSummary, SnapshotMessage } from '../shared/protocol.ts';
import { CLASS_BIT, clearanceMask, sensorClassifier, type SensorClassifier } from './auth/classification.ts';
import type { DispatchService } from './dispatch-service.ts';
import type { IncidentStore } from './incident-store.ts';
import {
  detailViewer,
  type historyEntry,
  historyViewer,
  incidentUpdateViewer,
  incidentViewer,
  type EvidenceClassifier,
} from './incident-view.ts';
import { summarize } from './live-stream.ts';

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
/**
 * The replay grid: the API snaps keyframes and the start of frames down to it (the console's
 * slider moves on it), so a keyframe is a range read of the time-first rollup `readings_10s`.
 */
export const REPLAY_GRID_MS = 10_000;

/** `at` snapped down to the {@link REPLAY_GRID_MS} grid. */
export function snapToGrid(at: number): number {
  return Math.floor(at / REPLAY_GRID_MS) * REPLAY_GRID_MS;
}

/** Steps a playback uses (data ms per frame); steps of 10 s and more come from the rollup `readings_10s`. */
export const STEPS_MS = [
  1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
] as const;

const MIN = 60_000;

/**
 * The step for a playback speed: the data time one frame covers when the console shows
 * `framesPerSecond` frames a second, snapped up to a step of {@link STEPS_MS}.
 */
export function stepForSpeed(speed: number, framesPerSecond = 10): number {
  const want = (Math.max(1, speed) * 1000) / Math.max(1, framesPerSecond);
  return STEPS_MS.find((s) => s >= want) ?? STEPS_MS[STEPS_MS.length - 1]!;
}

/** One version of a sensor's registry row. */
export interface RegistryRow {
  id: string;
  kind: string;
  lng: number;
  lat: number;
  name: string;
  unit: string;
  district: string;
  source: string;
  classification: string;
  deleted: boolean;
  /** Epoch ms. */
  at: number;
}

/** A stored value: the sensor's `metric` was `value` at `ts` (epoch ms). */
export interface StoredValue {
  id: string;
  metric: string;
  ts: number;
  value: number;
}

function metaOf(row: RegistryRow): SensorMeta | null {
  if (row.deleted || !isSensorKind(row.kind)) return null;
  const meta: SensorMeta = { kind: row.kind, lng: row.lng, lat: row.lat };
  if (row.name) meta.name = row.name;
  if (row.unit) meta.unit = row.unit;
  if (row.district) meta.district = row.district;
  if (row.source) meta.source = row.source;
  if (row.classification === 'public' || row.classification === 'internal' || row.classification === 'sensitive')
    meta.classification = row.classification;
  return meta;
}

/** The registry at a moment: for each sensor, its newest version at or before `at` (null when none). */
export function registryAt(rows: readonly RegistryRow[], at: number): Map<string, RegistryRow | null> {
  const out = new Map<string, RegistryRow | null>();
  for (const r of rows) {
    const held = out.get(r.id);
    if (r.at > at) {
      if (held === undefined) out.set(r.id, null);
      continue;
    }
    if (!held || held.at <= r.at) out.set(r.id, r);
  }
  return out;
}

/**
 * The sensors a clearance may replay, in id order (their replay numbering): every sensor the
 * registry ever held, classified by its newest version (as live does), kept when its
 * classification is within `mask`.
 */
export function replayIds(
  rows: readonly RegistryRow[],
  classify: SensorClassifier,
  mask: number,
  sites: ReadonlyMap<string, SensorSite> = new Map(),
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
export function rowClass(row: RegistryRow, classify: SensorClassifier, sites: ReadonlyMap<string, SensorSite> = new Map()): Classification {
  const own =
    row.classification === 'public' || row.classification === 'internal' || row.classification === 'sensitive' ? row.classification : null;
  return classify({ classification: own, sourceId: sites.get(row.id)?.sourceId ?? (row.source || null) });
}

export interface TwinAt {
  twin: TwinState;
  ctx: TwinContext & { at: number };
}

/**
 * Rebuilds the twin at `at` from stored data with the live twin's code: registry versions at or
 * before `at` for `ids` (in that order, so twin index = replay index), then `values` (any order;
 * applied per sensor in time order, each with the context clock at its reading time), then a
 * tick at `at`.
 */
export function rebuildTwin(
  ids: readonly string[],
  registry: ReadonlyMap<string, RegistryRow | null>,
  values: readonly StoredValue[],
  at: number,
  config: Partial<TwinConfig> = {},
): TwinAt {
  const twin = createTwinState(config);
  const ctx = { at, now: () => ctx.at };
  const changes = createTwinChanges();
  for (const id of ids) {
    const row = registry.get(id) ?? null;
    ctx.at = row ? Math.min(row.at, at) : at;
    applyTwinInput(twin, { type: 'meta', id, meta: row ? metaOf(row) : null }, ctx, changes);
  }
  const sorted = values.filter((v) => v.ts <= at && twin.byId.has(v.id)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.ts - b.ts));
  for (const v of sorted) {
    ctx.at = v.ts;
    applyTwinInput(twin, { type: 'readings', id: v.id, readings: [{ metric: v.metric, ts: v.ts, value: v.value }] }, ctx, changes);
  }
  ctx.at = at;
  applyTwinInput(twin, { type: 'tick' }, ctx, changes);
  return { twin, ctx };
}

/** A playback frame before encoding: the delta and the sensors in a gap at its time. */
export interface Frame {
  delta: DeltaMessage;
  /** Replay indices of registered sensors without a reading for longer than the gap limit. */
  gaps: Uint32Array;
}

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
  registrations: readonly RegistryRow[] = [],
): Frame[] {
  const { twin, ctx } = state;
  const frames: Frame[] = [];
  const gapAfter = Math.max(step, GAP_MIN_MS);
  const metas = registrations.filter((r) => r.at > from && twin.byId.has(r.id)).sort((a, b) => a.at - b.at);
  let m = 0;
  for (let k = 0; k < count; k++) {
    const end = from + (k + 1) * step;
    const changes = createTwinChanges();
    // Registry versions of this step first (registrations, moves, reclassifications, removals).
    for (; m < metas.length && metas[m]!.at <= end; m++) {
      ctx.at = metas[m]!.at;
      applyTwinInput(twin, { type: 'meta', id: metas[m]!.id, meta: metaOf(metas[m]!) }, ctx, changes);
    }
    const values = (buckets.get(k) ?? []).slice().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.ts - b.ts));
    let dataTime = 0;
    for (const v of values) {
      if (!twin.byId.has(v.id)) continue;
      ctx.at = v.ts;
      applyTwinInput(twin, { type: 'readings', id: v.id, readings: [{ metric: v.metric, ts: v.ts, value: v.value }] }, ctx, changes);
      if (v.ts > dataTime) dataTime = v.ts;
    }
    ctx.at = end;
    applyTwinInput(twin, { type: 'tick' }, ctx, changes);
    frames.push({ delta: deltaOf(twin, changes.changed, epoch, seq0 + k + 1, end, dataTime), gaps: gapsOf(twin, end, gapAfter) });
  }
  return frames;
}

function deltaOf(
  twin: TwinState,
  changed: ReadonlySet<number>,
  epoch: string,
  seq: number,
  serverTime: number,
  dataTime: number,
): DeltaMessage {
  const n = changed.size;
  const index = new Uint32Array(n);
  const state = new Uint8Array(n);
  const value = new Float32Array(n);
  const ts = new Float64Array(n);
  let k = 0;
  for (const i of [...changed].sort((a, b) => a - b)) {
    const entry = twin.sensors[i]!;
    const head = headlineValue(entry);
    index[k] = i;
    state[k] = entry.state;
    value[k] = head ? head.value : Number.NaN;
    ts[k] = head ? head.ts : 0;
    k++;
  }
  return { epoch, seq, serverTime, dataTime, added: [], index: index.buffer, state: state.buffer, value: value.buffer, ts: ts.buffer };
}

/** Registered sensors whose newest reading is older than `gapAfter` at `at` (or that never had one). */
export function gapsOf(twin: TwinState, at: number, gapAfter: number): Uint32Array {
  const out: number[] = [];
  for (const s of twin.sensors)
    if (s.registered && (s.lastTs === 0 ? at - s.firstSeenAt > gapAfter : at - s.lastTs > gapAfter)) out.push(s.index);
  return Uint32Array.from(out);
}

/** Groups values by bucket index. */
export function bucketize(rows: ReadonlyArray<StoredValue & { k: number }>, count: number): Map<number, StoredValue[]> {
  const out = new Map<number, StoredValue[]>();
  for (const r of rows) {
    if (r.k < 0 || r.k >= count) continue;
    let list = out.get(r.k);
    if (!list) {
      list = [];
      out.set(r.k, list);
    }
    list.push({ id: r.id, metric: r.metric, ts: r.ts, value: r.value });
  }
  return out;
}

/** A frame as sent over HTTP: the delta with its binary fields (and the gaps) in base64. */
export interface EncodedFrame {
  epoch: string;
  seq: number;
  /** The frame's moment (end of its step), epoch ms. */
  serverTime: number;
  dataTime: number;
  index: string;
  state: string;
  value: string;
  ts: string;
  gaps: string;
}

const b64 = (buf: ArrayBuffer | ArrayBufferView): string =>
  (buf instanceof ArrayBuffer ? Buffer.from(buf) : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)).toString('base64');

export function encodeFrame(f: Frame): EncodedFrame {
  const d = f.delta;
  return {
    epoch: d.epoch,
    seq: d.seq,
    serverTime: d.serverTime,
    dataTime: d.dataTime,
    index: b64(d.index),
    state: b64(d.state),
    value: b64(d.value),
    ts: b64(d.ts),
    gaps: b64(f.gaps),
  };
}

const AUTOMATIC_ACTORS = new Set(['twin', 'simulator']);

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

export interface ReplayKeyframe {
  at: number;
  snapshot: SnapshotMessage;
  /** Replay indices of sensors in a gap at `at`, base64 Uint32Array. */
  gaps: string;
  /** The incidents open or acknowledged at `at`. */
  incidents: IncidentView[];
  units: UnitAt[];
  /** Time spent on the server (ms): registry, values, twin. */
  timings: Record<string, number>;
}

export interface ReplayFrames {
  epoch: string;
  from: number;
  to: number;
  step: number;
  source: 'raw' | 'rollup';
  frames: EncodedFrame[];
  timings: Record<string, number>;
}

export interface ReplayServiceOptions {
  clickhouse: ClickHouseClient;
  city: CityModel | null;
  districtAt?: TwinConfig['districtAt'];
  incidentStore: IncidentStore | null;
  dispatch: DispatchService | null;
  /** Classification of the sensor behind a piece of evidence (the live twin's). */
  classifyEvidence: EvidenceClassifier;
  /** How long the registry read is reused (ms). */
  registryTtlMs?: number;
}

export class ReplayRangeError extends Error {}

/** A rebuilt twin with what its keyframe shows (taken before any frame advanced it). */
export type Rebuilt = TwinAt & {
  ids: string[];
  epoch: string;
  sensors: SensorSummary[];
  gaps: Uint32Array;
  /** Taken by a chunk of frames (which advances the twin). */
  claimed: boolean;
  timings: Record<string, number>;
};

/** How long a rebuilt twin (or the end state of a chunk of frames) is kept for reuse. */
export const REBUILD_TTL_MS = 60_000;
/** Twins kept for reuse, at most (each a few MB with 10,000 sensors). */
export const MAX_CACHED_TWINS = 8;

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

const sqlMs = (name: string) => `fromUnixTimestamp64Milli({${name}:Int64})`;

export class ReplayService {
  private readonly classify: SensorClassifier;
  private readonly sites: Map<string, SensorSite>;
  private registryCache: { at: number; rows: RegistryRow[] } | null = null;
  private metricRules: Map<string, MetricRule[]> | null = null;
  /** Rebuilds by `mask|at`, oldest first. */
  private readonly rebuilt = new Map<string, { at: number; promise: Promise<Rebuilt> }>();
  /** Where chunks of frames ended, by `mask|end`: the next chunk takes the twin over. */
  private readonly continued = new Map<string, { at: number; epoch: string; twin: TwinAt }>();

  constructor(private readonly options: ReplayServiceOptions) {
    this.classify = sensorClassifier(options.city?.sources ?? []);
    this.sites = new Map((options.city?.sensorSites ?? []).map((s) => [s.id, s]));
  }

  private twinConfig(): Partial<TwinConfig> {
    return { sites: this.sites, ...(this.options.districtAt ? { districtAt: this.options.districtAt } : {}) };
  }

  /** Every version of every registry row (cached briefly: seeks reuse it). */
  async registry(): Promise<RegistryRow[]> {
    const ttl = this.options.registryTtlMs ?? 5000;
    if (this.registryCache && Date.now() - this.registryCache.at < ttl) return this.registryCache.rows;
    const rows = await queryRows<{
      sensor_id: string;
      kind: string;
      lng: number;
      lat: number;
      name: string;
      unit: string;
      district: string;
      source: string;
      classification: string;
      deleted: number;
      ms: number | string;
    }>(
      this.options.clickhouse,
      `SELECT sensor_id, kind, lng, lat, name, unit, district, source, classification, deleted, toUnixTimestamp64Milli(updated_at) AS ms FROM sensors`,
    );
    const out = rows.map((r) => ({
      id: r.sensor_id,
      kind: r.kind,
      lng: Number(r.lng),
      lat: Number(r.lat),
      name: r.name,
      unit: r.unit,
      district: r.district,
      source: r.source,
      classification: r.classification,
      deleted: Number(r.deleted) === 1,
      at: Number(r.ms),
    }));
    this.registryCache = { at: Date.now(), rows: out };
    return out;
  }

  /** The replay numbering for a clearance, and its epoch name. */
  async numbering(clearance: readonly Classification[]): Promise<{ ids: string[]; epoch: string; rows: RegistryRow[] }> {
    const rows = await this.registry();
    const mask = clearanceMask(clearance);
    const ids = replayIds(rows, this.classify, mask, this.sites);
    return { ids, epoch: `replay-m${mask}-${ids.length}`, rows };
  }

  /**
   * Stored values that rebuild the twin at `at` (every reading before `at`). Per sensor and
   * metric, the last value and the range (min, max) of the hour before, read from the time-first
   * rollup `readings_10s` over [`at` − {@link KEYFRAME_LOOKBACK_MS}, `at` snapped down to
   * {@link REPLAY_GRID_MS}) — a range read of that hour's buckets — plus, only when `at` is off the
   * grid, the raw readings of [snapped `at`, `at`) (a scan of the day's `readings`: the API snaps
   * to the grid, so only direct callers pay it). Only where that range says history can change
   * the state (the last value sits in a hysteresis band whose level the hour reached, or the rule
   * has an on-delay and the hour reached its warning: {@link historyMatters}) is the sensor fed
   * its history from the same table: one seed value for the hour before, the per-minute last
   * values of the last {@link KEYFRAME_DETAIL_MS} (the current minute up to the grid point
   * included), then the raw tail. Every other sensor gets its last value only, which gives the
   * same state.
   */
  async keyframeValues(at: number): Promise<StoredValue[] & { history?: number; timings?: Record<string, number> }> {
    const grid = snapToGrid(at);
    const minute = Math.floor(at / MIN) * MIN;
    const detailFrom = minute - KEYFRAME_DETAIL_MS;
    const seedFrom = grid - KEYFRAME_LOOKBACK_MS;
    const client = this.options.clickhouse;
    const t0 = performance.now();
    const [rolled, tail] = await Promise.all([
      compactRows(
        client,
        // The seed (last value before the detail window) comes along, for the sensors found to need history.
        `SELECT sensor_id, metric, toUnixTimestamp64Milli(max(last_ts)) AS ms, argMaxMerge(last_v) AS v, min(min_v) AS lo, max(max_v) AS hi,
                toUnixTimestamp64Milli(maxIf(last_ts, bucket < ${sqlMs('detail')})) AS seed_ms, argMaxMergeIf(last_v, bucket < ${sqlMs('detail')}) AS seed_v
         FROM readings_10s
         WHERE bucket >= ${sqlMs('seed')} AND bucket < ${sqlMs('grid')} AND entity = 'sensor' AND metric NOT LIKE '%:sum'
         GROUP BY sensor_id, metric`,
        { seed: seedFrom, detail: detailFrom, grid },
      ),
      grid === at
        ? Promise.resolve([] as unknown[][])
        : compactRows(
            client,
            `SELECT sensor_id, metric, toUnixTimestamp64Milli(max(ts)) AS ms, argMax(value, ts) AS v, min(value) AS lo, max(value) AS hi
             FROM readings
             PREWHERE ts >= ${sqlMs('grid')} AND ts < ${sqlMs('at')}
             WHERE entity = 'sensor' AND metric NOT LIKE '%:sum'
             GROUP BY sensor_id, metric`,
            { grid, at },
          ),
    ]);
    const t1 = performance.now();
    const rules = this.rulesByMetric();
    const last = new Map<string, { id: string; metric: string; ts: number; value: number; lo: number; hi: number; raw: boolean }>();
    for (const r of rolled)
      last.set(`${r[0]}\u0000${r[1]}`, {
        id: String(r[0]),
        metric: String(r[1]),
        ts: Number(r[2]),
        value: Number(r[3]),
        lo: Number(r[4]),
        hi: Number(r[5]),
        raw: false,
      });
    for (const r of tail) {
      const key = `${r[0]}\u0000${r[1]}`;
      const held = last.get(key);
      const v = {
        id: String(r[0]),
        metric: String(r[1]),
        ts: Number(r[2]),
        value: Number(r[3]),
        lo: Number(r[4]),
        hi: Number(r[5]),
        raw: true,
      };
      if (held) {
        v.lo = Math.min(v.lo, held.lo);
        v.hi = Math.max(v.hi, held.hi);
      }
      last.set(key, v);
    }
    const history = new Set<string>();
    for (const v of last.values()) if (historyMatters(rules.get(v.metric), v.value, v.lo, v.hi)) history.add(v.id);
    const out: StoredValue[] & { history?: number; timings?: Record<string, number> } = [];
    for (const v of last.values()) if (!history.has(v.id) || v.raw) out.push({ id: v.id, metric: v.metric, ts: v.ts, value: v.value });
    out.history = history.size;
    out.timings = { lastMs: Math.round(t1 - t0), detailMs: 0 };
    if (history.size === 0) return out;
    for (const r of rolled)
      if (Number(r[6]) > 0 && history.has(String(r[0])))
        out.push({ id: String(r[0]), metric: String(r[1]), ts: Number(r[6]), value: Number(r[7]) });
    const detail = await compactRows(
      client,
      `SELECT sensor_id, metric, toUnixTimestamp64Milli(max(last_ts)) AS ms, argMaxMerge(last_v) AS v, toStartOfMinute(bucket) AS b
       FROM readings_10s
       WHERE bucket >= ${sqlMs('detail')} AND bucket < ${sqlMs('grid')} AND entity = 'sensor' AND metric NOT LIKE '%:sum' AND sensor_id IN {ids:Array(String)}
       GROUP BY sensor_id, metric, b`,
      { detail: detailFrom, grid, ids: [...history].sort() },
    );
    for (const r of detail) out.push({ id: String(r[0]), metric: String(r[1]), ts: Number(r[2]), value: Number(r[3]) });
    out.timings.detailMs = Math.round(performance.now() - t1);
    return out;
  }

  /** The alarm rules of every kind, by metric (a metric name belongs to one kind in practice). */
  private rulesByMetric(): Map<string, MetricRule[]> {
    if (this.metricRules) return this.metricRules;
    const out = new Map<string, MetricRule[]>();
    for (const kind of Object.values(DEFAULT_ALARM_RULES))
      for (const rule of kind.metrics) out.set(rule.metric, [...(out.get(rule.metric) ?? []), rule]);
    this.metricRules = out;
    return out;
  }

  /** Rebuilds the twin at `at` for a clearance (no cache). */
  private async rebuild(at: number, clearance: readonly Classification[]): Promise<Rebuilt> {
    const t0 = performance.now();
    const [{ ids, epoch, rows }, values] = await Promise.all([this.numbering(clearance), this.keyframeValues(at)]);
    const t1 = performance.now();
    const state = rebuildTwin(ids, registryAt(rows, at), values, at, this.twinConfig());
    const t2 = performance.now();
    return {
      ...state,
      ids,
      epoch,
      // Taken now, before frames may advance this twin.
      sensors: state.twin.sensors.map(summarize),
      gaps: gapsOf(state.twin, at, GAP_MIN_MS),
      claimed: false,
      timings: {
        queryMs: Math.round(t1 - t0),
        twinMs: Math.round(t2 - t1),
        values: values.length,
        history: values.history ?? 0,
        ...values.timings,
      },
    };
  }

  /**
   * The twin at `at` for a clearance. A keyframe and the frames after it ask for the same moment
   * at once (the console does): one rebuild serves both, for {@link REBUILD_TTL_MS}.
   */
  async twinAt(at: number, clearance: readonly Classification[]): Promise<Rebuilt> {
    const key = `${clearanceMask(clearance)}|${at}`;
    const now = Date.now();
    for (const [k, e] of this.rebuilt) if (now - e.at > REBUILD_TTL_MS) this.rebuilt.delete(k);
    const held = this.rebuilt.get(key);
    if (held) return held.promise;
    const promise = this.rebuild(at, clearance);
    this.rebuilt.set(key, { at: now, promise });
    while (this.rebuilt.size > MAX_CACHED_TWINS) this.rebuilt.delete(this.rebuilt.keys().next().value!);
    promise.catch(() => this.rebuilt.delete(key));
    return promise;
  }

  /** The keyframe at `at`: sensors (snapshot), gaps, incidents and units. */
  async keyframe(at: number, clearance: readonly Classification[]): Promise<ReplayKeyframe> {
    const [state, incidents, units] = await Promise.all([this.twinAt(at, clearance), this.incidentsAt(at, clearance), this.unitsAt(at)]);
    const snapshot: SnapshotMessage = { epoch: state.epoch, seq: 0, serverTime: at, sensors: state.sensors };
    return {
      at,
      snapshot,
      gaps: b64(state.gaps),
      incidents: incidents.filter((i) => i.status === 'open' || i.status === 'acknowledged'),
      units,
      timings: state.timings,
    };
  }

  /**
   * A twin to advance from `from`: the state a previous chunk of frames ended at (the next chunk
   * continues it), else the rebuild at `from` if no chunk has advanced it yet, else a new rebuild.
   */
  private async twinToAdvance(
    from: number,
    clearance: readonly Classification[],
  ): Promise<{ twin: TwinAt; epoch: string; keyframeMs: number; continued: boolean }> {
    const key = `${clearanceMask(clearance)}|${from}`;
    const cont = this.continued.get(key);
    if (cont) {
      this.continued.delete(key);
      const { epoch } = await this.numbering(clearance);
      if (epoch === cont.epoch && Date.now() - cont.at <= REBUILD_TTL_MS) return { twin: cont.twin, epoch, keyframeMs: 0, continued: true };
    }
    let built = await this.twinAt(from, clearance);
    if (built.claimed) built = await this.rebuild(from, clearance);
    built.claimed = true;
    return {
      twin: { twin: built.twin, ctx: built.ctx },
      epoch: built.epoch,
      keyframeMs: built.timings.queryMs! + built.timings.twinMs!,
      continued: false,
    };
  }

  /** Frames from `from` (exclusive: the keyframe is at `from`) to `to`, one per `step`. */
  async frames(from: number, to: number, step: number, clearance: readonly Classification[]): Promise<ReplayFrames> {
    if (!(to > from)) throw new ReplayRangeError(`to (${to}) must be after from (${from})`);
    const count = Math.ceil((to - from) / step);
    if (count > MAX_FRAMES)
      throw new ReplayRangeError(
        `${count} frames of ${step} ms from ${from} to ${to}; at most ${MAX_FRAMES} per request: ask for a shorter range or a longer step`,
      );
    const t0 = performance.now();
    const rollup = step % REPLAY_GRID_MS === 0 && from % REPLAY_GRID_MS === 0;
    const end = from + count * step;
    const [start, rows] = await Promise.all([
      this.twinToAdvance(from, clearance),
      compactRows(
        this.options.clickhouse,
        rollup
          ? `SELECT sensor_id, metric, toUnixTimestamp64Milli(max(last_ts)) AS ms, argMaxMerge(last_v) AS v,
                    intDiv(toInt64(toUnixTimestamp(bucket)) * 1000 - {from:Int64}, {step:Int64}) AS k
             FROM readings_10s
             WHERE bucket >= ${sqlMs('from')} AND bucket < ${sqlMs('end')} AND entity = 'sensor' AND metric NOT LIKE '%:sum'
             GROUP BY sensor_id, metric, k`
          : `SELECT sensor_id, metric, toUnixTimestamp64Milli(max(ts)) AS ms, argMax(value, ts) AS v,
                    intDiv(toUnixTimestamp64Milli(ts) - {from:Int64}, {step:Int64}) AS k
             FROM readings
             WHERE entity = 'sensor' AND ts >= ${sqlMs('from')} AND ts < ${sqlMs('end')} AND metric NOT LIKE '%:sum'
             GROUP BY sensor_id, metric, k`,
        { from, end, step },
      ),
    ]);
    const t1 = performance.now();
    const buckets = bucketize(
      rows.map((r) => ({ id: String(r[0]), metric: String(r[1]), ts: Number(r[2]), value: Number(r[3]), k: Number(r[4]) })),
      count,
    );
    const rowsNow = await this.registry();
    const frames = advanceFrames(start.twin, buckets, from, step, count, start.epoch, 0, rowsNow);
    // The next chunk continues from here.
    const key = `${clearanceMask(clearance)}|${end}`;
    this.continued.set(key, { at: Date.now(), epoch: start.epoch, twin: start.twin });
    while (this.continued.size > MAX_CACHED_TWINS) this.continued.delete(this.continued.keys().next().value!);
    const t2 = performance.now();
    return {
      epoch: start.epoch,
      from,
      to: end,
      step,
      source: rollup ? 'rollup' : 'raw',
      frames: frames.map(encodeFrame),
      timings: {
        queryMs: Math.round(t1 - t0),
        framesMs: Math.round(t2 - t1),
        rows: rows.length,
        keyframeMs: start.keyframeMs,
        continued: start.continued ? 1 : 0,
      },
    };
  }

  private viewer(clearance: readonly Classification[]): (i: Incident) => IncidentView {
    return incidentViewer(clearance, this.options.classifyEvidence);
  }

  /** Every incident as it was at `at` (any status), filtered for the clearance. */
  async incidentsAt(at: number, clearance: readonly Classification[]): Promise<IncidentView[]> {
    if (!this.options.incidentStore) return [];
    const view = this.viewer(clearance);
    return (await this.options.incidentStore.stateAt(at)).map(view);
  }

  /** Incident changes in (from, to], oldest first. */
  async incidentChanges(from: number, to: number): Promise<IncidentChange[]> {
    if (!this.options.incidentStore) return [];
    const rows = await queryRows<{
      incident_id: string;
      ms: number | string;
      actor: string;
      what: IncidentChange['what'];
      detail: string;
      incident: string;
    }>(
      this.options.clickhouse,
      `SELECT incident_id, toUnixTimestamp64Milli(at) AS ms, actor, what, detail, incident FROM incident_changes FINAL
       WHERE at > ${sqlMs('from')} AND at <= ${sqlMs('to')} ORDER BY seq`,
      { from, to },
    );
    return rows.map((r) => ({
      incidentId: r.incident_id,
      at: Number(r.ms),
      actor: r.actor,
      what: r.what,
      detail: r.detail,
      incident: JSON.parse(r.incident) as Incident,
    }));
  }

  private async dispatchLog(from: number, to: number): Promise<DispatchLogEntry[]> {
    return this.options.dispatch ? this.options.dispatch.logEntries({ from, to }) : [];
  }

  private fleet(): ResponseUnit[] {
    return this.options.dispatch?.units() ?? [];
  }

  /** Units at `at`: last AVL fix at or before it (else home), status from the dispatch log (else the fix's, else the fleet's). */
  async unitsAt(at: number): Promise<ReplayKeyframe['units']> {
    const fleet = this.fleet();
    if (fleet.length === 0) return [];
    const client = this.options.clickhouse;
    const [fixes, statuses] = await Promise.all([
      queryRows<{ unit_id: string; ms: number | string; lng: number; lat: number; status: string }>(
        client,
        `SELECT unit_id, toUnixTimestamp64Milli(max(ts)) AS ms, argMax(lng, ts) AS lng, argMax(lat, ts) AS lat, argMax(status, ts) AS status
         FROM unit_positions WHERE ts <= ${sqlMs('at')} AND ts > ${sqlMs('since')} GROUP BY unit_id`,
        { at, since: at - 86_400_000 },
      ),
      queryRows<{ unit_id: string; ms: number | string; status: string }>(
        client,
        `SELECT unit_id, toUnixTimestamp64Milli(max(at)) AS ms, argMax(JSONExtractString(data, 'to'), seq) AS status
         FROM dispatch_log FINAL WHERE at <= ${sqlMs('at')} AND unit_id != '' AND JSONExtractString(data, 'to') != '' GROUP BY unit_id`,
        { at },
      ),
    ]);
    const fixOf = new Map(fixes.map((f) => [f.unit_id, f]));
    const statusOf = new Map(statuses.map((s) => [s.unit_id, s]));
    return fleet.map((u) => {
      const fix = fixOf.get(u.id);
      const logged = statusOf.get(u.id);
      const status = logged?.status || fix?.status || initialStatus(u);
      return {
        id: u.id,
        kind: u.kind,
        nameZh: u.nameZh,
        nameEn: u.nameEn,
        lng: fix ? Number(fix.lng) : u.homeLng,
        lat: fix ? Number(fix.lat) : u.homeLat,
        status,
        lastFixAt: fix ? Number(fix.ms) : 0,
      };
    });
  }

  /** Unit tracks through a range, AVL downsampled in ClickHouse to one point per `stepMs`. */
  async unitTracks(from: number, to: number, stepMs: number): Promise<UnitTrack[]> {
    const fleet = this.fleet();
    if (fleet.length === 0) return [];
    const client = this.options.clickhouse;
    const [start, points, log] = await Promise.all([
      this.unitsAt(from),
      queryRows<{ unit_id: string; ms: number | string; lng: number; lat: number }>(
        client,
        `SELECT unit_id, toUnixTimestamp64Milli(max(ts)) AS ms, argMax(lng, ts) AS lng, argMax(lat, ts) AS lat
         FROM unit_positions WHERE ts > ${sqlMs('from')} AND ts <= ${sqlMs('to')}
         GROUP BY unit_id, intDiv(toUnixTimestamp64Milli(ts) - {from:Int64}, {step:Int64}) ORDER BY unit_id, ms`,
        { from, to, step: stepMs },
      ),
      this.dispatchLog(from + 1, to),
    ]);
    const tracks = new Map<string, UnitTrack>();
    for (const s of start)
      tracks.set(s.id, {
        id: s.id,
        kind: s.kind,
        nameZh: s.nameZh,
        nameEn: s.nameEn,
        points: [[s.lastFixAt > 0 ? s.lastFixAt : from, s.lng, s.lat]],
        statuses: [[from, s.status]],
      });
    for (const p of points) tracks.get(p.unit_id)?.points.push([Number(p.ms), Number(p.lng), Number(p.lat)]);
    for (const e of log) {
      const to = (e.data as { to?: unknown }).to;
      if (e.unitId && typeof to === 'string') tracks.get(e.unitId)?.statuses.push([e.at, to]);
    }
    return [...tracks.values()];
  }

  /** Readings stored per time bucket over a range (a bucket with none is a gap in the data). */
  async coverage(from: number, to: number): Promise<Coverage> {
    const span = to - from;
    const bucketMs = Math.max(MIN, Math.ceil(span / 240 / MIN) * MIN);
    const start = Math.floor(from / MIN) * MIN;
    const n = Math.ceil((to - start) / bucketMs);
    const rows = await queryRows<{ k: number | string; n: number | string }>(
      this.options.clickhouse,
      `SELECT intDiv(toInt64(toUnixTimestamp(minute)) * 1000 - {start:Int64}, {bucket:Int64}) AS k, sum(n) AS n
       FROM readings_1m WHERE entity = 'sensor' AND minute >= ${sqlMs('start')} AND minute < ${sqlMs('to')} GROUP BY k`,
      { start, to, bucket: bucketMs },
    );
    const counts = new Array<number>(n).fill(0);
    for (const r of rows) {
      const k = Number(r.k);
      if (k >= 0 && k < n) counts[k] = Number(r.n);
    }
    return { from: start, bucketMs, counts };
  }

  /** Everything but the sensor frames that a playback of a range needs. */
  async events(from: number, to: number, clearance: readonly Classification[]): Promise<ReplayEvents> {
    if (!(to > from)) throw new ReplayRangeError(`to (${to}) must be after from (${from})`);
    if (to - from > MAX_RANGE_MS)
      throw new ReplayRangeError(`the range is ${Math.round((to - from) / 86_400_000)} days; at most ${MAX_RANGE_MS / 86_400_000}`);
    const update = incidentUpdateViewer(clearance, this.options.classifyEvidence);
    const detail = detailViewer(clearance, this.options.classifyEvidence);
    const trackStep = Math.max(5000, Math.ceil((to - from) / 2000 / 1000) * 1000);
    const [incidents, changes, log, units, coverage] = await Promise.all([
      this.incidentsAt(from, clearance),
      this.incidentChanges(from, to),
      this.dispatchLog(from + 1, to),
      this.unitTracks(from, to, trackStep),
      this.coverage(from, to),
    ]);
    return {
      from,
      to,
      incidents,
      changes: changes.map(update),
      actions: actionsOf(changes, log, (c) => detail(c.detail, c.incident)),
      units,
      coverage,
    };
  }

  /** The range proposed for an incident: from 15 min before it opened to 15 min after it ended (or now). */
  static proposedRange(history: readonly IncidentChange[], now: number): { from: number; to: number } {
    const first = history[0]!;
    const last = history.at(-1)!;
    const ended = ['resolved', 'closed', 'false_alarm'].includes(last.incident.status) || last.what === 'merged_into';
    const from = Math.floor((first.incident.openedAt - 15 * MIN) / MIN) * MIN;
    const to = Math.ceil(((ended ? last.at : now) + 15 * MIN) / MIN) * MIN;
    return { from, to: Math.min(to, Math.max(now, from + MIN)) };
  }

  /** The after-action report of one incident, or null when the store does not know it. */
  async report(incidentId: string, clearance: readonly Classification[], now = Date.now()): Promise<AfterActionReport | null> {
    const history = this.options.incidentStore ? await this.options.incidentStore.history(incidentId) : [];
    if (history.length === 0) return null;
    const range = ReplayService.proposedRange(history, now);
    const log = (await this.dispatchLog(range.from, range.to)).filter((e) => e.incidentId === incidentId);
    const view = this.viewer(clearance);
    const incident = view(history.at(-1)!.incident);
    const times = responseTimesOf(history, log).find((t) => t.incidentId === incidentId) ?? null;
    const units = await this.unitTracks(range.from, range.to, 15_000);
    const sent = new Set(log.map((e) => e.unitId).filter((u): u is string => Boolean(u)));
    return {
      generatedAt: now,
      incident,
      range,
      timeline: history.map(historyViewer(clearance, this.options.classifyEvidence)),
      decisions: log.map((e) => ({
        at: e.at,
        actor: e.actor,
        action: e.action,
        unitId: e.unitId ?? null,
        reason: e.reason ?? null,
        data: e.data,
      })),
      responseTimes: times,
      units: units.filter((u) => sent.has(u.id)),
    };
  }
}

function initialStatus(u: ResponseUnit): UnitStatus {
  return u.status;
}

/** Rows as arrays (JSONCompactEachRow: much less to parse than objects for large answers). */
async function compactRows(client: ClickHouseClient, query: string, params: Record<string, unknown>): Promise<unknown[][]> {
  const rs = await client.query({ query, query_params: params, format: 'JSONCompactEachRow' });
  return rs.json<unknown[]>();
}

export interface AfterActionReport {
  generatedAt: number;
  incident: IncidentView;
  range: { from: number; to: number };
  timeline: ReturnType<typeof historyEntry>[];
  decisions: Array<{
    at: number;
    actor: string;
    action: string;
    unitId: string | null;
    reason: string | null;
    data: Record<string, unknown>;
  }>;
  responseTimes: IncidentResponseTimes | null;
  /** The units sent to the incident, with their tracks through the range. */
  units: UnitTrack[];
}

/** Re-exported for the routes: the summary of one sensor as the stream shows it. */
export type { SensorSummary };
export type { Coverage, ReplayAction, ReplayEvents, UnitAt, UnitTrack };
