/**
 * The alarm heat: where sensors are in alarm or warning, as soft cells on the map. deck.gl's
 * HeatmapLayer lives in @deck.gl/aggregation-layers, which the project does not install; this
 * is its own small layer instead: the sensors binned on a grid whose cell is a fixed size on
 * screen (so the picture holds at every zoom), each cell drawn as a translucent disc whose
 * colour and opacity rise with its weight (alarm 1, warning 0.4). Binning is pure and tested.
 */
import { ScatterplotLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';

export const HEAT_LAYER_ID = 'alarm-heat';

/** Weight of a sensor state in the heat. */
export const HEAT_WEIGHTS = { alarm: 1, warning: 0.4 } as const;

export interface HeatCell {
  lng: number;
  lat: number;
  /** Sum of the weights in the cell. */
  weight: number;
}

/**
 * Bins weighted points on a grid of `cellDeg` degrees (longitude; latitude scaled by the cosine
 * of the latitude so cells are square on the ground). A cell sits at the weighted mean of its
 * points. Points with weight 0 are skipped.
 */
export function binHeat(
  count: number,
  lng: ArrayLike<number>,
  lat: ArrayLike<number>,
  weightOf: (i: number) => number,
  cellDeg: number,
): HeatCell[] {
  if (!(cellDeg > 0)) throw new Error(`cell size ${cellDeg} is not a positive number of degrees`);
  const cells = new Map<string, { x: number; y: number; w: number }>();
  for (let i = 0; i < count; i++) {
    const w = weightOf(i);
    if (!(w > 0)) continue;
    const x = lng[i]!;
    const y = lat[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const latDeg = cellDeg * Math.cos((y * Math.PI) / 180);
    const key = `${Math.floor(x / cellDeg)}:${Math.floor(y / latDeg)}`;
    const c = cells.get(key);
    if (c) {
      c.x += x * w;
      c.y += y * w;
      c.w += w;
    } else cells.set(key, { x: x * w, y: y * w, w });
  }
  return [...cells.values()].map((c) => ({ lng: c.x / c.w, lat: c.y / c.w, weight: c.w }));
}

/** Cell size in degrees for cells of `px` screen pixels at `zoom` (Web Mercator, 512 px tiles). */
export function heatCellDeg(zoom: number, px = 48): number {
  return (px * 360) / (512 * 2 ** zoom);
}

/** Colour of a cell: amber for a little, through orange, to red for 3 or more alarms' weight. */
export function heatColor(weight: number): [number, number, number, number] {
  const t = Math.min(1, weight / 3);
  const r = 245 - Math.round(5 * t);
  const g = Math.round(170 - 120 * t);
  const b = Math.round(40 + 10 * t);
  return [r, g, b, Math.round(70 + 110 * t)];
}

export function heatLayers(cells: readonly HeatCell[], cellPx = 48): Layer[] {
  return [
    new ScatterplotLayer<HeatCell>({
      id: HEAT_LAYER_ID,
      data: [...cells],
      getPosition: (c) => [c.lng, c.lat],
      radiusUnits: 'pixels',
      // A disc a little wider than its cell, so neighbours blend into a patch.
      getRadius: (c) => cellPx * (0.55 + 0.25 * Math.min(1, c.weight / 3)),
      getFillColor: (c) => heatColor(c.weight),
      stroked: false,
      filled: true,
      antialiasing: true,
      parameters: { depthWriteEnabled: false },
    }),
  ];
}
