/**
 * Response times per incident — detected, acknowledged, dispatched, arrived, resolved — and
 * their median and 90th percentile over many incidents: the leader's KPI screen and the
 * what-if simulation read the same figures.
 *
 * Inputs are what the stores hold: the incident changes (`IncidentChange[]`, from the
 * correlator) and the dispatch record, either as unit changes (`UnitChange[]`, from
 * `applyUnitInput`) or as dispatch-log entries (`DispatchLogEntry[]`). Pure.
 *
 * Each moment is the FIRST time it happened: a reopened incident keeps its first
 * acknowledgement, a second unit does not move `dispatchedAt`. A duration is left out (null)
 * when either end is missing or the later step came first (a unit dispatched before the
 * incident was acknowledged has no acknowledge→dispatch time, but still a detection→dispatch
 * time).
 */
import type { IncidentChange } from '../incidents/incident-correlator.ts';
import type { IncidentType } from '../vocabulary.ts';
import type { UnitChange } from './unit-state.ts';
import type { DispatchLogEntry } from './unit-types.ts';

/** A dispatch moment of an incident. */
export interface DispatchMark {
  incidentId: string;
  at: number;
  kind: 'dispatched' | 'arrived';
}

export type IncidentOutcome = 'open' | 'resolved' | 'closed' | 'false_alarm' | 'merged';

export interface ResponseDurations {
  /** Detection → acknowledge (s). */
  acknowledgeS: number | null;
  /** Acknowledge → first unit dispatched (s). */
  dispatchS: number | null;
  /** First unit dispatched → first unit on scene (s): the drive. */
  travelS: number | null;
  /** First unit on scene → resolved (s). */
  onSceneS: number | null;
  /** Detection → dispatched, → on scene, → resolved (s): what the caller waits. */
  dispatchAfterDetectS: number | null;
  arriveAfterDetectS: number | null;
  resolveAfterDetectS: number | null;
}

export const DURATION_KEYS = [
  'acknowledgeS',
  'dispatchS',
  'travelS',
  'onSceneS',
  'dispatchAfterDetectS',
  'arriveAfterDetectS',
  'resolveAfterDetectS',
] as const satisfies readonly (keyof ResponseDurations)[];
export type DurationKey = (typeof DURATION_KEYS)[number];

export interface IncidentResponseTimes {
  incidentId: string;
  type: IncidentType | null;
  outcome: IncidentOutcome;
  /** Epoch ms, null when it did not happen (yet). */
  detectedAt: number | null;
  acknowledgedAt: number | null;
  dispatchedAt: number | null;
  arrivedAt: number | null;
  /** Resolved, or closed without a resolution first. */
  resolvedAt: number | null;
  /** Units dispatched to it. */
  dispatches: number;
  durations: ResponseDurations;
}

export interface DurationSummary {
  /** Incidents that have this duration. */
  count: number;
  /** Seconds; NaN when count is 0. */
  medianS: number;
  p90S: number;
}

export type ResponseSummary = Record<DurationKey, DurationSummary> & { incidents: number };

/** Dispatch marks from unit changes or dispatch-log entries (any mix). */
export function dispatchMarksOf(records: Iterable<UnitChange | DispatchLogEntry>): DispatchMark[] {
  const out: DispatchMark[] = [];
  for (const r of records) {
    if (!r.incidentId) continue;
    if ('what' in r) {
      if (r.what === 'assigned') out.push({ incidentId: r.incidentId, at: r.at, kind: 'dispatched' });
      else if (r.what === 'arrived' || (r.what === 'status' && r.to === 'on_scene'))
        out.push({ incidentId: r.incidentId, at: r.at, kind: 'arrived' });
    } else if (r.action === 'assign' || r.action === 'override') out.push({ incidentId: r.incidentId, at: r.at, kind: 'dispatched' });
    else if (r.action === 'arrive' || (r.action === 'status' && r.data.to === 'on_scene'))
      out.push({ incidentId: r.incidentId, at: r.at, kind: 'arrived' });
  }
  return out;
}

const first = (a: number | null, b: number): number => (a === null || b < a ? b : a);
const span = (from: number | null, to: number | null): number | null =>
  from === null || to === null || to < from ? null : (to - from) / 1000;

/**
 * Response times of every incident that appears in the changes (opened there, or known from a
 * later change), ordered by detection time then id.
 */
export function responseTimesOf(
  incidentChanges: Iterable<IncidentChange>,
  dispatch: Iterable<UnitChange | DispatchLogEntry | DispatchMark>,
): IncidentResponseTimes[] {
  interface Acc {
    type: IncidentType | null;
    outcome: IncidentOutcome;
    detectedAt: number | null;
    acknowledgedAt: number | null;
    resolvedAt: number | null;
    closedAt: number | null;
    dispatchedAt: number | null;
    arrivedAt: number | null;
    dispatches: number;
  }
  const byId = new Map<string, Acc>();
  const acc = (id: string): Acc => {
    let a = byId.get(id);
    if (!a) {
      a = {
        type: null,
        outcome: 'open',
        detectedAt: null,
        acknowledgedAt: null,
        resolvedAt: null,
        closedAt: null,
        dispatchedAt: null,
        arrivedAt: null,
        dispatches: 0,
      };
      byId.set(id, a);
    }
    return a;
  };
  for (const c of incidentChanges) {
    const a = acc(c.incidentId);
    a.type = c.incident.type;
    switch (c.what) {
      case 'opened':
      case 'split_off':
        a.detectedAt = first(a.detectedAt, c.incident.openedAt ?? c.at);
        break;
      case 'acknowledged':
        a.acknowledgedAt = first(a.acknowledgedAt, c.at);
        break;
      case 'resolved':
        a.resolvedAt = first(a.resolvedAt, c.at);
        a.outcome = 'resolved';
        break;
      case 'closed':
        a.closedAt = first(a.closedAt, c.at);
        if (a.outcome !== 'false_alarm') a.outcome = 'closed';
        break;
      case 'false_alarm':
        a.outcome = 'false_alarm';
        break;
      case 'merged_into':
        a.outcome = 'merged';
        break;
      case 'reopened':
        a.outcome = 'open';
        break;
      default:
        break;
    }
    // An incident first seen in a later change (the store was cut) is detected when it opened.
    if (a.detectedAt === null) a.detectedAt = c.incident.openedAt;
  }
  const marks: DispatchMark[] = [];
  const records: (UnitChange | DispatchLogEntry)[] = [];
  for (const d of dispatch) {
    if (!('what' in d) && !('action' in d)) marks.push(d);
    else records.push(d as UnitChange | DispatchLogEntry);
  }
  marks.push(...dispatchMarksOf(records));
  for (const m of marks) {
    const a = byId.get(m.incidentId);
    if (!a) continue;
    if (m.kind === 'dispatched') {
      a.dispatchedAt = first(a.dispatchedAt, m.at);
      a.dispatches++;
    } else a.arrivedAt = first(a.arrivedAt, m.at);
  }
  const out: IncidentResponseTimes[] = [];
  for (const [incidentId, a] of byId) {
    // A false alarm or a merged incident was never resolved as an event of its own.
    const resolvedAt = a.outcome === 'false_alarm' || a.outcome === 'merged' ? null : (a.resolvedAt ?? a.closedAt);
    out.push({
      incidentId,
      type: a.type,
      outcome: a.outcome,
      detectedAt: a.detectedAt,
      acknowledgedAt: a.acknowledgedAt,
      dispatchedAt: a.dispatchedAt,
      arrivedAt: a.arrivedAt,
      resolvedAt,
      dispatches: a.dispatches,
      durations: {
        acknowledgeS: span(a.detectedAt, a.acknowledgedAt),
        dispatchS: span(a.acknowledgedAt, a.dispatchedAt),
        travelS: span(a.dispatchedAt, a.arrivedAt),
        onSceneS: span(a.arrivedAt, resolvedAt),
        dispatchAfterDetectS: span(a.detectedAt, a.dispatchedAt),
        arriveAfterDetectS: span(a.detectedAt, a.arrivedAt),
        resolveAfterDetectS: span(a.detectedAt, resolvedAt),
      },
    });
  }
  return out.sort(
    (x, y) =>
      (x.detectedAt ?? Number.POSITIVE_INFINITY) - (y.detectedAt ?? Number.POSITIVE_INFINITY) ||
      (x.incidentId < y.incidentId ? -1 : x.incidentId > y.incidentId ? 1 : 0),
  );
}

/**
 * The p-th percentile (0–100) by linear interpolation between closest ranks (the common
 * "type 7" definition: the median of an even count is the mean of the middle two). NaN for
 * no values.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p ${p} is not between 0 and 100`);
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * (p / 100);
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return s[lo]! + (s[hi]! - s[lo]!) * (h - lo);
}

/** Median and p90 of each duration over the incidents that have it. */
export function summarizeResponseTimes(times: readonly IncidentResponseTimes[]): ResponseSummary {
  const summary = { incidents: times.length } as ResponseSummary;
  for (const key of DURATION_KEYS) {
    const values = times.map((t) => t.durations[key]).filter((v): v is number => v !== null);
    summary[key] = { count: values.length, medianS: percentile(values, 50), p90S: percentile(values, 90) };
  }
  return summary;
}
