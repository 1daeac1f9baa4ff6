/**
 * Road routing on the city's road graph: travel-time shortest paths with closures and
 * slow-downs from the twin's state. Edges are two-way unless flagged `oneway` (drivable only
 * from `from` to `to`, as drawn).
 *
 * The graph is packed once into compact adjacencies (CSR: `offsets`, `targets`, `edgeOf` as
 * typed arrays): the edges leaving each node, and the edges entering it (the reverse graph).
 * When no edge is one-way both are the same arrays. `travelTimesFrom` runs Dijkstra with a
 * binary heap of (time, node) pairs and lazy deletion over the leaving edges;
 * `travelTimesTo` runs it over the entering edges, so ONE tree grown backwards from an
 * incident's node gives the ETA of every unit towards it, and a unit's route (unit →
 * incident) is the tree path walked from the unit's node to the source (`routeFrom`).
 * `route` runs A* with an admissible great-circle heuristic.
 *
 * Node and edge ids must be dense (`nodes[i].id === i`, `edges[i].id === i`), as
 * `generateCity` makes them; the constructor checks it.
 */
import type { GraphEdge, RoadGraph } from '../city/city-types.ts';
import { haversineM, nearestNode } from '../city/city-queries.ts';
import type { RoadRestrictions, Route } from './unit-types.ts';

/**
 * Shortest travel times between one node and every node (one Dijkstra run): from the source
 * (`travelTimesFrom`) or to the source (`travelTimesTo`).
 */
export interface RouteTree {
  /** The node the tree grows from (the incident's node when ranking units). */
  source: number;
  /**
   * `from`: times from the source to each node; `to`: times from each node to the source.
   * Absent means `from`. On a graph without one-way edges both are the same.
   */
  direction?: 'from' | 'to';
  /** Travel time in seconds between the source and each node; `Infinity` when unreachable. */
  timeS: Float64Array;
  /**
   * The edge next to each node on its shortest path towards the source (by which a `from` tree
   * reaches the node, or by which a `to` tree leaves it); -1 at the source and when unreachable.
   */
  predEdge: Int32Array;
  /** The restrictions the tree was computed under (routes read edge costs from them). */
  restrictions?: RoadRestrictions;
}

const DEG = Math.PI / 180;
const EARTH_RADIUS_M = 6_371_008.8;

/** A binary min-heap of (key, node) pairs in typed arrays; duplicates allowed (lazy deletion). */
class NodeHeap {
  private keys: Float64Array;
  private nodes: Int32Array;
  size = 0;
  constructor(capacity: number) {
    this.keys = new Float64Array(Math.max(16, capacity));
    this.nodes = new Int32Array(Math.max(16, capacity));
  }
  clear(): void {
    this.size = 0;
  }
  push(key: number, node: number): void {
    if (this.size === this.keys.length) this.grow();
    let i = this.size++;
    const keys = this.keys;
    const nodes = this.nodes;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent]! <= key) break;
      keys[i] = keys[parent]!;
      nodes[i] = nodes[parent]!;
      i = parent;
    }
    keys[i] = key;
    nodes[i] = node;
  }
  /** Key of the top entry (call only when size > 0). */
  topKey(): number {
    return this.keys[0]!;
  }
  /** Removes the top entry and returns its node (call only when size > 0). */
  pop(): number {
    const keys = this.keys;
    const nodes = this.nodes;
    const top = nodes[0]!;
    const n = --this.size;
    if (n > 0) {
      const key = keys[n]!;
      const node = nodes[n]!;
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && keys[child + 1]! < keys[child]!) child++;
        if (keys[child]! >= key) break;
        keys[i] = keys[child]!;
        nodes[i] = nodes[child]!;
        i = child;
      }
      keys[i] = key;
      nodes[i] = node;
    }
    return top;
  }
  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    const nodes = new Int32Array(this.nodes.length * 2);
    nodes.set(this.nodes);
    this.keys = keys;
    this.nodes = nodes;
  }
}

export class RoadRouter {
  readonly graph: RoadGraph;
  readonly nodeCount: number;
  /** Whether some edge is one-way (then routes one way and back may differ). */
  readonly directed: boolean;
  /** CSR adjacency of leaving edges: the nodes reachable from n are targets[offsets[n] .. offsets[n+1]). */
  private readonly offsets: Int32Array;
  private readonly targets: Int32Array;
  private readonly edgeOf: Int32Array;
  /** CSR adjacency of entering edges (the same arrays as above when no edge is one-way). */
  private readonly inOffsets: Int32Array;
  private readonly inSources: Int32Array;
  private readonly inEdgeOf: Int32Array;
  /** Free-flow travel time of each edge (s). */
  private readonly baseTimeS: Float64Array;
  private readonly lengthM: Float64Array;
  private readonly latRad: Float64Array;
  private readonly lngRad: Float64Array;
  private readonly cosLat: Float64Array;
  /** Lowest seconds per straight-line metre over all edges: the A* heuristic's scale (admissible). */
  private readonly minSecondsPerM: number;
  private readonly heap: NodeHeap;

  constructor(graph: RoadGraph) {
    this.graph = graph;
    const n = graph.nodes.length;
    this.nodeCount = n;
    graph.nodes.forEach((node, i) => {
      if (node.id !== i) throw new Error(`RoadRouter: node ids must be dense (node at ${i} has id ${node.id})`);
    });
    graph.edges.forEach((edge, i) => {
      if (edge.id !== i) throw new Error(`RoadRouter: edge ids must be dense (edge at ${i} has id ${edge.id})`);
      if (edge.from < 0 || edge.from >= n || edge.to < 0 || edge.to >= n) throw new Error(`RoadRouter: edge ${i} has an unknown end node`);
      if (!(edge.travelTimeS >= 0)) throw new Error(`RoadRouter: edge ${i} has no travel time`);
    });
    this.latRad = new Float64Array(n);
    this.lngRad = new Float64Array(n);
    this.cosLat = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const node = graph.nodes[i]!;
      this.latRad[i] = node.lat * DEG;
      this.lngRad[i] = node.lng * DEG;
      this.cosLat[i] = Math.cos(node.lat * DEG);
    }
    const m = graph.edges.length;
    this.directed = graph.edges.some((e) => e.oneway === true);
    // Leaving edges: both directions of a two-way edge, the drawn direction of a one-way edge.
    // The slot order is the edge order, so a graph without one-way edges packs exactly as before.
    const out = RoadRouter.pack(n, graph.edges, false);
    this.offsets = out.offsets;
    this.targets = out.targets;
    this.edgeOf = out.edgeOf;
    if (this.directed) {
      const back = RoadRouter.pack(n, graph.edges, true);
      this.inOffsets = back.offsets;
      this.inSources = back.targets;
      this.inEdgeOf = back.edgeOf;
    } else {
      this.inOffsets = this.offsets;
      this.inSources = this.targets;
      this.inEdgeOf = this.edgeOf;
    }
    this.baseTimeS = new Float64Array(m);
    this.lengthM = new Float64Array(m);
    let minRatio = Number.POSITIVE_INFINITY;
    for (const e of graph.edges) {
      this.baseTimeS[e.id] = e.travelTimeS;
      this.lengthM[e.id] = e.lengthM;
      const straight = this.straightM(e.from, e.to);
      if (straight > 0) minRatio = Math.min(minRatio, e.travelTimeS / straight);
    }
    this.minSecondsPerM = Number.isFinite(minRatio) ? minRatio : 0;
    this.heap = new NodeHeap(2 * m + n);
  }

  /**
   * Packs the adjacency: for each node, the (neighbour, edge) pairs one can drive to
   * (`reverse` false) or drive in from (`reverse` true).
   */
  private static pack(
    n: number,
    edges: readonly GraphEdge[],
    reverse: boolean,
  ): { offsets: Int32Array; targets: Int32Array; edgeOf: Int32Array } {
    // visit(at, other): forward, one can drive from `at` to `other`; reverse, one can drive from `other` into `at`.
    const slots = (e: GraphEdge, visit: (at: number, other: number) => void): void => {
      if (!reverse) {
        visit(e.from, e.to);
        if (!e.oneway) visit(e.to, e.from);
      } else {
        visit(e.to, e.from);
        if (!e.oneway) visit(e.from, e.to);
      }
    };
    const degree = new Int32Array(n + 1);
    for (const e of edges) slots(e, (at) => degree[at]!++);
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + degree[i]!;
    const fill = offsets.slice(0, n);
    const total = offsets[n]!;
    const targets = new Int32Array(total);
    const edgeOf = new Int32Array(total);
    for (const e of edges) {
      slots(e, (at, other) => {
        const slot = fill[at]!++;
        targets[slot] = other;
        edgeOf[slot] = e.id;
      });
    }
    return { offsets, targets, edgeOf };
  }

  /** Shortest travel times from `node` to every node under the restrictions (Dijkstra). */
  travelTimesFrom(node: number, restrictions?: RoadRestrictions): RouteTree {
    return this.grow(node, restrictions, 'from');
  }

  /**
   * Shortest travel times from every node to `node` under the restrictions (Dijkstra over the
   * reverse graph): the ETAs of all units towards one incident. Walk a unit's route with
   * `routeFrom`. Equal to `travelTimesFrom` when no edge is one-way.
   */
  travelTimesTo(node: number, restrictions?: RoadRestrictions): RouteTree {
    return this.grow(node, restrictions, 'to');
  }

  private grow(node: number, restrictions: RoadRestrictions | undefined, direction: 'from' | 'to'): RouteTree {
    this.checkNode(node);
    const n = this.nodeCount;
    const timeS = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    const predEdge = new Int32Array(n).fill(-1);
    const done = new Uint8Array(n);
    const cost = this.costs(restrictions);
    const forward = direction === 'from';
    const offsets = forward ? this.offsets : this.inOffsets;
    const targets = forward ? this.targets : this.inSources;
    const edgeOf = forward ? this.edgeOf : this.inEdgeOf;
    const heap = this.heap;
    heap.clear();
    timeS[node] = 0;
    heap.push(0, node);
    while (heap.size > 0) {
      const t = heap.topKey();
      const u = heap.pop();
      if (done[u]) continue;
      done[u] = 1;
      for (let k = offsets[u]!, end = offsets[u + 1]!; k < end; k++) {
        const w = cost[edgeOf[k]!]!;
        if (w === Number.POSITIVE_INFINITY) continue;
        const v = targets[k]!;
        const tv = t + w;
        if (tv < timeS[v]!) {
          timeS[v] = tv;
          predEdge[v] = edgeOf[k]!;
          heap.push(tv, v);
        }
      }
    }
    const tree: RouteTree = { source: node, timeS, predEdge };
    if (!forward) tree.direction = 'to';
    if (restrictions) tree.restrictions = restrictions;
    return tree;
  }

  /**
   * The route from the tree's source to `to`, or null when `to` is unreachable. Needs a `from`
   * tree when the graph has one-way edges.
   */
  routeTo(tree: RouteTree, to: number): Route | null {
    if (this.directed && tree.direction === 'to')
      throw new Error('RoadRouter.routeTo: needs a tree from travelTimesFrom on a graph with one-way edges');
    const path = this.treePath(tree, to);
    if (!path) return null;
    path.nodes.reverse();
    path.edges.reverse();
    return this.buildRoute(path.nodes, path.edges, tree.restrictions);
  }

  /**
   * The route from `from` to the tree's source, in driving order (a unit's route to the
   * incident the tree grew from), or null when unreachable. Needs a `to` tree
   * (`travelTimesTo`) when the graph has one-way edges; otherwise any tree, and the route is
   * the same edges as `routeTo` reversed.
   */
  routeFrom(tree: RouteTree, from: number): Route | null {
    if (this.directed && tree.direction !== 'to')
      throw new Error('RoadRouter.routeFrom: needs a tree from travelTimesTo on a graph with one-way edges');
    const path = this.treePath(tree, from);
    if (!path) return null;
    return this.buildRoute(path.nodes, path.edges, tree.restrictions);
  }

  /** The fastest route from `from` to `to` under the restrictions (A*), or null when unreachable. */
  route(from: number, to: number, restrictions?: RoadRestrictions): Route | null {
    this.checkNode(from);
    this.checkNode(to);
    if (from === to) return this.buildRoute([from], [], restrictions);
    const n = this.nodeCount;
    const g = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    const predEdge = new Int32Array(n).fill(-1);
    const done = new Uint8Array(n);
    const cost = this.costs(restrictions);
    const { offsets, targets, edgeOf } = this;
    const scale = this.minSecondsPerM;
    const heap = this.heap;
    heap.clear();
    g[from] = 0;
    heap.push(this.straightM(from, to) * scale, from);
    let found = false;
    while (heap.size > 0) {
      const u = heap.pop();
      if (done[u]) continue;
      if (u === to) {
        found = true;
        break;
      }
      done[u] = 1;
      const gu = g[u]!;
      for (let k = offsets[u]!, end = offsets[u + 1]!; k < end; k++) {
        const w = cost[edgeOf[k]!]!;
        if (w === Number.POSITIVE_INFINITY) continue;
        const v = targets[k]!;
        if (done[v]) continue;
        const gv = gu + w;
        if (gv < g[v]!) {
          g[v] = gv;
          predEdge[v] = edgeOf[k]!;
          heap.push(gv + this.straightM(v, to) * scale, v);
        }
      }
    }
    if (!found) return null;
    const nodes = [to];
    const edges: number[] = [];
    let at = to;
    for (let guard = 0; at !== from && guard < n; guard++) {
      const e = predEdge[at]!;
      edges.push(e);
      at = this.otherEnd(e, at);
      nodes.push(at);
    }
    nodes.reverse();
    edges.reverse();
    return this.buildRoute(nodes, edges, restrictions);
  }

  /** The graph node nearest to a point, and how far it is (m). */
  snap(lng: number, lat: number): { nodeId: number; distanceM: number } {
    const node = nearestNode(this.graph, lng, lat);
    return { nodeId: node.id, distanceM: haversineM({ lng, lat }, node) };
  }

  /** Travel time (s) of an edge under the restrictions: Infinity when closed. */
  edgeTimeS(edgeId: number, restrictions?: RoadRestrictions): number {
    if (restrictions?.closed.has(edgeId)) return Number.POSITIVE_INFINITY;
    const factor = restrictions?.slowed?.get(edgeId) ?? 1;
    return this.baseTimeS[edgeId]! * Math.max(1, factor);
  }

  /** Per-edge costs under the restrictions (a copy of the free-flow times when there are some). */
  private costs(restrictions?: RoadRestrictions): Float64Array {
    if (!restrictions || (restrictions.closed.size === 0 && !restrictions.slowed?.size)) return this.baseTimeS;
    const cost = this.baseTimeS.slice();
    if (restrictions.slowed) {
      for (const [edge, factor] of restrictions.slowed) {
        if (edge >= 0 && edge < cost.length && factor > 1) cost[edge] = this.baseTimeS[edge]! * factor;
      }
    }
    for (const edge of restrictions.closed.keys()) {
      if (edge >= 0 && edge < cost.length) cost[edge] = Number.POSITIVE_INFINITY;
    }
    return cost;
  }

  /** Nodes and edges from `node` back to the tree's source (driving order node → source). */
  private treePath(tree: RouteTree, node: number): { nodes: number[]; edges: number[] } | null {
    this.checkNode(node);
    if (tree.timeS[node] === Number.POSITIVE_INFINITY) return null;
    const nodes = [node];
    const edges: number[] = [];
    let at = node;
    for (let guard = 0; at !== tree.source && guard < this.nodeCount; guard++) {
      const e = tree.predEdge[at]!;
      if (e < 0) return null;
      edges.push(e);
      at = this.otherEnd(e, at);
      nodes.push(at);
    }
    return at === tree.source ? { nodes, edges } : null;
  }

  private buildRoute(nodes: number[], edges: number[], restrictions?: RoadRestrictions): Route {
    const coords: [number, number][] = [];
    const cumulativeS: number[] = [];
    let t = 0;
    let length = 0;
    for (let i = 0; i < nodes.length; i++) {
      if (i > 0) {
        const e = edges[i - 1]!;
        t += this.edgeTimeS(e, restrictions);
        length += this.lengthM[e]!;
      }
      const node = this.graph.nodes[nodes[i]!]!;
      coords.push([node.lng, node.lat]);
      cumulativeS.push(t);
    }
    return { fromNode: nodes[0]!, toNode: nodes[nodes.length - 1]!, nodes, edges, lengthM: length, travelTimeS: t, coords, cumulativeS };
  }

  private otherEnd(edgeId: number, node: number): number {
    const e = this.graph.edges[edgeId]!;
    return e.from === node ? e.to : e.from;
  }

  /** Great-circle distance between two nodes (m). */
  private straightM(a: number, b: number): number {
    const dLat = this.latRad[b]! - this.latRad[a]!;
    const dLng = this.lngRad[b]! - this.lngRad[a]!;
    const s1 = Math.sin(dLat / 2);
    const s2 = Math.sin(dLng / 2);
    const h = s1 * s1 + this.cosLat[a]! * this.cosLat[b]! * s2 * s2;
    return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  private checkNode(node: number): void {
    if (!Number.isInteger(node) || node < 0 || node >= this.nodeCount) throw new RangeError(`RoadRouter: unknown node ${node}`);
  }
}
