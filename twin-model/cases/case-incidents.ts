/**
 * Cases and incidents. A case is also a piece of incident evidence — a `citizen_report` event with
 * the id `event:<source>:<hotline id>`, exactly as the events path makes it today — so the
 * correlator links it as it always has, and the incident shows it among its evidence. Here:
 *
 * - {@link caseEvent}: the case as the event the fusion engine takes (cases that came over HTTP);
 * - {@link proposeIncidentLink}: for the dispatcher or operator, whether the case should JOIN an
 *   open incident of the matching type nearby, or OPEN one — by the incident rules' own notions
 *   (the signal a citizen report of this category matches, the rule's radius, join radius,
 *   time window and same-district areas);
 * - {@link caseLinksFromIncidentChange}: the links the correlator's changes imply (the case's
 *   evidence opened or joined an incident), as `link_incident` commands to apply.
 */
import { matchSignal, type Evidence, type Incident, type IncidentChange } from '../incidents/incident-correlator.ts';
import { DEFAULT_INCIDENT_RULES, type IncidentRule } from '../incidents/incident-rules.ts';
import type { CityEvent } from '../messages/record-parsers.ts';
import type { IncidentType } from '../vocabulary.ts';
import { distanceM } from './case-repeats.ts';
import type { HotlineCase } from './case-types.ts';

/** The evidence id of a case: the same as its report's on the events path. */
export function caseEvidenceId(c: Pick<HotlineCase, 'externalRef'>): string {
  return `event:${c.externalRef.source}:${c.externalRef.id}`;
}

/** The case as a v1 event (for the fusion engine). The text stays with the case: evidence carries none. */
export function caseEvent(c: HotlineCase): CityEvent {
  return {
    source: c.externalRef.source,
    id: c.externalRef.id,
    ts: c.receivedAt,
    type: 'citizen_report',
    lng: c.place.lng,
    lat: c.place.lat,
    category: c.reportedCategory ?? c.category,
    severity: c.severity,
    text: null,
  };
}

/** The case as incident evidence. */
export function caseEvidence(c: HotlineCase): Evidence {
  return {
    id: caseEvidenceId(c),
    kind: 'event',
    ts: c.receivedAt,
    lng: c.place.lng,
    lat: c.place.lat,
    eventType: 'citizen_report',
    category: c.reportedCategory ?? c.category,
    source: c.externalRef.source,
    ...(c.place.district ? { district: c.place.district } : {}),
  };
}

export type IncidentProposal =
  | {
      kind: 'join';
      incidentId: string;
      incidentType: IncidentType;
      /** Why: `same_district` (area-wide types), `within_radius` or `spill_over` (the join radius), with the figures. */
      why: { code: 'same_district' | 'within_radius' | 'spill_over'; params: Record<string, string | number> };
    }
  | {
      kind: 'open';
      incidentType: IncidentType;
      /** The report alone reaches the rule's confidence to open: the twin opens it without being asked. */
      automatic: boolean;
      weight: number;
      minConfidence: number;
    }
  | {
      kind: 'none';
      /** No incident type takes citizen reports of this category, or none lets one open an incident alone. */
      reason: 'no_incident_type' | 'cannot_open';
    };

const ACTIVE = new Set(['open', 'acknowledged']);

/** Whether the case may join `incident` under `rule`, and why. */
type JoinWhy = { code: 'same_district' | 'within_radius' | 'spill_over'; params: Record<string, string | number>; d: number };

function joinReason(
  rule: IncidentRule,
  radiusM: number,
  joinRadiusM: number | undefined,
  c: HotlineCase,
  incident: Incident,
): JoinWhy | null {
  if (Math.abs(c.receivedAt - incident.lastEvidenceAt) > rule.windowS * 1000) return null;
  const minutes = Math.round(Math.abs(c.receivedAt - incident.lastEvidenceAt) / 60_000);
  if (rule.spatial.sameDistrict && c.place.district && incident.district) {
    return c.place.district === incident.district ? { code: 'same_district', params: { district: c.place.district, minutes }, d: 0 } : null;
  }
  const d = Math.round(distanceM(c.place.lng, c.place.lat, incident.lng, incident.lat));
  if (d <= radiusM) return { code: 'within_radius', params: { distanceM: d, limitM: radiusM, minutes }, d };
  if (joinRadiusM !== undefined && d <= joinRadiusM)
    return { code: 'spill_over', params: { distanceM: d, limitM: joinRadiusM, minutes }, d };
  return null;
}

/**
 * Join or open: the nearest active incident the case's report may join (an incident type whose
 * report can open incidents preferred over one it only corroborates), else the incident type it
 * could open.
 */
export function proposeIncidentLink(
  c: HotlineCase,
  incidents: Iterable<Incident>,
  rules: ReadonlyMap<IncidentType, IncidentRule> = DEFAULT_INCIDENT_RULES,
): IncidentProposal {
  const evidence = caseEvidence(c);
  const matched: Array<{ rule: IncidentRule; signal: NonNullable<ReturnType<typeof matchSignal>> }> = [];
  for (const rule of rules.values()) {
    const signal = matchSignal(rule, evidence);
    if (signal) matched.push({ rule, signal });
  }
  if (matched.length === 0) return { kind: 'none', reason: 'no_incident_type' };
  const list = [...incidents];
  let best: { incident: Incident; why: JoinWhy; rank: number } | null = null;
  for (const { rule, signal } of matched) {
    const radius = signal.radiusM ?? rule.spatial.radiusM;
    for (const incident of list) {
      if (incident.type !== rule.type || !ACTIVE.has(incident.status)) continue;
      const why = joinReason(rule, radius, signal.joinRadiusM, c, incident);
      if (!why) continue;
      const rank = signal.canOpen ? 0 : 1;
      if (!best || rank < best.rank || (rank === best.rank && why.d < best.why.d)) best = { incident, why, rank };
    }
  }
  if (best)
    return {
      kind: 'join',
      incidentId: best.incident.id,
      incidentType: best.incident.type,
      why: { code: best.why.code, params: best.why.params },
    };
  const opener = matched.filter((m) => m.signal.canOpen).sort((a, b) => b.signal.weight - a.signal.weight)[0];
  if (!opener) return { kind: 'none', reason: 'cannot_open' };
  return {
    kind: 'open',
    incidentType: opener.rule.type,
    automatic: opener.signal.weight >= opener.rule.open.minConfidence,
    weight: opener.signal.weight,
    minConfidence: opener.rule.open.minConfidence,
  };
}

/**
 * The cases an incident change links (their evidence opened the incident or was linked to it),
 * given the case ids by evidence id (`caseEvidenceId`). A merge moves evidence to the surviving
 * incident: its `absorbed` change relinks the cases too.
 */
export function caseLinksFromIncidentChange(
  change: IncidentChange,
  caseByEvidence: ReadonlyMap<string, string>,
): Array<{ caseId: string; incidentId: string; how: 'opened' | 'joined' }> {
  if (change.what !== 'opened' && change.what !== 'evidence_linked' && change.what !== 'absorbed') return [];
  const out: Array<{ caseId: string; incidentId: string; how: 'opened' | 'joined' }> = [];
  for (const e of change.incident.evidence) {
    const caseId = caseByEvidence.get(e.id);
    if (caseId === undefined) continue;
    // An evidence_linked change names the one piece it linked; the rest were linked before.
    if (change.what === 'evidence_linked' && !change.detail.startsWith(`${e.id} `)) continue;
    out.push({ caseId, incidentId: change.incidentId, how: change.what === 'opened' ? 'opened' : 'joined' });
  }
  return out;
}
