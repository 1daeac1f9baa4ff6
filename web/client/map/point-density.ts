/**
 * How small the sensor points are drawn when many are on screen. At a city-wide view of a big
 * registry (100,000 sensors on one screen) points of their normal size cover the map several
 * times over: nothing can be told apart, and every frame rasterises millions of overlapping
 * pixels (in software rendering the bulk of a frame). The main sensor layer is then drawn
 * smaller, so that the points in view cover about {@link COVER_SHARE} of the map's area; it is
 * never drawn below {@link MIN_SCALE} of its size, and never larger than its size. Warnings and
 * alarms keep their size: they are drawn again on top (sensor-buffers.ts). Pure, so it is
 * unit-tested.
 */

/** Share of the map's area the points in view may cover (overlaps counted twice). */
export const COVER_SHARE = 0.5;
/** The smallest the main layer is drawn, as a share of its size. */
export const MIN_SCALE = 0.4;

/**
 * The factor on the main layer's point size: 1 while `inView` points of radius `radiusPx`
 * (CSS px) cover at most {@link COVER_SHARE} of a map of `widthPx` × `heightPx`, smaller as
 * they would cover more, down to {@link MIN_SCALE}.
 */
export function densityScale(inView: number, radiusPx: number, widthPx: number, heightPx: number): number {
  if (!(inView > 0) || !(radiusPx > 0) || !(widthPx > 0) || !(heightPx > 0)) return 1;
  const fitting = Math.sqrt((COVER_SHARE * widthPx * heightPx) / (inView * Math.PI));
  return Math.min(1, Math.max(MIN_SCALE, fitting / radiusPx));
}

/** How many of the first `length` [lng, lat] pairs of `positions` lie within the bounds. */
export function countInBounds(
  positions: ArrayLike<number>,
  length: number,
  bounds: { west: number; south: number; east: number; north: number },
): number {
  const { west, south, east, north } = bounds;
  let n = 0;
  for (let k = 0; k < length; k++) {
    const x = positions[2 * k]!;
    const y = positions[2 * k + 1]!;
    if (x >= west && x <= east && y >= south && y <= north) n++;
  }
  return n;
}
