/**
 * The view a city package opens with (city.json `center` and `zoom`): the bbox's centre and
 * the largest zoom at which the bbox fits a 1024 × 768 px map in Web Mercator with 512 px
 * tiles (maplibre's tile size), rounded down to 0.1.
 */

/** [west, south, east, north] in degrees. */
export type Bbox = [number, number, number, number];

const VIEW_WIDTH_PX = 1024;
const VIEW_HEIGHT_PX = 768;
const TILE_PX = 512;
const MIN_ZOOM = 1;
const MAX_ZOOM = 18;

/** Web Mercator y as a fraction of the world height (0 at the top). */
function mercatorY(lat: number): number {
  const phi = (Math.max(-85.05112878, Math.min(85.05112878, lat)) * Math.PI) / 180;
  return (1 - Math.log(Math.tan(Math.PI / 4 + phi / 2)) / Math.PI) / 2;
}

export function viewOf(bbox: Bbox): { center: [number, number]; zoom: number } {
  const [w, s, e, n] = bbox;
  const center: [number, number] = [Math.round(((w + e) / 2) * 1e6) / 1e6, Math.round(((s + n) / 2) * 1e6) / 1e6];
  const dx = (e - w) / 360;
  const dy = Math.abs(mercatorY(s) - mercatorY(n));
  const zx = dx > 0 ? Math.log2(VIEW_WIDTH_PX / (TILE_PX * dx)) : MAX_ZOOM;
  const zy = dy > 0 ? Math.log2(VIEW_HEIGHT_PX / (TILE_PX * dy)) : MAX_ZOOM;
  const zoom = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, Math.floor(Math.min(zx, zy) * 10) / 10));
  return { center, zoom };
}

/** Grows a bbox to hold a position (a fresh bbox is [+∞, +∞, −∞, −∞]). */
export function extend(bbox: Bbox, p: readonly [number, number]): void {
  if (p[0] < bbox[0]) bbox[0] = p[0];
  if (p[1] < bbox[1]) bbox[1] = p[1];
  if (p[0] > bbox[2]) bbox[2] = p[0];
  if (p[1] > bbox[3]) bbox[3] = p[1];
}

export function emptyBbox(): Bbox {
  return [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
}

export function isEmptyBbox(b: Bbox): boolean {
  return !(b[0] <= b[2] && b[1] <= b[3]);
}

export function inBbox(b: Bbox, p: readonly [number, number]): boolean {
  return p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3];
}
