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

/**
 * Evidence an incident holds, linked again: raised again (an alarm that cleared and came back)
 * it is active, with no clear time; linked again already cleared (a late alarm delivered with its
 * clear) it keeps the clear time it came with.
 */
export function raisedAgain(existing: LinkedEvidence, linked: LinkedEvidence): void {
  Object.assign(existing, { ...linked, why: existing.why, linkedAt: existing.linkedAt });
  if (!linked.active) return;
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
    unholdListed(incident, linked.id);
    return false;
  }
  if (incident.evidence.length < MAX_EVIDENCE_PER_INCIDENT) {
    incident.evidence.push(linked);
    unholdListed(incident, linked.id);
    return true;
  }
  return holdBeyondCap(incident, linked);
}

/**
 * An alarm held beyond the cap that is now listed (raised again after a split made room): the
 * listed copy alone stands for it from now on — its clear clears that copy, and an id left
 * beyond the cap would hold the incident open for good. It is no longer counted beyond the cap.
 */
function unholdListed(incident: Incident, id: string): void {
  const held = incident.beyondCap;
  const i = held ? held.active.indexOf(id) : -1;
  if (!held || i < 0) return;
  held.active.splice(i, 1);
  if (incident.moreEvidence) incident.moreEvidence--;
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

/**
 * A merge (after `other`'s evidence was listed in `incident`): what `other` held beyond its cap
 * holds `incident` open too. An alarm the merged incident lists is not also held beyond its cap
 * (either incident's): it stays listed, and active, since an alarm held beyond a cap is an alarm
 * whose clear has not come (clears reach every incident that has the alarm); no longer counted
 * beyond the cap.
 */
export function mergeBeyondCap(incident: Incident, other: Incident): void {
  if (other.beyondCap) {
    const held = heldBeyond(incident);
    for (const id of other.beyondCap.active) if (!held.active.includes(id)) held.active.push(id);
    held.quietSince = Math.max(held.quietSince, other.beyondCap.quietSince);
    incident.moreEvidence = (incident.moreEvidence ?? 0) + (other.moreEvidence ?? 0);
  }
  const held = incident.beyondCap;
  if (!held?.active.length) return;
  held.active = held.active.filter((id) => {
    const listed = incident.evidence.find((x) => x.id === id);
    if (!listed) return true;
    if (incident.moreEvidence) incident.moreEvidence--;
    if (!listed.active) {
      listed.active = true;
      delete listed.clearedAt;
      delete listed.withdrawnAt;
    }
    return false;
  });
}

/**
 * An incident read from the store: an alarm both listed and held beyond the cap is listed only.
 * Such rows were written when an alarm held beyond the cap was later listed too: its clear
 * cleared the listed copy and left the held id, which held the incident open for good.
 */
export function dropListedBeyondCap(incident: Incident): void {
  const held = incident.beyondCap;
  if (!held?.active.length) return;
  const listed = new Set(incident.evidence.map((x) => x.id));
  const kept = held.active.filter((id) => !listed.has(id));
  // Each repaired id was counted beyond the cap as well as listed: counted once again.
  if (incident.moreEvidence) incident.moreEvidence = Math.max(0, incident.moreEvidence - (held.active.length - kept.length));
  held.active = kept;
}
