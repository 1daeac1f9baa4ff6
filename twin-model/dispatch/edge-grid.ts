/**
 * A grid over a road graph's edges for "which edges come within r metres of this point"
 * (road restrictions ask it once per active incident: a linear walk over every edge of a
 * city's graph per incident made an alarm storm's thousands of incidents cost seconds).
 *
 * Each edge is filed under every cell its bounding box touches; a query reads the cells of the
 * circle's bounding box and answers the candidate edges in the graph's order, so whoever
 * filters them by exact distance gets what a walk over `graph.edges` would give, in the same
 * order. Edges whose box covers more than {@link MAX_CELLS_PER_EDGE} cells (a long motorway
 * segment in a coarse package) are always candidates. Built once per graph (kept by identity).
 */
import type { CityModel } from '../city/city-types.ts';

type Graph = CityModel['graph'];

/** Cell size in degrees (≈ 550 m north–south). */
const CELL_DEG = 0.005;
const MAX_CELLS_PER_EDGE = 4_096;
const M_PER_DEG_LAT = 110_852;
const DEG = Math.PI / 180;
/** Cell keys: column and row offset into non-negative ranges, one safe integer. */
const OFFSET = 100_000;

const cellOf = (deg: number): number => Math.floor(deg / CELL_DEG);
const keyOf = (cx: number, cy: number): number => (cx + OFFSET) * 2 * OFFSET + (cy + OFFSET);

export class EdgeGrid {
  private readonly cells = new Map<number, number[]>();
  /** Edge indexes filed in no cell (boxes too large): candidates of every query. */
  private readonly wide: number[] = [];
  /** Query stamp per edge: an edge met in two cells of one query is answered once. */
  private readonly seen: Uint32Array;
  private stamp = 0;
  private readonly nodes: Graph['nodes'];
  private readonly edges: Graph['edges'];

  constructor(graph: Graph) {
    const { nodes, edges } = graph;
    this.nodes = nodes;
    this.edges = edges;
    this.seen = new Uint32Array(edges.length);
    for (let i = 0; i < edges.length; i++) {
      const e = edges[i]!;
      const a = nodes[e.from];
      const b = nodes[e.to];
      if (!a || !b) continue;
      const x0 = cellOf(Math.min(a.lng, b.lng));
      const x1 = cellOf(Math.max(a.lng, b.lng));
      const y0 = cellOf(Math.min(a.lat, b.lat));
      const y1 = cellOf(Math.max(a.lat, b.lat));
      if ((x1 - x0 + 1) * (y1 - y0 + 1) > MAX_CELLS_PER_EDGE) {
        this.wide.push(i);
        continue;
      }
      for (let cx = x0; cx <= x1; cx++)
        for (let cy = y0; cy <= y1; cy++) {
          const key = keyOf(cx, cy);
          const list = this.cells.get(key);
          if (list) list.push(i);
          else this.cells.set(key, [i]);
        }
    }
  }

  /** Is this grid still the one of `graph` (same node and edge lists, as long as when built)? */
  covers(graph: Graph): boolean {
    return graph.nodes === this.nodes && graph.edges === this.edges && graph.edges.length === this.seen.length;
  }

  /**
   * Indexes (into `graph.edges`, ascending) of every edge whose box meets the box of the circle
   * of `radiusM` around the point — a superset of the edges within `radiusM` of it.
   */
  candidates(lng: number, lat: number, radiusM: number): number[] {
    // A little over the radius: the grid only narrows, the caller measures exactly.
    const dLat = (radiusM * 1.01) / M_PER_DEG_LAT + 1e-9;
    const cos = Math.cos(lat * DEG);
    const dLng = cos > 1e-6 ? Math.min(360, (radiusM * 1.01) / (M_PER_DEG_LAT * cos) + 1e-9) : 360;
    const x0 = cellOf(lng - dLng);
    const x1 = cellOf(lng + dLng);
    const y0 = cellOf(lat - dLat);
    const y1 = cellOf(lat + dLat);
    this.stamp = this.stamp === 0xffffffff ? 1 : this.stamp + 1;
    if (this.stamp === 1) this.seen.fill(0);
    const stamp = this.stamp;
    const out: number[] = [];
    const take = (i: number): void => {
      if (this.seen[i] === stamp) return;
      this.seen[i] = stamp;
      out.push(i);
    };
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > this.cells.size) {
      // A circle wider than the filed cells: every filed edge is a candidate.
      for (const list of this.cells.values()) for (const i of list) take(i);
    } else {
      for (let cx = x0; cx <= x1; cx++)
        for (let cy = y0; cy <= y1; cy++) {
          const list = this.cells.get(keyOf(cx, cy));
          if (list) for (const i of list) take(i);
        }
    }
    for (const i of this.wide) take(i);
    return out.sort((a, b) => a - b);
  }
}

const grids = new WeakMap<Graph, EdgeGrid>();

/** The grid of `graph`, built on first use (and again if its edge list grew or shrank). */
export function edgeGridOf(graph: Graph): EdgeGrid {
  let grid = grids.get(graph);
  if (!grid?.covers(graph)) {
    grid = new EdgeGrid(graph);
    grids.set(graph, grid);
  }
  return grid;
}
