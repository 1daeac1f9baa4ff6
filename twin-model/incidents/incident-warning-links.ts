/**
 * Official warnings (CAP) as incident evidence (incident-correlator.ts, docs/cap.md): the held
 * warnings matched against each active incident, their support linked or, when withdrawn, removed.
 */
import { warningEvidence, type WarningContext } from '../cap/cap-context.ts';
import { changeNoteText, type ChangeNote, type LinkReason } from './incident-explanations.ts';
import { isWarningEvidence, warningEvidenceId } from './incident-linking.ts';
import { ACTIVE, refresh, snapshot } from './incident-refresh.ts';
import type { Incident, IncidentChange, IncidentContext, IncidentState } from './incident-types.ts';

/**
 * Matches the held warnings against one incident: adds the support of each warning that covers
 * it and is not yet part of its evidence, removes the support of warnings withdrawn.
 */
function reviewWarnings(state: IncidentState, incident: Incident, withdrawn: ReadonlySet<string>, now: number): IncidentChange[] {
  if (!ACTIVE.has(incident.status)) return [];
  const changes: IncidentChange[] = [];
  const gone = withdrawn.size ? incident.evidence.filter((e) => isWarningEvidence(e) && withdrawn.has(e.id.slice('warning:'.length))) : [];
  if (gone.length) {
    incident.evidence = incident.evidence.filter((e) => !gone.includes(e));
    refresh(state, incident, now);
    const after = snapshot(incident);
    for (const e of gone) {
      const identifier = e.why.code === 'official_warning_covers' ? e.why.params.identifier : e.id;
      const note: ChangeNote = { code: 'warning_withdrawn', params: { evidenceId: e.id, identifier } };
      changes.push({
        incidentId: incident.id,
        at: now,
        actor: 'twin',
        what: 'evidence_inactive',
        detail: changeNoteText(note),
        incident: after,
      });
    }
  }
  if (state.warnings.length === 0) return changes;
  const support = warningEvidence(
    { type: incident.type, lng: incident.lng, lat: incident.lat, openedAt: incident.openedAt, lastEvidenceAt: incident.lastEvidenceAt },
    state.warnings,
  );
  // All new support first, then one refresh and one snapshot shared by the changes (same moment).
  const linked: Array<{ id: string; why: LinkReason }> = [];
  for (const w of support) {
    const id = warningEvidenceId(w.warningKey);
    if (incident.evidence.some((e) => e.id === id)) continue;
    const why: LinkReason = { code: 'official_warning_covers', params: w.params };
    incident.evidence.push({
      id,
      kind: 'official_warning',
      ts: w.params.effective,
      lng: incident.lng,
      lat: incident.lat,
      ...(incident.district ? { district: incident.district } : {}),
      source: w.params.sender,
      signal: 'official_warning',
      family: 'warning',
      weight: w.boost,
      active: true,
      why,
      linkedAt: now,
    });
    linked.push({ id, why });
  }
  if (linked.length === 0) return changes;
  refresh(state, incident, now);
  const after = snapshot(incident);
  for (const { id, why } of linked) {
    changes.push({
      incidentId: incident.id,
      at: now,
      actor: 'twin',
      what: 'evidence_linked',
      detail: changeNoteText({ code: 'evidence_linked', params: { evidenceId: id, signal: 'official_warning', why } }),
      incident: after,
    });
  }
  return changes;
}

/** New held warnings: every active incident matched against them. */
export function handleWarnings(
  state: IncidentState,
  warnings: readonly WarningContext[],
  withdrawn: readonly string[],
  ctx: IncidentContext,
): IncidentChange[] {
  state.warnings = [...warnings];
  const now = ctx.now();
  const gone = new Set(withdrawn);
  const changes: IncidentChange[] = [];
  for (const incident of state.incidents.values()) changes.push(...reviewWarnings(state, incident, gone, now));
  return changes;
}

/** After new evidence: the incidents it opened or joined matched against the held warnings. */
export function withWarnings(state: IncidentState, changes: IncidentChange[], ctx: IncidentContext): IncidentChange[] {
  if (state.warnings.length === 0 || changes.length === 0) return changes;
  const now = ctx.now();
  const none = new Set<string>();
  for (const id of new Set(changes.map((c) => c.incidentId))) {
    const incident = state.incidents.get(id);
    if (incident) changes.push(...reviewWarnings(state, incident, none, now));
  }
  return changes;
}
