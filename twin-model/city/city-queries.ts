/**
 * Spatial queries on a generated city model. Indexes are built on first use and cached in
 * WeakMaps keyed by the model's own arrays/objects, so a model must not be mutated after it
 * is first queried (generate a new one instead).
 */
import type { CityModel, District, GraphNode, RoadGraph } from './city-types.ts';
import { M_PER_DEG_LAT as MY, PolygonIndex, PolygonSet } from './geometry.ts';
import { normalLng, projectionAt, wrapLngDelta } from './local-projection.ts';
import { cellKey } from './segment-grid.ts';
import { SegmentGrid } from './segment-grid.ts';

export { equirectangularM, haversineM, M_PER_DEG } from './geometry.ts';
export type { PointLike } from './geometry.ts';

const districtIndexes = new WeakMap<District[], PolygonIndex[]>();

/**
 * The district containing a point, or null outside every district (outside the city, or on
 * a river: rivers are cut out of the district polygons; lakes are not).
 */
export function districtAt(model: Pick<CityModel, 'districts'>, lng: number, lat: number): District | null {
  let indexes = districtIndexes.get(model.districts);
  if (!indexes) {
    indexes = model.districts.map((d) => new PolygonIndex(d.polygons));
    districtIndexes.set(model.districts, indexes);
  }
  for (let i = 0; i < indexes.length; i++) {
    if (indexes[i]?.contains(lng, lat)) return model.districts[i] ?? null;
  }
  return null;
}

const waterIndexes = new WeakMap<object, PolygonSet>();
const outlineIndexes = new WeakMap<object, PolygonIndex>();

/** Whether a point is on a river or a lake of the model. */
export function isOnWater(model: Pick<CityModel, 'rivers' | 'lakes'>, lng: number, lat: number): boolean {
  let index = waterIndexes.get(model);
  if (!index) {
    index = new PolygonSet([...model.rivers.map((r) => r.polygon), ...model.lakes.map((l) => l.polygon)]);
    waterIndexes.set(model, index);
  }
  return index.contains(lng, lat);
}

/** Whether a point is inside the city outline (land or water: bridges and rivers count). */
export function isInCity(model: Pick<CityModel, 'outline'>, lng: number, lat: number): boolean {
  let outline = outlineIndexes.get(model.outline);
  if (!outline) {
    outline = new PolygonIndex([model.outline]);
    outlineIndexes.set(model.outline, outline);
  }
  return outline.contains(lng, lat);
}

/** Whether a point is inside the city outline and not on water. */
export function isOnLand(model: Pick<CityModel, 'outline' | 'rivers' | 'lakes'>, lng: number, lat: number): boolean {
  return isInCity(model, lng, lat) && !isOnWater(model, lng, lat);
}

/** Grid cell of the node index, degrees (~1 km). */
const NODE_CELL_DEG = 0.01;
/** Columns of node cells round the globe: column numbers wrap at the antimeridian. */
const NODE_COLUMNS = 36_000;
const DEG = Math.PI / 180;

/**
 * Metres per degree for ranking distances around a graph: those of the graph's own projection
 * when it carries one (`RoadGraph.projection`: the generated city's graph, whose nearest nodes
 * are ranked in the generator's scale), else the scale at the graph's middle latitude
 * (`projectionAt`, as the base map of a city without a projection of its own), so east–west and
 * north–south distances weigh alike wherever the city lies.
 */
function metresPerDegree(graph: RoadGraph): { lng: number; lat: number } {
  if (graph.projection) return { lng: graph.projection.mPerDeg.lng, lat: graph.projection.mPerDeg.lat };
  const nodes = graph.nodes;
  let lo = Infinity;
  let hi = -Infinity;
  for (const n of nodes) {
    if (n.lat < lo) lo = n.lat;
    if (n.lat > hi) hi = n.lat;
  }
  const proj = projectionAt(lo, hi, nodes[0]?.lng ?? 0);
  return { lng: proj.mPerDegLng, lat: proj.mPerDegLat };
}

class NodeIndex {
  private readonly nodes: readonly GraphNode[];
  private readonly cells = new Map<number, number[]>();
  private readonly ix0: number;
  private readonly iy0: number;
  private readonly ix1: number;
  private readonly iy1: number;
  private readonly mPerDegLng: number;
  private readonly mPerDegLat: number;
  /** Smallest side of a cell in metres: any node in ring r+1 is at least this × r away. */
  private readonly cellMinM: number;

  constructor(graph: RoadGraph) {
    const nodes = graph.nodes;
    this.nodes = nodes;
    const scale = metresPerDegree(graph);
    this.mPerDegLng = scale.lng;
    this.mPerDegLat = scale.lat;
    this.cellMinM = NODE_CELL_DEG * Math.min(scale.lng, scale.lat);
    let ix0 = Infinity;
    let iy0 = Infinity;
    let ix1 = -Infinity;
    let iy1 = -Infinity;
    nodes.forEach((n, i) => {
      const ix = NodeIndex.ix(n.lng);
      const iy = NodeIndex.iy(n.lat);
      ix0 = Math.min(ix0, ix);
      iy0 = Math.min(iy0, iy);
      ix1 = Math.max(ix1, ix);
      iy1 = Math.max(iy1, iy);
      const key = NodeIndex.key(ix, iy);
      const list = this.cells.get(key);
      if (list) list.push(i);
      else this.cells.set(key, [i]);
    });
    this.ix0 = ix0;
    this.iy0 = iy0;
    this.ix1 = ix1;
    this.iy1 = iy1;
  }

  // Cells counted from 100° E, 20° N (where they always began), keyed as the segment grid keys
  // its cells: one key per cell, distinct for distinct cells anywhere on the globe. Columns run
  // round the globe (0 … 35,999), so the cells either side of the antimeridian are neighbours.
  private static ix(lng: number): number {
    return NodeIndex.column(Math.floor((lng - 100) / NODE_CELL_DEG));
  }

  private static column(ix: number): number {
    return ((ix % NODE_COLUMNS) + NODE_COLUMNS) % NODE_COLUMNS;
  }

  private static iy(lat: number): number {
    return Math.floor((lat - 20) / NODE_CELL_DEG);
  }

  private static key(ix: number, iy: number): number {
    return cellKey(ix, iy);
  }

  nearest(lng: number, lat: number): GraphNode {
    const cx = NodeIndex.ix(lng);
    const cy = NodeIndex.iy(lat);
    // Enough rings to reach every cell of the index from wherever the query is.
    const maxRing = Math.max(Math.abs(cx - this.ix0), Math.abs(cx - this.ix1), Math.abs(cy - this.iy0), Math.abs(cy - this.iy1));
    let best = -1;
    let bestD2 = Infinity;
    // Locals: the hot loop reads them many times.
    const M_PER_DEG_LNG = this.mPerDegLng;
    const M_PER_DEG_LAT = this.mPerDegLat;
    const visit = (ix: number, iy: number): void => {
      const list = this.cells.get(NodeIndex.key(NodeIndex.column(ix), iy));
      if (!list) return;
      for (const i of list) {
        const n = this.nodes[i] as GraphNode;
        // The short way round: a node just across the antimeridian is near.
        const dx = wrapLngDelta(n.lng - lng) * M_PER_DEG_LNG;
        const dy = (n.lat - lat) * M_PER_DEG_LAT;
        const d2 = dx * dx + dy * dy;
        if (d2 < bestD2 || (d2 === bestD2 && i < best)) {
          bestD2 = d2;
          best = i;
        }
      }
    };
    for (let r = 0; r <= maxRing; r++) {
      if (r === 0) visit(cx, cy);
      else {
        for (let k = -r; k <= r; k++) {
          visit(cx + k, cy - r);
          visit(cx + k, cy + r);
        }
        for (let k = -r + 1; k <= r - 1; k++) {
          visit(cx - r, cy + k);
          visit(cx + r, cy + k);
        }
      }
      // Nodes in further rings are at least r cells away.
      if (best >= 0 && Math.sqrt(bestD2) <= r * this.cellMinM) break;
    }
    return this.nodes[best] as GraphNode;
  }
}

const nodeIndexes = new WeakMap<RoadGraph, NodeIndex>();

/**
 * The graph node nearest to a point (planar distance in a local projection, which ranks
 * nodes the same as great-circle distance at city scale). The grid index is built once per
 * graph and cached.
 */
export function nearestNode(graph: RoadGraph, lng: number, lat: number): GraphNode {
  if (graph.nodes.length === 0) throw new Error('nearestNode: the graph has no nodes');
  let index = nodeIndexes.get(graph);
  if (!index) {
    index = new NodeIndex(graph);
    nodeIndexes.set(graph, index);
  }
  return index.nearest(lng, lat);
}

/** Cell size of the edge grid of {@link edgeCandidatesNear}, degrees (≈ 550 m north–south). */
const EDGE_CELL_DEG = 0.005;

interface EdgeGrid {
  nodes: RoadGraph['nodes'];
  edges: RoadGraph['edges'];
  edgeCount: number;
  grid: SegmentGrid;
}

const edgeGrids = new WeakMap<RoadGraph, EdgeGrid>();

/**
 * The segment grid of a graph's edges (tag = edge index, added in the edges' order), built on
 * first use and again if the graph's node or edge list was replaced or its edges grew or shrank.
 */
function edgeGridOf(graph: RoadGraph): SegmentGrid {
  const kept = edgeGrids.get(graph);
  if (kept && kept.nodes === graph.nodes && kept.edges === graph.edges && kept.edgeCount === graph.edges.length) return kept.grid;
  const grid = new SegmentGrid({ cellDeg: EDGE_CELL_DEG });
  const { nodes, edges } = graph;
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i] as RoadGraph['edges'][number];
    const a = nodes[e.from];
    const b = nodes[e.to];
    if (a && b) grid.add([a.lng, a.lat], [b.lng, b.lat], i);
  }
  edgeGrids.set(graph, { nodes, edges, edgeCount: edges.length, grid });
  return grid;
}

/**
 * Indexes into `graph.edges`, ascending (the graph's order), of every edge whose box meets the box
 * of the circle of `radiusM` around the point: a superset of the edges within `radiusM` of it, so
 * a caller that measures each exactly finds what a walk over every edge finds, in the same order.
 * Any city, either hemisphere (the grid is {@link SegmentGrid}'s, built once per graph); near a
 * pole the box spans every longitude. By the antimeridian the box is read on both sides of ±180°
 * (the short way round, as {@link nearestNode} measures), and an edge across it is filed on both.
 */
export function edgeCandidatesNear(graph: RoadGraph, lng: number, lat: number, radiusM: number): number[] {
  // A little over the radius, in the scale at the point: the grid only narrows, the caller measures.
  const dLat = (radiusM * 1.01) / MY + 1e-9;
  const cos = Math.cos(lat * DEG);
  const dLng = cos > 1e-6 ? Math.min(360, (radiusM * 1.01) / (MY * cos) + 1e-9) : 360;
  const grid = edgeGridOf(graph);
  const [s, n] = [lat - dLat, lat + dLat];
  if (dLng >= 180) return grid.tagsInBox(-180, s, 180, n);
  const x = normalLng(lng);
  const [w, e] = [x - dLng, x + dLng];
  // A box across the antimeridian: its part east of −180° is read again west of 180°, and the
  // other way round (the grid files an edge across ±180° on both sides).
  if (w < -180) return mergeAscending(grid.tagsInBox(w + 360, s, 180, n), grid.tagsInBox(-180, s, e, n));
  if (e > 180) return mergeAscending(grid.tagsInBox(w, s, 180, n), grid.tagsInBox(-180, s, e - 360, n));
  return grid.tagsInBox(w, s, e, n);
}

/** Two ascending lists of numbers as one, each number once. */
function mergeAscending(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && (a[i] as number) <= (b[j] as number)) ? (a[i++] as number) : (b[j++] as number);
    if (out.length === 0 || out[out.length - 1] !== next) out.push(next);
  }
  return out;
}
