/**
 * Where a unit is after driving a route for some seconds: linear interpolation between the
 * route's coordinates by their cumulative travel time (`route.cumulativeS`). Pure; used by the
 * what-if simulation and by anything that animates a unit between two AVL fixes.
 */
import type { Route } from './unit-types.ts';

export interface RoutePosition {
  lng: number;
  lat: number;
  /** Direction of travel, degrees clockwise from north (0 ≤ heading < 360). */
  heading: number;
  /** Whether the end of the route is reached. */
  done: boolean;
  /** Travel time left to the end of the route (s), 0 when done. */
  remainingS: number;
  /**
   * Index of the route coordinate (and node) last passed: the unit is between
   * `coords[segment]` and `coords[segment + 1]` (the last index when done).
   */
  segment: number;
}

const DEG = Math.PI / 180;

/** Initial great-circle bearing from a to b, degrees clockwise from north in [0, 360). */
export function bearingDeg(aLng: number, aLat: number, bLng: number, bLat: number): number {
  const φ1 = aLat * DEG;
  const φ2 = bLat * DEG;
  const Δλ = (bLng - aLng) * DEG;
  const y = Math.sin(Δλ) * Math.cos(φ2);
  const x = Math.cos(φ1) * Math.sin(φ2) - Math.sin(φ1) * Math.cos(φ2) * Math.cos(Δλ);
  const deg = Math.atan2(y, x) / DEG;
  const h = (deg + 360) % 360;
  // -0 and 360 both mean north.
  return h === 360 || Object.is(h, -0) ? 0 : h;
}

/**
 * The position `elapsedS` seconds after starting the route. Before the start (negative time)
 * the unit is at the first coordinate; at or after `travelTimeS` it is at the last one with
 * `done: true`. The heading is that of the segment being driven (the last driven segment when
 * done, 0 for a route of one point). Segments that take no time (a zero-length edge) are
 * skipped over rather than divided by.
 */
export function positionAlong(route: Route, elapsedS: number): RoutePosition {
  const { coords, cumulativeS } = route;
  if (coords.length === 0) throw new RangeError('positionAlong: the route has no coordinates');
  if (cumulativeS.length !== coords.length) {
    throw new RangeError(`positionAlong: the route has ${coords.length} coordinates but ${cumulativeS.length} cumulative times`);
  }
  const last = coords.length - 1;
  const total = cumulativeS[last]!;
  const t = Number.isFinite(elapsedS) ? Math.max(0, elapsedS) : elapsedS > 0 ? total : 0;
  if (last === 0 || t >= total) {
    const [lng, lat] = coords[last]!;
    return { lng, lat, heading: lastHeading(coords), done: t >= total, remainingS: 0, segment: last };
  }
  // Binary search: the largest i with cumulativeS[i] <= t (then t < cumulativeS[i + 1] for some i < last).
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (cumulativeS[mid]! <= t) lo = mid;
    else hi = mid;
  }
  // Skip zero-duration segments ending exactly at t.
  let i = lo;
  while (i < last - 1 && cumulativeS[i + 1]! <= t) i++;
  const [aLng, aLat] = coords[i]!;
  const [bLng, bLat] = coords[i + 1]!;
  const span = cumulativeS[i + 1]! - cumulativeS[i]!;
  const f = span > 0 ? (t - cumulativeS[i]!) / span : 1;
  return {
    lng: aLng + (bLng - aLng) * f,
    lat: aLat + (bLat - aLat) * f,
    heading: aLng === bLng && aLat === bLat ? headingBefore(coords, i) : bearingDeg(aLng, aLat, bLng, bLat),
    done: false,
    remainingS: total - t,
    segment: i,
  };
}

/** Heading of the last segment that moves (0 when none does). */
function lastHeading(coords: readonly [number, number][]): number {
  return headingBefore(coords, coords.length - 1);
}

/** Heading of the last moving segment ending at or before coordinate `i`. */
function headingBefore(coords: readonly [number, number][], i: number): number {
  for (let k = Math.min(i, coords.length - 1); k > 0; k--) {
    const [aLng, aLat] = coords[k - 1]!;
    const [bLng, bLat] = coords[k]!;
    if (aLng !== bLng || aLat !== bLat) return bearingDeg(aLng, aLat, bLng, bLat);
  }
  return 0;
}
