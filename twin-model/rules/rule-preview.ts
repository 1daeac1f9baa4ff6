/**
 * "Try it": how many alarm episodes a draft rule would have raised on stored readings, before
 * it is saved. The readings run through the twin itself (twin-state.ts), one sensor at a time,
 * with a rule set holding only the draft rule, so the count is what the twin would raise:
 * hysteresis, on-delays, rate windows and flatline runs behave exactly as live.
 *
 * An episode is a sensor entering warning or alarm from neither; `alarmEpisodes` counts the
 * episodes that reached alarm. Each reading counts as if it arrived in its own message;
 * silence (stale) is not modelled; every sensor starts the range in normal with no history.
 */
import type { SensorSite } from '../city/city-types.ts';
import { SensorStateCode } from '../sensor-state.ts';
import { applyTwinInput, createTwinChanges, createTwinState, type TwinChanges, type TwinState } from '../twin-state.ts';
import type { SensorKind } from '../vocabulary.ts';
import { compileRuleSet, type CompiledRuleSet } from './rule-resolve.ts';
import { parseRuleSet, RuleSetError, type AlarmRuleDoc, type KindOverride, type RulePatch, type RuleSet } from './rule-set.ts';

/** Where a draft rule goes: the kind, one asset's sensors of the kind, or one sensor. */
export type DraftScope = { kind: SensorKind } | { kind: SensorKind; assetId: string } | { kind: SensorKind; sensorId: string };

export interface DraftRule {
  scope: DraftScope;
  ruleId: string;
  /** The whole rule at kind scope; at asset or sensor scope the fields to change (or a whole new rule). */
  rule: AlarmRuleDoc | RulePatch;
}

/** The rule set with the draft in place, validated (RuleSetError names the draft's path). */
export function applyDraft(current: RuleSet, draft: DraftRule): RuleSet {
  const doc = structuredClone(current) as RuleSet;
  const { scope } = draft;
  if ('assetId' in scope || 'sensorId' in scope) {
    const field = 'assetId' in scope ? 'assets' : 'sensors';
    const id = 'assetId' in scope ? scope.assetId : scope.sensorId;
    const byId = doc[field] ?? {};
    const byKind = byId[id] ?? {};
    const override: KindOverride = byKind[scope.kind] ?? {};
    override.rules = { ...override.rules, [draft.ruleId]: draft.rule as RulePatch };
    byKind[scope.kind] = override;
    byId[id] = byKind;
    doc[field] = byId;
  } else {
    const kind = doc.kinds[scope.kind];
    if (!kind) throw new RuleSetError('the draft', [{ path: `kinds.${scope.kind}`, message: 'a kind the rule set has' }]);
    kind.rules[draft.ruleId] = draft.rule as AlarmRuleDoc;
  }
  return parseRuleSet(doc, 'the rule set with the draft');
}

/** The rule set reduced to one rule of one kind (in the kind and in every override), for counting that rule alone. */
export function isolateRule(set: RuleSet, kind: SensorKind, ruleId: string): RuleSet {
  const only = <T>(rules: Record<string, T> | undefined): Record<string, T> =>
    rules && ruleId in rules ? { [ruleId]: rules[ruleId]! } : {};
  const base = set.kinds[kind];
  const out: RuleSet = {
    schemaVersion: set.schemaVersion,
    kinds: base ? { [kind]: { staleAfterMs: base.staleAfterMs, rules: only(base.rules) } } : {},
  };
  for (const field of ['assets', 'sensors'] as const) {
    const overrides = set[field];
    if (!overrides) continue;
    const kept: Record<string, Record<string, KindOverride>> = {};
    for (const [id, byKind] of Object.entries(overrides)) {
      const o = byKind[kind];
      if (o?.rules?.[ruleId]) kept[id] = { [kind]: { rules: only(o.rules) } };
    }
    out[field] = kept;
  }
  return out;
}

export interface PreviewSensorCount {
  sensorId: string;
  episodes: number;
  alarmEpisodes: number;
}

export interface PreviewResult {
  /** Episodes entering warning or alarm. */
  episodes: number;
  /** Of those, the ones that reached alarm. */
  alarmEpisodes: number;
  /** Sensors with at least one episode. */
  sensorsWithEpisodes: number;
  /** Sensors whose readings were run through the rule. */
  sensorsEvaluated: number;
  readings: number;
  /** The sensors with the most episodes, most first (at most `topSensors`). */
  top: PreviewSensorCount[];
  /** The first episodes met (sensor by sensor, in time order; at most `samples`): where to look. */
  samples: PreviewEpisode[];
}

/** One episode of a preview: the sensor, when it entered warning or alarm, and whether it reached alarm. */
export interface PreviewEpisode {
  sensorId: string;
  /** Epoch ms of the reading that started it. */
  startTs: number;
  reachedAlarm: boolean;
}

const isAlarm = (code: SensorStateCode) => code === SensorStateCode.warning || code === SensorStateCode.alarm;

/**
 * Counts a draft's episodes over readings fed sensor by sensor (each sensor's in time order).
 * Memory is one small twin for the sensor being fed; the count per sensor is kept only for
 * the `topSensors` largest.
 */
export class RulePreview {
  private readonly rules: CompiledRuleSet;
  private twin: TwinState | null = null;
  private sensorId: string | null = null;
  private readonly changes: TwinChanges = createTwinChanges({ collectAlarms: true });
  private now = 0;
  private readonly ctx = { now: () => this.now };
  private current: PreviewSensorCount | null = null;
  private inEpisode = false;
  private reachedAlarm = false;
  private readonly result: PreviewResult = {
    episodes: 0,
    alarmEpisodes: 0,
    sensorsWithEpisodes: 0,
    sensorsEvaluated: 0,
    readings: 0,
    top: [],
    samples: [],
  };
  private sample: PreviewEpisode | null = null;

  /**
   * @param draftSet the rule set with the draft in place (`applyDraft`)
   * @param assetOf the asset a sensor watches (the city's register), for asset overrides
   */
  constructor(
    draftSet: RuleSet,
    readonly kind: SensorKind,
    readonly ruleId: string,
    private readonly metric: string,
    private readonly assetOf: (sensorId: string) => string | null = () => null,
    private readonly topSensors = 20,
    private readonly samples = 20,
  ) {
    this.rules = compileRuleSet(isolateRule(draftSet, kind, ruleId));
  }

  /** One stored reading of the draft's metric; a sensor's readings in time order, sensors one after another. */
  feed(sensorId: string, ts: number, value: number): void {
    if (sensorId !== this.sensorId) this.startSensor(sensorId, ts);
    this.now = ts;
    this.result.readings++;
    applyTwinInput(this.twin!, { type: 'readings', id: sensorId, readings: [{ metric: this.metric, ts, value }] }, this.ctx, this.changes);
    this.count();
  }

  /** The counts so far (call after the last reading). */
  finish(): PreviewResult {
    this.endSensor();
    return { ...this.result, top: [...this.result.top], samples: [...this.result.samples] };
  }

  private startSensor(sensorId: string, ts: number): void {
    this.endSensor();
    this.sensorId = sensorId;
    this.current = { sensorId, episodes: 0, alarmEpisodes: 0 };
    this.inEpisode = false;
    this.reachedAlarm = false;
    const assetId = this.assetOf(sensorId);
    const site: SensorSite = {
      id: sensorId,
      kind: this.kind,
      lng: 0,
      lat: 0,
      district: '',
      sourceId: '',
      nameZh: '',
      nameEn: '',
      lowness: 0,
    };
    if (assetId !== null) site.assetId = assetId;
    this.twin = createTwinState({ rules: this.rules, sites: new Map([[sensorId, site]]) });
    this.now = ts;
    applyTwinInput(this.twin, { type: 'meta', id: sensorId, meta: { kind: this.kind, lng: 0, lat: 0 } }, this.ctx, this.changes);
    this.changes.alarms!.length = 0;
    this.result.sensorsEvaluated++;
  }

  private count(): void {
    const alarms = this.changes.alarms!;
    for (const t of alarms) {
      if (!isAlarm(t.from) && isAlarm(t.to)) {
        this.inEpisode = true;
        this.reachedAlarm = false;
        this.current!.episodes++;
        this.sample = null;
        if (this.result.samples.length < this.samples) {
          this.sample = { sensorId: this.sensorId!, startTs: this.now, reachedAlarm: false };
          this.result.samples.push(this.sample);
        }
      }
      if (!isAlarm(t.to)) this.inEpisode = false;
      if (this.inEpisode && t.to === SensorStateCode.alarm && !this.reachedAlarm) {
        this.reachedAlarm = true;
        this.current!.alarmEpisodes++;
        if (this.sample) this.sample.reachedAlarm = true;
      }
    }
    alarms.length = 0;
    this.changes.changed.clear();
    this.changes.added.length = 0;
  }

  private endSensor(): void {
    const c = this.current;
    if (!c) return;
    this.result.episodes += c.episodes;
    this.result.alarmEpisodes += c.alarmEpisodes;
    if (c.episodes > 0) {
      this.result.sensorsWithEpisodes++;
      const top = this.result.top;
      top.push(c);
      top.sort((a, b) => b.episodes - a.episodes || a.sensorId.localeCompare(b.sensorId));
      if (top.length > this.topSensors) top.pop();
    }
    this.current = null;
    this.twin = null;
    this.sensorId = null;
  }
}

/**
 * What a store must fetch for a preview: the metric, the sensors (all of the kind, an asset's,
 * or one) and a bound that no sensor can raise anything without reaching — for skipping
 * sensors from the per-minute rollup before reading their raw readings.
 */
export interface PreviewPlan {
  kind: SensorKind;
  metric: string;
  /** null: every sensor of the kind; otherwise these sensors. */
  sensorIds: string[] | null;
  /** A sensor can raise an episode only if its range reaches this (per-minute min/max). */
  reach:
    | { type: 'above'; value: number }
    | { type: 'below'; value: number }
    | { type: 'span'; value: number }
    | { type: 'readings'; value: number };
}

/**
 * The plan of a preview. At asset scope the caller gives the asset's sensors (`sensorsOf`,
 * from the city's register). The reach is taken over every version of the rule the scope's
 * sensors may get (the kind's and each override's), so no sensor that could raise is skipped.
 */
export function previewPlan(draftSet: RuleSet, draft: DraftRule, sensorsOf?: (assetId: string) => string[]): PreviewPlan {
  const { scope } = draft;
  const isolated = isolateRule(draftSet, scope.kind, draft.ruleId);
  const versions: AlarmRuleDoc[] = [];
  const base = isolated.kinds[scope.kind]?.rules[draft.ruleId];
  if (base) versions.push(base);
  for (const field of ['assets', 'sensors'] as const)
    for (const byKind of Object.values(isolated[field] ?? {})) {
      const patch = byKind[scope.kind]?.rules?.[draft.ruleId];
      if (patch) versions.push({ ...base, ...patch } as AlarmRuleDoc);
    }
  const first = versions[0];
  if (!first) throw new RuleSetError('the draft', [{ path: draft.ruleId, message: `no rule ${draft.ruleId} for ${scope.kind}` }]);
  const metrics = [...new Set(versions.map((v) => v.metric))];
  if (metrics.length > 1)
    throw new RuleSetError('the draft', [
      {
        path: draft.ruleId,
        value: JSON.stringify(metrics),
        message: 'a rule previewed watches one metric; these overrides add it for several',
      },
    ]);
  if ('assetId' in scope && sensorsOf === undefined)
    throw new RuleSetError('the draft', [
      {
        path: 'scope.assetId',
        value: JSON.stringify(scope.assetId),
        message: "a preview at asset scope needs the asset's sensors (sensorsOf)",
      },
    ]);
  const sensorIds = 'assetId' in scope ? sensorsOf!(scope.assetId) : 'sensorId' in scope ? [scope.sensorId] : null;
  return { kind: scope.kind, metric: first.metric, sensorIds, reach: reachOf(versions) };
}

function reachOf(versions: readonly AlarmRuleDoc[]): PreviewPlan['reach'] {
  const first = versions[0]!;
  if (versions.some((v) => v.type !== first.type)) return { type: 'readings', value: 1 };
  switch (first.type) {
    case 'threshold': {
      const ts = versions as Extract<AlarmRuleDoc, { type: 'threshold' }>[];
      if (ts.some((t) => t.direction !== first.direction)) return { type: 'readings', value: 1 };
      const enters = ts.flatMap((t) => [t.warning.enter, t.alarm.enter]);
      return first.direction === 'above' ? { type: 'above', value: Math.min(...enters) } : { type: 'below', value: Math.max(...enters) };
    }
    case 'rate':
      return { type: 'span', value: Math.min(...(versions as Extract<AlarmRuleDoc, { type: 'rate' }>[]).map((r) => r.delta)) };
    case 'flatline':
      return {
        type: 'readings',
        value: Math.min(...(versions as Extract<AlarmRuleDoc, { type: 'flatline' }>[]).map((r) => r.minReadings ?? 2)),
      };
    default: {
      const never: never = first;
      throw new Error(`unknown rule ${JSON.stringify(never)}`);
    }
  }
}
