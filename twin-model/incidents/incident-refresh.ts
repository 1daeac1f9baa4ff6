/**
 * What every change of an incident shares (incident-correlator.ts): the snapshot a change
 * carries, recomputing confidence, severity and place from the evidence, and the change itself.
 */
import { raisedConfidence } from '../cap/cap-context.ts';
import { changeNoteText, type ChangeNote, type ChangeWhat } from './incident-explanations.ts';
import { confidenceOf, isWarningEvidence, placeOf, severityOf } from './incident-linking.ts';
import type { IncidentRule } from './incident-rules.ts';
import type { Incident, IncidentChange, IncidentState, IncidentStatus, LinkedEvidence } from './incident-types.ts';

/** The statuses in which an incident still takes evidence. */
export const ACTIVE: ReadonlySet<IncidentStatus> = new Set(['open', 'acknowledged']);

export function snapshot(i: Incident): Incident {
  const copy: Incident = { ...i, evidence: i.evidence.map((e) => ({ ...e })) };
  if (i.beyondCap) copy.beyondCap = { active: [...i.beyondCap.active], quietSince: i.beyondCap.quietSince };
  return copy;
}

export function refresh(state: IncidentState, incident: Incident, now: number): void {
  const rule = state.rules.get(incident.type)!;
  const signals = incident.evidence.filter((e) => !isWarningEvidence(e));
  const warnings = incident.evidence.filter(isWarningEvidence);
  const base = signals.length ? confidenceOf(signals, rule.repeatGain) : 0;
  // An official warning is context: its boost (the strongest only), never above 0.99 (docs/cap.md).
  incident.confidence = warnings.length
    ? raisedConfidence(
        base,
        warnings.map((w) => ({ boost: w.weight })),
      )
    : base;
  if (!incident.severityPinned) incident.severity = severityOf(rule, incident.evidence);
  const place = placeOf(incident.evidence, incident);
  incident.lng = place.lng;
  incident.lat = place.lat;
  incident.assetId = place.assetId;
  incident.district = place.district;
  incident.lastEvidenceAt = lastEvidenceAtOf(signals);
  incident.updatedAt = now;
}

/** The time of the newest signal evidence (official warnings are context and do not count). */
export function lastEvidenceAtOf(evidence: readonly LinkedEvidence[]): number {
  let last = 0;
  for (const e of evidence) if (!isWarningEvidence(e) && e.ts > last) last = e.ts;
  return last;
}

/**
 * Whether its evidence keeps an incident open at `now`: a sensor alarm still active, or signal
 * evidence that went quiet less than the rule's quiet time ago — a report counts from its date,
 * a sensor alarm from when it cleared (`clearedAt`; an alarm withdrawn as untrusted from its own
 * date). An alarm active for half an hour thus keeps its incident open for the quiet time after
 * it clears, and one that clears and raises again within it joins the same incident. The one
 * rule of resolution: the twin resolves (or proposes to resolve) an active incident when it does
 * not hold, and evidence arriving after the twin resolved an incident reopens it only when, with
 * that evidence, it holds (incident-correlator.ts).
 */
export function heldOpen(rule: IncidentRule, incident: Pick<Incident, 'evidence' | 'lastEvidenceAt' | 'beyondCap'>, now: number): boolean {
  // Evidence beyond the evidence cap holds it as if it were listed (incident-evidence-cap.ts).
  if (incident.beyondCap?.active.length) return true;
  let quietSince = Math.max(incident.lastEvidenceAt, incident.beyondCap?.quietSince ?? 0);
  for (const e of incident.evidence) {
    if (isWarningEvidence(e)) continue;
    if (e.active) return true;
    if (e.clearedAt !== undefined && e.clearedAt > quietSince) quietSince = e.clearedAt;
  }
  return now - quietSince < rule.resolve.quietS * 1000;
}

export function change(incident: Incident, at: number, actor: string, what: ChangeWhat, note: ChangeNote): IncidentChange {
  return { incidentId: incident.id, at, actor, what, detail: changeNoteText(note), incident: snapshot(incident) };
}
