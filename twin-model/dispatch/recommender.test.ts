import { describe, expect, it } from 'vitest';
import { generateCity } from '../city/generate-city.ts';
import { createRandom } from '../random.ts';
import { INCIDENT_TYPES } from '../vocabulary.ts';
import { streetWithBypass } from './fixtures/street-graph.ts';
import { generateFleet } from './fleet.ts';
import { PRIMARY_PREFERENCE_S, exhaustiveFastest, recommendUnits } from './recommender.ts';
import { RoadRouter } from './road-router.ts';
import { capabilitiesOf, needsOf } from './unit-needs.ts';
import { UNIT_STATUSES, type ResponseUnit, type RoadRestrictions, type UnitKind, type UnitRecommendation } from './unit-types.ts';

/** Local midnight in the city (UTC+8): day-shift units are off. */
const NIGHT = Date.UTC(2026, 6, 1, 16);
const TZ = 'Asia/Shanghai';

/** A street 0-1-2-3-4-5-6-7 with 60 s per block, and a slow bypass 1-8-2 (edges 7 = 1-8, 8 = 8-2; 100 s each). */
const graph = streetWithBypass(8);
const router = new RoadRouter(graph);

function unit(id: string, kind: UnitKind, node: number, extra: Partial<ResponseUnit> = {}): ResponseUnit {
  const n = graph.nodes[node]!;
  return {
    id,
    kind,
    nameZh: id,
    nameEn: id,
    capabilities: capabilitiesOf(kind),
    homeStationId: `st-${id}`,
    homeDistrict: 'D1',
    homeLng: n.lng,
    homeLat: n.lat,
    homeNodeId: node,
    shift: { startHour: 0, endHour: 24 },
    status: 'available',
    lng: n.lng,
    lat: n.lat,
    nodeId: node,
    lastFixAt: 0,
    version: 0,
    ...extra,
  };
}

const flood = { id: 'INC-1', type: 'waterlogging' as const, lng: 114.3, lat: 30.6 };
const reason = (r: UnitRecommendation, code: string) => r.reasons.find((x) => x.code === code);

describe('recommendUnits', () => {
  it('ranks free capable units by ETA, primary capability ahead of comparable partial matches', () => {
    const units = [
      unit('pumpA', 'pump_team', 3),
      unit('pumpBusy', 'pump_team', 1, { status: 'en_route', incidentId: 'INC-0' }),
      unit('pumpDay', 'pump_team', 2, { shift: { startHour: 8, endHour: 20 } }),
      unit('tpolNear', 'traffic_police', 1),
      unit('tpolFar', 'traffic_police', 6),
      unit('pumpBack', 'pump_team', 5, { status: 'returning', homeNodeId: 7 }),
      unit('amb', 'ambulance', 1),
      unit('police', 'police', 1),
    ];
    const recs = recommendUnits({ incident: flood, units, router, now: NIGHT, timeZone: TZ, limit: 10 });
    expect(recs.map((r) => [r.unitId, r.etaS, r.rank])).toEqual([
      ['pumpA', 180, 1],
      ['tpolNear', 60, 2],
      ['pumpBack', 300, 3],
      ['tpolFar', 360, 4],
    ]);
    const [a, t, back] = recs as [UnitRecommendation, UnitRecommendation, UnitRecommendation];
    expect(a.matched).toEqual(['pumping']);
    expect(a.fullMatch).toBe(false);
    expect(reason(a, 'eta')).toEqual({ code: 'eta', params: { min: 3 } });
    expect(reason(a, 'capability')).toEqual({ code: 'capability', params: { caps: 'pumping' } });
    expect(reason(a, 'fastest_for')).toEqual({ code: 'fastest_for', params: { cap: 'pumping' } });
    expect(reason(a, 'primary_first')).toEqual({ code: 'primary_first', params: { cap: 'pumping', withinMin: PRIMARY_PREFERENCE_S / 60 } });
    expect(reason(t, 'fastest_for')).toEqual({ code: 'fastest_for', params: { cap: 'traffic_control' } });
    expect(reason(t, 'partial_match')).toEqual({ code: 'partial_match', params: { missing: 'pumping' } });
    expect(reason(back, 'returning')).toEqual({ code: 'returning' });
    // The route drives from the unit to the incident.
    expect(a.route.nodes).toEqual([3, 2, 1, 0]);
    expect(a.route.cumulativeS).toEqual([0, 60, 120, 180]);
    expect(a.distanceM).toBe(3 * 60 * 8);
    expect(recs.some((r) => r.unitId === 'amb' || r.unitId === 'police')).toBe(false);
  });

  it('puts a partial match first only when it is much faster than every primary-capable unit', () => {
    const units = [unit('pumpFar', 'pump_team', 5), unit('tpolHere', 'traffic_police', 0)];
    const recs = recommendUnits({ incident: flood, units, router, now: NIGHT, timeZone: TZ });
    expect(recs.map((r) => r.unitId)).toEqual(['tpolHere', 'pumpFar']);
    expect(reason(recs[0]!, 'much_faster')).toEqual({ code: 'much_faster', params: { min: 5 } });
  });

  it('keeps the fastest unit of every needed capability within the limit', () => {
    const units = [unit('p1', 'pump_team', 1), unit('p2', 'pump_team', 2), unit('p3', 'pump_team', 3), unit('t6', 'traffic_police', 6)];
    const recs = recommendUnits({ incident: flood, units, router, now: NIGHT, timeZone: TZ, limit: 2 });
    expect(recs.map((r) => r.unitId)).toEqual(['p1', 't6']);
    expect(recs.map((r) => r.rank)).toEqual([1, 2]);
    expect(recommendUnits({ incident: flood, units, router, now: NIGHT, timeZone: TZ, limit: 0 })).toEqual([]);
  });

  it('reports the coverage left behind and the time away', () => {
    const units = [
      unit('p1', 'pump_team', 2, { homeNodeId: 4, homeDistrict: 'D1' }),
      unit('p2', 'pump_team', 6, { homeDistrict: 'D2' }),
      unit('p3', 'pump_team', 7, { homeDistrict: 'D2' }),
      unit('p4', 'pump_team', 7, { homeDistrict: 'D2', status: 'on_scene' }),
    ];
    const recs = recommendUnits({ incident: flood, units, router, now: NIGHT, timeZone: TZ, districtOf: () => 'D1' });
    const [p1, p2] = recs as [UnitRecommendation, UnitRecommendation];
    // p1: 2 min there, 60 min on scene, 4 min back to its home node 4.
    expect(p1.coverage).toEqual({ district: 'D1', remaining: 0, awayMin: 66 });
    expect(reason(p1, 'coverage_gap')).toEqual({ code: 'coverage_gap', params: { district: 'D1', kind: 'pump_team', awayMin: 66 } });
    expect(reason(p1, 'in_district')).toEqual({ code: 'in_district', params: { district: 'D1' } });
    expect(p2.coverage.remaining).toBe(1);
    expect(reason(p2, 'coverage_ok')).toEqual({ code: 'coverage_ok', params: { district: 'D2', kind: 'pump_team', remaining: 1 } });
    expect(reason(p2, 'cross_district')).toEqual({ code: 'cross_district', params: { district: 'D2' } });
  });

  it('routes round closures, says so, and leaves out units cut off', () => {
    const units = [unit('pA', 'pump_team', 3), unit('pCut', 'pump_team', 7), unit('t4', 'traffic_police', 4)];
    const restrictions: RoadRestrictions = {
      closed: new Map([
        [1, 'flooded'],
        [6, 'fire'],
      ]),
      slowed: new Map([[8, 1.5]]),
    };
    const recs = recommendUnits({ incident: flood, units, router, restrictions, now: NIGHT, timeZone: TZ });
    expect(recs.map((r) => r.unitId)).toEqual(['pA', 't4']);
    const a = recs[0]!;
    expect(a.route.nodes).toEqual([3, 2, 8, 1, 0]);
    expect(a.etaS).toBe(60 + 150 + 100 + 60);
    expect(a.route.edges.some((e) => restrictions.closed.has(e))).toBe(false);
    expect(reason(a, 'route_avoids')).toEqual({ code: 'route_avoids', params: { count: 1, delayMin: round1((370 - 180) / 60) } });
    expect(reason(a, 'route_slowed')).toEqual({ code: 'route_slowed', params: { count: 1 } });
    expect(reason(a, 'unreachable')).toBeUndefined();
  });

  it('keeps the scene reachable when its own street is closed', () => {
    const units = [unit('pA', 'pump_team', 3)];
    const recs = recommendUnits({
      incident: flood,
      units,
      router,
      restrictions: { closed: new Map([[0, 'scene']]) },
      now: NIGHT,
      timeZone: TZ,
    });
    expect(recs.map((r) => r.etaS)).toEqual([180]);
  });

  it('recommends nobody for a type that needs no unit', () => {
    const units = UNIT_STATUSES.map((s, i) => unit(`u${i}`, 'police', 1, { status: s }));
    expect(recommendUnits({ incident: { ...flood, type: 'service_surge' }, units, router, now: NIGHT, timeZone: TZ })).toEqual([]);
    expect(recommendUnits({ incident: { ...flood, type: 'crowd' }, units, router, now: NIGHT, timeZone: TZ }).map((r) => r.unitId)).toEqual(
      ['u0', 'u4'],
    );
  });
});

const round1 = (x: number) => Math.round(x * 10) / 10;

describe('recommendUnits on the generated city', () => {
  const city = generateCity({ sensorCount: 0 });
  const cityRouter = new RoadRouter(city.graph);
  const random = createRandom(11);
  const fleet = generateFleet(city).map((u) => (random.next() < 0.25 ? { ...u, status: 'on_scene' as const } : u));
  const underpasses = city.graph.edges.filter((e) => e.underpass);
  const restrictions: RoadRestrictions = { closed: new Map(underpasses.filter((_, i) => i % 3 === 0).map((e) => [e.id, 'flooded'])) };

  it('puts the truly fastest free unit of the primary capability first among its kind', () => {
    let checked = 0;
    for (let i = 0; i < 28; i++) {
      const type = INCIDENT_TYPES[i % INCIDENT_TYPES.length]!;
      const node = city.graph.nodes[random.int(city.graph.nodes.length)]!;
      const incident = { id: `INC-${i}`, type, lng: node.lng + random.range(-0.002, 0.002), lat: node.lat + random.range(-0.002, 0.002) };
      const input = {
        incident,
        units: fleet,
        router: cityRouter,
        restrictions: i % 2 ? restrictions : undefined,
        now: NIGHT,
        timeZone: TZ,
      };
      const recs = recommendUnits(input);
      const best = exhaustiveFastest(input);
      const primary = needsOf(type).capabilities[0];
      if (!primary) {
        expect([recs, best]).toEqual([[], null]);
        continue;
      }
      const top = recs.find((r) => r.matched.includes(primary))!;
      expect(best).not.toBeNull();
      expect(top.etaS).toBeCloseTo(best!.etaS, 6);
      expect(top.route.travelTimeS).toBeCloseTo(best!.route.travelTimeS, 6);
      expect(top.route.toNode).toBe(best!.route.toNode);
      for (const r of recs) {
        const u = fleet.find((x) => x.id === r.unitId)!;
        expect(['available', 'returning']).toContain(u.status);
        expect(r.route.fromNode).toBe(u.nodeId);
        // Only the closed edges at the scene's own node stay open for responders.
        const scene = r.route.toNode;
        const usesClosed = r.route.edges.some(
          (id) => restrictions.closed.has(id) && city.graph.edges[id]!.from !== scene && city.graph.edges[id]!.to !== scene,
        );
        if (input.restrictions) expect(usesClosed).toBe(false);
      }
      checked++;
    }
    expect(checked).toBe(24);
  });
});
