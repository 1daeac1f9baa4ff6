import { describe, expect, it } from 'vitest';
import { generateCity } from './generate-city.ts';
import type { CityModel, GraphEdge, LngLat, PolygonRings } from './city-types.ts';
import { segmentsIntersect } from './geometry.ts';
import { isOnWater } from './city-queries.ts';

const city = generateCity();

function components(model: CityModel, keep: (e: GraphEdge) => boolean): number {
  const parent = model.graph.nodes.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i] as number] as number;
    return i;
  };
  for (const e of model.graph.edges) if (keep(e)) parent[find(e.from)] = find(e.to);
  return new Set(model.graph.nodes.map((_, i) => find(i))).size;
}

/** Brute force on purpose: independent of the generator's own grid indexes. */
function crossesPolygon(a: LngLat, b: LngLat, polygon: PolygonRings): boolean {
  for (const ring of polygon) {
    for (let i = 0; i + 1 < ring.length; i++) {
      const c = ring[i] as LngLat;
      const d = ring[i + 1] as LngLat;
      if (segmentsIntersect(a[0], a[1], b[0], b[1], c[0], c[1], d[0], d[1])) return true;
    }
  }
  return false;
}

const ends = (e: GraphEdge): [LngLat, LngLat] => {
  const a = city.graph.nodes[e.from];
  const b = city.graph.nodes[e.to];
  if (!a || !b) throw new Error(`edge ${e.id} has a dangling end`);
  return [
    [a.lng, a.lat],
    [b.lng, b.lat],
  ];
};

describe('road graph', () => {
  it('is one connected component', () => {
    expect(city.graph.nodes.length).toBeGreaterThan(1000);
    expect(components(city, () => true)).toBe(1);
  });

  it('uses array indexes as ids and well-formed edge attributes', () => {
    city.graph.nodes.forEach((n, i) => {
      expect(n.id).toBe(i);
    });
    city.graph.edges.forEach((e, i) => {
      expect(e.id).toBe(i);
      expect(e.from).not.toBe(e.to);
      expect(e.lengthM).toBeGreaterThan(0);
      expect(e.speedKmh).toBeGreaterThan(0);
      expect(e.travelTimeS).toBeCloseTo(e.lengthM / (e.speedKmh / 3.6), 0);
      expect(e.bridge).toBe(e.roadClass === 'bridge');
      expect(e.tunnel).toBe(e.roadClass === 'tunnel');
    });
  });

  it('crosses the Yangtze and the Han only on bridge and tunnel edges', () => {
    const rivers = city.rivers.map((r) => r.polygon);
    const offenders = city.graph.edges.filter((e) => {
      if (e.bridge || e.tunnel) return false;
      const [a, b] = ends(e);
      return rivers.some((polygon) => crossesPolygon(a, b, polygon));
    });
    expect(offenders.map((e) => `${e.id}:${e.roadClass}:${e.roadId ?? ''}`)).toEqual([]);
  });

  it('keeps street edges off the lakes', () => {
    const lakes = city.lakes.map((l) => l.polygon);
    const offenders = city.graph.edges.filter((e) => {
      if (e.roadClass !== 'street') return false;
      const [a, b] = ends(e);
      return lakes.some((polygon) => crossesPolygon(a, b, polygon));
    });
    expect(offenders.map((e) => e.id)).toEqual([]);
  });

  it('splits into the three towns (Hankou, Hanyang, Wuchang sides) without bridges and tunnels', () => {
    expect(components(city, (e) => !e.bridge && !e.tunnel)).toBeGreaterThanOrEqual(3);
    for (const id of ['wuhan-yangtze-bridge', 'yangluo-bridge', 'yangtze-tunnel', 'jianghan-bridge']) {
      expect(
        city.graph.edges.some((e) => e.roadId === id),
        id,
      ).toBe(true);
    }
  });

  it('starts every bridge on land and carries it over water', () => {
    for (const road of city.roads.filter((r) => r.roadClass === 'bridge')) {
      const first = road.line[0] as LngLat;
      const last = road.line[road.line.length - 1] as LngLat;
      expect(isOnWater(city, first[0], first[1]), road.id).toBe(false);
      expect(isOnWater(city, last[0], last[1]), road.id).toBe(false);
      const mid = road.line.length === 4 ? [road.line[1] as LngLat, road.line[2] as LngLat] : [first, last];
      const centre: LngLat = [((mid[0] as LngLat)[0] + (mid[1] as LngLat)[0]) / 2, ((mid[0] as LngLat)[1] + (mid[1] as LngLat)[1]) / 2];
      expect(isOnWater(city, centre[0], centre[1]), road.id).toBe(true);
    }
  });

  it('flags some street and arterial edges as underpasses, denser in the core', () => {
    const underpasses = city.graph.edges.filter((e) => e.underpass);
    expect(underpasses.length).toBeGreaterThanOrEqual(40);
    for (const e of underpasses) expect(['street', 'arterial']).toContain(e.roadClass);
  });

  it('has every trunk road class in the graph', () => {
    const classes = new Set(city.graph.edges.map((e) => e.roadClass));
    expect(classes).toEqual(new Set(['expressway', 'ring', 'arterial', 'bridge', 'tunnel', 'street']));
  });
});
