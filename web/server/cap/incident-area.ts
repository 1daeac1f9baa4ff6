/**
 * The area a public warning about an incident covers (docs/cap.md, "Drafting from an
 * incident"): a district-wide incident (a heat wave: its rule links evidence by district) warns
 * its whole district, the district's polygon; any other incident warns a circle around it wide
 * enough to hold all the evidence that places it, and at least the type's default radius.
 */
import { CAP_INCIDENT_PROFILES, type CapIncident } from '../../../twin-model/cap/index.ts';
import { haversineM } from '../../../twin-model/city/index.ts';
import type { LngLat } from '../../../twin-model/city/city-types.ts';
import { isWarningEvidence, type CityModel, type Incident, type IncidentRule } from '../../../twin-model/index.ts';

/** Room around the farthest evidence, metres. */
export const AREA_MARGIN_M = 100;
/** The widest circle drafted around an incident, metres (beyond it, draw the area by hand). */
export const AREA_MAX_RADIUS_M = 10_000;

/** Shoelace area of a ring in square degrees (only compared with others of the same city). */
function ringArea(ring: readonly LngLat[]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += (ring[j]![0] + ring[i]![0]) * (ring[j]![1] - ring[i]![1]);
  return Math.abs(a / 2);
}

/** `incident` with its affected area: the district polygon of a district-wide incident, else a radius. */
export function incidentWithArea(incident: Incident, rule: IncidentRule | undefined, city: Pick<CityModel, 'districts'>): CapIncident {
  const base: CapIncident = {
    id: incident.id,
    type: incident.type,
    lng: incident.lng,
    lat: incident.lat,
    severity: incident.severity,
    confidence: incident.confidence,
    openedAt: incident.openedAt,
    district: incident.district,
  };
  if (rule?.spatial.sameDistrict && incident.district) {
    const district = city.districts.find((d) => d.code === incident.district);
    const largest = district?.polygons.filter((p) => p[0] && p[0].length >= 3).sort((a, b) => ringArea(b[0]!) - ringArea(a[0]!))[0];
    if (largest) return { ...base, affectedArea: [largest[0]!] };
  }
  let farthest = 0;
  for (const e of incident.evidence) {
    if (isWarningEvidence(e) || e.family === 'weather') continue;
    farthest = Math.max(farthest, haversineM({ lng: incident.lng, lat: incident.lat }, { lng: e.lng, lat: e.lat }));
  }
  const wanted = Math.ceil((farthest + AREA_MARGIN_M) / 50) * 50;
  const radius = Math.min(AREA_MAX_RADIUS_M, Math.max(CAP_INCIDENT_PROFILES[incident.type].defaultRadiusM, wanted));
  return { ...base, affectedRadiusM: radius };
}
