/**
 * What a field crew is shown of its unit (pure): the unit, its assignment — the incident reduced
 * to what the `public` clearance sees (incidents/incident-view.ts: no evidence, a coarse position
 * when evidence placing it is withheld), named by its district and visible asset — the route the
 * unit drives and its ETA, and the statuses the crew may set now by the dispatch rules.
 */
import {
  isAllowedTransition,
  needsReason,
  type CityModel,
  type Incident,
  type ResponseUnit,
  type UnitStatus,
  type UnitTrip,
} from '../../../twin-model/index.ts';
import {
  FIELD_STATUSES,
  type FieldAssignment,
  type FieldIncident,
  type FieldRoute,
  type FieldStatus,
  type FieldUnit,
} from '../../shared/field-protocol.ts';
import type { EvidenceClassifier } from '../incidents/incident-view.ts';
import { incidentViewer } from '../incidents/incident-view.ts';

/** The clearance a crew's phone sees an incident with, whatever the account's roles. */
export const FIELD_CLEARANCE = ['public'] as const;

/** When and by whom a unit was sent (from the assignment change). */
export interface Dispatched {
  incidentId: string;
  at: number;
  by: string;
}

export function fieldUnit(u: ResponseUnit): FieldUnit {
  return {
    id: u.id,
    kind: u.kind,
    nameZh: u.nameZh,
    nameEn: u.nameEn,
    status: u.status,
    version: u.version,
    lng: u.lng,
    lat: u.lat,
    lastFixAt: u.lastFixAt,
  };
}

/** The statuses a crew may set from `from`: the dispatch table's, without those that need a dispatcher's reason. */
export function nextFieldStatuses(from: UnitStatus): FieldStatus[] {
  return FIELD_STATUSES.filter((s) => isAllowedTransition(from, s) && !needsReason(from, s));
}

export function fieldRoute(trip: UnitTrip): FieldRoute {
  const etaS = Math.round(trip.route.travelTimeS);
  return {
    leg: trip.leg,
    path: trip.route.coords.map(([lng, lat]) => [lng, lat] as [number, number]),
    lengthM: Math.round(trip.route.lengthM),
    etaS,
    since: trip.since,
    etaAt: trip.since + etaS * 1000,
    reroutes: trip.reroutes,
  };
}

export function fieldIncident(
  incident: Incident,
  city: Pick<CityModel, 'districts' | 'assets'> | null,
  classify: EvidenceClassifier,
): FieldIncident {
  const view = incidentViewer(FIELD_CLEARANCE, classify)(incident);
  const district = view.district ? (city?.districts.find((d) => d.code === view.district) ?? null) : null;
  const asset = view.assetId ? (city?.assets.find((a) => a.id === view.assetId) ?? null) : null;
  return {
    id: view.id,
    type: view.type,
    severity: view.severity,
    status: view.status,
    openedAt: view.openedAt,
    updatedAt: view.updatedAt,
    place: {
      lng: view.lng,
      lat: view.lat,
      coarse: view.coarse,
      districtCode: view.district,
      districtZh: district?.nameZh ?? null,
      districtEn: district?.nameEn ?? null,
      assetZh: asset?.nameZh ?? null,
      assetEn: asset?.nameEn ?? null,
    },
  };
}

/**
 * The unit's assignment: while it works for an incident (dispatched, en route, on scene) the
 * incident and the route to it; while it drives home, the route home; otherwise null.
 */
export function fieldAssignment(
  unit: ResponseUnit,
  trip: UnitTrip | undefined,
  incident: Incident | undefined,
  dispatched: Dispatched | undefined,
  city: Pick<CityModel, 'districts' | 'assets'> | null,
  classify: EvidenceClassifier,
): FieldAssignment | null {
  const route = trip ? fieldRoute(trip) : null;
  if (!unit.incidentId)
    return route && unit.status === 'returning' ? { incident: null, dispatchedAt: null, dispatchedBy: null, route } : null;
  const sent = dispatched && dispatched.incidentId === unit.incidentId ? dispatched : undefined;
  return {
    incident: incident ? fieldIncident(incident, city, classify) : null,
    dispatchedAt: sent?.at ?? null,
    dispatchedBy: sent?.by ?? null,
    route: route && route.leg === 'to_incident' ? route : null,
  };
}
