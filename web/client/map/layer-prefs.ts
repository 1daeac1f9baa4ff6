/**
 * Which map layers the operator shows (the layer panel), remembered per browser as versioned
 * JSON: sensors (and which sensor kinds), incidents, response units, their routes, the alarm
 * heat, the base map's labels. Pure, so it is unit-tested.
 */

/** The switches of the layer panel, in the order shown. */
export const LAYER_SWITCHES = ['sensors', 'incidents', 'units', 'routes', 'heat', 'labels'] as const;
export type LayerSwitch = (typeof LAYER_SWITCHES)[number];

export interface LayerPrefs {
  on: Record<LayerSwitch, boolean>;
  /** Sensor kinds hidden (kind names; the legend's kind toggles show the same). */
  hiddenKinds: string[];
}

/** Everything but the heat is shown until the operator says otherwise. */
export const DEFAULT_LAYERS: Readonly<LayerPrefs> = {
  on: { sensors: true, incidents: true, units: true, routes: true, heat: false, labels: true },
  hiddenKinds: [],
};

export const LAYER_PREFS_VERSION = 1;

/** Reads stored preferences; anything unreadable or of another version gives the defaults (switch by switch). */
export function parseLayerPrefs(text: string | null): LayerPrefs {
  const fallback = (): LayerPrefs => ({ on: { ...DEFAULT_LAYERS.on }, hiddenKinds: [] });
  if (!text) return fallback();
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return fallback();
  }
  if (typeof v !== 'object' || v === null || (v as { v?: unknown }).v !== LAYER_PREFS_VERSION) return fallback();
  const o = v as { on?: unknown; hiddenKinds?: unknown };
  const prefs = fallback();
  if (typeof o.on === 'object' && o.on !== null)
    for (const s of LAYER_SWITCHES) {
      const b = (o.on as Record<string, unknown>)[s];
      if (typeof b === 'boolean') prefs.on[s] = b;
    }
  if (Array.isArray(o.hiddenKinds))
    prefs.hiddenKinds = o.hiddenKinds.filter((k): k is string => typeof k === 'string' && /^[a-z0-9_]{1,40}$/.test(k)).slice(0, 64);
  return prefs;
}

export function serializeLayerPrefs(p: LayerPrefs): string {
  return JSON.stringify({ v: LAYER_PREFS_VERSION, on: p.on, hiddenKinds: p.hiddenKinds });
}
