/**
 * A dispatcher's assignment, checked before anything changes: the incident must be active, every
 * unit known, unchanged since the dispatcher looked (when versions are given) and free, and a
 * unit other than the best recommended one of its kind needs a reason (an override). Pure: the
 * incident, the units and the ranking come in; refusals are `DispatchError`s with a code.
 */
import type { Incident } from '../incidents/incident-correlator.ts';
import { DispatchError, type UnitInput } from './unit-state.ts';
import { ASSIGNABLE_STATUSES, type ResponseUnit, type UnitRecommendation } from './unit-types.ts';

/** Recommendations a console shows (and the route answers by default): the ranking logged with an assignment. */
export const SHOWN_RECOMMENDATIONS = 8;

/** Recommendations ranked to judge an assignment (the best unit of each kind among them). */
export const ASSIGNMENT_RANKING_LIMIT = 50;

export interface AssignRequest {
  incidentId: string;
  unitIds: string[];
  actor: string;
  reason?: string;
  /** Why the dispatcher chose other units than the recommended ones (required then). */
  overrideReason?: string;
  /** The versions of the units the dispatcher saw (refused when another dispatcher moved first). */
  expectedVersions?: Record<string, number>;
}

/** The incident units may go to: known, and open or acknowledged. */
export function activeIncidentFor(incidentId: string, incident: Incident | undefined): Incident {
  if (!incident) throw new DispatchError('unknown_incident', `incident "${incidentId}" is not known`);
  if (incident.status !== 'open' && incident.status !== 'acknowledged') {
    throw new DispatchError(
      'incident_not_active',
      `incident ${incidentId} is ${incident.status}; units go to open or acknowledged incidents`,
    );
  }
  return incident;
}

/**
 * The inputs that carry out `request` (one `assign` per unit), all or nothing: every unit is
 * checked before any input is made. `ranking` is the recommender's list for the incident (at
 * least {@link ASSIGNMENT_RANKING_LIMIT} long when there are that many candidates).
 */
export function planAssignment(
  request: AssignRequest,
  incident: Incident,
  unitOf: (unitId: string) => ResponseUnit | undefined,
  ranking: readonly UnitRecommendation[],
): UnitInput[] {
  if (request.unitIds.length === 0) throw new DispatchError('no_unit', 'name at least one unit to assign');
  // The best recommendation of each kind: choosing another unit of that kind is an override.
  const bestOfKind = new Map<string, UnitRecommendation>();
  for (const r of ranking) if (!bestOfKind.has(r.kind)) bestOfKind.set(r.kind, r);
  const plan: UnitInput[] = [];
  for (const unitId of request.unitIds) {
    const unit = unitOf(unitId);
    if (!unit) throw new DispatchError('unknown_unit', `unit "${unitId}" is not known`);
    // Another dispatcher moved first: the unit is taken, or changed since this one looked.
    const expected = request.expectedVersions?.[unitId];
    if (expected !== undefined && expected !== unit.version) {
      throw new DispatchError(
        'version_conflict',
        `${unit.id} changed since you looked (now ${unit.status}, version ${unit.version}); refresh and choose again`,
      );
    }
    if (!ASSIGNABLE_STATUSES.includes(unit.status))
      throw new DispatchError('unit_unavailable', `${unit.id} is ${unit.status}; only available or returning units can be assigned`);
    const best = bestOfKind.get(unit.kind);
    const override = best && best.unitId !== unitId ? { recommendedUnitId: best.unitId, reason: request.overrideReason ?? '' } : undefined;
    if (best && override && !override.reason.trim()) {
      throw new DispatchError(
        'override_needs_reason',
        `${unitId} is not the recommended ${unit.kind} (${best.unitId}, ETA ${Math.round(best.etaS / 60)} min); give a reason to override`,
      );
    }
    plan.push({
      type: 'assign',
      unitId,
      incidentId: request.incidentId,
      actor: request.actor,
      ...(request.reason ? { reason: request.reason } : {}),
      ...(expected !== undefined ? { expectedVersion: expected } : {}),
      ...(override ? { override } : {}),
      place: { lng: incident.lng, lat: incident.lat },
    });
  }
  return plan;
}

/** The dispatch-log input of a ranking a dispatcher saw or acted on. */
export function rankingLogInput(
  incidentId: string,
  actor: string,
  ranking: readonly UnitRecommendation[],
  closures: number,
  at: number,
): { at: number; actor: string; action: 'recommend'; incidentId: string; data: Record<string, unknown> } {
  return {
    at,
    actor,
    action: 'recommend',
    incidentId,
    data: { ranked: ranking.map((r) => ({ unitId: r.unitId, etaS: Math.round(r.etaS), rank: r.rank })), closures },
  };
}

/** Identifies a ranking shown to one dispatcher: the same key shown again is no new decision input. */
export function rankingKey(actor: string, ranking: readonly UnitRecommendation[]): string {
  return `${actor}|${ranking.map((r) => r.unitId).join(',')}`;
}
