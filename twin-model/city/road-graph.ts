/**
 * Builds the routing graph: the trunk network (bridges, tunnels, rings, expressways,
 * arterials — split at their crossings and densified) merged with a seeded street mesh.
 *
 * Streets: points are scattered by an adaptive quadtree (one jittered point per cell, cells
 * split until they are about one local street spacing wide, so the core gets ~300 m blocks and
 * the countryside ~2 km), triangulated (Delaunay), and pruned to look like streets: keep
 * Gabriel edges, thin the outer areas towards the relative-neighbourhood graph, drop edges that
 * cross water, the outline or a trunk road, and drop near-parallel pairs. Dropped edges that
 * stay on land are kept in reserve and the shortest of them reconnect any split component
 * (Kruskal), so the graph is one component and rivers are crossed only on bridges and tunnels.
 */
import { Delaunay } from 'd3-delaunay';
import type { GraphEdge, GraphNode, LngLat, RoadClass, RoadGraph } from './city-types.ts';
import type { Geography } from './city-geography.ts';
import { PointGrid, crossingParam, fromXY, generatedProjection, haversineM, planarM, toXY } from './geometry.ts';
import { SegmentGrid } from './segment-grid.ts';
import type { Random } from '../random.ts';
import { streetSpacingM, urbanDensity } from './terrain.ts';

/** Street speed in km/h (urban mixed traffic). */
const STREET_SPEED_KMH = 30;
/** Nodes closer than this are merged into one (trunk crossings, shared bridge ends). */
const MERGE_M = 25;
/** Streets join an expressway only at interchanges, about every this many trunk nodes. */
const EXPRESSWAY_ACCESS_EVERY = 4;

interface NodeDraft {
  lng: number;
  lat: number;
  /** Bridge/tunnel interior, or an expressway node between interchanges: no street joins it. */
  sealed: boolean;
  /** Trunk roads through this node (indexes into geography.trunk). */
  roads: number[];
}

interface EdgeDraft {
  from: number;
  to: number;
  /** Index into geography.trunk, or -1 for a street. */
  road: number;
}

/** The graph plus per-node facts the site generator needs. */
export interface BuiltGraph {
  graph: RoadGraph;
  /** District code of each node ('' for nodes over water, e.g. mid-bridge). */
  nodeDistrict: string[];
  /** Whether a node lies on a trunk road. */
  nodeOnTrunk: boolean[];
  /** Whether a street may join the node (false on bridges, tunnels and between interchanges). */
  nodeOpen: boolean[];
}

class UnionFind {
  private readonly parent: Int32Array;

  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }

  find(i: number): number {
    let r = i;
    while (this.parent[r] !== r) r = this.parent[r] as number;
    // Path compression keeps later finds near O(1).
    let c = i;
    while (this.parent[c] !== r) {
      const next = this.parent[c] as number;
      this.parent[c] = r;
      c = next;
    }
    return r;
  }

  union(a: number, b: number): boolean {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return false;
    this.parent[rb] = ra;
    return true;
  }
}

const edgeKey = (a: number, b: number): number => (a < b ? a * 1_000_000 + b : b * 1_000_000 + a);

/** Builds the trunk nodes and edges: roads split where they cross each other, then densified. */
function buildTrunk(geo: Geography, nodes: NodeDraft[], edges: EdgeDraft[], edgeKeys: Set<number>): void {
  const merge = new PointGrid(MERGE_M * 2);
  const nodeAt = (p: LngLat, sealed: boolean, road: number): number => {
    const [x, y] = toXY(p[0], p[1]);
    let id = merge.within(x, y, MERGE_M);
    if (id < 0) {
      id = merge.add(x, y);
      nodes.push({ lng: p[0], lat: p[1], sealed, roads: [] });
    }
    const node = nodes[id] as NodeDraft;
    node.sealed ||= sealed;
    if (!node.roads.includes(road)) node.roads.push(road);
    return id;
  };

  // 1. Where trunk roads cross each other, both get a station (an intersection node).
  const segments = new SegmentGrid({ origin: geo.gridOrigin });
  const segRoad: number[] = [];
  const segIndex: number[] = [];
  geo.trunk.forEach((t, r) => {
    for (let i = 0; i + 1 < t.road.line.length; i++) {
      segments.add(t.road.line[i] as LngLat, t.road.line[i + 1] as LngLat, segRoad.length);
      segRoad.push(r);
      segIndex.push(i);
    }
  });
  const cuts = new Map<number, number[]>(); // global segment → params in (0,1)
  const addCut = (seg: number, t: number): void => {
    const list = cuts.get(seg) ?? [];
    list.push(t);
    cuts.set(seg, list);
  };
  let seg = 0;
  geo.trunk.forEach((t, r) => {
    for (let i = 0; i + 1 < t.road.line.length; i++, seg++) {
      const a = t.road.line[i] as LngLat;
      const b = t.road.line[i + 1] as LngLat;
      const self = seg;
      segments.forEachNear(a, b, (other, c, d) => {
        if (other <= self || segRoad[other] === r) return;
        const hit = crossingParam(a, b, c, d);
        if (!hit) return;
        addCut(self, hit.t);
        addCut(other, hit.u);
      });
    }
  });

  // 2. Stations along each road, densified to about the local street spacing.
  seg = 0;
  geo.trunk.forEach((t, r) => {
    const line = t.road.line;
    const points: LngLat[] = [];
    for (let i = 0; i + 1 < line.length; i++, seg++) {
      const a = line[i] as LngLat;
      const b = line[i + 1] as LngLat;
      const ts = [0, ...(cuts.get(seg) ?? []).sort((x, y) => x - y)];
      for (let k = 0; k < ts.length; k++) {
        const t0 = ts[k] as number;
        const t1 = ts[k + 1] ?? 1;
        const p0: LngLat = [a[0] + (b[0] - a[0]) * t0, a[1] + (b[1] - a[1]) * t0];
        const p1: LngLat = [a[0] + (b[0] - a[0]) * t1, a[1] + (b[1] - a[1]) * t1];
        points.push(p0);
        const len = planarM(p0[0], p0[1], p1[0], p1[1]);
        const mid: LngLat = [(p0[0] + p1[0]) / 2, (p0[1] + p1[1]) / 2];
        const spacing = Math.max(350, Math.min(1500, streetSpacingM(mid)));
        const pieces = Math.max(1, Math.round(len / spacing));
        for (let j = 1; j < pieces; j++) {
          const f = j / pieces;
          points.push([p0[0] + (p1[0] - p0[0]) * f, p0[1] + (p1[1] - p0[1]) * f]);
        }
      }
    }
    points.push(line[line.length - 1] as LngLat);
    const expressway = t.road.roadClass === 'expressway';
    let prev = -1;
    points.forEach((p, k) => {
      const end = k === 0 || k === points.length - 1;
      const sealed = (t.sealedInterior && !end) || (expressway && !end && k % EXPRESSWAY_ACCESS_EVERY !== 0);
      const id = nodeAt(p, sealed, r);
      if (prev >= 0 && prev !== id) {
        const key = edgeKey(prev, id);
        // Crossings are built first, so where a ring runs over a bridge the edge stays the bridge's.
        if (!edgeKeys.has(key)) {
          edgeKeys.add(key);
          edges.push({ from: prev, to: id, road: r });
        }
      }
      prev = id;
    });
  });
  // An expressway node where two trunk roads meet is an interchange: streets may join it,
  // unless it is on a bridge or in a tunnel.
  for (const node of nodes) {
    if (node.roads.length > 1 && !node.roads.some((r) => geo.trunk[r]?.sealedInterior)) node.sealed = false;
  }
}

function isLand(geo: Geography, p: LngLat): boolean {
  return geo.outlineIndex.contains(p[0], p[1]) && !geo.waterIndex.contains(p[0], p[1]);
}

/**
 * Scatters street nodes with an adaptive quadtree: a cell is split while it is wider than
 * the local street spacing (with a random factor so density changes gradually), and each leaf
 * gets one jittered point.
 */
function scatterStreetNodes(geo: Geography, rnd: Random, nodes: NodeDraft[], trunkEdges: SegmentGrid): void {
  const grid = new PointGrid(250);
  for (const n of nodes) {
    const [x, y] = toXY(n.lng, n.lat);
    grid.add(x, y);
  }
  const [w, s, e, n] = geo.outlineIndex.bbox;
  const [x0, y0] = toXY(w, s);
  const [x1, y1] = toXY(e, n);
  const size = Math.max(x1 - x0, y1 - y0);
  const stack: Array<[number, number, number]> = [[x0, y0, size]];
  const leaves: Array<[number, number, number]> = [];
  while (stack.length > 0) {
    const cell = stack.pop() as [number, number, number];
    const [cx, cy, c] = cell;
    const centre = fromXY(cx + c / 2, cy + c / 2);
    const spacing = streetSpacingM(centre);
    if (c > 300 && c > spacing * rnd.range(0.75, 1.35)) {
      const h = c / 2;
      stack.push([cx, cy, h], [cx + h, cy, h], [cx, cy + h, h], [cx + h, cy + h, h]);
    } else {
      leaves.push(cell);
    }
  }
  for (const [cx, cy, c] of leaves) {
    const x = cx + c * rnd.range(0.1, 0.9);
    const y = cy + c * rnd.range(0.1, 0.9);
    const p = fromXY(x, y);
    if (!isLand(geo, p)) continue;
    const spacing = streetSpacingM(p);
    if (grid.within(x, y, spacing * 0.55) >= 0) continue;
    // Keep clear of trunk roads so streets meet them at their nodes, not in slivers beside them.
    if (trunkEdges.distanceM(p, spacing * 0.35) < spacing * 0.35) continue;
    grid.add(x, y);
    nodes.push({ lng: p[0], lat: p[1], sealed: false, roads: [] });
  }
}

interface Candidate {
  a: number;
  b: number;
  len: number;
}

/**
 * Builds the routing graph for a seed. Node and edge ids are array indexes. `anchors` are
 * places that must have a street node of their own (landmarks such as the railway stations),
 * so assets there are never far from the graph.
 */
export function buildRoadGraph(geo: Geography, rnd: Random, anchors: readonly LngLat[] = []): BuiltGraph {
  const nodes: NodeDraft[] = [];
  const edges: EdgeDraft[] = [];
  const edgeKeys = new Set<number>();
  buildTrunk(geo, nodes, edges, edgeKeys);
  const trunkNodeCount = nodes.length;
  const nearTrunk = new PointGrid(100);
  for (const n of nodes) nearTrunk.add(...toXY(n.lng, n.lat));
  for (const p of anchors) {
    if (!isLand(geo, p) || nearTrunk.within(...toXY(p[0], p[1]), 60) >= 0) continue;
    nodes.push({ lng: p[0], lat: p[1], sealed: false, roads: [] });
  }

  const trunkEdges = new SegmentGrid({ origin: geo.gridOrigin });
  edges.forEach((e, i) => {
    const a = nodes[e.from] as NodeDraft;
    const b = nodes[e.to] as NodeDraft;
    trunkEdges.add([a.lng, a.lat], [b.lng, b.lat], i);
  });
  scatterStreetNodes(geo, rnd.fork('street-nodes'), nodes, trunkEdges);

  // Triangulate the nodes streets may join.
  const open: number[] = [];
  nodes.forEach((n, i) => {
    if (!n.sealed) open.push(i);
  });
  const xy = new Float64Array(open.length * 2);
  open.forEach((id, k) => {
    const n = nodes[id] as NodeDraft;
    const [x, y] = toXY(n.lng, n.lat);
    xy[k * 2] = x;
    xy[k * 2 + 1] = y;
  });
  const delaunay = new Delaunay(xy);
  const { triangles, halfedges } = delaunay;
  const px = (k: number): number => xy[k * 2] as number;
  const py = (k: number): number => xy[k * 2 + 1] as number;
  const acuteAt = (c: number, a: number, b: number): boolean => (px(a) - px(c)) * (px(b) - px(c)) + (py(a) - py(c)) * (py(b) - py(c)) > 0;
  const dist = (a: number, b: number): number => Math.hypot(px(a) - px(b), py(a) - py(b));

  const thinning = rnd.fork('street-thinning');
  const kept: Candidate[] = [];
  const reserve: Candidate[] = [];
  const sharesRoad = (a: NodeDraft, b: NodeDraft): boolean => a.roads.some((r) => b.roads.includes(r));
  for (let e = 0; e < triangles.length; e++) {
    const twin = halfedges[e] as number;
    if (twin >= 0 && twin < e) continue;
    const next = e % 3 === 2 ? e - 2 : e + 1;
    const prev = e % 3 === 0 ? e + 2 : e - 1;
    const ka = triangles[e] as number;
    const kb = triangles[next] as number;
    const kc = triangles[prev] as number;
    const a = open[ka] as number;
    const b = open[kb] as number;
    const na = nodes[a] as NodeDraft;
    const nb = nodes[b] as NodeDraft;
    if (sharesRoad(na, nb) || edgeKeys.has(edgeKey(a, b))) continue;
    const pa: LngLat = [na.lng, na.lat];
    const pb: LngLat = [nb.lng, nb.lat];
    // Never across water or out of the city; never through a trunk road between its nodes.
    if (geo.barrier.intersects(pa, pb)) continue;
    const crossesTrunk = trunkEdges.intersects(pa, pb, (tag) => {
      const t = edges[tag] as EdgeDraft;
      return t.from === a || t.to === a || t.from === b || t.to === b;
    });
    if (crossesTrunk) continue;
    const len = dist(ka, kb);
    const candidate = { a, b, len };
    let gabriel = acuteAt(kc, ka, kb);
    if (gabriel && twin >= 0) {
      const twinPrev = twin % 3 === 0 ? twin + 2 : twin - 1;
      gabriel = acuteAt(triangles[twinPrev] as number, ka, kb);
    }
    const mid: LngLat = [(na.lng + nb.lng) / 2, (na.lat + nb.lat) / 2];
    const tooLong = len > 2.4 * streetSpacingM(mid);
    let keep = gabriel && !tooLong;
    if (keep) {
      // Relative-neighbourhood test against Delaunay neighbours: an edge with a point in its
      // "lune" is a shortcut; outside the core such shortcuts are mostly dropped so the
      // countryside gets roads, not a triangle mesh.
      let inLune = false;
      for (const kcN of delaunay.neighbors(ka)) {
        if (kcN !== kb && dist(ka, kcN) < len && dist(kb, kcN) < len) {
          inLune = true;
          break;
        }
      }
      if (inLune && thinning.next() < 0.15 + 0.75 * (1 - urbanDensity(mid))) keep = false;
    }
    (keep ? kept : reserve).push(candidate);
  }

  // Drop the longer of two streets leaving a node less than ~25° apart (looks like a mesh).
  const adjacency = new Map<number, Candidate[]>();
  for (const c of kept) {
    for (const v of [c.a, c.b]) {
      const list = adjacency.get(v) ?? [];
      list.push(c);
      adjacency.set(v, list);
    }
  }
  const dropped = new Set<Candidate>();
  const cosLimit = Math.cos((25 * Math.PI) / 180);
  for (const [v, list] of adjacency) {
    const nv = nodes[v] as NodeDraft;
    const [vx, vy] = toXY(nv.lng, nv.lat);
    const dirs = list.map((c) => {
      const o = nodes[c.a === v ? c.b : c.a] as NodeDraft;
      const [ox, oy] = toXY(o.lng, o.lat);
      const l = Math.hypot(ox - vx, oy - vy) || 1;
      return [(ox - vx) / l, (oy - vy) / l] as const;
    });
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const ci = list[i] as Candidate;
        const cj = list[j] as Candidate;
        if (dropped.has(ci) || dropped.has(cj)) continue;
        const di = dirs[i] as readonly [number, number];
        const dj = dirs[j] as readonly [number, number];
        if (di[0] * dj[0] + di[1] * dj[1] > cosLimit) dropped.add(ci.len > cj.len ? ci : cj);
      }
    }
  }
  for (const c of kept) {
    if (dropped.has(c)) reserve.push(c);
    else {
      edgeKeys.add(edgeKey(c.a, c.b));
      edges.push({ from: c.a, to: c.b, road: -1 });
    }
  }

  // Reconnect split components with the shortest reserve edges (Kruskal over the reserve).
  const uf = new UnionFind(nodes.length);
  for (const e of edges) uf.union(e.from, e.to);
  reserve.sort((p, q) => p.len - q.len || p.a - q.a || p.b - q.b);
  for (const c of reserve) {
    if (uf.union(c.a, c.b)) {
      edgeKeys.add(edgeKey(c.a, c.b));
      edges.push({ from: c.a, to: c.b, road: -1 });
    }
  }

  // Keep the largest component (isolated street points boxed in by water or expressways go).
  const size = new Map<number, number>();
  for (let i = 0; i < nodes.length; i++) {
    const r = uf.find(i);
    size.set(r, (size.get(r) ?? 0) + 1);
  }
  let mainRoot = -1;
  let mainSize = -1;
  for (const [root, count] of size) {
    if (count > mainSize || (count === mainSize && root < mainRoot)) {
      mainRoot = root;
      mainSize = count;
    }
  }
  const newId = new Int32Array(nodes.length).fill(-1);
  const graphNodes: GraphNode[] = [];
  const nodeOnTrunk: boolean[] = [];
  const nodeOpen: boolean[] = [];
  nodes.forEach((n, i) => {
    if (uf.find(i) !== mainRoot) return;
    newId[i] = graphNodes.length;
    graphNodes.push({ id: graphNodes.length, lng: n.lng, lat: n.lat });
    nodeOnTrunk.push(i < trunkNodeCount);
    nodeOpen.push(!n.sealed);
  });
  const graphEdges: GraphEdge[] = [];
  for (const e of edges) {
    const from = newId[e.from] as number;
    const to = newId[e.to] as number;
    if (from < 0 || to < 0) continue;
    const trunk = e.road >= 0 ? geo.trunk[e.road] : undefined;
    const roadClass: RoadClass = trunk ? trunk.road.roadClass : 'street';
    const speedKmh = trunk ? trunk.speedKmh : STREET_SPEED_KMH;
    const a = graphNodes[from] as GraphNode;
    const b = graphNodes[to] as GraphNode;
    const lengthM = Math.round(haversineM(a, b) * 10) / 10;
    const edge: GraphEdge = {
      id: graphEdges.length,
      from,
      to,
      roadClass,
      lengthM,
      speedKmh,
      travelTimeS: Math.round((lengthM / (speedKmh / 3.6)) * 10) / 10,
      underpass: false,
      bridge: trunk?.bridge ?? false,
      tunnel: trunk?.tunnel ?? false,
    };
    if (trunk) edge.roadId = trunk.road.id;
    graphEdges.push(edge);
  }
  const nodeDistrict = graphNodes.map((n) => {
    const k = geo.districtIndexes.findIndex((index) => index.contains(n.lng, n.lat));
    return k >= 0 ? (geo.districts[k]?.code ?? '') : '';
  });
  // The generator's projection: nearest nodes are ranked in its scale.
  return { graph: { nodes: graphNodes, edges: graphEdges, projection: generatedProjection() }, nodeDistrict, nodeOnTrunk, nodeOpen };
}
