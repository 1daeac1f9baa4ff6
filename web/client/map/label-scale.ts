/**
 * The base map's labels at a wall's type scale (docs/wall-displays.md, "Type and layout at
 * distance"): district, road, water and place names drawn by maplibre are sized in pixels for a
 * desk, so a wall multiplies every symbol layer's `text-size` by its type scale (the root size
 * over the desk's 16 px). Applied to whatever style is drawn — the schematic map, the bundled
 * vector styles, a style swapped later (light/dark) — each time the style changes, and again
 * when the map's size changes (the scale follows the screen).
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

/** The type scale is kept within this range (a bad root size cannot make labels vanish or fill the map). */
export const LABEL_SCALE_RANGE = { min: 1, max: 4 } as const;
/** A resize rescales once it has settled this long (ms)… */
export const RESCALE_SETTLE_MS = 150;
/** …and at least this often while it goes on (ms), so a long drag still follows. */
export const RESCALE_MAX_WAIT_MS = 1000;

/** `f` within {@link LABEL_SCALE_RANGE}; 1 for a factor that is not a number. */
export function boundedLabelScale(f: number): number {
  return Number.isFinite(f) ? Math.min(LABEL_SCALE_RANGE.max, Math.max(LABEL_SCALE_RANGE.min, f)) : 1;
}

/** One symbol layer's labels as scaled here: the style's own `text-size`, the size set from it and that size as JSON. */
export interface ScaledLabel {
  base: unknown;
  target: unknown;
  set: string;
}

/**
 * One symbol layer's `text-size` at `factor`, from what the layer holds now (`current`) and what was
 * set on it before (`known`): a layer holding what was set here keeps its base, anything else is the
 * style's own size (a new style, a language switch), so the scale is never compounded. `change`:
 * the layer holds something else than the target. Each value is serialised once.
 */
export function rescaledLabel(known: ScaledLabel | undefined, current: unknown, factor: number): { entry: ScaledLabel; change: boolean } {
  const now = JSON.stringify(current ?? null);
  const base = known && known.set === now ? known.base : current;
  const target = factor > 1 ? scaledTextSize(base, factor) : base;
  const set = target === current ? now : JSON.stringify(target ?? null);
  return { entry: { base, target, set }, change: set !== now };
}

/**
 * Keeps every symbol layer's labels of `map` at `factor` times their style's own size, through
 * style changes (a new style, a language switch) and size changes: a window resized from a desk to
 * a wall, or a wall switching resolution, is rescaled once the resize settles (debounced,
 * {@link RESCALE_SETTLE_MS}, at least every {@link RESCALE_MAX_WAIT_MS} during a long one), from
 * the style's own size — never compounded. A factor of 1 or less gives the style's size. Returns
 * a function that stops it.
 */
export function scaleMapLabels(map: MaplibreMap, factor: () => number): () => void {
  /** By layer id: the style's own size, and the size this module set from it. */
  const layers = new Map<string, ScaledLabel>();
  const apply = (): void => {
    const f = boundedLabelScale(factor());
    // A desk (factor 1) with nothing scaled yet: nothing to do on each style event.
    if (f <= 1 && layers.size === 0) return;
    let ids: string[];
    try {
      // The layer ids in order, without serialising the whole style as getStyle() does.
      ids = map.getLayersOrder().filter((id) => map.getLayer(id)?.type === 'symbol');
    } catch {
      // No style yet: the next `styledata` comes with one.
      return;
    }
    for (const id of ids) {
      const current = map.getLayoutProperty(id, 'text-size') as unknown;
      const step = rescaledLabel(layers.get(id), current, f);
      layers.set(id, step.entry);
      if (step.change) map.setLayoutProperty(id, 'text-size', step.entry.target as DataDrivenPropertyValueSpecification<number>);
    }
  };
  const resize = debounced(apply, RESCALE_SETTLE_MS, RESCALE_MAX_WAIT_MS);
  map.on('styledata', apply);
  map.on('resize', resize.call);
  apply();
  return () => {
    map.off('styledata', apply);
    map.off('resize', resize.call);
    resize.cancel();
  };
}

/** `fn` once calls have stopped for `settleMs`, and at least every `maxWaitMs` while they go on. */
function debounced(fn: () => void, settleMs: number, maxWaitMs: number): { call: () => void; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let first = 0;
  const run = (): void => {
    timer = null;
    first = 0;
    fn();
  };
  return {
    call: () => {
      const now = Date.now();
      if (first === 0) first = now;
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(run, Math.max(0, Math.min(settleMs, first + maxWaitMs - now)));
    },
    cancel: () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
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
