/**
 * Road closures and slow-downs derived from the twin's active incidents (open or
 * acknowledged), for the router:
 *
 * - waterlogging closes the underpass edges of its evidence (a water-level sensor's edge, an
 *   underpass asset's edge, the incident's own asset) and every underpass edge within
 *   {@link UNDERPASS_RADIUS_M} of the incident; a water-level sensor on an ordinary street
 *   slows that street ×{@link FLOODED_STREET_FACTOR} (shallow water is driven slowly, not closed);
 * - a traffic accident on a bridge (a bridge edge within {@link BRIDGE_MATCH_M} of it, or a
 *   traffic sensor of its evidence on a bridge edge) slows the bridge's edges within
 *   {@link BRIDGE_RADIUS_M} ×{@link BRIDGE_SLOW_FACTOR}: a crash usually blocks lanes, not the
 *   bridge, and closing a Yangtze crossing sends every unit round by another bridge. A severe
 *   crash (severity ≥ {@link BRIDGE_CLOSE_SEVERITY}) closes those edges instead;
 * - a fire closes the edges within {@link FIRE_RADIUS_M} of it (at least the nearest one): the
 *   street in front of the fire is taken by the fire service.
 *
 * Each closure carries a reason naming the incident, its type and the place. A closed edge is
 * never also listed as slowed; of two slow factors the larger wins. The recommender keeps the
 * edges at the incident's own road node open for responders (they drive up to the cordon).
 */
import type { Asset, CityModel, GraphEdge, SensorSite } from '../city/city-types.ts';
import { edgeCandidatesNear } from '../city/city-queries.ts';
import { wrapLngDelta } from '../city/local-projection.ts';
import type { Incident } from '../incidents/incident-correlator.ts';
import type { RoadRestrictions } from './unit-types.ts';

export const UNDERPASS_RADIUS_M = 300;
export const FLOODED_STREET_FACTOR = 3;
export const BRIDGE_MATCH_M = 150;
export const BRIDGE_RADIUS_M = 500;
export const BRIDGE_SLOW_FACTOR = 3;
export const BRIDGE_CLOSE_SEVERITY = 4;
export const FIRE_RADIUS_M = 100;

const ACTIVE = new Set(['open', 'acknowledged']);
const DEG = Math.PI / 180;
const M_PER_DEG_LAT = 110_852;

/**
 * Distance (m) from a point to an edge's straight segment, in a local plane at the point.
 * Longitude differences are taken the short way round: an edge just across the antimeridian from
 * the point, or one across it, measures as near as it is.
 */
export function pointEdgeM(city: CityModel, edge: GraphEdge, lng: number, lat: number): number {
  const a = city.graph.nodes[edge.from]!;
  const b = city.graph.nodes[edge.to]!;
  const kx = M_PER_DEG_LAT * Math.cos(lat * DEG);
  const ax = wrapLngDelta(a.lng - lng) * kx;
  const ay = (a.lat - lat) * M_PER_DEG_LAT;
  let bx = wrapLngDelta(b.lng - lng) * kx;
  // Ends on either side of the point's antipodal meridian: b is placed the short way round from a.
  if (Math.abs(bx - ax) > 180 * kx) bx = ax + wrapLngDelta(b.lng - a.lng) * kx;
  const by = (b.lat - lat) * M_PER_DEG_LAT;
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2)) : 0;
  return Math.hypot(ax + t * dx, ay + t * dy);
}

/** Edges passing `filter` whose segment comes within `radiusM` of the point. */
function edgesNear(city: CityModel, lng: number, lat: number, radiusM: number, filter: (e: GraphEdge) => boolean): GraphEdge[] {
  const out: GraphEdge[] = [];
  const edges = city.graph.edges;
  for (const i of edgeCandidatesNear(city.graph, lng, lat, radiusM)) {
    const e = edges[i]!;
    if (!filter(e)) continue;
    if (pointEdgeM(city, e, lng, lat) <= radiusM) out.push(e);
  }
  return out;
}

function placeOf(incident: Incident, assets: ReadonlyMap<string, Asset>): string {
  const asset = incident.assetId ? assets.get(incident.assetId) : undefined;
  if (asset) return `${asset.nameZh} / ${asset.nameEn}`;
  return incident.district ? `district ${incident.district}` : `${incident.lng.toFixed(4)},${incident.lat.toFixed(4)}`;
}

/** One incident's closures and slow-downs, in the order its rule gives them. */
export interface IncidentRestrictions {
  closes: [edgeId: number, reason: string][];
  slows: [edgeId: number, factor: number][];
}

const NONE: IncidentRestrictions = { closes: [], slows: [] };

/** What one incident closes and slows (nothing unless it is active; see the module comment for the rules). */
export function incidentRestrictions(
  incident: Incident,
  city: CityModel,
  assets: ReadonlyMap<string, Asset>,
  siteOf: (sensorId: string) => SensorSite | undefined,
): IncidentRestrictions {
  if (!ACTIVE.has(incident.status)) return NONE;
  const edges = city.graph.edges;
  const out: IncidentRestrictions = { closes: [], slows: [] };
  const reason = `incident ${incident.id} ${incident.type} at ${placeOf(incident, assets)}`;
  const close = (edgeId: number | undefined): void => {
    if (edgeId !== undefined && edges[edgeId]) out.closes.push([edgeId, reason]);
  };
  const slow = (edgeId: number | undefined, factor: number): void => {
    if (edgeId !== undefined && edges[edgeId]) out.slows.push([edgeId, factor]);
  };
  switch (incident.type) {
    case 'waterlogging': {
      const evidenceEdges = new Set<number>();
      const assetIds = new Set<string>();
      if (incident.assetId) assetIds.add(incident.assetId);
      for (const e of incident.evidence) {
        if (e.assetId) assetIds.add(e.assetId);
        if (e.sensorId && (e.sensorKind === undefined || e.sensorKind === 'water_level')) {
          const site = siteOf(e.sensorId);
          if (site?.kind === 'water_level' && site.edgeId !== undefined) evidenceEdges.add(site.edgeId);
          if (site?.kind === 'water_level' && site.assetId) assetIds.add(site.assetId);
        }
      }
      for (const id of assetIds) {
        const asset = assets.get(id);
        if (asset?.kind === 'underpass' && asset.edgeId !== undefined) evidenceEdges.add(asset.edgeId);
      }
      for (const edgeId of evidenceEdges) {
        if (edges[edgeId]?.underpass) close(edgeId);
        else slow(edgeId, FLOODED_STREET_FACTOR);
      }
      for (const e of edgesNear(city, incident.lng, incident.lat, UNDERPASS_RADIUS_M, (x) => x.underpass)) close(e.id);
      break;
    }
    case 'traffic_accident': {
      let onBridge = edgesNear(city, incident.lng, incident.lat, BRIDGE_MATCH_M, (x) => x.bridge).length > 0;
      for (const e of incident.evidence) {
        if (onBridge) break;
        const site = e.sensorId ? siteOf(e.sensorId) : undefined;
        if (site?.edgeId !== undefined && edges[site.edgeId]?.bridge) onBridge = true;
      }
      if (!onBridge) break;
      for (const e of edgesNear(city, incident.lng, incident.lat, BRIDGE_RADIUS_M, (x) => x.bridge)) {
        if (incident.severity >= BRIDGE_CLOSE_SEVERITY) close(e.id);
        else slow(e.id, BRIDGE_SLOW_FACTOR);
      }
      break;
    }
    case 'fire': {
      const near = edgesNear(city, incident.lng, incident.lat, FIRE_RADIUS_M, () => true);
      if (near.length === 0) {
        let best: GraphEdge | undefined;
        let bestM = Number.POSITIVE_INFINITY;
        for (const e of edges) {
          const d = pointEdgeM(city, e, incident.lng, incident.lat);
          if (d < bestM) {
            bestM = d;
            best = e;
          }
        }
        if (best) near.push(best);
      }
      for (const e of near) close(e.id);
      break;
    }
    default:
      break;
  }
  return out;
}

/** The incidents' closures and slow-downs together: the first closure of an edge gives its reason, the largest slow-down wins, a closed edge is not also slowed. */
export function mergeRestrictions(parts: Iterable<IncidentRestrictions>): RoadRestrictions {
  const closed = new Map<number, string>();
  const slowed = new Map<number, number>();
  for (const part of parts) {
    for (const [edgeId, reason] of part.closes) if (!closed.has(edgeId)) closed.set(edgeId, reason);
    for (const [edgeId, factor] of part.slows) slowed.set(edgeId, Math.max(factor, slowed.get(edgeId) ?? 1));
  }
  for (const edgeId of closed.keys()) slowed.delete(edgeId);
  return slowed.size > 0 ? { closed, slowed } : { closed };
}

/** The city's assets by id. */
export function assetsById(city: CityModel): Map<string, Asset> {
  return new Map(city.assets.map((a) => [a.id, a]));
}

/** Closures and slow-downs from the active incidents (see the module comment for the rules). */
export function restrictionsFromIncidents(
  incidents: Iterable<Incident>,
  city: CityModel,
  siteOf: (sensorId: string) => SensorSite | undefined,
): RoadRestrictions {
  const assets = assetsById(city);
  const parts: IncidentRestrictions[] = [];
  for (const incident of incidents) parts.push(incidentRestrictions(incident, city, assets, siteOf));
  return mergeRestrictions(parts);
}

/**
 * The restrictions as responders see them: edges at the incident's own road node stay open
 * (units drive up to the cordon even when the scene's street is closed to through traffic).
 * Returns the same object when nothing changes.
 */
export function responderRestrictions(
  restrictions: RoadRestrictions | undefined,
  graph: CityModel['graph'],
  targetNode: number,
): RoadRestrictions | undefined {
  if (!restrictions || restrictions.closed.size === 0) return restrictions;
  let closed: Map<number, string> | null = null;
  for (const edgeId of restrictions.closed.keys()) {
    const e = graph.edges[edgeId];
    if (e && (e.from === targetNode || e.to === targetNode)) {
      closed ??= new Map(restrictions.closed);
      closed.delete(edgeId);
    }
  }
  if (!closed) return restrictions;
  return restrictions.slowed ? { closed, slowed: restrictions.slowed } : { closed };
}
