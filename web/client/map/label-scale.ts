/**
 * The base map's labels at a wall's type scale (docs/wall-displays.md, "Type and layout at
 * distance"): district, road, water and place names drawn by maplibre are sized in pixels for a
 * desk, so a wall multiplies every symbol layer's `text-size` by its type scale (the root size
 * over the desk's 16 px). Applied to whatever style is drawn — the schematic map, the bundled
 * vector styles, a style swapped later (light/dark) — each time the style changes.
 */
import type { DataDrivenPropertyValueSpecification, Map as MaplibreMap } from 'maplibre-gl';

/** maplibre's own `text-size` when a layer does not set one (px). */
const DEFAULT_TEXT_SIZE = 16;

/**
 * `size` (a `text-size` value) times `factor`. A number is multiplied; a zoom ramp
 * (`interpolate` or `step` over `["zoom"]`, which maplibre accepts only at the top) has each of its
 * output sizes multiplied; any other expression is wrapped in `["*", factor, …]`.
 */
export function scaledTextSize(size: unknown, factor: number): unknown {
  if (size === undefined) return DEFAULT_TEXT_SIZE * factor;
  if (typeof size === 'number') return size * factor;
  if (!Array.isArray(size)) return size;
  const [op] = size as unknown[];
  const scale = (v: unknown): unknown => (typeof v === 'number' ? v * factor : scaledTextSize(v, factor));
  if (op === 'interpolate' || op === 'interpolate-hcl' || op === 'interpolate-lab') {
    // [op, interpolation, input, stop, output, stop, output, …]
    return size.map((v, i) => (i >= 4 && i % 2 === 0 ? scale(v) : v));
  }
  if (op === 'step') {
    // ['step', input, output0, stop, output, …]
    return size.map((v, i) => (i >= 2 && i % 2 === 0 ? scale(v) : v));
  }
  return ['*', factor, size];
}

/**
 * Keeps every symbol layer's labels of `map` at `factor` times their style's size, through style
 * changes (a new style, a language switch). A factor of 1 or less changes nothing. Returns a
 * function that stops it.
 */
export function scaleMapLabels(map: MaplibreMap, factor: () => number): () => void {
  /** The size this module last set, by layer id: a layer still holding it is already scaled. */
  const applied = new Map<string, string>();
  const apply = (): void => {
    const f = factor();
    if (!(f > 1)) return;
    let layers: readonly { id: string; type: string }[];
    try {
      layers = map.getStyle()?.layers ?? [];
    } catch {
      // No style yet: the next `styledata` comes with one.
      return;
    }
    for (const layer of layers) {
      if (layer.type !== 'symbol') continue;
      const current = map.getLayoutProperty(layer.id, 'text-size') as unknown;
      if (applied.get(layer.id) === JSON.stringify(current ?? null)) continue;
      const scaled = scaledTextSize(current, f);
      applied.set(layer.id, JSON.stringify(scaled));
      map.setLayoutProperty(layer.id, 'text-size', scaled as DataDrivenPropertyValueSpecification<number>);
    }
  };
  map.on('styledata', apply);
  apply();
  return () => map.off('styledata', apply);
}

/** The largest `text-size` (px, evaluated at the zoom shown) of the labels drawn, by symbol layer. */
export function renderedLabelSizes(map: MaplibreMap): Record<string, number> {
  const out: Record<string, number> = {};
  const ids = map.getLayersOrder().filter((id) => map.getLayer(id)?.type === 'symbol');
  if (ids.length === 0) return out;
  for (const f of map.queryRenderedFeatures({ layers: ids })) {
    const size = Number((f.layer.layout as Record<string, unknown> | undefined)?.['text-size']);
    if (Number.isFinite(size)) out[f.layer.id] = Math.max(out[f.layer.id] ?? 0, size);
  }
  return out;
}
