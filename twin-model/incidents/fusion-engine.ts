/**
 * The twin and the incident correlator together: readings update the sensor twin, its alarm
 * transitions become evidence, discrete reports become evidence, and the correlator fuses them.
 * Pure and deterministic (time from `ctx`), used by the live twin, replay and the evaluation.
 */
import { AreaGroups } from './area-groups.ts';
import { AlarmLevel } from '../alarm-rules.ts';
import type { WarningContext } from '../cap/cap-context.ts';
import type { Reading } from '../messages/payload-parser.ts';
import type { SeenUnit } from '../messages/device-metrics.ts';
import type { CityEvent, SensorMeta } from '../messages/record-parsers.ts';
import { SensorStateCode } from '../sensor-state.ts';
import type { CompiledRuleSet } from '../rules/rule-resolve.ts';
import {
  applyTwinInput,
  createTwinChanges,
  isSuspect,
  type AlarmTransition,
  type SensorEntry,
  type TwinChanges,
  type TwinContext,
  type TwinState,
} from '../twin-state.ts';
import { applyIncidentInput, type Evidence, type IncidentChange, type IncidentInput, type IncidentState } from './incident-correlator.ts';

export interface FusionConfig {
  /** Whether a position is inside the city (reports outside it are rejected). */
  inCity: (lng: number, lat: number) => boolean;
  /** District code at a position, for reports. */
  districtAt: (lng: number, lat: number) => string | null;
}

export interface FusionCounters {
  eventsAccepted: number;
  eventsRejected: Record<string, number>;
  alarmsRaised: number;
  alarmsCleared: number;
  /** Alarm evidence withdrawn because the sensor's value flatlined. */
  suspectWithdrawn: number;
}

export class FusionEngine {
  readonly counters: FusionCounters = { eventsAccepted: 0, eventsRejected: {}, alarmsRaised: 0, alarmsCleared: 0, suspectWithdrawn: 0 };
  private readonly changes: TwinChanges;
  /** Whether `changes` belongs to someone else (a live stream) who drains `changed`/`added`. */
  private readonly sharedChanges: boolean;
  /** Sensors whose evidence was withdrawn because their value flatlined (stuck). */
  private readonly withdrawn = new Set<string>();
  /**
   * Sensors whose readings arrive late (stale in the twin) but are in warning or alarm: the
   * level of the evidence raised from those readings.
   */
  private readonly lateRaised = new Map<string, SensorStateCode>();
  /** Area evidence currently raised: id → its share and silent share. */
  private readonly areas = new Map<string, string>();
  /** Sensor kinds some rule watches as a district share, with the lowest share that matters. */
  private readonly areaKinds: Map<string, number>;
  /** Kinds for which some area_share signal counts silent sensors (`countSilent`). */
  private readonly silentKinds = new Set<string>();
  /** The twin's sensors by kind and district (district-wide evidence asks for one group per transition). */
  private readonly areaGroups: AreaGroups;

  constructor(
    readonly twin: TwinState,
    readonly incidents: IncidentState,
    private readonly config: FusionConfig,
    /**
     * Where the twin notes changed sensors, when someone else reads them (the live stream's
     * `pending`): the engine then only takes the alarm transitions and leaves the changed
     * indices for their owner. Without it the engine keeps (and clears) its own.
     */
    sink?: TwinChanges,
  ) {
    this.sharedChanges = sink !== undefined;
    this.changes = sink ?? createTwinChanges({ collectAlarms: true });
    this.changes.alarms ??= [];
    this.areaKinds = new Map();
    this.areaGroups = new AreaGroups(twin);
    this.indexAreaKinds();
  }

  private indexAreaKinds(): void {
    this.areaKinds.clear();
    this.silentKinds.clear();
    for (const rule of this.incidents.rules.values()) {
      for (const s of rule.signals) {
        if (s.evidence !== 'area_share') continue;
        for (const k of s.sensorKinds ?? []) {
          this.areaKinds.set(k, Math.min(this.areaKinds.get(k) ?? 1, s.minShare ?? 1));
          if (s.countSilent) this.silentKinds.add(k);
        }
      }
    }
  }

  /**
   * Puts new incident rules in force: evidence from now on is linked by them; incidents already
   * open keep their evidence (docs/rules.md).
   */
  setIncidentRules(rules: IncidentState['rules']): void {
    this.incidents.rules = rules;
    this.indexAreaKinds();
  }

  meta(sensorId: string, meta: SensorMeta | null, ctx: TwinContext): IncidentChange[] {
    const before = this.twin.byId.get(sensorId);
    const [kind, district, version] = [before?.kind, before?.district, this.twin.metaVersion];
    applyTwinInput(this.twin, { type: 'meta', id: sensorId, meta }, ctx, this.changes);
    this.areaGroups.moved(this.twin.byId.get(sensorId)!, kind, district, version);
    return this.drainAlarms(ctx);
  }

  readings(sensorId: string, readings: readonly Reading[], ctx: TwinContext, units?: readonly SeenUnit[]): IncidentChange[] {
    const wasSilent = this.twin.byId.get(sensorId)?.state === SensorStateCode.stale;
    applyTwinInput(this.twin, { type: 'readings', id: sensorId, readings, units }, ctx, this.changes);
    const out = this.drainAlarms(ctx);
    if (wasSilent) out.push(...this.reportsAgain(sensorId, ctx));
    out.push(...this.reviewSuspect(sensorId, ctx));
    return out;
  }

  /**
   * Puts a new alarm rule set in force (the twin re-evaluates every sensor from its current
   * values); alarm transitions become evidence changes as usual.
   */
  setRules(rules: CompiledRuleSet, ctx: TwinContext): IncidentChange[] {
    applyTwinInput(this.twin, { type: 'rules', rules }, ctx, this.changes);
    const out = this.drainAlarms(ctx);
    for (const entry of this.twin.sensors) {
      if (isSuspect(entry) !== this.withdrawn.has(entry.id)) out.push(...this.reviewSuspect(entry.id, ctx));
    }
    return out;
  }

  /** A stuck sensor is no evidence: withdraw it once, and let it count again when it moves. */
  private reviewSuspect(sensorId: string, ctx: TwinContext): IncidentChange[] {
    const out: IncidentChange[] = [];
    const entry = this.twin.byId.get(sensorId);
    const suspect = entry !== undefined && isSuspect(entry);
    if (entry && suspect && !this.withdrawn.has(sensorId)) {
      this.withdrawn.add(sensorId);
      this.counters.suspectWithdrawn++;
      out.push(...applyIncidentInput(this.incidents, { type: 'alarm_cleared', sensorId, ts: entry.lastTs, withdrawn: true }, ctx));
    } else if (
      entry &&
      !suspect &&
      this.withdrawn.delete(sensorId) &&
      (entry.state === SensorStateCode.warning || entry.state === SensorStateCode.alarm)
    ) {
      const input = alarmInput(entry, {
        sensorId,
        from: SensorStateCode.normal,
        to: entry.state,
        at: ctx.now(),
        ts: entry.lastTs,
      });
      if (input) out.push(...applyIncidentInput(this.incidents, input, ctx));
    }
    if (entry) out.push(...this.lateEvidence(entry, ctx));
    return out;
  }

  /**
   * Evidence from late data. A gateway that buffers delivers readings minutes after they were
   * taken: the twin shows the sensor stale (its newest reading is older than its limit) and no
   * transition into warning or alarm is seen, yet the readings say the water stood there. Their
   * level is evidence all the same (at the readings' time), cleared when they fall back; once
   * the data is fresh again the sensor's own transitions take over.
   */
  private lateEvidence(entry: SensorEntry, ctx: TwinContext): IncidentChange[] {
    const raised = this.lateRaised.get(entry.id);
    if (entry.state !== SensorStateCode.stale) {
      if (raised === undefined) return [];
      this.lateRaised.delete(entry.id);
      // Fresh in warning or alarm: that transition raised the evidence. Fresh and normal: the twin
      // notes no transition from stale to normal, so the late evidence is cleared here.
      return entry.state === SensorStateCode.normal ? this.clearLate(entry, ctx) : [];
    }
    if (entry.kind === 'unknown' || isSuspect(entry) || this.withdrawn.has(entry.id)) return [];
    let level: AlarmLevel = AlarmLevel.normal;
    for (const rule of entry.rules?.rules ?? []) {
      // A flatline is the sensor's own fault, not evidence of anything in the city.
      if (rule.type !== 'flatline') level = Math.max(level, entry.levels.get(rule.id) ?? AlarmLevel.normal) as AlarmLevel;
    }
    const to = level === AlarmLevel.alarm ? SensorStateCode.alarm : level === AlarmLevel.warning ? SensorStateCode.warning : null;
    if (to === null) {
      if (raised === undefined) return [];
      this.lateRaised.delete(entry.id);
      return this.clearLate(entry, ctx);
    }
    if (raised === to) return [];
    const input = alarmInput(entry, { sensorId: entry.id, from: SensorStateCode.stale, to, at: ctx.now(), ts: entry.lastTs });
    if (!input) return [];
    this.lateRaised.set(entry.id, to);
    this.counters.alarmsRaised++;
    return applyIncidentInput(this.incidents, input, ctx);
  }

  private clearLate(entry: SensorEntry, ctx: TwinContext): IncidentChange[] {
    this.counters.alarmsCleared++;
    return applyIncidentInput(this.incidents, { type: 'alarm_cleared', sensorId: entry.id, ts: entry.lastTs }, ctx);
  }

  /** A discrete report; rejected (and counted) when it cannot be placed in the city. */
  event(event: CityEvent, ctx: TwinContext): IncidentChange[] {
    if (!this.config.inCity(event.lng, event.lat)) {
      this.reject('outside_city');
      return [];
    }
    this.counters.eventsAccepted++;
    const evidence: Evidence = {
      id: `event:${event.source}:${event.id}`,
      kind: 'event',
      eventType: event.type,
      ...(event.category ? { category: event.category } : {}),
      source: event.source,
      ts: event.ts,
      lng: event.lng,
      lat: event.lat,
      ...(this.districtOf(event.lng, event.lat) ? { district: this.districtOf(event.lng, event.lat)! } : {}),
    };
    return applyIncidentInput(this.incidents, { type: 'event', evidence }, ctx);
  }

  /**
   * The official warnings held now, and the keys of those their issuer cancelled or updated:
   * covered incidents gain or lose the warnings' support (docs/cap.md).
   */
  warnings(warnings: readonly WarningContext[], withdrawn: readonly string[], ctx: TwinContext): IncidentChange[] {
    return applyIncidentInput(this.incidents, { type: 'warnings', warnings, withdrawn }, ctx);
  }

  /** Staleness of sensors and resolution of quiet incidents; about once a second. */
  tick(ctx: TwinContext): IncidentChange[] {
    applyTwinInput(this.twin, { type: 'tick' }, ctx, this.changes);
    return [...this.drainAlarms(ctx), ...applyIncidentInput(this.incidents, { type: 'tick' }, ctx)];
  }

  /**
   * A sensor of a kind counted silent (`countSilent`) that reports again after being silent
   * lowers its district's silent share, though the twin notes no alarm transition for it (stale
   * to normal): a share raised meanwhile is taken again (updated, or cleared when under the
   * rule's). A sensor falling silent does not re-raise a share by itself (docs/incidents.md).
   */
  private reportsAgain(sensorId: string, ctx: TwinContext): IncidentChange[] {
    const entry = this.twin.byId.get(sensorId);
    if (!entry?.district || entry.state === SensorStateCode.stale || !this.silentKinds.has(entry.kind)) return [];
    if (!this.areas.has(`area-${entry.kind}-${entry.district}`)) return [];
    const t: AlarmTransition = { sensorId, from: SensorStateCode.stale, to: entry.state, at: ctx.now(), ts: entry.lastTs };
    return this.areaEvidence(entry.kind, entry.district, t, ctx);
  }

  private districtOf(lng: number, lat: number): string | null {
    return this.config.districtAt(lng, lat);
  }

  private reject(reason: string): void {
    this.counters.eventsRejected[reason] = (this.counters.eventsRejected[reason] ?? 0) + 1;
  }

  private drainAlarms(ctx: TwinContext): IncidentChange[] {
    if (!this.sharedChanges) {
      this.changes.changed.clear();
      this.changes.added.length = 0;
    }
    const transitions = this.changes.alarms!.splice(0);
    const out: IncidentChange[] = [];
    for (const t of transitions) {
      const entry = this.twin.byId.get(t.sensorId);
      if (!entry) continue;
      if (this.withdrawn.has(t.sensorId)) continue;
      const input = alarmInput(entry, t);
      if (!input) continue;
      if (input.type === 'alarm') this.counters.alarmsRaised++;
      else this.counters.alarmsCleared++;
      out.push(...applyIncidentInput(this.incidents, input, ctx));
      if (entry.kind !== 'unknown' && entry.district && this.areaKinds.has(entry.kind))
        out.push(...this.areaEvidence(entry.kind, entry.district, t, ctx));
    }
    return out;
  }

  /**
   * District-wide evidence: when the share of a district's sensors of a kind in warning or
   * alarm reaches what a rule asks, it is one piece of evidence placed at those sensors; it
   * clears when the share falls back. Where a rule counts silent sensors (`countSilent`), the
   * share of the district's stale sensors is carried along: the district may be at the share
   * those sensors neither confirm nor rule out.
   */
  private areaEvidence(kind: string, district: string, t: AlarmTransition, ctx: TwinContext): IncidentChange[] {
    const sensors = this.areaGroups
      .of(kind, district)
      .filter((s) => s.kind === kind && s.district === district && s.registered && s.lng !== null && s.lat !== null);
    const hot = sensors.filter(
      (s) => (s.state === SensorStateCode.warning || s.state === SensorStateCode.alarm) && !this.withdrawn.has(s.id),
    );
    const share = sensors.length ? hot.length / sensors.length : 0;
    const silent =
      this.silentKinds.has(kind) && sensors.length
        ? sensors.filter((s) => s.state === SensorStateCode.stale && !this.withdrawn.has(s.id)).length / sensors.length
        : 0;
    const id = `area-${kind}-${district}`;
    const raised = this.areas.has(id);
    if (share + silent >= this.areaKinds.get(kind)! && hot.length > 0) {
      const key = `${share}/${silent}`;
      if (raised && this.areas.get(id) === key) return [];
      this.areas.set(id, key);
      const evidence: Evidence = {
        id: `alarm:${id}`,
        kind: 'sensor_alarm',
        sensorKind: kind,
        sensorId: id,
        level: hot.some((s) => s.state === SensorStateCode.alarm) ? 'alarm' : 'warning',
        ts: t.ts || t.at,
        lng: hot.reduce((n, s) => n + s.lng!, 0) / hot.length,
        lat: hot.reduce((n, s) => n + s.lat!, 0) / hot.length,
        areaShare: Math.round(share * 100) / 100,
        ...(silent > 0 ? { silentShare: Math.round(silent * 100) / 100 } : {}),
        district,
      };
      return applyIncidentInput(this.incidents, { type: 'alarm', evidence }, ctx);
    }
    if (!raised) return [];
    this.areas.delete(id);
    return applyIncidentInput(this.incidents, { type: 'alarm_cleared', sensorId: id, ts: t.ts || t.at }, ctx);
  }
}

/** The correlator input for an alarm transition, or null when it carries no evidence. */
export function alarmInput(entry: SensorEntry, t: AlarmTransition): IncidentInput | null {
  const raised = t.to === SensorStateCode.warning || t.to === SensorStateCode.alarm;
  if (!raised) {
    // Back to normal clears the evidence; going silent (stale) leaves it as it was.
    return t.to === SensorStateCode.normal ? { type: 'alarm_cleared', sensorId: entry.id, ts: t.ts || t.at } : null;
  }
  if (entry.kind === 'unknown' || entry.lng === null || entry.lat === null) return null;
  let metric: string | undefined;
  let value: number | undefined;
  for (const rule of entry.rules?.rules ?? []) {
    // A flatline is the sensor's own fault, not evidence of anything in the city.
    if (rule.type === 'flatline') continue;
    const level = entry.levels.get(rule.id) ?? AlarmLevel.normal;
    if (level !== AlarmLevel.normal && (metric === undefined || level === AlarmLevel.alarm)) {
      metric = rule.metric;
      value = entry.latest.get(rule.metric)?.value;
    }
  }
  if (metric === undefined && entry.rules?.hasFlatline) return null;
  const evidence: Evidence = {
    id: `alarm:${entry.id}`,
    kind: 'sensor_alarm',
    sensorKind: entry.kind,
    sensorId: entry.id,
    level: t.to === SensorStateCode.alarm ? 'alarm' : 'warning',
    ts: t.ts || t.at,
    lng: entry.lng,
    lat: entry.lat,
    ...(metric ? { metric } : {}),
    ...(value !== undefined ? { value } : {}),
    ...(entry.assetId ? { assetId: entry.assetId } : {}),
    ...(entry.district ? { district: entry.district } : {}),
  };
  return { type: 'alarm', evidence };
}
