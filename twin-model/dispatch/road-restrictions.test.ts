import { describe, expect, it } from 'vitest';
import { generateCity } from '../city/generate-city.ts';
import type { Incident, LinkedEvidence } from '../incidents/incident-correlator.ts';
import type { IncidentType } from '../vocabulary.ts';
import {
  BRIDGE_SLOW_FACTOR,
  FLOODED_STREET_FACTOR,
  UNDERPASS_RADIUS_M,
  pointEdgeM,
  responderRestrictions,
  restrictionsFromIncidents,
} from './road-restrictions.ts';
import { edgeCandidatesNear, haversineM } from '../city/city-queries.ts';
import { linkedAlarm, listedIncident } from '../incidents/fixtures/listed-incident.ts';

const city = generateCity();
const sites = new Map(city.sensorSites.map((s) => [s.id, s]));
const siteOf = (id: string) => sites.get(id);

function incident(
  id: string,
  type: IncidentType,
  lng: number,
  lat: number,
  evidence: Partial<LinkedEvidence>[] = [],
  extra: Partial<Incident> = {},
): Incident {
  return listedIncident(id, type, lng, lat, {
    district: '420105',
    evidence: evidence.map((e, i) => linkedAlarm(`e${i}`, lng, lat, e)),
    ...extra,
  });
}

function midpoint(edgeId: number): [number, number] {
  const e = city.graph.edges[edgeId]!;
  const a = city.graph.nodes[e.from]!;
  const b = city.graph.nodes[e.to]!;
  return [(a.lng + b.lng) / 2, (a.lat + b.lat) / 2];
}

describe('restrictionsFromIncidents', () => {
  const underpassSite = city.sensorSites.find((s) => s.kind === 'water_level' && s.assetId?.startsWith('upass') && s.edgeId !== undefined)!;
  const upass = city.assets.find((a) => a.id === underpassSite.assetId)!;

  it('closes the underpass of a waterlogging incident and the underpasses near it, with the reason', () => {
    // The incident sits a little off the underpass (evidence centroid); its sensor names the edge.
    const inc = incident(
      'INC-7',
      'waterlogging',
      upass.lng + 0.01,
      upass.lat,
      [{ sensorId: underpassSite.id, sensorKind: 'water_level' }],
      { assetId: upass.id },
    );
    const r = restrictionsFromIncidents([inc], city, siteOf);
    expect(r.closed.get(underpassSite.edgeId!)).toBe(`incident INC-7 waterlogging at ${upass.nameZh} / ${upass.nameEn}`);
    expect(r.closed.has(upass.edgeId!)).toBe(true);
    for (const edgeId of r.closed.keys()) expect(city.graph.edges[edgeId]!.underpass).toBe(true);
    // Every underpass within the radius of the incident point is closed too.
    const [lng, lat] = [inc.lng, inc.lat];
    for (const e of city.graph.edges) {
      if (!e.underpass) continue;
      const a = city.graph.nodes[e.from]!;
      if (haversineM(a, { lng, lat }) < UNDERPASS_RADIUS_M - 50) expect(r.closed.has(e.id)).toBe(true);
    }
  });

  it('slows a flooded ordinary street and ignores inactive incidents and other evidence kinds', () => {
    const streetSite = city.sensorSites.find(
      (s) => s.kind === 'water_level' && s.edgeId !== undefined && !city.graph.edges[s.edgeId]!.underpass,
    )!;
    const rain = city.sensorSites.find((s) => s.kind === 'rain_gauge')!;
    const traffic = city.sensorSites.find((s) => s.kind === 'traffic_flow' && s.edgeId !== undefined)!;
    const far = [113.9, 30.3] as const;
    const evidence: Partial<LinkedEvidence>[] = [
      { sensorId: rain.id, sensorKind: 'rain_gauge' },
      { sensorId: traffic.id, sensorKind: 'traffic_flow' },
      { sensorId: streetSite.id, sensorKind: 'water_level' },
    ];
    const r = restrictionsFromIncidents([incident('INC-1', 'waterlogging', far[0], far[1], evidence)], city, siteOf);
    expect(r.closed.has(traffic.edgeId!)).toBe(false);
    expect(r.slowed?.get(streetSite.edgeId!)).toBe(FLOODED_STREET_FACTOR);
    const resolved = incident('INC-2', 'waterlogging', upass.lng, upass.lat, [], { status: 'resolved', assetId: upass.id });
    expect(restrictionsFromIncidents([resolved], city, siteOf).closed.size).toBe(0);
    const acknowledged = { ...resolved, status: 'acknowledged' as const };
    expect(restrictionsFromIncidents([acknowledged], city, siteOf).closed.has(upass.edgeId!)).toBe(true);
  });

  it('slows the bridge under a traffic accident, and closes it when the crash is severe', () => {
    const bridge = city.graph.edges.find((e) => e.bridge && e.lengthM > 200)!;
    const [lng, lat] = midpoint(bridge.id);
    const minor = restrictionsFromIncidents([incident('INC-3', 'traffic_accident', lng, lat)], city, siteOf);
    expect(minor.closed.size).toBe(0);
    expect(minor.slowed!.get(bridge.id)).toBe(BRIDGE_SLOW_FACTOR);
    for (const edgeId of minor.slowed!.keys()) expect(city.graph.edges[edgeId]!.bridge).toBe(true);
    const severe = restrictionsFromIncidents([incident('INC-4', 'traffic_accident', lng, lat, [], { severity: 4 })], city, siteOf);
    expect(severe.closed.get(bridge.id)).toMatch(/^incident INC-4 traffic_accident at district 420105$/);
    expect(severe.slowed).toBeUndefined();
    // Off any bridge an accident restricts nothing.
    const bridgeNodes = city.graph.edges.filter((e) => e.bridge).map((e) => city.graph.nodes[e.from]!);
    const street = city.graph.edges.find(
      (e) => e.roadClass === 'street' && bridgeNodes.every((n) => haversineM(n, city.graph.nodes[e.from]!) > 3000),
    )!;
    const [sLng, sLat] = midpoint(street.id);
    const offBridge = restrictionsFromIncidents([incident('INC-5', 'traffic_accident', sLng, sLat)], city, siteOf);
    expect([offBridge.closed.size, offBridge.slowed]).toEqual([0, undefined]);
  });

  it('closes the street in front of a fire, and the recommender view reopens the scene node', () => {
    const street = city.graph.edges.find((e) => e.roadClass === 'street' && e.lengthM > 300)!;
    const [lng, lat] = midpoint(street.id);
    const r = restrictionsFromIncidents([incident('INC-6', 'fire', lng, lat)], city, siteOf);
    expect(r.closed.has(street.id)).toBe(true);
    expect(r.closed.get(street.id)).toContain('INC-6 fire');
    // Other types close nothing.
    expect(
      restrictionsFromIncidents([incident('INC-8', 'crowd', lng, lat), incident('INC-9', 'heat_stress', lng, lat)], city, siteOf).closed
        .size,
    ).toBe(0);
    const open = responderRestrictions(r, city.graph, street.from)!;
    expect(open.closed.has(street.id)).toBe(false);
    expect(r.closed.has(street.id)).toBe(true);
    expect(responderRestrictions(r, city.graph, -1)).toBe(r);
  });
});

describe('road restrictions across the antimeridian', () => {
  // A town on Taveuni (Fiji), across 180°: nodes on both sides of it, edges ~100–200 m long.
  const at: [number, number][] = [
    [179.998, -16.8], // 0
    [-179.999, -16.8], // 1: the edge 0–1 crosses ±180°
    [-179.9995, -16.801], // 2
    [-179.998, -16.801], // 3: the edge 2–3 lies wholly west of 180° … east of it in longitude
    [-179.99, -16.8], // 4
    [-179.989, -16.8], // 5: ~1 km east of the crossing, beyond every radius
    [179.99, -16.8], // 6
    [179.989, -16.8], // 7: ~1 km west of it
    [179.9985, -16.799], // 8
    [-179.9985, -16.799], // 9: the street 8–9 across ±180°, not an underpass
  ];
  const pairs: [number, number, boolean][] = [
    [0, 1, true],
    [2, 3, true],
    [4, 5, true],
    [6, 7, true],
    [8, 9, false],
  ];
  const graph = {
    nodes: at.map(([lng, lat], id) => ({ id, lng, lat })),
    edges: pairs.map(([from, to, underpass], id) => ({
      id,
      from,
      to,
      roadClass: 'street' as const,
      lengthM: 100,
      speedKmh: 30,
      travelTimeS: 12,
      underpass,
      bridge: false,
      tunnel: false,
    })),
  };
  const town = { graph, assets: [] } as unknown as Parameters<typeof restrictionsFromIncidents>[1];
  const noSites = () => undefined;

  it('closes the underpasses near a flood on either side of ±180°, and not the far ones', () => {
    // At 179.9995° E: the crossing underpass runs under it, the one beyond 180° is ~100 m east.
    const r = restrictionsFromIncidents([incident('INC-1', 'waterlogging', 179.9995, -16.8005)], town, noSites);
    expect([...r.closed.keys()].sort()).toEqual([0, 1]);
    // From the other side of 180° the same two.
    const back = restrictionsFromIncidents([incident('INC-2', 'waterlogging', -179.9995, -16.8)], town, noSites);
    expect([...back.closed.keys()].sort()).toEqual([0, 1]);
  });

  it('finds an edge across ±180° near a point by its middle and measures it there', () => {
    // The street 8–9 has its middle at 180°: a point 20 m north of it on either side.
    for (const lng of [179.9999, -179.9999, 180, -180]) {
      expect(pointEdgeM(town, graph.edges[4]!, lng, -16.79882)).toBeLessThan(25);
      expect(edgeCandidatesNear(graph, lng, -16.79882, 50)).toContain(4);
    }
    // A fire there closes that street and the crossing underpass (~110 m south: beyond the radius).
    const fire = restrictionsFromIncidents([incident('INC-3', 'fire', 179.9999, -16.79882)], town, noSites);
    expect([...fire.closed.keys()]).toEqual([4]);
    // The edges ~1 km away are neither near nor candidates of a 300 m query.
    for (const lng of [179.9995, -179.9995]) {
      const candidates = edgeCandidatesNear(graph, lng, -16.8, 300);
      expect(candidates).toEqual([0, 1, 4]);
    }
  });
});
