import { describe, expect, it } from 'vitest';
import type { LngLat } from '../city/city-types.ts';
import { haversineM } from '../city/city-queries.ts';
import { buildRoadNetwork, modelRoadClass, type RoadSegment } from './road-network.ts';

/** Degrees per 100 m at 48.2° N (approximately): enough for hand-made shapes. */
const DX = 100 / 74_220;
const DY = 100 / 111_200;
const p = (x: number, y: number): LngLat => [15.6 + x * DX, 48.2 + y * DY];

function seg(id: string, coords: LngLat[], extra: Partial<RoadSegment> = {}): RoadSegment {
  return {
    feature: 0,
    id,
    roadClass: 'residential',
    coords,
    oneway: false,
    bridge: false,
    tunnel: false,
    nameZh: '',
    nameEn: '',
    ...extra,
  };
}

describe('buildRoadNetwork', () => {
  it('joins lines at exactly equal coordinates and splits them at shared interior vertices', () => {
    // A plus sign: the east–west line passes through the north–south line's middle vertex.
    const ew = seg('ew', [p(-2, 0), p(0, 0), p(2, 0)]);
    const ns = seg('ns', [p(0, -2), p(0, 0), p(0, 2)]);
    const net = buildRoadNetwork([ew, ns]);
    expect(net.graph.nodes).toHaveLength(5);
    expect(net.graph.edges).toHaveLength(4);
    expect(net.graph.nodes.map((n) => [n.lng, n.lat])).toEqual([p(-2, 0), p(0, 0), p(2, 0), p(0, -2), p(0, 2)]);
    expect(net.graph.edges.map((e) => [e.from, e.to])).toEqual([
      [0, 1],
      [1, 2],
      [3, 1],
      [1, 4],
    ]);
    expect(net.edgeSegment).toEqual([0, 0, 1, 1]);
    expect(net.disconnected).toEqual([]);
    expect(net.largestComponentNodes).toBe(5);
  });

  it('keeps unshared interior vertices inside one edge whose length follows the line', () => {
    const bend = seg('bend', [p(0, 0), p(3, 0), p(3, 4)]);
    const net = buildRoadNetwork([bend]);
    expect(net.graph.nodes).toHaveLength(2);
    const [edge] = net.graph.edges;
    // 300 m east then 400 m north: 700 m along the line (not the 500 m straight distance).
    const expected = haversineM(p(0, 0), p(3, 0)) + haversineM(p(3, 0), p(3, 4));
    expect(edge!.lengthM).toBeCloseTo(Math.round(expected * 10) / 10, 9);
    expect(edge!.lengthM).toBeGreaterThan(690);
    expect(edge!.lengthM).toBeLessThan(710);
    // residential: 30 km/h → 700 m in ≈ 84 s.
    expect(edge!.speedKmh).toBe(30);
    expect(edge!.travelTimeS).toBeCloseTo(edge!.lengthM / (30 / 3.6), 1);
  });

  it('does not join a bridge drawn over a street without a shared vertex, and reports it', () => {
    const street = seg('street', [p(-2, 0), p(0, 0), p(2, 0)]);
    const crossing = seg('flyover', [p(0, -1), p(0, 1)], { feature: 1, roadClass: 'trunk', bridge: true });
    const net = buildRoadNetwork([street, crossing]);
    expect(net.graph.edges).toHaveLength(2);
    expect(net.largestComponentNodes).toBe(2);
    // A tie on size: the part met first is the main one.
    expect(net.disconnected).toEqual([1]);
  });

  it('keeps one-way segments in their drawn direction and finds one-way traps', () => {
    // A two-way square with a one-way spur leading out to a dead end: one can drive in, never back.
    const square = seg('square', [p(0, 0), p(1, 0), p(1, 1), p(0, 1), p(0, 0)]);
    const spur = seg('spur', [p(1, 1), p(2, 2)], { feature: 1, oneway: true });
    const net = buildRoadNetwork([square, spur]);
    const spurEdge = net.graph.edges[net.edgeSegment.indexOf(1)]!;
    expect(spurEdge.oneway).toBe(true);
    expect(net.graph.nodes[spurEdge.from]).toMatchObject({ lng: p(1, 1)[0], lat: p(1, 1)[1] });
    expect(net.oneWayTraps).toEqual([1]);
    // The same spur two-way is no trap; a one-way loop back into the square is none either.
    expect(buildRoadNetwork([square, { ...spur, oneway: false }]).oneWayTraps).toEqual([]);
    const back = seg('back', [p(2, 2), p(0, 1)], { feature: 2, oneway: true });
    expect(buildRoadNetwork([square, spur, back]).oneWayTraps).toEqual([]);
  });

  it('maps classes, speeds, flags and road ids; an underpass asset marks its edges', () => {
    const net = buildRoadNetwork(
      [
        seg('a1', [p(0, 0), p(1, 0)], { roadClass: 'motorway' }),
        seg('a2', [p(1, 0), p(2, 0)], { roadClass: 'primary', speedKmh: 45, nameEn: 'Main' }),
        seg('a3', [p(2, 0), p(3, 0)], { asset: 'up-1' }),
        seg('a4', [p(3, 0), p(4, 0)], { roadClass: 'trunk', tunnel: true }),
      ],
      new Set(['up-1']),
    );
    expect(net.graph.edges.map((e) => [e.roadClass, e.speedKmh, e.underpass, e.tunnel, e.roadId])).toEqual([
      ['expressway', 80, false, false, 'a1'],
      ['arterial', 45, false, false, 'a2'],
      // An unnamed street has no road id, like the generated city's streets.
      ['street', 30, true, false, undefined],
      ['tunnel', 60, false, true, 'a4'],
    ]);
    expect(modelRoadClass({ roadClass: 'service', bridge: true, tunnel: false })).toBe('bridge');
    expect(modelRoadClass({ roadClass: 'secondary', bridge: false, tunnel: false })).toBe('arterial');
  });

  it('drops a lone closed loop that meets no other line, leaving it disconnected', () => {
    const road = seg('road', [p(0, 0), p(1, 0)]);
    const loop = seg('loop', [p(5, 5), p(6, 5), p(6, 6), p(5, 5)], { feature: 1 });
    const net = buildRoadNetwork([road, loop]);
    expect(net.graph.edges).toHaveLength(1);
    expect(net.disconnected).toEqual([1]);
  });
});
