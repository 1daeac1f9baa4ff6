import { describe, expect, it } from 'vitest';
import type { GraphEdge, GraphNode, RoadGraph } from '../city/city-types.ts';
import { generateCity } from '../city/generate-city.ts';
import { haversineM } from '../city/city-queries.ts';
import { createRandom } from '../random.ts';
import { RoadRouter } from './road-router.ts';
import type { RoadRestrictions } from './unit-types.ts';

function edge(id: number, from: number, to: number, travelTimeS: number, extra: Partial<GraphEdge> = {}): GraphEdge {
  return {
    id,
    from,
    to,
    roadClass: 'street',
    lengthM: travelTimeS * 10,
    speedKmh: 36,
    travelTimeS,
    underpass: false,
    bridge: false,
    tunnel: false,
    ...extra,
  };
}

/**
 *  0 --10-- 1 --10-- 2
 *  |                 |
 *  30                5
 *  |                 |
 *  3 -------40------ 4        5 (isolated)
 */
function smallGraph(): RoadGraph {
  const nodes = [
    { id: 0, lng: 114.3, lat: 30.6 },
    { id: 1, lng: 114.31, lat: 30.6 },
    { id: 2, lng: 114.32, lat: 30.6 },
    { id: 3, lng: 114.3, lat: 30.59 },
    { id: 4, lng: 114.32, lat: 30.59 },
    { id: 5, lng: 114.4, lat: 30.7 },
  ];
  const edges = [edge(0, 0, 1, 10), edge(1, 1, 2, 10), edge(2, 2, 4, 5), edge(3, 0, 3, 30), edge(4, 3, 4, 40)];
  return { nodes, edges };
}

/** A seeded random planar-ish graph: jittered grid with random diagonals and travel times ≥ straight distance / 25 m/s. */
function randomGraph(seed: number, side: number): RoadGraph {
  const random = createRandom(seed);
  const nodes: GraphNode[] = [];
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++)
      nodes.push({
        id: nodes.length,
        lng: 114.2 + x * 0.005 + random.range(-0.001, 0.001),
        lat: 30.5 + y * 0.005 + random.range(-0.001, 0.001),
      });
  const edges: GraphEdge[] = [];
  const add = (a: number, b: number) => {
    const straight = haversineM(nodes[a]!, nodes[b]!);
    const t = (straight / random.range(5, 25)) * random.range(1, 1.5);
    edges.push({ ...edge(edges.length, a, b, t), lengthM: straight * 1.1 });
  };
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const i = y * side + x;
      if (x + 1 < side && random.next() < 0.85) add(i, i + 1);
      if (y + 1 < side && random.next() < 0.85) add(i, i + side);
      if (x + 1 < side && y + 1 < side && random.next() < 0.3) add(i, i + side + 1);
    }
  }
  return { nodes, edges };
}

/**
 * Reference shortest times: Bellman–Ford relaxation (bounded by the node count). One-way edges
 * relax only from → to; `reverse` gives the times from every node to the source instead.
 */
/** Travel times equal the reference's: close where finite, both unreachable elsewhere. */
function expectTimes(actual: Float64Array, reference: readonly number[]): void {
  reference.forEach((t, i) => {
    if (Number.isFinite(t)) expect(actual[i]).toBeCloseTo(t, 6);
    else expect(actual[i]).toBe(t);
  });
}

function bellmanFord(graph: RoadGraph, source: number, cost: (e: GraphEdge) => number, reverse = false): number[] {
  const d = graph.nodes.map(() => Number.POSITIVE_INFINITY);
  d[source] = 0;
  for (let round = 0; round < graph.nodes.length; round++) {
    let changed = false;
    for (const e of graph.edges) {
      const w = cost(e);
      // Forward: drive from → to. Reverse: a node reaches the source through from → to when `to` does.
      const [a, b] = reverse ? [e.to, e.from] : [e.from, e.to];
      if (d[a]! + w < d[b]!) {
        d[b] = d[a]! + w;
        changed = true;
      }
      if (!e.oneway && d[b]! + w < d[a]!) {
        d[a] = d[b]! + w;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return d;
}

/**
 * A one-way block:
 *
 *  0 ==10==> 1 ==10==> 2      (one-way east)
 *  ^                   |
 *  |20                 |5     (two-way)
 *  |                   v
 *  3 <=====30========= 4      (one-way west)
 *
 * 0 → 2 drives east (20 s); 2 → 0 must go round by 4 and 3: 5 + 30 + 20 = 55 s.
 */
function oneWayBlock(): RoadGraph {
  const nodes = [
    { id: 0, lng: 114.3, lat: 30.6 },
    { id: 1, lng: 114.31, lat: 30.6 },
    { id: 2, lng: 114.32, lat: 30.6 },
    { id: 3, lng: 114.3, lat: 30.59 },
    { id: 4, lng: 114.32, lat: 30.59 },
  ];
  const edges = [
    edge(0, 0, 1, 10, { oneway: true }),
    edge(1, 1, 2, 10, { oneway: true }),
    edge(2, 2, 4, 5),
    edge(3, 4, 3, 30, { oneway: true }),
    edge(4, 3, 0, 20),
  ];
  return { nodes, edges };
}

describe('RoadRouter', () => {
  it('finds travel times, predecessor edges and unreachable nodes on a small graph', () => {
    const router = new RoadRouter(smallGraph());
    const tree = router.travelTimesFrom(0);
    expect([...tree.timeS]).toEqual([0, 10, 20, 30, 25, Number.POSITIVE_INFINITY]);
    expect(tree.predEdge[4]).toBe(2);
    expect(tree.predEdge[0]).toBe(-1);
    expect(router.routeTo(tree, 5)).toBeNull();
    expect(router.route(0, 5)).toBeNull();
  });

  it('builds routes in driving order with coordinates and cumulative times', () => {
    const router = new RoadRouter(smallGraph());
    const tree = router.travelTimesFrom(0);
    const out = router.routeTo(tree, 4)!;
    expect(out.nodes).toEqual([0, 1, 2, 4]);
    expect(out.edges).toEqual([0, 1, 2]);
    expect(out.fromNode).toBe(0);
    expect(out.toNode).toBe(4);
    expect(out.travelTimeS).toBe(25);
    expect(out.lengthM).toBe(250);
    expect(out.cumulativeS).toEqual([0, 10, 20, 25]);
    expect(out.coords[3]).toEqual([114.32, 30.59]);
    // The same path walked towards the source: a unit at node 4 driving to the incident at node 0.
    const back = router.routeFrom(tree, 4)!;
    expect(back.nodes).toEqual([4, 2, 1, 0]);
    expect(back.cumulativeS).toEqual([0, 5, 15, 25]);
    expect(router.route(4, 0)!.nodes).toEqual([4, 2, 1, 0]);
    expect(router.route(2, 2)!.nodes).toEqual([2]);
  });

  it('skips closed edges and multiplies slowed ones', () => {
    const router = new RoadRouter(smallGraph());
    const closed: RoadRestrictions = { closed: new Map([[1, 'flooded']]) };
    const tree = router.travelTimesFrom(0, closed);
    expect(tree.timeS[4]).toBe(70);
    expect(tree.timeS[2]).toBe(75);
    expect(router.routeTo(tree, 2)!.nodes).toEqual([0, 3, 4, 2]);
    expect(router.route(0, 2, closed)!.travelTimeS).toBe(75);

    const slowed: RoadRestrictions = { closed: new Map(), slowed: new Map([[0, 6]]) };
    const slowTree = router.travelTimesFrom(0, slowed);
    expect(slowTree.timeS[1]).toBe(60);
    expect(slowTree.timeS[4]).toBe(70);
    const toOne = router.routeTo(slowTree, 1)!;
    expect(toOne.travelTimeS).toBe(60);
    expect(toOne.cumulativeS).toEqual([0, 60]);
    // Factors below 1 never speed a road up.
    expect(router.travelTimesFrom(0, { closed: new Map(), slowed: new Map([[0, 0.1]]) }).timeS[1]).toBe(10);
    // Cutting both ways round leaves node 2 unreachable.
    expect(
      router.route(0, 2, {
        closed: new Map([
          [1, 'a'],
          [4, 'b'],
        ]),
      }),
    ).toBeNull();
  });

  it('agrees with a Bellman–Ford reference on random graphs, with and without restrictions', () => {
    for (const seed of [1, 2, 3]) {
      const graph = randomGraph(seed, 14);
      const router = new RoadRouter(graph);
      const random = createRandom(seed * 17);
      const closed = new Map<number, string>();
      const slowed = new Map<number, number>();
      for (const e of graph.edges) {
        const r = random.next();
        if (r < 0.08) closed.set(e.id, 'x');
        else if (r < 0.2) slowed.set(e.id, random.range(1, 4));
      }
      const restrictions: RoadRestrictions = { closed, slowed };
      const cost = (e: GraphEdge) => (closed.has(e.id) ? Number.POSITIVE_INFINITY : e.travelTimeS * (slowed.get(e.id) ?? 1));
      for (const source of [0, 50, 150]) {
        const free = router.travelTimesFrom(source);
        const ref = bellmanFord(graph, source, (e) => e.travelTimeS);
        expectTimes(free.timeS, ref);
        const restricted = router.travelTimesFrom(source, restrictions);
        const refR = bellmanFord(graph, source, cost);
        expectTimes(restricted.timeS, refR);
        // A* from any node to the source matches the tree, and the tree's route never uses a closed edge.
        for (const to of [7, 99, 180, 195]) {
          const star = router.route(to, source, restrictions);
          if (!Number.isFinite(refR[to]!)) {
            expect(star).toBeNull();
            continue;
          }
          expect(star!.travelTimeS).toBeCloseTo(refR[to]!, 6);
          const viaTree = router.routeFrom(restricted, to)!;
          expect(viaTree.travelTimeS).toBeCloseTo(refR[to]!, 6);
          expect(viaTree.edges.some((e) => closed.has(e))).toBe(false);
          expect(viaTree.nodes[0]).toBe(to);
          expect(viaTree.nodes.at(-1)).toBe(source);
        }
      }
    }
  });

  it('routes the generated city: A* equals the tree for sampled pairs, every node reachable', () => {
    const city = generateCity({ sensorCount: 0 });
    const router = new RoadRouter(city.graph);
    const n = city.graph.nodes.length;
    const random = createRandom(5);
    for (let i = 0; i < 4; i++) {
      const source = random.int(n);
      const tree = router.travelTimesFrom(source);
      expect(tree.timeS.every((t) => Number.isFinite(t))).toBe(true);
      // No one-way street in the generated city: the recommender's backward tree is the same tree.
      const back = router.travelTimesTo(source);
      expect(back.predEdge).toEqual(tree.predEdge);
      expect(back.timeS).toEqual(tree.timeS);
      for (let j = 0; j < 5; j++) {
        const from = random.int(n);
        const star = router.route(from, source)!;
        expect(star.travelTimeS).toBeCloseTo(tree.timeS[from]!, 6);
        expect(star.edges).toHaveLength(star.nodes.length - 1);
        expect(star.cumulativeS.at(-1)).toBeCloseTo(star.travelTimeS, 9);
      }
    }
  });

  it('drives one-way edges only in their direction: there and back differ', () => {
    const router = new RoadRouter(oneWayBlock());
    expect(router.directed).toBe(true);
    const there = router.route(0, 2)!;
    expect(there.nodes).toEqual([0, 1, 2]);
    expect(there.travelTimeS).toBe(20);
    const back = router.route(2, 0)!;
    expect(back.nodes).toEqual([2, 4, 3, 0]);
    expect(back.travelTimeS).toBe(55);
    expect(back.lengthM).toBe(550);
    const from0 = router.travelTimesFrom(0);
    expect([...from0.timeS]).toEqual([0, 10, 20, 20, 25]);
    expect(router.routeTo(from0, 4)!.nodes).toEqual([0, 1, 2, 4]);
    // Times TO node 0 from every node: 1 → 0 goes 1, 2, 4, 3, 0 = 10 + 5 + 30 + 20.
    const to0 = router.travelTimesTo(0);
    expect(to0.direction).toBe('to');
    expect([...to0.timeS]).toEqual([0, 65, 55, 20, 50]);
    const unit = router.routeFrom(to0, 1)!;
    expect(unit.nodes).toEqual([1, 2, 4, 3, 0]);
    expect(unit.cumulativeS).toEqual([0, 10, 15, 45, 65]);
    // A tree of the wrong direction would hand out undrivable routes: refused.
    expect(() => router.routeFrom(from0, 1)).toThrow(/travelTimesTo/);
    expect(() => router.routeTo(to0, 1)).toThrow(/travelTimesFrom/);
  });

  it('gives the same trees both ways on a graph without one-way edges', () => {
    const router = new RoadRouter(smallGraph());
    expect(router.directed).toBe(false);
    for (const source of [0, 2, 4]) {
      const from = router.travelTimesFrom(source);
      const to = router.travelTimesTo(source);
      expect([...to.timeS]).toEqual([...from.timeS]);
      expect([...to.predEdge]).toEqual([...from.predEdge]);
      // routeFrom accepts either tree there (the recommender's trees before one-way streets).
      expect(router.routeFrom(from, 3)!.nodes).toEqual(router.routeFrom(to, 3)!.nodes);
    }
  });

  it('agrees with a directed Bellman–Ford reference on random graphs with one-way edges', () => {
    for (const seed of [4, 5, 6]) {
      const random = createRandom(seed * 31);
      const base = randomGraph(seed, 12);
      // A quarter of the edges one-way, half of those drawn the other way round.
      const graph: RoadGraph = {
        nodes: base.nodes,
        edges: base.edges.map((e) => {
          const r = random.next();
          if (r < 0.125) return { ...e, oneway: true };
          if (r < 0.25) return { ...e, from: e.to, to: e.from, oneway: true };
          return e;
        }),
      };
      const router = new RoadRouter(graph);
      const closed = new Map<number, string>();
      for (const e of graph.edges) if (random.next() < 0.05) closed.set(e.id, 'x');
      const cost = (e: GraphEdge) => (closed.has(e.id) ? Number.POSITIVE_INFINITY : e.travelTimeS);
      for (const source of [0, 40, 100, 143]) {
        const from = router.travelTimesFrom(source, { closed });
        const to = router.travelTimesTo(source, { closed });
        const refFrom = bellmanFord(graph, source, cost);
        const refTo = bellmanFord(graph, source, cost, true);
        expectTimes(from.timeS, refFrom);
        expectTimes(to.timeS, refTo);
        for (const other of [3, 57, 88, 130]) {
          const star = router.route(other, source, { closed });
          const unit = router.routeFrom(to, other);
          if (!Number.isFinite(refTo[other]!)) {
            expect(star).toBeNull();
            expect(unit).toBeNull();
            continue;
          }
          expect(star!.travelTimeS).toBeCloseTo(refTo[other]!, 6);
          expect(unit!.travelTimeS).toBeCloseTo(refTo[other]!, 6);
          // Every step of the route is drivable: a one-way edge is taken from → to.
          unit!.edges.forEach((id, k) => {
            const e = graph.edges[id]!;
            if (e.oneway) expect([unit!.nodes[k], unit!.nodes[k + 1]]).toEqual([e.from, e.to]);
          });
        }
      }
    }
  });

  it('snaps a point to the nearest node with its distance', () => {
    const router = new RoadRouter(smallGraph());
    const snapped = router.snap(114.3201, 30.5901);
    expect(snapped.nodeId).toBe(4);
    expect(snapped.distanceM).toBeGreaterThan(5);
    expect(snapped.distanceM).toBeLessThan(20);
  });

  it('rejects graphs with sparse ids and unknown nodes', () => {
    const g = smallGraph();
    expect(() => new RoadRouter({ nodes: g.nodes.map((x, i) => ({ ...x, id: i * 2 })), edges: [] })).toThrow(/dense/);
    const router = new RoadRouter(g);
    expect(() => router.travelTimesFrom(99)).toThrow(/unknown node 99/);
    expect(() => router.route(0, -1)).toThrow(/unknown node/);
  });
});
