/**
 * Where units drive: the trip a unit is on after a change (to its incident while dispatched or
 * en route, home while returning, none otherwise), and a new route when the road ahead of it
 * closes. Pure: the router, the restrictions in force and the time come in.
 */
import type { RoadGraph } from '../city/city-types.ts';
import { responderRestrictions } from './road-restrictions.ts';
import type { RoadRouter } from './road-router.ts';
import type { ResponseUnit, RoadRestrictions, Route, UnitStatus } from './unit-types.ts';

/** A unit's current trip: where it drives, since when, and why. */
export interface UnitTrip {
  unitId: string;
  incidentId: string | null;
  /** `to_incident` while dispatched / en route, `home` while returning. */
  leg: 'to_incident' | 'home';
  route: Route;
  /** When this route was computed (epoch ms). */
  since: number;
  /** Times the route was recomputed because it became blocked. */
  reroutes: number;
}

/** What routing a trip needs: the road graph, its router, the closures in force (asked for only when routing) and the time. */
export interface TripRouting {
  router: RoadRouter;
  graph: RoadGraph;
  restrictions: () => RoadRestrictions;
  now: number;
}

/** Statuses whose unit drives somewhere (its trip is drawn on the map). */
export const MOVING_STATUSES: ReadonlySet<UnitStatus> = new Set(['dispatched', 'en_route', 'returning']);

/**
 * A new trip for `unit` to `target`: around the closures (reopened at the target itself, where
 * units drive up to the cordon), or straight through them when nothing else reaches it; null
 * when the target cannot be reached at all.
 */
export function routeTrip(
  unit: ResponseUnit,
  target: { lng: number; lat: number; nodeId?: number },
  leg: UnitTrip['leg'],
  routing: TripRouting,
): UnitTrip | null {
  const { router } = routing;
  const to = target.nodeId ?? router.snap(target.lng, target.lat).nodeId;
  const restrictions = responderRestrictions(routing.restrictions(), routing.graph, to);
  const route = router.route(unit.nodeId, to, restrictions) ?? router.route(unit.nodeId, to);
  if (!route) return null;
  return {
    unitId: unit.id,
    incidentId: leg === 'to_incident' ? (unit.incidentId ?? null) : null,
    leg,
    route,
    since: routing.now,
    reroutes: 0,
  };
}

/**
 * The trip `unit` is on after a change: the one it had when it still drives the same leg, a new
 * one to its incident (dispatched or en route, the incident known) or home (returning), else none.
 */
export function tripAfterChange(
  unit: ResponseUnit,
  old: UnitTrip | undefined,
  incidentPlace: (incidentId: string) => { lng: number; lat: number } | undefined,
  routing: TripRouting,
): UnitTrip | null {
  if ((unit.status === 'dispatched' || unit.status === 'en_route') && unit.incidentId) {
    const place = incidentPlace(unit.incidentId);
    if (!place) return null;
    if (old && old.leg === 'to_incident' && old.incidentId === unit.incidentId) return old;
    return routeTrip(unit, place, 'to_incident', routing);
  }
  if (unit.status === 'returning') {
    if (old && old.leg === 'home') return old;
    return routeTrip(unit, { lng: unit.homeLng, lat: unit.homeLat, nodeId: unit.homeNodeId }, 'home', routing);
  }
  return null;
}

/** A trip recomputed because a closed edge lies ahead, with the edge and why it is closed. */
export interface Reroute {
  trip: UnitTrip;
  blockedEdge: number;
  reason: string;
}

/**
 * The trip re-planned from where the unit is when an edge still ahead of it is closed; null when
 * the road ahead is open, the unit no longer drives, or no other route reaches the target.
 */
export function rerouteIfBlocked(trip: UnitTrip, unit: ResponseUnit, routing: TripRouting): Reroute | null {
  if (!MOVING_STATUSES.has(unit.status)) return null;
  const to = trip.route.toNode;
  const restrictions = responderRestrictions(routing.restrictions(), routing.graph, to)!;
  // Only what is still ahead of the unit matters.
  const at = trip.route.nodes.indexOf(unit.nodeId);
  const ahead = trip.route.edges.slice(Math.max(0, at));
  const blocked = ahead.find((e) => restrictions.closed.has(e));
  if (blocked === undefined) return null;
  const route = routing.router.route(unit.nodeId, to, restrictions);
  if (!route) return null;
  return {
    trip: { ...trip, route, since: routing.now, reroutes: trip.reroutes + 1 },
    blockedEdge: blocked,
    reason: restrictions.closed.get(blocked) ?? 'road closed',
  };
}
