/**
 * The flight recorder (docs/replay.md): keyframes, playback frames, the events of a range and the
 * after-action report of an incident, for a caller's classification clearance. It reads stored
 * data through the stores (storage/replay-store.ts, the registry, the incident store, the
 * dispatch log), runs the pure core (replay-twin.ts) and keeps rebuilt twins for a minute
 * (replay-cache.ts), so a keyframe and the frames after it, and chunk after chunk of frames,
 * share one rebuild.
 *
 * - The incidents at T are the latest stored change of each (IncidentStore.stateAt); units are
 *   their last AVL fix and dispatch-log status at or before T.
 * - Frames read, per step, the last value of each sensor and metric computed in ClickHouse: from
 *   `readings_10s` for steps of 10 s and more on the grid, from raw readings below.
 */
import { RegistryStore, ReplayStore, type StorageClient, type ReadingsExport, type SensorRegistryRow } from '../../../storage/index.ts';
import {
  DEFAULT_ALARM_RULES,
  type CityModel,
  type Classification,
  type DispatchLogEntry,
  type Incident,
  type IncidentChange,
  type MetricRule,
  type CompiledRuleSet,
  type ResponseUnit,
  registerSites,
  type DeclaredSensorSite,
  type TwinConfig,
} from '../../../twin-model/index.ts';
import type { IncidentView, SensorSummary, SnapshotMessage } from '../../shared/protocol.ts';
import type {
  Coverage,
  ReplayAction,
  ReplayEvents,
  ReplayFrames,
  ReplayKeyframe,
  UnitAt,
  UnitTrack,
} from '../../shared/replay-protocol.ts';
import { clearanceMask, sensorClassifier, type SensorClassifier } from '../auth/classification.ts';
import type { DispatchService } from '../dispatch/dispatch-service.ts';
import type { IncidentStore } from '../../../storage/incident-store.ts';
import { detailViewer, historyViewer, incidentUpdateViewer, incidentViewer, type EvidenceClassifier } from '../incidents/incident-view.ts';
import { afterActionReport, proposedRange, type AfterActionReport } from './after-action-report.ts';
import { cityTimeZone } from '../../../twin-model/local-time.ts';
import { TimedCache } from './replay-cache.ts';
import {
  actionsOf,
  advanceFrames,
  base64Of,
  bucketize,
  encodeFrame,
  GAP_MIN_MS,
  gapsOf,
  KEYFRAME_DETAIL_MS,
  KEYFRAME_LOOKBACK_MS,
  keyframeStart,
  MAX_FRAMES,
  MAX_RANGE_MS,
  REPLAY_GRID_MS,
  feedTwin,
  rebuildTimings,
  keyframeSensors,
  registerTwin,
  registryAt,
  replayIds,
  rowClass,
  rulesByMetric,
  thresholdsByMetric,
  snapToGrid,
  type StoredValue,
  type TwinAt,
} from './replay-twin.ts';

const MIN = 60_000;

export type { ReplayFrames, ReplayKeyframe };

export interface ReplayServiceOptions {
  clickhouse: StorageClient;
  city: CityModel | null;
  districtAt?: TwinConfig['districtAt'];
  incidentStore: IncidentStore | null;
  dispatch: DispatchService | null;
  /** Classification of the sensor behind a piece of evidence (the live twin's). */
  classifyEvidence: EvidenceClassifier;
  /** How long the registry read is reused (ms). */
  registryTtlMs?: number;
  /** The alarm rule versions (web/server/rules): replay at T runs the rules in force at T; absent: the defaults. */
  rules?: ReplayRules | null;
}

/** The alarm rules over time, as replay needs them (web/server/rules/rules-service.ts). */
export interface ReplayRules {
  /** The rules in force at `t`. */
  alarmRulesAt(t: number): CompiledRuleSet;
  /** Versions saved in (from, to], in order. */
  alarmChangesIn(from: number, to: number): Array<{ at: number; rules: CompiledRuleSet }>;
}

/** A range or step the replay does not serve; the routes answer it with 400. */
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

/** Values a keyframe is rebuilt from, with how many sensors got their history and the read times. */
type KeyframeValues = { values: StoredValue[]; history: number; timings: Record<string, number> };

export class ReplayService {
  private readonly store: ReplayStore;
  private readonly registryReads: RegistryStore;
  private readonly classify: SensorClassifier;
  private readonly sites: Map<string, DeclaredSensorSite>;
  private readonly metricRules: Map<string, MetricRule[]> = rulesByMetric(DEFAULT_ALARM_RULES);
  private readonly metricRulesOf = new WeakMap<CompiledRuleSet, Map<string, MetricRule[]>>();
  private registryCache: { at: number; rows: SensorRegistryRow[] } | null = null;
  /** Rebuilds by `mask|at`, oldest first. */
  private readonly rebuilt = new TimedCache<Promise<Rebuilt>>(REBUILD_TTL_MS, MAX_CACHED_TWINS);
  /** Where chunks of frames ended, by `mask|end`: the next chunk takes the twin over. */
  private readonly continued = new TimedCache<{ epoch: string; twin: TwinAt }>(REBUILD_TTL_MS, MAX_CACHED_TWINS);

  constructor(private readonly options: ReplayServiceOptions) {
    this.store = new ReplayStore(options.clickhouse);
    this.registryReads = new RegistryStore(options.clickhouse);
    this.classify = sensorClassifier(options.city?.sources ?? []);
    this.sites = new Map(registerSites(options.city).map((s) => [s.id, s]));
  }

  private twinConfig(at: number): Partial<TwinConfig> {
    const rules = this.options.rules?.alarmRulesAt(at);
    return {
      sites: this.sites,
      ...(this.options.districtAt ? { districtAt: this.options.districtAt } : {}),
      ...(rules ? { rules } : {}),
    };
  }

  /** The threshold rules by metric in force at `at` (which sensors need their history fed). */
  private metricRulesAt(at: number): Map<string, MetricRule[]> {
    const rules = this.options.rules?.alarmRulesAt(at);
    if (!rules) return this.metricRules;
    let held = this.metricRulesOf.get(rules);
    if (!held) {
      held = thresholdsByMetric(rules);
      this.metricRulesOf.set(rules, held);
    }
    return held;
  }

  /** Every version of every registry row (cached briefly: seeks reuse it). */
  async registry(): Promise<SensorRegistryRow[]> {
    const ttl = this.options.registryTtlMs ?? 5000;
    if (this.registryCache && Date.now() - this.registryCache.at < ttl) return this.registryCache.rows;
    const rows = await this.registryReads.versions();
    this.registryCache = { at: Date.now(), rows };
    return rows;
  }

  /** The replay numbering for a clearance, and its epoch name. */
  async numbering(clearance: readonly Classification[]): Promise<{ ids: string[]; epoch: string; rows: SensorRegistryRow[] }> {
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
   * the state (replay-twin.ts `keyframeStart`) is the sensor fed its history from the same table:
   * one seed value for the hour before, the per-minute last values of the last
   * {@link KEYFRAME_DETAIL_MS} (the current minute up to the grid point included), then the raw
   * tail. Every other sensor gets its last value only, which gives the same state.
   */
  async keyframeValues(at: number): Promise<KeyframeValues> {
    const grid = snapToGrid(at);
    const minute = Math.floor(at / MIN) * MIN;
    const detailFrom = minute - KEYFRAME_DETAIL_MS;
    const t0 = performance.now();
    const [window, tail] = await Promise.all([
      this.store.windowValues(grid - KEYFRAME_LOOKBACK_MS, detailFrom, grid),
      grid === at ? Promise.resolve([]) : this.store.rawWindow(grid, at),
    ]);
    const t1 = performance.now();
    const { values, history } = keyframeStart(window, tail, this.metricRulesAt(at));
    const timings = { lastMs: Math.round(t1 - t0), detailMs: 0 };
    if (history.length === 0) return { values, history: 0, timings };
    values.push(...(await this.store.minuteValues(detailFrom, grid, history)));
    timings.detailMs = Math.round(performance.now() - t1);
    return { values, history: history.length, timings };
  }

  /**
   * Rebuilds the twin at `at` for a clearance (no cache). The registry part of the twin is built
   * while ClickHouse reads the values (its queries run off the main thread), then the values are fed.
   */
  private async rebuild(at: number, clearance: readonly Classification[]): Promise<Rebuilt> {
    const t0 = performance.now();
    const reading = this.keyframeValues(at);
    // Awaited below; a failure before that (the registry read) must not leave it unhandled.
    reading.catch(() => undefined);
    const { ids, epoch, rows } = await this.numbering(clearance);
    const tr = performance.now();
    const registered = registerTwin(ids, registryAt(rows, at), at, this.twinConfig(at));
    const registerMs = performance.now() - tr;
    const start = await reading;
    const t1 = performance.now();
    const state = feedTwin(registered, start.values, at);
    const t2 = performance.now();
    return {
      ...state,
      ids,
      epoch,
      // Taken now, before frames may advance this twin.
      sensors: keyframeSensors(state),
      gaps: gapsOf(state.twin, at, GAP_MIN_MS),
      claimed: false,
      timings: {
        ...rebuildTimings(t0, registerMs, t1, t2),
        values: start.values.length,
        history: start.history,
        ...start.timings,
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
    const held = this.rebuilt.get(key, now);
    if (held) return held;
    const promise = this.rebuild(at, clearance);
    this.rebuilt.set(key, promise, now);
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
      gaps: base64Of(state.gaps),
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
    const cont = this.continued.take(key, Date.now());
    if (cont) {
      const { epoch } = await this.numbering(clearance);
      if (epoch === cont.epoch) return { twin: cont.twin, epoch, keyframeMs: 0, continued: true };
    }
    let built = await this.twinAt(from, clearance);
    if (built.claimed) built = await this.rebuild(from, clearance);
    built.claimed = true;
    return {
      twin: { twin: built.twin, ctx: built.ctx, ...(built.unseen ? { unseen: built.unseen } : {}) },
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
    const [start, rows] = await Promise.all([this.twinToAdvance(from, clearance), this.store.stepValues(from, end, step, rollup)]);
    const t1 = performance.now();
    const buckets = bucketize(rows, count);
    const rowsNow = await this.registry();
    const ruleChanges = this.options.rules?.alarmChangesIn(from, end) ?? [];
    const frames = advanceFrames(start.twin, buckets, from, step, count, start.epoch, 0, rowsNow, ruleChanges);
    // The next chunk continues from here.
    this.continued.set(`${clearanceMask(clearance)}|${end}`, { epoch: start.epoch, twin: start.twin }, Date.now());
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
    return this.options.incidentStore ? this.options.incidentStore.changesBetween(from, to) : [];
  }

  private async dispatchLog(from: number, to: number): Promise<DispatchLogEntry[]> {
    return this.options.dispatch ? this.options.dispatch.logEntries({ from, to }) : [];
  }

  private fleet(): ResponseUnit[] {
    return this.options.dispatch?.units() ?? [];
  }

  /** Units at `at`: last AVL fix at or before it (else home), status from the dispatch log (else the fix's, else the fleet's). */
  async unitsAt(at: number): Promise<UnitAt[]> {
    const fleet = this.fleet();
    if (fleet.length === 0) return [];
    const [fixes, statuses] = await Promise.all([this.store.unitFixesAt(at, at - 86_400_000), this.store.unitStatusesAt(at)]);
    const fixOf = new Map(fixes.map((f) => [f.unitId, f]));
    const statusOf = new Map(statuses.map((s) => [s.unitId, s]));
    return fleet.map((u) => {
      const fix = fixOf.get(u.id);
      const logged = statusOf.get(u.id);
      return {
        id: u.id,
        kind: u.kind,
        nameZh: u.nameZh,
        nameEn: u.nameEn,
        lng: fix ? fix.lng : u.homeLng,
        lat: fix ? fix.lat : u.homeLat,
        status: logged?.status || fix?.status || u.status,
        lastFixAt: fix ? fix.ts : 0,
      };
    });
  }

  /** Unit tracks through a range, AVL downsampled in ClickHouse to one point per `stepMs`. */
  async unitTracks(from: number, to: number, stepMs: number): Promise<UnitTrack[]> {
    if (this.fleet().length === 0) return [];
    const [start, points, log] = await Promise.all([
      this.unitsAt(from),
      this.store.unitTrackPoints(from, to, stepMs),
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
    for (const p of points) tracks.get(p.unitId)?.points.push([p.ts, p.lng, p.lat]);
    for (const e of log) {
      const status = (e.data as { to?: unknown }).to;
      if (e.unitId && typeof status === 'string') tracks.get(e.unitId)?.statuses.push([e.at, status]);
    }
    return [...tracks.values()];
  }

  /** Readings stored per time bucket over a range (a bucket with none is a gap in the data). */
  async coverage(from: number, to: number): Promise<Coverage> {
    const span = to - from;
    const bucketMs = Math.max(MIN, Math.ceil(span / 240 / MIN) * MIN);
    const start = Math.floor(from / MIN) * MIN;
    const n = Math.ceil((to - start) / bucketMs);
    const counts = new Array<number>(n).fill(0);
    for (const r of await this.store.readingsPerBucket(start, to, bucketMs)) if (r.k >= 0 && r.k < n) counts[r.k] = r.n;
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

  /**
   * The sensors an export of readings of `classes` covers, in id order, each with the kind and
   * classification its rows are labelled with: those of its newest registry row (the register's
   * kind first), as the replay numbering classifies it.
   */
  async exportSensors(classes: readonly Classification[]): Promise<Array<{ id: string; kind: string; classification: string }>> {
    const rows = await this.registry();
    const newest = registryAt(rows, Number.MAX_SAFE_INTEGER);
    return replayIds(rows, this.classify, clearanceMask(classes), this.sites).map((id) => {
      const r = newest.get(id);
      return {
        id,
        kind: r ? (this.sites.get(id)?.kind ?? r.kind) : '',
        classification: r ? rowClass(r, this.classify, this.sites) : '',
      };
    });
  }

  /** The readings of `sensors` over a range as CSV or Parquet, made by ClickHouse, as a stream. */
  exportReadings(
    sensors: ReadonlyArray<{ id: string; kind: string; classification: string }>,
    e: Omit<ReadingsExport, 'ids' | 'kinds' | 'classes'>,
  ): Promise<AsyncIterable<Buffer | Uint8Array>> {
    return this.store.exportReadings({
      ...e,
      ids: sensors.map((s) => s.id),
      kinds: sensors.map((s) => s.kind),
      classes: sensors.map((s) => s.classification),
    });
  }

  /** The after-action report of one incident, or null when the store does not know it. */
  async report(incidentId: string, clearance: readonly Classification[], now = Date.now()): Promise<AfterActionReport | null> {
    const history = this.options.incidentStore ? await this.options.incidentStore.history(incidentId) : [];
    if (history.length === 0) return null;
    const range = proposedRange(history, now);
    const log = (await this.dispatchLog(range.from, range.to)).filter((e) => e.incidentId === incidentId);
    const units = await this.unitTracks(range.from, range.to, 15_000);
    return afterActionReport({
      incidentId,
      history,
      log,
      units,
      range,
      view: this.viewer(clearance),
      historyView: historyViewer(clearance, this.options.classifyEvidence),
      now,
      timeZone: cityTimeZone(this.options.city),
    });
  }
}

export type { AfterActionReport, Coverage, ReplayAction, ReplayEvents, SensorSummary, UnitAt, UnitTrack };
