/**
 * {@link SegmentGrid}: a uniform grid of segments in lng/lat for the generator's crossing and
 * distance queries and for a road graph's edges near a point (`edgeCandidatesNear`). Internal
 * to `twin-model/city/`.
 */
import type { LngLat } from './city-types.ts';
import { M_PER_DEG_LAT, M_PER_DEG_LNG, pointSegmentM, segmentsIntersect } from './geometry.ts';

/** Cell size of {@link SegmentGrid} unless a grid is given its own, degrees (~1 km north–south). */
const SEGMENT_CELL_DEG = 0.01;
/** A segment whose box covers more cells than this is filed in none: a candidate of every query. */
const MAX_CELLS_PER_SEGMENT = 4_096;
/**
 * Cell columns and rows are clamped to ±(2^25 − 1), which holds every cell of the globe at any cell
 * size down to ~10⁻⁵° (about a metre); {@link SegmentGrid} pairs them into one key below 2^52.
 */
const CELL_LIMIT = 2 ** 25 - 1;
const CELL_OFFSET = 2 ** 25;
const CELL_SPAN = 2 ** 26;
/** Query stamps restart (and the stamps are cleared) before they would pass this. */
const MAX_STAMP = 0x7fff_ffff;

const clampCell = (c: number): number => Math.max(-CELL_LIMIT, Math.min(CELL_LIMIT, c));

/**
 * The key of the grid cell at column `ix`, row `iy` (integers within ±(2^25 − 1)): one number per
 * cell below 2^52, distinct for distinct cells. {@link SegmentGrid} and the node index of
 * `nearestNode` key their cells with it.
 */
export function cellKey(ix: number, iy: number): number {
  return (ix + CELL_OFFSET) * CELL_SPAN + (iy + CELL_OFFSET);
}

/**
 * A uniform grid of segments (lng/lat) for "does this segment cross anything", "how far is the
 * nearest segment" and "which segments come near this box" queries. Each segment carries a
 * numeric tag (an edge index, a ring's number).
 *
 * Cells are counted from an origin (0° E, 0° N unless given) and each cell's column and row paired
 * into one key with no collision, so a grid serves any city, either hemisphere, up to ±180°: a city
 * far from the origin files its segments in cells of their own, as one near it does. A segment is
 * filed in every cell its box touches (a segment whose ends are more than 180° of longitude apart
 * crosses the antimeridian: its box is taken the short way round, in the cells either side of
 * ±180°); one whose box covers more than
 * {@link MAX_CELLS_PER_SEGMENT} cells in none, and is a candidate of every query. A query box
 * covering more cells than are filed picks the filed cells inside it instead of walking the empty
 * ones (in the same order), so every loop is bounded by the data, whatever the box.
 */
export class SegmentGrid {
  private readonly coords: number[] = [];
  private readonly tags: number[] = [];
  private readonly cells = new Map<number, number[]>();
  /** Ids of the segments filed in no cell (boxes too large). */
  private readonly wide: number[] = [];
  private stamp: Int32Array = new Int32Array(0);
  private query = 0;
  private readonly cellDeg: number;
  private readonly lng0: number;
  private readonly lat0: number;

  /**
   * @param options.cellDeg - cell size in degrees; @default 0.01 (~1 km)
   * @param options.origin - the corner `[lng, lat]` cells are counted from (any point: it only
   *   places the cells' boundaries); @default [0, 0]
   */
  constructor(options: { cellDeg?: number; origin?: LngLat } = {}) {
    const cellDeg = options.cellDeg ?? SEGMENT_CELL_DEG;
    const [lng0, lat0] = options.origin ?? [0, 0];
    if (!(cellDeg > 0 && Number.isFinite(cellDeg)))
      throw new RangeError(`SegmentGrid: cellDeg must be a positive number, got ${String(cellDeg)}`);
    if (!(Number.isFinite(lng0) && Number.isFinite(lat0)))
      throw new RangeError(`SegmentGrid: origin must be finite, got ${String(options.origin)}`);
    this.cellDeg = cellDeg;
    this.lng0 = lng0;
    this.lat0 = lat0;
  }

  get size(): number {
    return this.tags.length;
  }

  /**
   * The key of the cell at column `ix`, row `iy` (as {@link column} and {@link row} give them):
   * one number per cell, distinct for distinct cells.
   */
  static key(ix: number, iy: number): number {
    return cellKey(ix, iy);
  }

  /** The column of the cells holding a longitude. */
  column(lng: number): number {
    return clampCell(Math.floor((lng - this.lng0) / this.cellDeg));
  }

  /** The row of the cells holding a latitude. */
  row(lat: number): number {
    return clampCell(Math.floor((lat - this.lat0) / this.cellDeg));
  }

  /** Stores segment a–b with a caller-defined tag (e.g. an edge index). */
  add(a: LngLat, b: LngLat, tag = -1): void {
    const id = this.tags.length;
    this.coords.push(a[0], a[1], b[0], b[1]);
    this.tags.push(tag);
    const west = Math.min(a[0], b[0]);
    const east = Math.max(a[0], b[0]);
    // Ends more than 180° of longitude apart: the segment crosses the antimeridian (the short way
    // round), so it is filed from its eastern end to 180° and from −180° to its western end.
    const columns: [number, number][] =
      east - west > 180
        ? [
            [this.column(east), this.column(180)],
            [this.column(-180), this.column(west)],
          ]
        : [[this.column(west), this.column(east)]];
    const y0 = this.row(Math.min(a[1], b[1]));
    const y1 = this.row(Math.max(a[1], b[1]));
    let cellCount = 0;
    for (const [x0, x1] of columns) cellCount += Math.max(0, x1 - x0 + 1) * (y1 - y0 + 1);
    if (cellCount > MAX_CELLS_PER_SEGMENT) {
      this.wide.push(id);
      return;
    }
    for (const [x0, x1] of columns) {
      for (let ix = x0; ix <= x1; ix++) {
        for (let iy = y0; iy <= y1; iy++) {
          const key = SegmentGrid.key(ix, iy);
          const list = this.cells.get(key);
          if (list) list.push(id);
          else this.cells.set(key, [id]);
        }
      }
    }
  }

  /** Adds every edge of every ring. */
  addRings(rings: readonly LngLat[][], tag = -1): void {
    for (const ring of rings) {
      for (let i = 0; i + 1 < ring.length; i++) this.add(ring[i] as LngLat, ring[i + 1] as LngLat, tag);
    }
  }

  private nextQuery(): number {
    if (this.stamp.length < this.tags.length) {
      const grown = new Int32Array(Math.max(this.tags.length, this.stamp.length * 2));
      grown.set(this.stamp);
      this.stamp = grown;
    }
    if (this.query >= MAX_STAMP) {
      // A long-lived grid: start the stamps over rather than let them wrap.
      this.stamp.fill(0);
      this.query = 0;
    }
    return ++this.query;
  }

  /**
   * The segment lists of the filed cells that meet the box, cell by cell west to east and south
   * to north (the wide segments are not among them); null when the box spans no cell (its east
   * or north edge in a cell before its west or south edge's, or a NaN).
   */
  private listsInBox(w: number, s: number, e: number, n: number): number[][] | null {
    const x0 = this.column(w);
    const x1 = this.column(e);
    const y0 = this.row(s);
    const y1 = this.row(n);
    if (!(x0 <= x1 && y0 <= y1)) return null;
    const lists: number[][] = [];
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > this.cells.size) {
      // A box of more cells than are filed: pick the filed cells inside it and read them in the
      // walk's order (keys grow west to east, then south to north), not the box's empty cells.
      const keys: number[] = [];
      for (const key of this.cells.keys()) {
        const ix = Math.floor(key / CELL_SPAN) - CELL_OFFSET;
        const iy = key - (ix + CELL_OFFSET) * CELL_SPAN - CELL_OFFSET;
        if (ix >= x0 && ix <= x1 && iy >= y0 && iy <= y1) keys.push(key);
      }
      keys.sort((a, b) => a - b);
      for (const key of keys) lists.push(this.cells.get(key) as number[]);
    } else {
      for (let ix = x0; ix <= x1; ix++) {
        for (let iy = y0; iy <= y1; iy++) {
          const list = this.cells.get(SegmentGrid.key(ix, iy));
          if (list) lists.push(list);
        }
      }
    }
    return lists;
  }

  /**
   * Calls `visit(id)` once for each segment whose cells overlap the box (cell by cell, west to
   * east and south to north, each cell's segments in the order they were added; then the wide
   * ones); stops on `true`.
   */
  private visitBox(w: number, s: number, e: number, n: number, visit: (id: number) => boolean): boolean {
    const lists = this.listsInBox(w, s, e, n);
    if (!lists) return false;
    const q = this.nextQuery();
    const stamp = this.stamp;
    for (const list of lists) {
      for (const id of list) {
        if (stamp[id] === q) continue;
        stamp[id] = q;
        if (visit(id)) return true;
      }
    }
    for (const id of this.wide) if (visit(id)) return true;
    return false;
  }

  /** Calls `visit` once for each stored segment whose grid cells overlap the box of a–b. */
  forEachNear(a: LngLat, b: LngLat, visit: (tag: number, c: LngLat, d: LngLat) => void): void {
    const c = this.coords;
    this.visitBox(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1]), (id) => {
      const o = id * 4;
      visit(this.tags[id] as number, [c[o] as number, c[o + 1] as number], [c[o + 2] as number, c[o + 3] as number]);
      return false;
    });
  }

  /**
   * The tags of the stored segments whose grid cells overlap the box `[w, s, e, n]`, each segment
   * once, in the order the segments were added — a superset of the segments within the box.
   * Segments added in an edge list's order (tag = index) come back as ascending edge indexes.
   */
  tagsInBox(w: number, s: number, e: number, n: number): number[] {
    const lists = this.listsInBox(w, s, e, n);
    if (!lists) return [];
    const q = this.nextQuery();
    const stamp = this.stamp;
    const ids: number[] = [];
    for (const list of lists) {
      for (const id of list) {
        if (stamp[id] === q) continue;
        stamp[id] = q;
        ids.push(id);
      }
    }
    for (const id of this.wide) ids.push(id);
    const sorted = Int32Array.from(ids).sort();
    const out = new Array<number>(sorted.length);
    for (let k = 0; k < sorted.length; k++) out[k] = this.tags[sorted[k] as number] as number;
    return out;
  }

  /** Whether a–b intersects a stored segment whose tag `skip` does not exclude. */
  intersects(a: LngLat, b: LngLat, skip?: (tag: number) => boolean): boolean {
    const c = this.coords;
    return this.visitBox(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1]), (id) => {
      if (skip?.(this.tags[id] as number)) return false;
      const o = id * 4;
      return segmentsIntersect(a[0], a[1], b[0], b[1], c[o] as number, c[o + 1] as number, c[o + 2] as number, c[o + 3] as number);
    });
  }

  /**
   * Distance in metres to the nearest stored segment, capped at `maxM`. Searches a small box
   * first and widens it only when nothing is that close (most queries are near water). Metres of
   * the generated city's projection (`planarM`, scaled at 30.6° N): the generator's own measure,
   * not a true distance at other latitudes.
   */
  distanceM(p: LngLat, maxM: number): number {
    const c = this.coords;
    let best = maxM;
    for (let r = Math.min(maxM, 800); ; r = Math.min(maxM, r * 3)) {
      const dLng = r / M_PER_DEG_LNG;
      const dLat = r / M_PER_DEG_LAT;
      this.visitBox(p[0] - dLng, p[1] - dLat, p[0] + dLng, p[1] + dLat, (id) => {
        const o = id * 4;
        const d = pointSegmentM(p[0], p[1], c[o] as number, c[o + 1] as number, c[o + 2] as number, c[o + 3] as number);
        if (d < best) best = d;
        return false;
      });
      // Anything found within the box radius is the true nearest (segments outside the box are farther).
      if (best <= r || r >= maxM) return best;
    }
  }
}
