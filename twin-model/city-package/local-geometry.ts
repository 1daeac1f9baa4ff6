/**
 * Plane geometry around a package's own latitude (the generated city's helpers are projected
 * around Wuhan): distances from points to segments, areas, a line buffer and polygon union.
 * An equirectangular projection centred on the city is accurate to well under 1 % across a
 * city; lengths that routing uses are great-circle (haversine) anyway.
 */
import polygonClipping from 'polygon-clipping';
import type { LngLat, PolygonRings } from '../city/city-types.ts';

const DEG = Math.PI / 180;

export class LocalProjection {
  readonly mPerDegLng: number;
  readonly mPerDegLat: number;

  constructor(
    readonly lng0: number,
    readonly lat0: number,
  ) {
    this.mPerDegLng = 111_320 * Math.cos(lat0 * DEG);
    this.mPerDegLat = 111_132.954 - 559.822 * Math.cos(2 * lat0 * DEG);
  }

  toXY(p: LngLat): [number, number] {
    return [(p[0] - this.lng0) * this.mPerDegLng, (p[1] - this.lat0) * this.mPerDegLat];
  }

  fromXY(x: number, y: number): LngLat {
    return [this.lng0 + x / this.mPerDegLng, this.lat0 + y / this.mPerDegLat];
  }

  /** Distance in metres from point p to segment a–b. */
  pointSegmentM(p: LngLat, a: LngLat, b: LngLat): number {
    const x = (p[0] - a[0]) * this.mPerDegLng;
    const y = (p[1] - a[1]) * this.mPerDegLat;
    const dx = (b[0] - a[0]) * this.mPerDegLng;
    const dy = (b[1] - a[1]) * this.mPerDegLat;
    const len2 = dx * dx + dy * dy;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, (x * dx + y * dy) / len2));
    return Math.hypot(x - t * dx, y - t * dy);
  }

  /** Area of a polygon (outer ring minus holes) in km². */
  polygonAreaKm2(polygon: PolygonRings): number {
    let total = 0;
    polygon.forEach((ring, k) => {
      let sum = 0;
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [ax, ay] = this.toXY(ring[j]!);
        const [bx, by] = this.toXY(ring[i]!);
        sum += ax * by - bx * ay;
      }
      total += (k === 0 ? 1 : -1) * Math.abs(sum / 2);
    });
    return Math.max(0, total) / 1e6;
  }

  /** A line buffered by `halfWidthM`: union of a quad per segment and a 16-gon per vertex. */
  bufferLine(line: readonly LngLat[], halfWidthM: number): PolygonRings[] {
    const parts: PolygonRings[] = [];
    const xy = line.map((p) => this.toXY(p));
    const ring = (points: Array<[number, number]>): LngLat[] => {
      const r = points.map(([x, y]) => this.fromXY(x, y));
      r.push(r[0]!);
      return r;
    };
    xy.forEach(([x, y]) => {
      const circle: Array<[number, number]> = [];
      for (let i = 0; i < 16; i++)
        circle.push([x + halfWidthM * Math.cos((i * Math.PI) / 8), y + halfWidthM * Math.sin((i * Math.PI) / 8)]);
      parts.push([ring(circle)]);
    });
    for (let i = 0; i + 1 < xy.length; i++) {
      const [ax, ay] = xy[i]!;
      const [bx, by] = xy[i + 1]!;
      const len = Math.hypot(bx - ax, by - ay);
      if (len === 0) continue;
      const nx = (-(by - ay) / len) * halfWidthM;
      const ny = ((bx - ax) / len) * halfWidthM;
      parts.push([
        ring([
          [ax + nx, ay + ny],
          [bx + nx, by + ny],
          [bx - nx, by - ny],
          [ax - nx, ay - ny],
        ]),
      ]);
    }
    return unionPolygons(parts);
  }
}

/** Union of polygons (polygon-clipping). */
export function unionPolygons(polygons: readonly PolygonRings[]): PolygonRings[] {
  const [first, ...rest] = polygons;
  if (!first) return [];
  return polygonClipping.union(first, ...rest) as PolygonRings[];
}

/** Area-weighted centroid of a ring in degrees (a label anchor at city scale). */
export function ringCentroid(ring: readonly LngLat[]): LngLat {
  let cx = 0;
  let cy = 0;
  let a2 = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [ax, ay] = ring[j]!;
    const [bx, by] = ring[i]!;
    const cross = ax * by - bx * ay;
    a2 += cross;
    cx += (ax + bx) * cross;
    cy += (ay + by) * cross;
  }
  if (a2 === 0) return ring[0] ?? [0, 0];
  return [cx / (3 * a2), cy / (3 * a2)];
}
