/**
 * Plane geometry around a package's own latitude: the projection (distances from points to
 * segments, areas, a line buffer) is {@link LocalProjection} of `twin-model/city/local-projection.ts`,
 * the one the base map and the scenarios use for any city; polygon union; a label centroid.
 * An equirectangular projection centred on the city is accurate to well under 1 % across a
 * city; lengths that routing uses are great-circle (haversine) anyway.
 */
import type { LngLat } from '../city/city-types.ts';

export { LocalProjection, projectionAt, unionPolygons } from '../city/local-projection.ts';

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
