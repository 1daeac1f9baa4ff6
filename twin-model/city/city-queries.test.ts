import { describe, expect, it } from 'vitest';
import { generateCity } from './generate-city.ts';
import { districtAt, haversineM, isOnLand, isOnWater, nearestNode } from './city-queries.ts';
import { createRandom } from '../random.ts';
import type { GraphNode } from './city-types.ts';

const city = generateCity({ sensorCount: 200 });

describe('districtAt', () => {
  it('finds the district of well-known places', () => {
    expect(districtAt(city, 114.3, 30.545)?.nameZh).toBe('武昌区'); // Yellow Crane Tower area
    expect(districtAt(city, 114.31, 30.62)?.nameZh).toBe('江岸区'); // Hankou, downstream riverside
    expect(districtAt(city, 114.289, 30.584)?.nameZh).toBe('江汉区'); // Jianghan Road
    expect(districtAt(city, 114.4, 30.5)?.nameZh).toBe('洪山区'); // Optics Valley
    expect(districtAt(city, 114.37, 30.88)?.nameZh).toBe('黄陂区');
  });

  it('returns null outside the city and on rivers', () => {
    expect(districtAt(city, 113.0, 30.5)).toBeNull();
    expect(districtAt(city, 114.289, 30.551)).toBeNull(); // mid-Yangtze
  });
});

describe('isOnWater / isOnLand', () => {
  it('tells rivers and lakes from land', () => {
    expect(isOnWater(city, 114.37, 30.43)).toBe(true); // Tangxun Lake
    expect(isOnWater(city, 114.255, 30.5695)).toBe(true); // Han
    expect(isOnWater(city, 114.316, 30.554)).toBe(false);
    expect(isOnLand(city, 114.316, 30.554)).toBe(true);
    expect(isOnLand(city, 116, 30)).toBe(false);
  });
});

describe('nearestNode', () => {
  it('agrees with a brute-force search', () => {
    const rnd = createRandom(99);
    const [w, s, e, n] = city.bbox;
    for (let i = 0; i < 300; i++) {
      const lng = rnd.range(w - 0.1, e + 0.1);
      const lat = rnd.range(s - 0.1, n + 0.1);
      const found = nearestNode(city.graph, lng, lat);
      let best = Infinity;
      for (const node of city.graph.nodes) best = Math.min(best, haversineM(node, [lng, lat]));
      // The index ranks by a local projection; at city scale that matches great-circle order to <1 %.
      expect(haversineM(found, [lng, lat])).toBeLessThanOrEqual(best * 1.01 + 0.5);
    }
  });

  it('rejects an empty graph', () => {
    expect(() => nearestNode({ nodes: [], edges: [] }, 114, 30)).toThrow(/no nodes/);
  });
});

describe('haversineM', () => {
  it('measures one degree of latitude as ~111.2 km, for tuples and objects', () => {
    expect(haversineM([114, 30], [114, 31])).toBeCloseTo(111_195, -1);
    expect(haversineM({ lng: 114, lat: 30 }, { lng: 114, lat: 30 })).toBe(0);
  });
});

describe('nearestNode in any city', () => {
  const brute = (nodes: GraphNode[], lng: number, lat: number): number => {
    let best = Infinity;
    for (const node of nodes) best = Math.min(best, haversineM(node, [lng, lat]));
    return best;
  };

  it('finds every node of a graph whose cells once shared a key (row-major, 8192 rows per column)', () => {
    // Cells of 0.01° counted from 100° E, 20° N: (1430, −7000) and (1429, 1192) once had one key,
    // and so did every pair of cells one column west and 81.92° north of each other.
    const rnd = createRandom(5);
    const nodes: GraphNode[] = [];
    for (let i = 0; i < 200; i++) {
      const [lng, lat] = i % 2 === 0 ? [114.3, -50] : [114.29, 31.92];
      nodes.push({ id: i, lng: lng + rnd.range(0, 0.01), lat: lat + rnd.range(0, 0.01) });
    }
    const graph = { nodes, edges: [] };
    for (const node of nodes) expect(nearestNode(graph, node.lng, node.lat).id).toBe(node.id);
  });

  it('ranks by the scale of the graph’s own latitude at 64° N, on the equator and south of it', () => {
    for (const [lng0, lat0] of [
      [-21.95, 64.1],
      [-78.5, -0.25],
      [-46.7, -23.6],
    ] as const) {
      const rnd = createRandom(Math.round(lat0 * 100));
      const nodes: GraphNode[] = Array.from({ length: 300 }, (_, id) => ({
        id,
        lng: lng0 + rnd.range(0, 0.1),
        lat: lat0 + rnd.range(0, 0.05),
      }));
      const graph = { nodes, edges: [] };
      for (let i = 0; i < 100; i++) {
        const q: [number, number] = [lng0 + rnd.range(-0.02, 0.12), lat0 + rnd.range(-0.02, 0.07)];
        expect(haversineM(nearestNode(graph, q[0], q[1]), q)).toBeLessThanOrEqual(brute(nodes, q[0], q[1]) * 1.01 + 0.5);
      }
    }
  });

  it('ranks in the scale of a graph at 31.4° N, not the generated city’s, and in the projection a graph carries', () => {
    // Two nodes ~950 m from the query: A east (95.0 m per 0.001° there), B north (110.9 m per 0.001°).
    // A is the nearer (by ~4 m); in the generated city's scale (95.8 m per 0.001° east) B would be.
    const nodes: GraphNode[] = [
      { id: 0, lng: 121.51, lat: 31.4 },
      { id: 1, lng: 121.5, lat: 31.40861 },
    ];
    expect(haversineM(nodes[0]!, [121.5, 31.4])).toBeLessThan(haversineM(nodes[1]!, [121.5, 31.4]));
    expect(nearestNode({ nodes, edges: [] }, 121.5, 31.4).id).toBe(0);
    // The same nodes in a graph that carries the generated city's projection rank as it measures.
    const carried = { nodes, edges: [], projection: city.projection! };
    expect(nearestNode(carried, 121.5, 31.4).id).toBe(1);
  });

  it('finds the nearest node across the antimeridian', () => {
    // A town on both sides of 180° (Fiji's Taveuni lies across it), nodes ~100 m apart.
    const rnd = createRandom(180);
    const nodes: GraphNode[] = Array.from({ length: 400 }, (_, id) => {
      const lng = 179.9 + rnd.range(0, 0.2);
      return { id, lng: lng > 180 ? lng - 360 : lng, lat: -16.9 + rnd.range(0, 0.1) };
    });
    const graph = { nodes, edges: [] };
    for (let i = 0; i < 200; i++) {
      const lng = 179.95 + rnd.range(0, 0.1);
      const q: [number, number] = [lng > 180 ? lng - 360 : lng, -16.9 + rnd.range(0, 0.1)];
      expect(haversineM(nearestNode(graph, q[0], q[1]), q)).toBeLessThanOrEqual(brute(nodes, q[0], q[1]) * 1.01 + 0.5);
    }
  });
});
