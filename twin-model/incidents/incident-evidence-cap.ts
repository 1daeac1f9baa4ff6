/**
 * The evidence an incident lists is capped (incident-correlator.ts); what comes beyond the cap
 * is counted (`moreEvidence`) and, for resolution, kept as `beyondCap`: the alarms beyond the
 * cap still active and when the newest of that evidence went quiet. An incident at its cap thus
 * stays open, and resolves, exactly as if that evidence were listed (`heldOpen`,
 * incident-refresh.ts; docs/incidents.md, "Quiet time").
 */
import type { Incident, LinkedEvidence } from './incident-types.ts';

/** Evidence kept per incident; beyond it only counted (confidence has long saturated by then). */
export const MAX_EVIDENCE_PER_INCIDENT = 300;

/** Evidence an incident holds, raised again (an alarm that cleared and came back): active, no clear time. */
export function raisedAgain(existing: LinkedEvidence, linked: LinkedEvidence): void {
  Object.assign(existing, { ...linked, why: existing.why, linkedAt: existing.linkedAt });
  delete existing.clearedAt;
  delete existing.withdrawnAt;
}

function heldBeyond(incident: Incident): NonNullable<Incident['beyondCap']> {
  if (!incident.beyondCap) incident.beyondCap = { active: [], quietSince: 0 };
  return incident.beyondCap;
}

/**
 * Evidence beyond the cap: counted, and remembered for resolution — an active alarm by its id
 * until it clears, anything else by when it went quiet (a report at its date, a cleared alarm at
 * its clear). An alarm beyond the cap raised again while active (a level change) is not counted
 * twice. Returns whether it was counted.
 */
export function holdBeyondCap(incident: Incident, e: LinkedEvidence): boolean {
  const held = heldBeyond(incident);
  if (e.kind === 'sensor_alarm' && e.active && held.active.includes(e.id)) return false;
  if (e.kind === 'sensor_alarm' && e.active) held.active.push(e.id);
  held.quietSince = Math.max(held.quietSince, e.clearedAt ?? e.ts);
  incident.moreEvidence = (incident.moreEvidence ?? 0) + 1;
  return true;
}

/**
 * Links evidence to an incident: raised again when it holds it, listed under the cap, held
 * beyond it. Returns whether it is new to the incident.
 */
export function linkEvidence(incident: Incident, linked: LinkedEvidence): boolean {
  const existing = incident.evidence.find((x) => x.id === linked.id);
  if (existing) {
    raisedAgain(existing, linked);
    return false;
  }
  if (incident.evidence.length < MAX_EVIDENCE_PER_INCIDENT) {
    incident.evidence.push(linked);
    return true;
  }
  return holdBeyondCap(incident, linked);
}

/** A new incident's cluster over the cap: the newest evidence listed, the rest held beyond it. */
export function capEvidence(incident: Incident): void {
  const cluster = incident.evidence;
  if (cluster.length <= MAX_EVIDENCE_PER_INCIDENT) return;
  incident.evidence = cluster.slice(-MAX_EVIDENCE_PER_INCIDENT);
  for (const e of cluster.slice(0, -MAX_EVIDENCE_PER_INCIDENT)) holdBeyondCap(incident, e);
}

/**
 * An alarm beyond the cap back to normal (its quiet time counts from `ts`) or withdrawn as
 * untrusted (it counted from its date when it was held). Returns whether the incident held it.
 */
export function clearBeyondCap(incident: Incident, id: string, ts: number, withdrawn: boolean): boolean {
  const held = incident.beyondCap;
  const i = held ? held.active.indexOf(id) : -1;
  if (!held || i < 0) return false;
  held.active.splice(i, 1);
  if (!withdrawn) held.quietSince = Math.max(held.quietSince, ts);
  return true;
}

/** A merge: what `other` held beyond its cap holds `incident` open too. */
export function mergeBeyondCap(incident: Incident, other: Incident): void {
  if (!other.beyondCap) return;
  const held = heldBeyond(incident);
  for (const id of other.beyondCap.active) if (!held.active.includes(id)) held.active.push(id);
  held.quietSince = Math.max(held.quietSince, other.beyondCap.quietSince);
  incident.moreEvidence = (incident.moreEvidence ?? 0) + (other.moreEvidence ?? 0);
}
