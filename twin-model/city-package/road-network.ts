/**
 * The routing graph of a city package, built from its road lines the way GIS data means it:
 * lines join where they share a coordinate (exact equality of the pair, as OpenStreetMap ways
 * share nodes), and a line is split at every interior vertex it shares with another line (or
 * with itself). A bridge drawn over a street without a shared vertex does not connect to it.
 * `oneway` segments can be driven only in their drawn direction.
 *
 * Node ids are given in the order coordinates are first met (segments in file order, vertices
 * in line order) and edge ids in the order pieces are cut, so the same file always gives the
 * same graph.
 */
import type { GraphEdge, GraphNode, LngLat, RoadClass, RoadGraph } from '../city/city-types.ts';
import { haversineM } from '../city/city-queries.ts';
import { CLASS_SPEED_KMH, type PackageRoadClass } from './package-schemas.ts';

/** A road line of roads.geojson, validated. */
export interface RoadSegment {
  /** Index of the feature in roads.geojson. */
  feature: number;
  id: string;
  roadClass: PackageRoadClass;
  coords: LngLat[];
  speedKmh?: number;
  oneway: boolean;
  bridge: boolean;
  tunnel: boolean;
  /** Id of an asset the segment passes through (an underpass …). */
  asset?: string;
  nameZh: string;
  nameEn: string;
}

export interface RoadNetwork {
  graph: RoadGraph;
  /** Index (into the segments) of the segment each edge was cut from. */
  edgeSegment: number[];
  /** Nodes in the largest connected part (direction ignored). */
  largestComponentNodes: number;
  /** Segments (indexes) outside the largest connected part. */
  disconnected: number[];
  /**
   * Segments touching a node from which the main part cannot be reached, or which cannot be
   * reached from it, because of one-way segments (direction honoured).
   */
  oneWayTraps: number[];
}

/**
 * The model's road class for a package segment. The model's classes come from the generated
 * city: bridges and tunnels by their flags, motorways as expressways, trunk roads as ring roads
 * (urban through-roads), primary and secondary roads as arterials, the rest as streets.
 */
export function modelRoadClass(segment: Pick<RoadSegment, 'roadClass' | 'bridge' | 'tunnel'>): RoadClass {
  if (segment.bridge) return 'bridge';
  if (segment.tunnel) return 'tunnel';
  switch (segment.roadClass) {
    case 'motorway':
      return 'expressway';
    case 'trunk':
      return 'ring';
    case 'primary':
    case 'secondary':
      return 'arterial';
    case 'tertiary':
    case 'residential':
    case 'service':
      return 'street';
    default: {
      const unreachable: never = segment.roadClass;
      throw new Error(`unknown road class ${String(unreachable)}`);
    }
  }
}

const keyOf = (p: LngLat): string => `${p[0]},${p[1]}`;

class UnionFind {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    let r = i;
    while (this.parent[r] !== r) r = this.parent[r]!;
    for (let c = i; this.parent[c] !== r; ) {
      const next = this.parent[c]!;
      this.parent[c] = r;
      c = next;
    }
    return r;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/**
 * Builds the graph. `underpassAssets` are the ids of underpass assets: segments naming one in
 * `asset` become edges flagged `underpass` (closed by the twin when the underpass floods).
 */
export function buildRoadNetwork(segments: readonly RoadSegment[], underpassAssets: ReadonlySet<string> = new Set()): RoadNetwork {
  // 1. Which vertices are nodes: line ends, and vertices met more than once.
  const seen = new Map<string, number>();
  for (const s of segments) for (const p of s.coords) seen.set(keyOf(p), (seen.get(keyOf(p)) ?? 0) + 1);

  const nodes: GraphNode[] = [];
  const nodeOf = new Map<string, number>();
  const node = (p: LngLat): number => {
    const k = keyOf(p);
    let id = nodeOf.get(k);
    if (id === undefined) {
      id = nodes.length;
      nodes.push({ id, lng: p[0], lat: p[1] });
      nodeOf.set(k, id);
    }
    return id;
  };

  // 2. Cut each line at its nodes.
  const edges: GraphEdge[] = [];
  const edgeSegment: number[] = [];
  const segmentStart: number[] = [];
  segments.forEach((s, si) => {
    const speedKmh = s.speedKmh ?? CLASS_SPEED_KMH[s.roadClass];
    const roadClass = modelRoadClass(s);
    let from = node(s.coords[0]!);
    segmentStart.push(from);
    let lengthM = 0;
    for (let i = 1; i < s.coords.length; i++) {
      const p = s.coords[i]!;
      lengthM += haversineM(s.coords[i - 1]!, p);
      const last = i === s.coords.length - 1;
      if (!last && (seen.get(keyOf(p)) ?? 0) < 2) continue;
      const to = node(p);
      // A closed piece with no junction on it (a lone loop) leads nowhere: not an edge.
      if (to !== from) {
        const rounded = Math.round(lengthM * 10) / 10;
        const edge: GraphEdge = {
          id: edges.length,
          from,
          to,
          roadClass,
          lengthM: rounded,
          speedKmh,
          travelTimeS: Math.round((rounded / (speedKmh / 3.6)) * 10) / 10,
          underpass: s.asset !== undefined && underpassAssets.has(s.asset),
          bridge: s.bridge,
          tunnel: s.tunnel,
        };
        if (roadClass !== 'street' || s.nameZh || s.nameEn) edge.roadId = s.id;
        if (s.oneway) edge.oneway = true;
        edges.push(edge);
        edgeSegment.push(si);
      }
      from = to;
      lengthM = 0;
    }
  });

  // 3. Connected parts, direction ignored.
  const uf = new UnionFind(nodes.length);
  for (const e of edges) uf.union(e.from, e.to);
  const size = new Map<number, number>();
  for (let i = 0; i < nodes.length; i++) size.set(uf.find(i), (size.get(uf.find(i)) ?? 0) + 1);
  let mainRoot = -1;
  let mainSize = 0;
  for (const [root, count] of size) {
    if (count > mainSize || (count === mainSize && root < mainRoot)) {
      mainRoot = root;
      mainSize = count;
    }
  }
  const disconnected = new Set<number>();
  segments.forEach((_, si) => {
    if (uf.find(segmentStart[si]!) !== mainRoot) disconnected.add(si);
  });

  // 4. One-way traps: nodes of the main part outside its largest strongly connected part.
  const traps = new Set<number>();
  if (edges.some((e) => e.oneway)) {
    const inMain = (v: number) => uf.find(v) === mainRoot;
    const scc = largestStronglyConnected(nodes.length, edges, inMain);
    edges.forEach((e, k) => {
      if (!inMain(e.from)) return;
      if (!scc[e.from] || !scc[e.to]) traps.add(edgeSegment[k]!);
    });
  }

  return {
    graph: { nodes, edges },
    edgeSegment,
    largestComponentNodes: mainSize,
    disconnected: [...disconnected].sort((a, b) => a - b),
    oneWayTraps: [...traps].filter((s) => !disconnected.has(s)).sort((a, b) => a - b),
  };
}

/**
 * Marks the nodes of the largest strongly connected part among `keep` nodes (Kosaraju,
 * iterative: no recursion depth limit on long roads).
 */
function largestStronglyConnected(n: number, edges: readonly GraphEdge[], keep: (v: number) => boolean): Uint8Array {
  const out: number[][] = Array.from({ length: n }, () => []);
  const back: number[][] = Array.from({ length: n }, () => []);
  for (const e of edges) {
    if (!keep(e.from)) continue;
    out[e.from]!.push(e.to);
    back[e.to]!.push(e.from);
    if (!e.oneway) {
      out[e.to]!.push(e.from);
      back[e.from]!.push(e.to);
    }
  }
  // Pass 1: finishing order on the graph.
  const visited = new Uint8Array(n);
  const order: number[] = [];
  for (let s = 0; s < n; s++) {
    if (visited[s] || !keep(s)) continue;
    const stack: Array<[number, number]> = [[s, 0]];
    visited[s] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [v, k] = top;
      const next = out[v]![k];
      if (next === undefined) {
        stack.pop();
        order.push(v);
        continue;
      }
      top[1] = k + 1;
      if (!visited[next]) {
        visited[next] = 1;
        stack.push([next, 0]);
      }
    }
  }
  // Pass 2: components on the reversed graph in reverse finishing order.
  const comp = new Int32Array(n).fill(-1);
  const sizes: number[] = [];
  for (let i = order.length - 1; i >= 0; i--) {
    const s = order[i]!;
    if (comp[s] !== -1) continue;
    const c = sizes.length;
    let count = 0;
    const stack = [s];
    comp[s] = c;
    while (stack.length > 0) {
      const v = stack.pop()!;
      count++;
      for (const w of back[v]!) {
        if (comp[w] === -1) {
          comp[w] = c;
          stack.push(w);
        }
      }
    }
    sizes.push(count);
  }
  let best = 0;
  for (let c = 1; c < sizes.length; c++) if (sizes[c]! > sizes[best]!) best = c;
  const mark = new Uint8Array(n);
  for (let v = 0; v < n; v++) if (comp[v] === best && keep(v)) mark[v] = 1;
  return mark;
}
