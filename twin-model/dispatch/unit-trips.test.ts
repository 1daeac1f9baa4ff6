import { describe, expect, it } from 'vitest';
import { streetWithBypass } from './fixtures/street-graph.ts';
import { RoadRouter } from './road-router.ts';
import { rerouteIfBlocked, routeTrip, tripAfterChange, type TripRouting } from './unit-trips.ts';
import type { ResponseUnit, RoadRestrictions } from './unit-types.ts';

const T0 = Date.UTC(2026, 6, 1, 8);

/** A street 0-1-2-3-4 with 60 s per block (edge i joins i and i+1), and a slow bypass 1-5-2 (edges 4, 5; 100 s each). */
const graph = streetWithBypass(5);
const router = new RoadRouter(graph);
const routing = (closed: Array<[number, string]> = [], now = T0): TripRouting => {
  const restrictions: RoadRestrictions = { closed: new Map(closed) };
  return { router, graph, restrictions: () => restrictions, now };
};
const unit = (status: ResponseUnit['status'], node: number, extra: Partial<ResponseUnit> = {}): ResponseUnit => ({
  id: 'pump1',
  kind: 'pump_team',
  nameZh: 'pump1',
  nameEn: 'pump1',
  capabilities: ['pumping'],
  homeStationId: 'st-1',
  homeDistrict: 'D1',
  homeLng: graph.nodes[0]!.lng,
  homeLat: graph.nodes[0]!.lat,
  homeNodeId: 0,
  shift: { startHour: 0, endHour: 24 },
  status,
  lng: graph.nodes[node]!.lng,
  lat: graph.nodes[node]!.lat,
  nodeId: node,
  lastFixAt: 0,
  version: 1,
  ...extra,
});
const atNode4 = { lng: graph.nodes[4]!.lng, lat: graph.nodes[4]!.lat };
const placeOf = (id: string) => (id === 'inc-1' ? atNode4 : undefined);

describe('tripAfterChange', () => {
  it('routes a dispatched unit to its incident, keeps that trip while it drives the same leg, and routes home when returning', () => {
    const dispatched = unit('dispatched', 0, { incidentId: 'inc-1' });
    const trip = tripAfterChange(dispatched, undefined, placeOf, routing())!;
    expect(trip).toMatchObject({ unitId: 'pump1', incidentId: 'inc-1', leg: 'to_incident', since: T0, reroutes: 0 });
    expect(trip.route.nodes).toEqual([0, 1, 2, 3, 4]);
    expect(tripAfterChange({ ...dispatched, status: 'en_route' }, trip, placeOf, routing([], T0 + 60_000))).toBe(trip);
    const home = tripAfterChange(unit('returning', 4), trip, placeOf, routing())!;
    expect(home).toMatchObject({ leg: 'home', incidentId: null });
    expect(home.route.nodes).toEqual([4, 3, 2, 1, 0]);
  });

  it('gives no trip on scene, when available, or when the incident is not known', () => {
    expect(tripAfterChange(unit('on_scene', 4, { incidentId: 'inc-1' }), undefined, placeOf, routing())).toBeNull();
    expect(tripAfterChange(unit('available', 0), undefined, placeOf, routing())).toBeNull();
    expect(tripAfterChange(unit('dispatched', 0, { incidentId: 'inc-9' }), undefined, placeOf, routing())).toBeNull();
  });

  it('drives around a closure, and through it when nothing else reaches the target', () => {
    const around = routeTrip(unit('dispatched', 0, { incidentId: 'inc-1' }), atNode4, 'to_incident', routing([[1, 'flooded']]))!;
    expect(around.route.nodes).toEqual([0, 1, 5, 2, 3, 4]);
    const through = routeTrip(unit('dispatched', 0, { incidentId: 'inc-1' }), atNode4, 'to_incident', routing([[3, 'fire']]))!;
    // Edge 3 ends at the target: units drive up to the cordon.
    expect(through.route.nodes).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('rerouteIfBlocked', () => {
  it('re-plans from where the unit is when a closed edge lies ahead, counting the reroute', () => {
    const driving = unit('en_route', 1, { incidentId: 'inc-1' });
    const trip = tripAfterChange(unit('dispatched', 0, { incidentId: 'inc-1' }), undefined, placeOf, routing())!;
    const reroute = rerouteIfBlocked(trip, driving, routing([[1, 'incident inc-2 waterlogging']], T0 + 30_000))!;
    expect(reroute.blockedEdge).toBe(1);
    expect(reroute.reason).toBe('incident inc-2 waterlogging');
    expect(reroute.trip.route.nodes).toEqual([1, 5, 2, 3, 4]);
    expect(reroute.trip).toMatchObject({ since: T0 + 30_000, reroutes: 1, leg: 'to_incident', incidentId: 'inc-1' });
  });

  it('leaves the trip alone when the closure is behind the unit, or the unit no longer drives', () => {
    const trip = tripAfterChange(unit('dispatched', 0, { incidentId: 'inc-1' }), undefined, placeOf, routing())!;
    expect(rerouteIfBlocked(trip, unit('en_route', 2, { incidentId: 'inc-1' }), routing([[0, 'crash']]))).toBeNull();
    expect(rerouteIfBlocked(trip, unit('on_scene', 1, { incidentId: 'inc-1' }), routing([[1, 'flooded']]))).toBeNull();
  });
});
