/**
 * The console's ONE state object, and the view of it every panel is drawn from each tick.
 * Everything the console knows beside what its stores hold (the sensor table, the incident
 * queue, the units: stream/) lives here, so a reader finds it in one place rather than in
 * closures of the wiring.
 */
import type { RevisionRecord } from '../app/panel.ts';
import type { Me } from '../backend/session.ts';
import type { DrawnTrip } from '../map/unit-layer.ts';
import type { LegendView } from '../panels/legend.ts';
import type { StatusView } from '../panels/status-strip.ts';
import type { TopBarView } from '../panels/top-bar.ts';
import type { ScaleView } from '../map/cell-layer.ts';
import type { CellSummary } from '../../shared/protocol.ts';
import type { SensorCounts } from '../stream/sensor-store.ts';
import type { Language } from '../i18n/language.ts';
import type { SearchHit } from '../../shared/search-protocol.ts';
import { parseLayerPrefs, serializeLayerPrefs, type LayerPrefs } from '../map/layer-prefs.ts';

export interface ConsoleState {
  /** Who is signed in; what the console shows follows the role's permissions. */
  readonly me: Me;
  /** District names from the base map, by code. */
  districtNames: Map<string, { zh: string; en: string }>;
  /** Names of the city's assets (underpasses, stations, hospitals …) by id, from the base map. */
  assetNames: Map<string, { zh: string; en: string }>;
  /** Names of the data sources by id (`GET /api/sources`), for evidence references. */
  sourceNames: Map<string, { zh: string; en: string }>;
  /** District outlines from the base map (rings of `[lng, lat]`), by code: a found district is outlined. */
  districtRings: Map<string, [number, number][][]>;
  /** What the search found and the map highlights (a district, road or asset; a sensor, incident or unit briefly), or null. */
  focus: SearchHit | null;
  /** Changes with `focus` (the map layers redraw on it). */
  focusSeq: number;
  /** What the map shows (the layer panel), remembered per browser. */
  layers: LayerPrefs;
  /** Changes with `layers`. */
  layersSeq: number;
  /** The route of the recommendation pointed at in the incident detail, or null. */
  unitPreview: [number, number][] | null;
  /** Changes with `unitPreview` (the map layers redraw on it). */
  previewSeq: number;
  /** The unit trips drawn on the map (test hooks read them). */
  drawnTrips: DrawnTrip[];
  /** Readiness: map and base map loaded, and deck.gl drew the first snapshot. */
  mapLoaded: boolean;
  basemapLoaded: boolean;
  /** The store's version after the first snapshot, -1 before it. */
  firstSnapshotVersion: number;
  /** The sensor table's counts, recounted at the next tick when dirty. */
  counts: SensorCounts | undefined;
  countsDirty: boolean;
}

/** Everything the panels draw, computed once per tick from the state and the stores (console-view.ts). */
export interface ConsoleView extends TopBarView, StatusView, LegendView, ScaleView {
  /** The revision of each part of the view: a panel naming its parts is redrawn only when one moved on. */
  revisions: RevisionRecord;
}

export function createConsoleState(me: Me): ConsoleState {
  return {
    me,
    districtNames: new Map(),
    assetNames: new Map(),
    sourceNames: new Map(),
    districtRings: new Map(),
    focus: null,
    focusSeq: 0,
    layers: loadLayerPrefs(),
    layersSeq: 0,
    unitPreview: null,
    previewSeq: 0,
    drawnTrips: [],
    mapLoaded: false,
    basemapLoaded: false,
    firstSnapshotVersion: -1,
    counts: undefined,
    countsDirty: true,
  };
}

/** localStorage key of the layer panel's choices (map/layer-prefs.ts, versioned). */
export const LAYER_PREFS_KEY = 'citytwin.layers';

function loadLayerPrefs(): LayerPrefs {
  try {
    return parseLayerPrefs(window.localStorage.getItem(LAYER_PREFS_KEY));
  } catch {
    return parseLayerPrefs(null);
  }
}

/** Remembers the layer panel's choices (a browser that refuses keeps them for this page). */
export function saveLayerPrefs(state: ConsoleState): void {
  try {
    window.localStorage.setItem(LAYER_PREFS_KEY, serializeLayerPrefs(state.layers));
  } catch {
    // Not remembered; they still apply here.
  }
}

/** Whether the signed-in role holds `permission`. */
export function can(state: ConsoleState, permission: string): boolean {
  return state.me.permissions.includes(permission);
}

/** A district's name in `lang`, from the base map, or null (no code, or not on the map). */
export function districtName(state: ConsoleState, code: string | null, lang: Language): string | null {
  if (!code) return null;
  const n = state.districtNames.get(code);
  return n ? (lang === 'en' ? n.en : n.zh) : null;
}

/** An asset's name in `lang`, from the base map, or null (no id, or not on the map). */
export function assetName(state: ConsoleState, id: string | null, lang: Language): string | null {
  if (!id) return null;
  const n = state.assetNames.get(id);
  return (n && (lang === 'en' ? n.en || n.zh : n.zh || n.en)) || null;
}

/** A data source's name in `lang`, or null (not registered, or not loaded yet). */
export function sourceName(state: ConsoleState, id: string, lang: Language): string | null {
  const n = state.sourceNames.get(id);
  return (n && (lang === 'en' ? n.en || n.zh : n.zh || n.en)) || null;
}

/** Map and base map loaded, and deck.gl drew the first snapshot (`drawnVersion` of the overlay). */
export function isReady(state: ConsoleState, drawnVersion: number): boolean {
  return state.mapLoaded && state.basemapLoaded && state.firstSnapshotVersion >= 0 && drawnVersion >= state.firstSnapshotVersion;
}

/** Zoomed out on a big registry the legend counts the viewport's cells by state (kinds unknown). */
export function cellCounts(cells: readonly CellSummary[], kindSlots: number): SensorCounts {
  const byState = new Uint32Array(8);
  let total = 0;
  for (const c of cells) {
    total += c.n;
    c.states.forEach((n, code) => {
      byState[code] = (byState[code] ?? 0) + n;
    });
  }
  return { total, unplaced: 0, byState, byKind: new Uint32Array(kindSlots) };
}
