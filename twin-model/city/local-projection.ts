/**
 * {@link LocalProjection}: an equirectangular projection to metres scaled at a city's own
 * latitude, for whatever serves any city (the base map's labels and street chains, the scenario
 * generators, a city package's areas and buffers). {@link cityProjection} picks it for a model:
 * the model's own projection when it carries one (the generated city carries the generator's,
 * `geometry.ts`, scaled at 30.6° N, so its outputs are what the generator draws), else one centred
 * on the city and scaled at its middle latitude. Across a city (tens of kilometres) it is accurate to well
 * under 1 % in distances at any latitude short of the poles. Longitude differences are taken the
 * short way round, so a city across the antimeridian (179.9° E next to 179.9° W) measures as one.
 */
import polygonClipping from 'polygon-clipping';
import type { CityModel, LngLat, PolygonRings, ProjectionSpec } from './city-types.ts';

const DEG = Math.PI / 180;

/** A longitude difference taken the short way round, in [−180, 180]. */
export function wrapLngDelta(d: number): number {
  return d > 180 ? d - 360 : d < -180 ? d + 360 : d;
}

/** A longitude brought back into [−180, 180]. */
export function normalLng(lng: number): number {
  return lng > 180 ? lng - 360 : lng < -180 ? lng + 360 : lng;
}

/** Metres per degree of longitude and of latitude at a latitude (WGS84 meridian arc, series to cos 2φ). */
export function metresPerDegreeAt(lat: number): { lng: number; lat: number } {
  return { lng: 111_320 * Math.cos(lat * DEG), lat: 111_132.954 - 559.822 * Math.cos(2 * lat * DEG) };
}

export class LocalProjection {
  readonly mPerDegLng: number;
  readonly mPerDegLat: number;

  /**
   * @param lng0 - the origin's longitude (x = 0)
   * @param lat0 - the origin's latitude (y = 0); the scale is taken there unless `scale` is given
   * @param scale - metres per degree of longitude and latitude, when fixed elsewhere
   */
  constructor(
    readonly lng0: number,
    readonly lat0: number,
    scale: { lng: number; lat: number } = metresPerDegreeAt(lat0),
  ) {
    this.mPerDegLng = scale.lng;
    this.mPerDegLat = scale.lat;
  }

  toXY(p: LngLat): [number, number] {
    return [wrapLngDelta(p[0] - this.lng0) * this.mPerDegLng, (p[1] - this.lat0) * this.mPerDegLat];
  }

  fromXY(x: number, y: number): LngLat {
    return [normalLng(this.lng0 + x / this.mPerDegLng), this.lat0 + y / this.mPerDegLat];
  }

  /** Planar distance in metres between two points. */
  planarM(a: LngLat, b: LngLat): number {
    const dx = wrapLngDelta(a[0] - b[0]) * this.mPerDegLng;
    const dy = (a[1] - b[1]) * this.mPerDegLat;
    return Math.sqrt(dx * dx + dy * dy);
  }

  /** Offsets a point by (dx, dy) metres (east, north). */
  offsetM(p: LngLat, dx: number, dy: number): LngLat {
    return [normalLng(p[0] + dx / this.mPerDegLng), p[1] + dy / this.mPerDegLat];
  }

  /** Distance in metres from point p to segment a–b. */
  pointSegmentM(p: LngLat, a: LngLat, b: LngLat): number {
    const x = wrapLngDelta(p[0] - a[0]) * this.mPerDegLng;
    const y = (p[1] - a[1]) * this.mPerDegLat;
    const dx = wrapLngDelta(b[0] - a[0]) * this.mPerDegLng;
    const dy = (b[1] - a[1]) * this.mPerDegLat;
    const len2 = dx * dx + dy * dy;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, (x * dx + y * dy) / len2));
    return Math.hypot(x - t * dx, y - t * dy);
  }

  /** Total length of a polyline, metres. */
  lineLengthM(line: readonly LngLat[]): number {
    let sum = 0;
    for (let i = 0; i + 1 < line.length; i++) sum += this.planarM(line[i] as LngLat, line[i + 1] as LngLat);
    return sum;
  }

  /**
   * The point `d` metres along a polyline (clamped to its ends), on the line itself, with the
   * unit direction (east, north) of the segment there.
   */
  pointAlong(line: readonly LngLat[], d: number): { point: LngLat; dir: [number, number] } {
    let left = Math.max(0, d);
    for (let i = 0; i + 1 < line.length; i++) {
      const a = line[i] as LngLat;
      const b = line[i + 1] as LngLat;
      const len = this.planarM(a, b);
      if (left <= len || i + 2 === line.length) {
        const t = len === 0 ? 0 : Math.min(1, left / len);
        const dLng = wrapLngDelta(b[0] - a[0]);
        const dLat = b[1] - a[1];
        const dir: [number, number] = len === 0 ? [1, 0] : [(dLng * this.mPerDegLng) / len, (dLat * this.mPerDegLat) / len];
        return { point: [normalLng(a[0] + t * dLng), a[1] + t * dLat], dir };
      }
      left -= len;
    }
    return { point: line[0] ?? [this.lng0, this.lat0], dir: [1, 0] };
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

/** The projection a {@link ProjectionSpec} describes. */
export function projectionOf(spec: ProjectionSpec): LocalProjection {
  return new LocalProjection(spec.origin[0], spec.origin[1], spec.mPerDeg);
}

/**
 * The projection for a city whose latitudes span `south`–`north` around longitude `lng`: centred
 * on the city (its middle latitude, `lng` brought within ±180°) and scaled at its middle
 * latitude, wherever it lies. (0°, 0° for coordinates that are not finite: an empty graph.)
 */
export function projectionAt(south: number, north: number, lng: number): LocalProjection {
  const mid = (south + north) / 2;
  return new LocalProjection(Number.isFinite(lng) ? normalLng(lng) : 0, Number.isFinite(mid) ? mid : 0);
}

const projections = new WeakMap<object, LocalProjection>();

/**
 * The projection of a city model: the model's own when it carries one (`CityModel.projection`:
 * the generated city's, so its base map and scenario runs measure as the generator draws), else
 * one centred on the city's box (see {@link projectionAt}). Cached per model.
 */
export function cityProjection(model: Pick<CityModel, 'bbox' | 'center' | 'projection'>): LocalProjection {
  let proj = projections.get(model);
  if (!proj) {
    if (model.projection) proj = projectionOf(model.projection);
    else {
      const [w, s, e, n] = model.bbox;
      // A box across the antimeridian has its west edge east of its east edge.
      const midLng = model.center?.[0] ?? (w <= e ? (w + e) / 2 : normalLng((w + e + 360) / 2));
      proj = projectionAt(s, n, midLng);
    }
    projections.set(model, proj);
  }
  return proj;
}
