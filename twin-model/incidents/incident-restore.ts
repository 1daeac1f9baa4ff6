/**
 * Restoring the correlator after a restart: the live twin keeps its incidents only in memory,
 * so at start the incidents still open in the store are put back into a fresh
 * {@link IncidentState}. Pure: the caller reads the store, this only rebuilds the state.
 */
import type { Incident, IncidentState } from './incident-correlator.ts';
import { dropListedBeyondCap } from './incident-evidence-cap.ts';
import { linkReasonOf } from './incident-explanations.ts';
import { dropIndex } from './incident-index.ts';
import { snapshot } from './incident-refresh.ts';

/**
 * An incident as read from a store: every evidence's `why` as a reason. Incidents stored before
 * the reasons became codes carry the English record text, upgraded to its code where it is one
 * (incident-explanations.ts `linkReasonOf`), kept as text otherwise. Readers of stored incident
 * snapshots call this once per incident read.
 */
export function upgradeStoredIncident(stored: Incident): Incident {
  if (stored.evidence.every((e) => typeof e.why === 'object' && e.why !== null)) return stored;
  return { ...stored, evidence: stored.evidence.map((e) => ({ ...e, why: linkReasonOf(e.why as unknown) })) };
}

const ACTIVE_STATUSES: ReadonlySet<Incident['status']> = new Set(['open', 'acknowledged']);

/** The number in an `inc-000123` id, or 0 for ids the correlator did not make. */
function idNumber(id: string): number {
  const m = /^inc-(\d+)$/.exec(id);
  return m ? Number(m[1]) : 0;
}

/**
 * A clear time for the cleared alarms of an incident stored before clear times existed (an
 * inactive sensor alarm with neither `clearedAt` nor `withdrawnAt`): the incident's last change
 * (`updatedAt`), at least the alarm's own date. The alarm cleared at or before that change — the
 * clear was itself a change of the incident — so its quiet time counts from then: never earlier
 * than it would have without the restart, at most the time between the clear and the
 * incident's last change later. Without it such an alarm counts from when it was raised, and an
 * incident whose alarm cleared just before the restart resolves at the first tick after it.
 */
function withClearTimes(incident: Incident): void {
  for (const e of incident.evidence) {
    if (e.kind !== 'sensor_alarm' || e.active || e.clearedAt !== undefined || e.withdrawnAt !== undefined) continue;
    e.clearedAt = Math.max(e.ts, incident.updatedAt);
  }
}

/**
 * Puts stored incidents back into `state`: the active ones become live incidents again (so new
 * evidence joins them instead of opening duplicates), their report ids count as seen (so a
 * re-delivered report is a duplicate, not new evidence), and `nextId` continues after the
 * highest id restored (closed ones included), so a new incident never reuses a stored id.
 * Incidents of a type without a rule are skipped (a rule removed since they were stored).
 * Cleared alarms stored without a clear time get one ({@link withClearTimes}); an alarm both
 * listed and held beyond the evidence cap is listed only ({@link dropListedBeyondCap}).
 *
 * @returns the ids of the incidents made live again.
 */
export function restoreIncidents(state: IncidentState, incidents: readonly Incident[]): string[] {
  dropIndex(state);
  const restored: string[] = [];
  for (const stored of incidents) {
    state.nextId = Math.max(state.nextId, idNumber(stored.id) + 1);
    if (!ACTIVE_STATUSES.has(stored.status) || !state.rules.has(stored.type)) continue;
    // A copy: the state mutates its incidents, the caller's objects stay as they were.
    const incident = snapshot(stored);
    withClearTimes(incident);
    dropListedBeyondCap(incident);
    state.incidents.set(incident.id, incident);
    for (const e of incident.evidence) if (e.kind === 'event') state.seen.add(e.id);
    restored.push(incident.id);
  }
  return restored;
}

/** The incidents still active (open or acknowledged), as the live twin holds them. */
export function activeIncidents(state: IncidentState): Incident[] {
  return [...state.incidents.values()].filter((i) => ACTIVE_STATUSES.has(i.status));
}
