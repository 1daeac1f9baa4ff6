/**
 * What the search found, highlighted on the map (deck.gl): a district's outline, a road's line
 * or an asset's position in the console's accent colour over a dark casing, so it stands out
 * from roads, water and sensors alike. Not pickable: it shows, it never takes a click.
 */
import { PathLayer, ScatterplotLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';

export const FOCUS_LAYER_ID = 'search-focus';

/** The accent (console.css --accent). */
const ACCENT: [number, number, number, number] = [63, 193, 211, 255];
const CASING: [number, number, number, number] = [6, 11, 19, 200];

export interface FocusShape {
  /** Lines to draw (a road's pieces, a district's rings), or empty. */
  lines: [number, number][][];
  /** A point to ring (an asset), or null. */
  point: [number, number] | null;
}

export function focusLayers(shape: FocusShape): Layer[] {
  const layers: Layer[] = [];
  if (shape.lines.length > 0) {
    for (const [suffix, color, width] of [
      ['casing', CASING, 9],
      ['line', ACCENT, 4],
    ] as const)
      layers.push(
        new PathLayer<[number, number][]>({
          id: `${FOCUS_LAYER_ID}-${suffix}`,
          data: shape.lines,
          getPath: (d) => d,
          getColor: color,
          getWidth: width,
          widthUnits: 'pixels',
          capRounded: true,
          jointRounded: true,
        }),
      );
  }
  if (shape.point)
    layers.push(
      new ScatterplotLayer<[number, number]>({
        id: `${FOCUS_LAYER_ID}-point`,
        data: [shape.point],
        getPosition: (d) => d,
        radiusUnits: 'pixels',
        lineWidthUnits: 'pixels',
        getRadius: 16,
        getLineWidth: 3,
        getLineColor: ACCENT,
        getFillColor: [63, 193, 211, 40],
        stroked: true,
        filled: true,
      }),
    );
  return layers;
}
