/**
 * Scores incidents against a scenario's ground truth: precision, recall, duplicates and
 * detection delays. Pure.
 */
import type { Evidence, Incident, IncidentRule, IncidentType } from '../../twin-model/index.ts';
import { haversineM } from '../../twin-model/city/index.ts';
import type { ScenarioInput, TrueEvent } from '../scenarios/scenario-types.ts';

export interface MatchOptions {
  rules: ReadonlyMap<IncidentType, IncidentRule>;
  /** An incident may open this long before the true start (lagging ground truth) … */
  earlyMs?: number;
  /** … or this long after the true end. */
  lateMs?: number;
  /**
   * When each item of evidence reached the twin (see `evidenceArrivals`); without it, at its
   * own time. A hotline case is stamped when the call was taken and delivered minutes later.
   */
  arrivedAt?: (e: Evidence) => number;
}

export interface ScenarioScore {
  trueEvents: number;
  incidents: number;
  /** Incidents matched to a true event. */
  matchedIncidents: number;
  /** True events with at least one incident. */
  detected: number;
  precision: number;
  recall: number;
  /** Incidents per detected true event (1 = no duplicates). */
  incidentsPerEvent: number;
  /** Per detected event: opened − first evidence, and opened − first evidence of a second independent family (ms). */
  delaysAfterFirst: number[];
  delaysAfterSecond: number[];
  /** Per detected event: opened − arrival of the first evidence of a second independent family (ms). */
  delaysAfterSecondArrival: number[];
  unmatched: Incident[];
  missed: TrueEvent[];
  /** True events with more than one incident, each with its incidents in the order they opened. */
  duplicates: { event: TrueEvent; incidents: Incident[] }[];
  /** Incidents about tail events (real, begun too late in the run to score): in no figure above. */
  tailIncidents: number;
}

function matchRadius(rules: MatchOptions['rules'], type: IncidentType): number {
  const r = rules.get(type)?.spatial.radiusM ?? 500;
  return Math.max(1000, 2 * r);
}

/** The true event an incident stands for, or null. Same type, near (or same asset), in time. */
export function matchEvent(incident: Incident, truth: readonly TrueEvent[], o: MatchOptions): TrueEvent | null {
  const early = o.earlyMs ?? 10 * 60_000;
  const late = o.lateMs ?? 30 * 60_000;
  let best: { event: TrueEvent; d: number } | null = null;
  for (const t of truth) {
    if (t.type !== incident.type) continue;
    if (incident.openedAt < t.start - early || incident.openedAt > t.end + late) continue;
    // Area-wide types are judged per district, as their rules and ground truth define them.
    if (o.rules.get(incident.type)?.spatial.sameDistrict && t.district && incident.district && t.district !== incident.district) continue;
    const sameAsset = t.assetId && incident.evidence.some((e) => e.assetId === t.assetId);
    const d = sameAsset ? 0 : haversineM([incident.lng, incident.lat], [t.lng, t.lat]);
    if (d > matchRadius(o.rules, incident.type)) continue;
    if (!best || d < best.d) best = { event: t, d };
  }
  return best?.event ?? null;
}

/** The time (by `at`) of the first evidence of a family other than the first evidence's. */
function secondFamilyAt(incident: Incident, at: (e: Evidence) => number = (e) => e.ts): number | null {
  const sorted = [...incident.evidence].sort((a, b) => at(a) - at(b));
  const first = sorted[0];
  if (!first) return null;
  const second = sorted.find((e) => e.family !== first.family);
  return second ? at(second) : null;
}

/**
 * When each item of the given evidence reached the twin, from a scenario's inputs: a report's
 * first delivery (by source and id), a sensor alarm's reading (by sensor and reading time); any
 * other evidence (a district's share), or evidence not among `of`, at its own time.
 */
export function evidenceArrivals(inputs: readonly ScenarioInput[], of: readonly Evidence[]): (e: Evidence) => number {
  const wanted = new Set(of.map((e) => (e.kind === 'event' ? e.id : e.sensorId ? `${e.sensorId}@${e.ts}` : '')));
  const sensors = new Set(of.flatMap((e) => (e.kind === 'sensor_alarm' && e.sensorId ? [e.sensorId] : [])));
  const arrived = new Map<string, number>();
  const note = (key: string, at: number) => {
    if (wanted.has(key) && !arrived.has(key)) arrived.set(key, at);
  };
  for (const input of inputs) {
    if (input.type === 'event') note(`event:${input.event.source}:${input.event.id}`, input.at);
    else if (sensors.has(input.sensorId)) for (const r of input.readings) note(`${input.sensorId}@${r.ts}`, input.at);
  }
  return (e) => (e.kind === 'event' ? arrived.get(e.id) : e.sensorId ? arrived.get(`${e.sensorId}@${e.ts}`) : undefined) ?? e.ts;
}

export function scoreScenario(incidents: readonly Incident[], truth: readonly TrueEvent[], o: MatchOptions): ScenarioScore {
  const byEvent = new Map<string, Incident[]>();
  const unmatched: Incident[] = [];
  let tailIncidents = 0;
  for (const incident of incidents) {
    const event = matchEvent(incident, truth, o);
    if (!event) unmatched.push(incident);
    else if (event.tail) tailIncidents++;
    else byEvent.set(event.id, [...(byEvent.get(event.id) ?? []), incident]);
  }
  const scoredIncidents = incidents.length - tailIncidents;
  const scoredTruth = truth.filter((t) => !t.tail);
  const delaysAfterFirst: number[] = [];
  const delaysAfterSecond: number[] = [];
  const delaysAfterSecondArrival: number[] = [];
  for (const list of byEvent.values()) {
    const first = [...list].sort((a, b) => a.openedAt - b.openedAt)[0]!;
    const firstEvidence = Math.min(...first.evidence.map((e) => e.ts));
    delaysAfterFirst.push(Math.max(0, first.openedAt - firstEvidence));
    const second = secondFamilyAt(first);
    if (second !== null) delaysAfterSecond.push(Math.max(0, first.openedAt - second));
    const secondArrived = secondFamilyAt(first, o.arrivedAt);
    if (secondArrived !== null) delaysAfterSecondArrival.push(Math.max(0, first.openedAt - secondArrived));
  }
  const matchedIncidents = scoredIncidents - unmatched.length;
  return {
    trueEvents: scoredTruth.length,
    incidents: scoredIncidents,
    matchedIncidents,
    detected: byEvent.size,
    precision: scoredIncidents ? matchedIncidents / scoredIncidents : 1,
    recall: scoredTruth.length ? byEvent.size / scoredTruth.length : 1,
    incidentsPerEvent: byEvent.size ? matchedIncidents / byEvent.size : 0,
    delaysAfterFirst,
    delaysAfterSecond,
    delaysAfterSecondArrival,
    unmatched,
    missed: scoredTruth.filter((t) => !byEvent.has(t.id)),
    duplicates: scoredTruth.flatMap((event) => {
      const list = byEvent.get(event.id) ?? [];
      return list.length > 1 ? [{ event, incidents: [...list].sort((a, b) => a.openedAt - b.openedAt) }] : [];
    }),
    tailIncidents,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
