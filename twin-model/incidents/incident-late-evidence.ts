/**
 * Evidence that reaches the twin after it resolved the incident the evidence belongs to (a
 * gateway that buffers, a report entered after the fact): linked to that incident, and whether it
 * reopens it (docs/incidents.md, "Late evidence"). Part of the correlator (incident-correlator.ts).
 */
import { candidateIncidents, noteChanges } from './incident-index.ts';
import { equirectangularM as distanceM } from '../city/city-queries.ts';
import type { LinkReason } from './incident-explanations.ts';
import { linkEvidence } from './incident-evidence-cap.ts';
import { anotherPlace, linkReason } from './incident-linking.ts';
import { ACTIVE, change, heldOpen, lastEvidenceAtOf, refresh } from './incident-refresh.ts';
import type { IncidentRule, IncidentSignal } from './incident-rules.ts';
import type { IncidentType } from '../vocabulary.ts';
import type { Evidence, HeldLateAlarm, Incident, IncidentChange, IncidentState, LinkedEvidence } from './incident-types.ts';

/**
 * How long a late alarm that would reopen an incident is held before it is committed: at the
 * first tick at least this long after it arrived. A buffering gateway's flush delivers an
 * alarm's raise and its clear within this time; the live twin ticks every second on its own
 * clock, so holding only until the next tick would commit a raise whose clear is a few
 * milliseconds behind it whenever the tick falls between the two.
 */
export const LATE_HOLD_MS = 2_000;

/**
 * Evidence that can open, arriving after the twin resolved an incident of its place but dated
 * before that resolution (a gateway that buffers delivers a sensor's readings 10 minutes late),
 * would have kept the incident open: an alarm then active, or a report within the quiet time.
 * It belongs to that incident, not to a second one for the same event. Whether it reopens the
 * incident is decided by the rule that resolved it ({@link heldOpen}): evidence that keeps the
 * incident open now (an alarm still active, a report newer than the quiet time) reopens it;
 * evidence whose quiet time had already passed when it arrived could not keep it open a moment
 * and is only linked to the resolved incident, noted as late, without reopening it (a reopening
 * that the next tick resolves again would page on-call for nothing). Evidence dated after the
 * resolution is a new event; an incident an operator acted on is left to the operator.
 *
 * With `hold`, a sensor alarm that would reopen the incident is held for at least
 * {@link LATE_HOLD_MS} (the rest of its delivery, {@link commitHeldLate}) and nothing changes
 * yet: its clear may come with it. Returns the changes ([] when held), or null when no resolved
 * incident takes the evidence.
 */
export function linkLateEvidence(
  state: IncidentState,
  rule: IncidentRule,
  signal: IncidentSignal,
  e: Evidence,
  linked: LinkedEvidence,
  now: number,
  hold: boolean,
): IncidentChange[] | null {
  let best: { incident: Incident; why: LinkReason; d: number; resolvedAt: number } | null = null;
  for (const incident of candidateIncidents(state, rule, e, true)) {
    const resolvedAt = state.resolvedByTwin.get(incident.id);
    if (resolvedAt === undefined || incident.type !== rule.type || incident.status !== 'resolved' || e.ts > resolvedAt) continue;
    if (e.kind !== 'sensor_alarm' && resolvedAt - e.ts >= rule.resolve.quietS * 1000) continue;
    if (anotherPlace(signal, e, incident.evidence)) continue;
    const why = linkReason(rule, signal, e, incident);
    if (!why) continue;
    const d = distanceM(e.lng, e.lat, incident.lng, incident.lat);
    if (!best || d < best.d) best = { incident, why, d, resolvedAt };
  }
  if (!best) return null;
  const { incident, why, resolvedAt } = best;
  const minutesBefore = Math.round((resolvedAt - e.ts) / 60_000);
  const withIt = [...incident.evidence.filter((x) => x.id !== e.id), linked];
  // Asked as if the evidence were listed, also of an incident at its evidence cap (which holds it beyond).
  const reopen = heldOpen(rule, { evidence: withIt, lastEvidenceAt: lastEvidenceAtOf(withIt), beyondCap: incident.beyondCap }, now);
  if (reopen && hold && linked.active) {
    const key = `${rule.type} ${e.id}`;
    state.heldLate.set(key, {
      type: rule.type,
      incidentId: incident.id,
      evidence: e,
      linked: { ...linked, why },
      resolvedAt,
      // Raised again while held (a level change in the same delivery): held from the first raise.
      heldAt: state.heldLate.get(key)?.heldAt ?? now,
    });
    return [];
  }
  const changes: IncidentChange[] = [];
  if (reopen) {
    state.resolvedByTwin.delete(incident.id);
    incident.status = 'open';
    incident.updatedAt = now;
    changes.push(change(incident, now, 'twin', 'reopened', { code: 'late_evidence', params: { evidenceId: e.id, minutesBefore } }));
  }
  linkEvidence(incident, { ...linked, why });
  state.counters.linked++;
  refresh(state, incident, now);
  changes.push(
    change(
      incident,
      now,
      'twin',
      'evidence_linked',
      reopen
        ? { code: 'evidence_linked', params: { evidenceId: e.id, signal: signal.id, why } }
        : { code: 'late_evidence_linked', params: { evidenceId: e.id, signal: signal.id, why, minutesBefore } },
    ),
  );
  return changes;
}

/**
 * A late alarm's clear (or withdrawal) while the alarm is held: it was over by the end of the
 * delivery that brought it. A withdrawn alarm is no evidence and is dropped.
 */
export function clearHeldLate(state: IncidentState, id: string, ts: number, withdrawn: boolean): void {
  for (const [key, held] of state.heldLate) {
    if (held.linked.id !== id) continue;
    if (withdrawn) state.heldLate.delete(key);
    else {
      held.linked.active = false;
      held.linked.clearedAt = Math.max(ts, held.linked.ts);
    }
  }
}

/**
 * At the tick, the late alarms held at least {@link LATE_HOLD_MS} (younger ones wait for a later
 * tick; a clear arriving meanwhile is noted, {@link clearHeldLate}). One still active is taken as late
 * evidence is: through `rejoin` (the correlator's own path for its rule), which reopens the
 * incident it holds open — or joins an incident open meanwhile. One whose clear came with it
 * (a buffering gateway's flush holds the raise and the clear) is linked to the incident without
 * reopening it (`late_alarm_cleared`): the twin learned of it only when it was over, and a
 * reopening would page on-call about something that had already ended. Linked as any evidence
 * if the incident was reopened meanwhile; left out of an incident an operator acted on.
 */
export function commitHeldLate(
  state: IncidentState,
  now: number,
  rejoin: (e: Evidence, type: IncidentType) => IncidentChange[],
): IncidentChange[] {
  if (state.heldLate.size === 0) return [];
  const held: HeldLateAlarm[] = [];
  for (const [key, h] of state.heldLate)
    if (now - h.heldAt >= LATE_HOLD_MS) {
      held.push(h);
      state.heldLate.delete(key);
    }
  const changes: IncidentChange[] = [];
  for (const h of held) {
    if (h.linked.active) {
      changes.push(...rejoin(h.evidence, h.type));
      continue;
    }
    const incident = state.incidents.get(h.incidentId);
    const resolved = incident?.status === 'resolved' && state.resolvedByTwin.has(incident.id);
    if (!incident || !(resolved || ACTIVE.has(incident.status))) continue;
    linkEvidence(incident, h.linked);
    state.counters.linked++;
    refresh(state, incident, now);
    const { id: evidenceId, signal, why } = h.linked;
    const minutesBefore = Math.round((h.resolvedAt - h.linked.ts) / 60_000);
    changes.push(
      change(
        incident,
        now,
        'twin',
        'evidence_linked',
        resolved
          ? { code: 'late_alarm_cleared', params: { evidenceId, signal, why, minutesBefore } }
          : { code: 'evidence_linked', params: { evidenceId, signal, why } },
      ),
    );
    // Filed at once: the next alarm committed in this tick looks the incident up as it is now.
    noteChanges(state, changes.slice(-1));
  }
  return changes;
}
