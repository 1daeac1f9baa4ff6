/**
 * Plane geometry for the schematic city: a local projection to metres, fast point-in-polygon
 * and segment queries, and a centreline buffer. Internal to `twin-model/city/` (the public
 * queries live in `city-queries.ts`).
 *
 * The city spans about 130 × 155 km, so a local equirectangular projection centred on the
 * confluence is accurate to about 1 % — plenty for a schematic map. Distances that tests
 * compare against real metres use {@link haversineM}.
 */
import polygonClipping from 'polygon-clipping';
import type { LngLat, PolygonRings, ProjectionSpec } from './city-types.ts';

const DEG = Math.PI / 180;
/** Projection origin: near the Yangtze–Han confluence. */
export const ORIGIN_LNG = 114.3;
export const ORIGIN_LAT = 30.6;
/** Length of one degree of latitude at ~30.6° N (WGS84 meridian arc). */
export const M_PER_DEG_LAT = 110_852;
/** Length of one degree of longitude at the origin latitude. */
export const M_PER_DEG_LNG = 111_320 * Math.cos(ORIGIN_LAT * DEG);

/**
 * The generator's projection (origin and scale above) as the generated model and its road graph
 * carry it (`CityModel.projection`, `RoadGraph.projection`): a fresh object per call, the
 * caller's to keep.
 */
export function generatedProjection(): ProjectionSpec {
  return { origin: [ORIGIN_LNG, ORIGIN_LAT], mPerDeg: { lng: M_PER_DEG_LNG, lat: M_PER_DEG_LAT } };
}

/** A point given either as a `[lng, lat]` tuple or as an object with `lng`/`lat`. */
export type PointLike = LngLat | { lng: number; lat: number };

/** Longitude of a tuple or `{lng, lat}` point. */
export function lngOf(p: PointLike): number {
  return Array.isArray(p) ? p[0] : (p as { lng: number }).lng;
}
/** Latitude of a tuple or `{lng, lat}` point. */
export function latOf(p: PointLike): number {
  return Array.isArray(p) ? p[1] : (p as { lat: number }).lat;
}

/** Projects to local metres (x east, y north) around the origin. */
export function toXY(lng: number, lat: number): [number, number] {
  return [(lng - ORIGIN_LNG) * M_PER_DEG_LNG, (lat - ORIGIN_LAT) * M_PER_DEG_LAT];
}

/** Inverse of {@link toXY}. */
export function fromXY(x: number, y: number): LngLat {
  return [ORIGIN_LNG + x / M_PER_DEG_LNG, ORIGIN_LAT + y / M_PER_DEG_LAT];
}

/** Planar distance in metres in the local projection (fast; ~1 % accurate in the city). */
export function planarM(aLng: number, aLat: number, bLng: number, bLat: number): number {
  const dx = (aLng - bLng) * M_PER_DEG_LNG;
  const dy = (aLat - bLat) * M_PER_DEG_LAT;
  return Math.sqrt(dx * dx + dy * dy);
}

/** Metres per degree of latitude in {@link equirectangularM} (and of longitude at the equator). */
export const M_PER_DEG = 111_320;

/**
 * Equirectangular distance in metres at the points' mean latitude: within 0.1 % of the
 * great-circle distance at city scale (a few kilometres) and several times cheaper than
 * {@link haversineM}, which matters where thousands of pairs are compared.
 */
export function equirectangularM(aLng: number, aLat: number, bLng: number, bLat: number): number {
  const x = (bLng - aLng) * Math.cos(((aLat + bLat) / 2) * DEG);
  const y = bLat - aLat;
  return Math.sqrt(x * x + y * y) * M_PER_DEG;
}

/** Mean Earth radius (IUGG), metres. */
const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance in metres between two points (haversine formula). */
export function haversineM(a: PointLike, b: PointLike): number {
  const lat1 = latOf(a) * DEG;
  const lat2 = latOf(b) * DEG;
  const dLat = lat2 - lat1;
  const dLng = (lngOf(b) - lngOf(a)) * DEG;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Signed area of a ring in m² (positive when counter-clockwise). */
export function ringAreaM2(ring: readonly LngLat[]): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [ax, ay] = toXY(...(ring[j] as LngLat));
    const [bx, by] = toXY(...(ring[i] as LngLat));
    sum += ax * by - bx * ay;
  }
  return sum / 2;
}

/** Area of a polygon with holes, km². */
export function polygonAreaKm2(polygon: PolygonRings): number {
  let area = 0;
  polygon.forEach((ring, i) => {
    const a = Math.abs(ringAreaM2(ring));
    area += i === 0 ? a : -a;
  });
  return area / 1e6;
}

/** Closes a ring (first == last), as GeoJSON requires. */
export function closeRing(ring: LngLat[]): LngLat[] {
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (first && last && (first[0] !== last[0] || first[1] !== last[1])) return [...ring, [first[0], first[1]]];
  return ring;
}

/** Area-weighted centroid of a ring (for label anchors). */
export function ringCentroid(ring: readonly LngLat[]): LngLat {
  let cx = 0;
  let cy = 0;
  let a2 = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [ax, ay] = ring[j] as LngLat;
    const [bx, by] = ring[i] as LngLat;
    const cross = ax * by - bx * ay;
    a2 += cross;
    cx += (ax + bx) * cross;
    cy += (ay + by) * cross;
  }
  if (a2 === 0) return ring[0] ?? [ORIGIN_LNG, ORIGIN_LAT];
  return [cx / (3 * a2), cy / (3 * a2)];
}

/** Orientation of c relative to the directed line a→b (>0 left, <0 right, 0 collinear). */
function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

function onSegment(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): boolean {
  return Math.min(ax, bx) <= cx && cx <= Math.max(ax, bx) && Math.min(ay, by) <= cy && cy <= Math.max(ay, by);
}

/**
 * Whether segments p1–p2 and p3–p4 intersect (touching counts). Intersection is invariant
 * under affine maps, so this works directly in lng/lat.
 */
export function segmentsIntersect(
  p1x: number,
  p1y: number,
  p2x: number,
  p2y: number,
  p3x: number,
  p3y: number,
  p4x: number,
  p4y: number,
): boolean {
  const d1 = orient(p3x, p3y, p4x, p4y, p1x, p1y);
  const d2 = orient(p3x, p3y, p4x, p4y, p2x, p2y);
  const d3 = orient(p1x, p1y, p2x, p2y, p3x, p3y);
  const d4 = orient(p1x, p1y, p2x, p2y, p4x, p4y);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  if (d1 === 0 && onSegment(p3x, p3y, p4x, p4y, p1x, p1y)) return true;
  if (d2 === 0 && onSegment(p3x, p3y, p4x, p4y, p2x, p2y)) return true;
  if (d3 === 0 && onSegment(p1x, p1y, p2x, p2y, p3x, p3y)) return true;
  if (d4 === 0 && onSegment(p1x, p1y, p2x, p2y, p4x, p4y)) return true;
  return false;
}

/**
 * Parameter t along p1→p2 where it properly crosses p3→p4, or null (parallel, touching only
 * at the ends, or no crossing).
 */
export function crossingParam(p1: LngLat, p2: LngLat, p3: LngLat, p4: LngLat): { t: number; u: number } | null {
  const rx = p2[0] - p1[0];
  const ry = p2[1] - p1[1];
  const sx = p4[0] - p3[0];
  const sy = p4[1] - p3[1];
  const denom = rx * sy - ry * sx;
  if (Math.abs(denom) < 1e-18) return null;
  const qx = p3[0] - p1[0];
  const qy = p3[1] - p1[1];
  const t = (qx * sy - qy * sx) / denom;
  const u = (qx * ry - qy * rx) / denom;
  const eps = 1e-9;
  if (t <= eps || t >= 1 - eps || u <= eps || u >= 1 - eps) return null;
  return { t, u };
}

/** Distance in metres from point p to segment a–b (local projection). */
export function pointSegmentM(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  // Scalar arithmetic only: this runs millions of times per city and must not allocate.
  const x = (px - ax) * M_PER_DEG_LNG;
  const y = (py - ay) * M_PER_DEG_LAT;
  const dx = (bx - ax) * M_PER_DEG_LNG;
  const dy = (by - ay) * M_PER_DEG_LAT;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, (x * dx + y * dy) / len2));
  const ex = x - t * dx;
  const ey = y - t * dy;
  return Math.sqrt(ex * ex + ey * ey);
}

/**
 * Point-in-polygon for a multipolygon (outer rings and holes, even–odd rule), with edges
 * bucketed into horizontal bands so a query only scans the few edges crossing its latitude.
 */
export class PolygonIndex {
  private readonly coords: Float64Array;
  private readonly bands: Int32Array[];
  private readonly minX: number;
  private readonly minY: number;
  private readonly maxX: number;
  private readonly maxY: number;
  private readonly bandH: number;
  private readonly bandCount: number;

  constructor(polygons: readonly PolygonRings[]) {
    const edges: number[] = [];
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const polygon of polygons) {
      for (const ring of polygon) {
        for (let i = 0; i < ring.length; i++) {
          const a = ring[i] as LngLat;
          const b = ring[(i + 1) % ring.length] as LngLat;
          minX = Math.min(minX, a[0]);
          maxX = Math.max(maxX, a[0]);
          minY = Math.min(minY, a[1]);
          maxY = Math.max(maxY, a[1]);
          // Horizontal edges never change the crossing parity; skipping them avoids 0/0.
          if (a[1] !== b[1]) edges.push(a[0], a[1], b[0], b[1]);
        }
      }
    }
    this.coords = Float64Array.from(edges);
    this.minX = minX;
    this.minY = minY;
    this.maxX = maxX;
    this.maxY = maxY;
    const edgeCount = edges.length / 4;
    const bandCount = Math.max(1, Math.min(2048, Math.ceil(edgeCount / 2)));
    this.bandCount = bandCount;
    this.bandH = (maxY - minY) / bandCount || 1;
    const lists: number[][] = Array.from({ length: bandCount }, () => []);
    for (let e = 0; e < edgeCount; e++) {
      const y1 = this.coords[e * 4 + 1] as number;
      const y2 = this.coords[e * 4 + 3] as number;
      const b0 = this.band(Math.min(y1, y2));
      const b1 = this.band(Math.max(y1, y2));
      for (let b = b0; b <= b1; b++) lists[b]?.push(e);
    }
    this.bands = lists.map((list) => Int32Array.from(list));
  }

  private band(y: number): number {
    const b = Math.floor((y - this.minY) / this.bandH);
    return Math.max(0, Math.min(this.bandCount - 1, b));
  }

  /** Bounding box `[west, south, east, north]`. */
  get bbox(): [number, number, number, number] {
    return [this.minX, this.minY, this.maxX, this.maxY];
  }

  /** Whether the point is inside (even–odd over all rings). */
  contains(lng: number, lat: number): boolean {
    if (lng < this.minX || lng > this.maxX || lat < this.minY || lat > this.maxY) return false;
    const list = this.bands[this.band(lat)];
    if (!list) return false;
    const c = this.coords;
    let inside = false;
    for (let k = 0; k < list.length; k++) {
      const e = (list[k] as number) * 4;
      const y1 = c[e + 1] as number;
      const y2 = c[e + 3] as number;
      if (y1 > lat !== y2 > lat) {
        const x1 = c[e] as number;
        const x2 = c[e + 2] as number;
        if (lng < x1 + ((lat - y1) * (x2 - x1)) / (y2 - y1)) inside = !inside;
      }
    }
    return inside;
  }
}

/** Polygon-clipping works on plain number pairs; our rings are labelled tuples of the same shape. */
type Multi = PolygonRings[];

/** Union of polygons (polygon-clipping), as a multipolygon. */
export function union(...polygons: Multi): Multi {
  const [first, ...rest] = polygons;
  if (!first) return [];
  return polygonClipping.union(first, ...rest) as Multi;
}

/** Intersection of two (multi)polygons. */
export function intersection(a: Multi | PolygonRings, b: Multi | PolygonRings): Multi {
  return polygonClipping.intersection(a, b) as Multi;
}

/** `a` minus every `b`. */
export function difference(a: Multi | PolygonRings, ...b: Array<Multi | PolygonRings>): Multi {
  return polygonClipping.difference(a, ...b) as Multi;
}

/** A regular polygon approximating a circle of `radiusM` around (x, y) in local metres. */
function circleXY(x: number, y: number, radiusM: number, sides: number): LngLat[] {
  const ring: LngLat[] = [];
  for (let i = 0; i < sides; i++) {
    const a = (2 * Math.PI * i) / sides;
    ring.push(fromXY(x + radiusM * Math.cos(a), y + radiusM * Math.sin(a)));
  }
  ring.push(ring[0] as LngLat);
  return ring;
}

/**
 * Buffers a centreline into a water polygon: the union of a trapezoid per segment and a disc
 * per vertex (so bends stay round and never self-intersect, unlike naive offset curves).
 * `halfWidthsM[i]` is the half width at vertex i. Returns the largest resulting polygon.
 */
export function bufferLine(line: readonly LngLat[], halfWidthsM: readonly number[]): PolygonRings {
  const parts: Multi = [];
  const xy = line.map(([lng, lat]) => toXY(lng, lat));
  for (let i = 0; i < xy.length; i++) {
    const [x, y] = xy[i] as [number, number];
    const r = halfWidthsM[i] ?? halfWidthsM[halfWidthsM.length - 1] ?? 0;
    parts.push([circleXY(x, y, r, 20)]);
    const next = xy[i + 1];
    if (!next) continue;
    const r2 = halfWidthsM[i + 1] ?? r;
    const dx = next[0] - x;
    const dy = next[1] - y;
    const len = Math.hypot(dx, dy) || 1;
    const nx = -dy / len;
    const ny = dx / len;
    parts.push([
      [
        fromXY(x + nx * r, y + ny * r),
        fromXY(next[0] + nx * r2, next[1] + ny * r2),
        fromXY(next[0] - nx * r2, next[1] - ny * r2),
        fromXY(x - nx * r, y - ny * r),
        fromXY(x + nx * r, y + ny * r),
      ],
    ]);
  }
  const merged = union(...parts);
  return largestPolygon(merged);
}

/** The polygon with the largest outer-ring area of a multipolygon. */
export function largestPolygon(multi: Multi): PolygonRings {
  let best: PolygonRings = [];
  let bestArea = -1;
  for (const polygon of multi) {
    const area = Math.abs(ringAreaM2(polygon[0] ?? []));
    if (area > bestArea) {
      bestArea = area;
      best = polygon;
    }
  }
  return best;
}

/** Total length of a polyline, metres (local projection). */
export function lineLengthM(line: readonly LngLat[]): number {
  let sum = 0;
  for (let i = 0; i + 1 < line.length; i++) {
    const a = line[i] as LngLat;
    const b = line[i + 1] as LngLat;
    sum += planarM(a[0], a[1], b[0], b[1]);
  }
  return sum;
}

/** Point at distance `d` metres along a polyline, with the unit direction there (local metres). */
export function pointAlong(line: readonly LngLat[], d: number): { point: LngLat; dir: [number, number] } {
  let left = Math.max(0, d);
  for (let i = 0; i + 1 < line.length; i++) {
    const a = line[i] as LngLat;
    const b = line[i + 1] as LngLat;
    const len = planarM(a[0], a[1], b[0], b[1]);
    if (left <= len || i + 2 === line.length) {
      const t = len === 0 ? 0 : Math.min(1, left / len);
      const [ax, ay] = toXY(a[0], a[1]);
      const [bx, by] = toXY(b[0], b[1]);
      const dir: [number, number] = len === 0 ? [1, 0] : [(bx - ax) / len, (by - ay) / len];
      return { point: [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])], dir };
    }
    left -= len;
  }
  const only = line[0] ?? [ORIGIN_LNG, ORIGIN_LAT];
  return { point: only, dir: [1, 0] };
}

/** Offsets a point by (dx, dy) metres. */
export function offsetM(p: LngLat, dx: number, dy: number): LngLat {
  return [p[0] + dx / M_PER_DEG_LNG, p[1] + dy / M_PER_DEG_LAT];
}

/**
 * A set of possibly overlapping polygons (the Han overlaps the Yangtze at the confluence):
 * a point is inside if it is inside any of them. One {@link PolygonIndex} per polygon, because
 * even–odd parity across overlapping polygons would cancel out.
 */
export class PolygonSet {
  private readonly indexes: PolygonIndex[];

  constructor(polygons: readonly PolygonRings[]) {
    this.indexes = polygons.filter((p) => p.length > 0).map((p) => new PolygonIndex([p]));
  }

  contains(lng: number, lat: number): boolean {
    for (const index of this.indexes) if (index.contains(lng, lat)) return true;
    return false;
  }
}

/** A grid of points in local metres (see {@link toXY}) for "anything within r?" queries. */
export class PointGrid {
  private readonly cells = new Map<number, number[]>();
  private readonly xs: number[] = [];
  private readonly ys: number[] = [];

  constructor(private readonly cellM: number) {}

  private key(ix: number, iy: number): number {
    // Small-integer keys (|ix|, |iy| < 8192 cells) stay V8 Smis: no heap numbers, fast Map hashing.
    return (ix + 8192) * 16_384 + (iy + 8192);
  }

  add(x: number, y: number): number {
    const id = this.xs.length;
    this.xs.push(x);
    this.ys.push(y);
    const k = this.key(Math.floor(x / this.cellM), Math.floor(y / this.cellM));
    const list = this.cells.get(k);
    if (list) list.push(id);
    else this.cells.set(k, [id]);
    return id;
  }

  /** The first point within `r` metres, or -1. */
  within(x: number, y: number, r: number): number {
    const x0 = Math.floor((x - r) / this.cellM);
    const x1 = Math.floor((x + r) / this.cellM);
    const y0 = Math.floor((y - r) / this.cellM);
    const y1 = Math.floor((y + r) / this.cellM);
    const r2 = r * r;
    for (let ix = x0; ix <= x1; ix++) {
      for (let iy = y0; iy <= y1; iy++) {
        const list = this.cells.get(this.key(ix, iy));
        if (!list) continue;
        for (const id of list) {
          const dx = (this.xs[id] as number) - x;
          const dy = (this.ys[id] as number) - y;
          if (dx * dx + dy * dy <= r2) return id;
        }
      }
    }
    return -1;
  }
}
