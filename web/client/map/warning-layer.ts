/**
 * Warning areas on the map (deck.gl): each official warning in force, and each of CityTwin's
 * own published alerts, as its polygons and circles, filled in its signal colour (blue,
 * yellow, orange, red; grey when the warning names none) and outlined — own alerts dashed
 * lighter, so the operator tells what the bureau warned of from what the city published.
 */
import type { Layer } from '@deck.gl/core';
import { PolygonLayer } from '@deck.gl/layers';
import type { WarningAreaView } from '../../shared/cap-protocol.ts';

type Rgba = [number, number, number, number];

const SIGNAL: Record<string, [number, number, number]> = {
  blue: [60, 130, 240],
  yellow: [240, 200, 40],
  orange: [245, 130, 30],
  red: [235, 50, 50],
};
const NO_SIGNAL: [number, number, number] = [150, 160, 175];

export function warningColor(w: Pick<WarningAreaView, 'colour'>, alpha: number): Rgba {
  const [r, g, b] = SIGNAL[w.colour ?? ''] ?? NO_SIGNAL;
  return [r, g, b, alpha];
}

/** Points of a circle of `radiusM` around `[lng, lat]` as a closed ring (equirectangular, fine at city scale). */
export function circleRing(center: [number, number], radiusM: number, steps = 48): Array<[number, number]> {
  const dLat = radiusM / 110_574;
  const dLng = radiusM / (111_320 * Math.max(0.01, Math.cos((center[1] * Math.PI) / 180)));
  const ring: Array<[number, number]> = [];
  for (let i = 0; i <= steps; i++) {
    const a = (i / steps) * 2 * Math.PI;
    ring.push([center[0] + dLng * Math.cos(a), center[1] + dLat * Math.sin(a)]);
  }
  return ring;
}

interface Shape {
  warning: WarningAreaView;
  ring: Array<[number, number]>;
}

export const WARNING_LAYER_ID = 'warning-areas';

export function warningLayers(warnings: readonly WarningAreaView[]): Layer[] {
  const shapes: Shape[] = [];
  for (const w of warnings) {
    for (const ring of w.rings) shapes.push({ warning: w, ring });
    for (const c of w.circles) shapes.push({ warning: w, ring: circleRing(c.center, c.radiusM) });
  }
  if (shapes.length === 0) return [];
  return [
    new PolygonLayer<Shape>({
      id: WARNING_LAYER_ID,
      data: shapes,
      getPolygon: (s) => s.ring,
      getFillColor: (s) => warningColor(s.warning, s.warning.own ? 25 : s.warning.active ? 45 : 20),
      getLineColor: (s) => warningColor(s.warning, s.warning.own ? 150 : 230),
      getLineWidth: (s) => (s.warning.own ? 1.5 : 2.5),
      lineWidthUnits: 'pixels',
      stroked: true,
      filled: true,
      pickable: false,
    }),
  ];
}
