/**
 * The sensor grid: an incremental in-memory index of the twin's sensors by grid cell, so that
 * the console can be shown a million sensors as a few hundred aggregate cells (docs/scale.md).
 *
 * Cells are squares in degrees: at grid level L the side is 90 / 2^L degrees, about 128 screen
 * pixels at map zoom L (maplibre's 512-pixel tile spans 360 / 2^zoom degrees), and cell (ix, iy) covers
 * [ix·side, (ix+1)·side) × [iy·side, (iy+1)·side). The key `L/ix/iy` therefore does not depend
 * on the viewport: a client may cache cells across pans. Level L's cell (ix, iy) contains the
 * finest level's cells (ix << k … , iy << k …), k = FINEST − L, so one sensor's finest cell
 * gives its cell at every level by a shift.
 *
 * Per cell the index keeps, for every classification × kind, the count per display state and
 * the sums of longitude and latitude. A query adds up only the classifications the caller is
 * cleared for (and the kinds asked for): counts never include a sensor above the clearance.
 * Updating a sensor is O(levels); a viewport query is O(cells in the bbox).
 *
 * The finest cells also list their sensors (twin indices, with each sensor's place in its list
 * for an O(1) move), so the points of a zoomed-in viewport are found by reading the few cells
 * it covers, never by walking the registry.
 */
import { CLASSIFICATIONS, SENSOR_KINDS, SENSOR_STATES, type Classification, type SensorEntry } from '../../../twin-model/index.ts';
import type { CellSummary } from '../../shared/protocol.ts';

export const COARSEST_LEVEL = 6;
export const FINEST_LEVEL = 13;
/** Most cells a query walks before it answers at a coarser level. */
export const MAX_QUERY_CELLS = 20_000;

const KINDS = [...SENSOR_KINDS, 'unknown'] as const;
const K = KINDS.length;
const C = CLASSIFICATIONS.length;
const S = SENSOR_STATES.length;
/** Per classification × kind: S state counts, then Σlng and Σlat. */
const STRIDE = S + 2;
const CELL_SIZE = C * K * STRIDE;
const KIND_INDEX = new Map<string, number>(KINDS.map((k, i) => [k, i]));
const CLASS_INDEX = new Map<string, number>(CLASSIFICATIONS.map((c, i) => [c, i]));
/** No position: in no cell. */
const NOWHERE = -0x7fffffff;

export type Bbox = [number, number, number, number];

/** Side of a cell at `level`, in degrees. */
export function cellDeg(level: number): number {
  return 90 / 2 ** level;
}

/** The grid level shown at a map zoom: about 64-pixel cells, within the levels kept. */
export function levelForZoom(zoom: number): number {
  return Math.min(FINEST_LEVEL, Math.max(COARSEST_LEVEL, Math.floor(zoom)));
}

/**
 * The level a cell query of `bbox` walks, for a map zoom or a level asked for: {@link levelForZoom}'s,
 * coarser while the bbox would need over {@link MAX_QUERY_CELLS} cells; with its cell side in degrees.
 */
export function queryLevel(bbox: Bbox, zoom: number): { level: number; side: number } {
  const [w, s, e, n] = bbox;
  let level = levelForZoom(zoom);
  let side = cellDeg(level);
  while (
    level > COARSEST_LEVEL &&
    (Math.floor(e / side) - Math.floor(w / side) + 1) * (Math.floor(n / side) - Math.floor(s / side) + 1) > MAX_QUERY_CELLS
  ) {
    level--;
    side = cellDeg(level);
  }
  return { level, side };
}

export function cellKey(level: number, ix: number, iy: number): string {
  return `${level}/${ix}/${iy}`;
}

/** The finest cell of a position. */
export function finestCell(lng: number, lat: number): [number, number] {
  const side = cellDeg(FINEST_LEVEL);
  return [Math.floor(lng / side), Math.floor(lat / side)];
}

/** Numeric map key of (ix, iy); both fit in 22 bits with sign for any longitude/latitude at level ≤ 13. */
function packed(ix: number, iy: number): number {
  return (ix + 0x200000) * 0x400000 + (iy + 0x200000);
}

/** Kind index for the classification × kind slots (unknown kinds share the last one). */
export function kindSlot(kind: string): number {
  return KIND_INDEX.get(kind) ?? K - 1;
}

/** A kinds filter as a 0/1 flag per kind slot (null or empty = every kind). */
export function kindsFilter(kinds: readonly string[] | null | undefined): Uint8Array {
  const flags = new Uint8Array(K);
  if (!kinds || kinds.length === 0) return flags.fill(1);
  for (const k of kinds) {
    const i = KIND_INDEX.get(k);
    if (i !== undefined) flags[i] = 1;
  }
  return flags;
}

/** What the index needs of a sensor. */
export interface GridSensor {
  lng: number | null;
  lat: number | null;
  kind: string;
  state: number;
  classification: Classification;
}

export interface CellQuery {
  bbox: Bbox;
  level: number;
  /** Classification bits the caller is cleared for (auth/classification.ts CLASS_BIT). */
  mask: number;
  /** From {@link kindsFilter}. */
  kinds: Uint8Array;
}

export interface CellAnswer {
  level: number;
  cellDeg: number;
  total: number;
  cells: CellSummary[];
}

/** Bits of CLASS_BIT in classification order (public 1, internal 2, sensitive 4). */
const CLASS_BITS = CLASSIFICATIONS.map((_, i) => 1 << i);

export class SensorGrid {
  /** Per level (index = level − COARSEST_LEVEL): packed cell → counters. */
  private readonly levels: Array<Map<number, Float64Array>> = [];
  // What each sensor (by twin index) contributes now.
  private fx = new Int32Array(0);
  private fy = new Int32Array(0);
  private lngs = new Float64Array(0);
  private lats = new Float64Array(0);
  private slot = new Int16Array(0);
  private states = new Uint8Array(0);
  private known = 0;
  /** Sensors per classification (whole registry, placed or not). */
  private readonly perClass = new Float64Array(C);
  /** Finest cell (packed) → twin indices of the placed sensors in it. */
  private readonly members = new Map<number, number[]>();
  /** Each sensor's place in its finest cell's member list. */
  private memberAt = new Int32Array(0);

  constructor() {
    for (let l = COARSEST_LEVEL; l <= FINEST_LEVEL; l++) this.levels.push(new Map());
  }

  /** Sensors indexed. */
  get size(): number {
    return this.known;
  }

  /** Sensors in the registry within the clearance `mask`. */
  registryCount(mask: number): number {
    let n = 0;
    for (let c = 0; c < C; c++) if (mask & CLASS_BITS[c]!) n += this.perClass[c]!;
    return n;
  }

  /** Cells held at `level` (for tests and memory figures). */
  cellCount(level: number): number {
    return this.levels[level - COARSEST_LEVEL]?.size ?? 0;
  }

  /** Sets (or moves, reclassifies, restates) sensor `i`. Unchanged sensors cost a comparison. */
  set(i: number, s: GridSensor): void {
    this.ensure(i + 1);
    const placed = s.lng !== null && s.lat !== null && Number.isFinite(s.lng) && Number.isFinite(s.lat);
    const [x, y] = placed ? finestCell(s.lng!, s.lat!) : [NOWHERE, NOWHERE];
    const slot = (CLASS_INDEX.get(s.classification) ?? 1) * K + kindSlot(s.kind);
    const state = s.state >= 0 && s.state < S ? s.state : 0;
    const lng = placed ? s.lng! : 0;
    const lat = placed ? s.lat! : 0;
    const old = this.slot[i]!;
    if (old === slot && this.fx[i] === x && this.fy[i] === y && this.states[i] === state && this.lngs[i] === lng && this.lats[i] === lat)
      return;
    if (old >= 0) this.apply(i, -1);
    else this.known++;
    if (old < 0 || this.fx[i] !== x || this.fy[i] !== y) this.move(i, old >= 0 ? this.fx[i]! : NOWHERE, this.fy[i]!, x, y);
    this.fx[i] = x;
    this.fy[i] = y;
    this.lngs[i] = lng;
    this.lats[i] = lat;
    this.slot[i] = slot;
    this.states[i] = state;
    this.apply(i, +1);
  }

  /** Whether sensor `i` is indexed with a position inside `bbox` and visible to `mask` and `kinds`. */
  inside(i: number, bbox: Bbox, mask: number, kinds: Uint8Array): boolean {
    const slot = this.slot[i] ?? -1;
    if (slot < 0 || this.fx[i] === NOWHERE) return false;
    if (!(mask & CLASS_BITS[Math.floor(slot / K)]!) || !kinds[slot % K]) return false;
    const lng = this.lngs[i]!;
    const lat = this.lats[i]!;
    return lng >= bbox[0] && lng <= bbox[2] && lat >= bbox[1] && lat <= bbox[3];
  }

  /** Whether sensor `i` is indexed with a classification within `mask`. */
  visibleTo(i: number, mask: number): boolean {
    const slot = this.slot[i] ?? -1;
    return slot >= 0 && (mask & CLASS_BITS[Math.floor(slot / K)]!) !== 0;
  }

  /**
   * Twin indices of the sensors inside `bbox` (see {@link inside}) in ascending order, at most
   * `limit` of them; `more` when some were left out. Those sent are then the `limit` lowest twin
   * indices inside, the same on every call while the sensors stay put; with `whole` false the
   * walk stops at the first sensor over the limit instead (for a caller that only needs `more`),
   * and which ones are listed is unspecified. Reads only the finest cells the bbox covers (or,
   * when it covers more cells than hold sensors, the cells that do).
   */
  sensorsIn(bbox: Bbox, mask: number, kinds: Uint8Array, limit: number, whole = true): { indices: number[]; more: boolean } {
    const out: number[] = [];
    const cap = whole ? Number.POSITIVE_INFINITY : limit;
    const take = (list: readonly number[]): boolean => {
      for (const i of list) {
        if (!this.inside(i, bbox, mask, kinds)) continue;
        if (out.length === cap) return false;
        out.push(i);
      }
      return true;
    };
    const [x0, y0] = finestCell(bbox[0], bbox[1]);
    const [x1, y1] = finestCell(bbox[2], bbox[3]);
    let complete = true;
    if ((x1 - x0 + 1) * (y1 - y0 + 1) <= this.members.size) {
      for (let x = x0; x <= x1 && complete; x++) {
        for (let y = y0; y <= y1 && complete; y++) {
          const list = this.members.get(packed(x, y));
          if (list) complete = take(list);
        }
      }
    } else {
      for (const [key, list] of this.members) {
        const x = Math.floor(key / 0x400000) - 0x200000;
        const y = (key % 0x400000) - 0x200000;
        if (x >= x0 && x <= x1 && y >= y0 && y <= y1 && !take(list)) {
          complete = false;
          break;
        }
      }
    }
    out.sort((a, b) => a - b);
    if (out.length > limit) return { indices: out.slice(0, limit), more: true };
    return { indices: out, more: !complete };
  }

  /** Sensors listed in the finest cell of (lng, lat) (for tests). */
  cellMembers(lng: number, lat: number): number[] {
    const [x, y] = finestCell(lng, lat);
    return [...(this.members.get(packed(x, y)) ?? [])];
  }

  /** Moves sensor `i` from finest cell (fx, fy) to (x, y) in the member lists (NOWHERE = none). */
  private move(i: number, fx: number, fy: number, x: number, y: number): void {
    if (fx !== NOWHERE) {
      const key = packed(fx, fy);
      const list = this.members.get(key)!;
      const at = this.memberAt[i]!;
      const last = list.pop()!;
      if (last !== i) {
        list[at] = last;
        this.memberAt[last] = at;
      }
      if (list.length === 0) this.members.delete(key);
    }
    if (x === NOWHERE) return;
    const key = packed(x, y);
    let list = this.members.get(key);
    if (!list) {
      list = [];
      this.members.set(key, list);
    }
    this.memberAt[i] = list.length;
    list.push(i);
  }

  /** Aggregate cells of `bbox` at `level` (coarser when the bbox would need more than MAX_QUERY_CELLS cells). */
  query(q: CellQuery): CellAnswer {
    const { level, side } = queryLevel(q.bbox, q.level);
    const [w, s, e, n] = q.bbox;
    const map = this.levels[level - COARSEST_LEVEL]!;
    const x0 = Math.floor(w / side);
    const x1 = Math.floor(e / side);
    const y0 = Math.floor(s / side);
    const y1 = Math.floor(n / side);
    const cells: CellSummary[] = [];
    let total = 0;
    const visit = (x: number, y: number, counters: Float64Array) => {
      const cell = this.summarize(counters, q.mask, q.kinds);
      if (!cell) return;
      cell.key = cellKey(level, x, y);
      total += cell.n;
      cells.push(cell);
    };
    if ((x1 - x0 + 1) * (y1 - y0 + 1) <= map.size) {
      for (let x = x0; x <= x1; x++) {
        for (let y = y0; y <= y1; y++) {
          const counters = map.get(packed(x, y));
          if (counters) visit(x, y, counters);
        }
      }
    } else {
      for (const [key, counters] of map) {
        const x = Math.floor(key / 0x400000) - 0x200000;
        const y = (key % 0x400000) - 0x200000;
        if (x >= x0 && x <= x1 && y >= y0 && y <= y1) visit(x, y, counters);
      }
    }
    return { level, cellDeg: side, total, cells };
  }

  private summarize(counters: Float64Array, mask: number, kinds: Uint8Array): CellSummary | null {
    const states = new Array<number>(S).fill(0);
    let n = 0;
    let sx = 0;
    let sy = 0;
    for (let c = 0; c < C; c++) {
      if (!(mask & CLASS_BITS[c]!)) continue;
      for (let k = 0; k < K; k++) {
        if (!kinds[k]) continue;
        const o = (c * K + k) * STRIDE;
        for (let st = 0; st < S; st++) {
          const v = counters[o + st]!;
          states[st]! += v;
          n += v;
        }
        sx += counters[o + S]!;
        sy += counters[o + S + 1]!;
      }
    }
    if (n <= 0) return null;
    return { key: '', n, lng: sx / n, lat: sy / n, states };
  }

  private apply(i: number, sign: 1 | -1): void {
    const slot = this.slot[i]!;
    this.perClass[Math.floor(slot / K)]! += sign;
    const x = this.fx[i]!;
    if (x === NOWHERE) return;
    const y = this.fy[i]!;
    const o = slot * STRIDE;
    const state = this.states[i]!;
    const lng = this.lngs[i]!;
    const lat = this.lats[i]!;
    for (let level = FINEST_LEVEL; level >= COARSEST_LEVEL; level--) {
      const shift = FINEST_LEVEL - level;
      const key = packed(x >> shift, y >> shift);
      const map = this.levels[level - COARSEST_LEVEL]!;
      let counters = map.get(key);
      if (!counters) {
        if (sign < 0) continue;
        counters = new Float64Array(CELL_SIZE);
        map.set(key, counters);
      }
      counters[o + state]! += sign;
      counters[o + S]! += sign * lng;
      counters[o + S + 1]! += sign * lat;
      if (sign < 0 && isEmpty(counters)) map.delete(key);
    }
  }

  private ensure(n: number): void {
    if (this.slot.length >= n) return;
    const cap = Math.max(1024, n, this.slot.length * 2);
    const grow = <T extends Int32Array | Float64Array | Int16Array | Uint8Array>(a: T, make: (n: number) => T, fill?: number): T => {
      const b = make(cap);
      if (fill !== undefined) b.fill(fill);
      b.set(a);
      return b;
    };
    this.fx = grow(this.fx, (k) => new Int32Array(k));
    this.fy = grow(this.fy, (k) => new Int32Array(k));
    this.lngs = grow(this.lngs, (k) => new Float64Array(k));
    this.lats = grow(this.lats, (k) => new Float64Array(k));
    this.slot = grow(this.slot, (k) => new Int16Array(k), -1);
    this.states = grow(this.states, (k) => new Uint8Array(k));
    this.memberAt = grow(this.memberAt, (k) => new Int32Array(k));
  }
}

/** Whether every count of a cell is zero (its position sums then are too, up to rounding). */
function isEmpty(counters: Float64Array): boolean {
  for (let o = 0; o < counters.length; o += STRIDE) {
    for (let st = 0; st < S; st++) if (counters[o + st] !== 0) return false;
  }
  return true;
}

/** A twin entry as the grid sees it, with its classification from the stream's classifier. */
export function gridSensor(entry: SensorEntry, classification: Classification): GridSensor {
  return { lng: entry.lng, lat: entry.lat, kind: entry.kind, state: entry.state, classification };
}

/** A bbox from `w,s,e,n` text, or an error message. */
export function parseBbox(text: string): Bbox | string {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((p) => !Number.isFinite(p))) return 'bbox must be four numbers w,s,e,n';
  const [w, s, e, n] = parts as Bbox;
  if (w < -180 || e > 180 || s < -90 || n > 90) return 'bbox must lie within -180..180, -90..90';
  if (w > e || s > n) return 'bbox must have west ≤ east and south ≤ north';
  return [w, s, e, n];
}
