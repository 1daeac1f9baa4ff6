/**
 * `window.__citytwin`: read-only hooks for browser tests (documented in README.md). They expose
 * what a test cannot see reliably from pixels: readiness, counts, positions, the renderer.
 */
import type { Language } from './i18n/language.ts';
import type { DrawProbe } from './map/draw-probe.ts';
import type { Freshness } from './stream/freshness.ts';
import type { StreamCounters } from './stream/live-stream.ts';

export interface CityTwinTestHooks {
  /** True once the map and base map have loaded and deck.gl has drawn the first snapshot. */
  readonly ready: boolean;
  /** Sensors in the table (drawn or not). */
  sensorCount(): number;
  /** Sensors in the deck.gl layer (placed and not filtered out). */
  drawnCount(): number;
  /** Sequence number the table is current to (-1 before the first snapshot). */
  lastSeq(): number;
  /** Epoch of the table, or null before the first snapshot. */
  epoch(): string | null;
  language(): Language;
  setLanguage(lang: Language): void;
  /** Viewport position (CSS px) of a sensor, or null if unknown or without a position. */
  projectSensor(id: string): [number, number] | null;
  /** Opens the sensor panel on `id` (as a click would). */
  selectSensor(id: string): void;
  /** The sensor whose panel is open, or null. */
  selectedSensor(): string | null;
  /** UNMASKED_RENDERER_WEBGL of the map's WebGL context (e.g. contains "llvmpipe"). */
  webglRenderer(): string;
  /** Frames deck.gl has drawn so far (deck's onAfterRender). */
  deckRenderCount(): number;
  /** Bench: leaves parts of the sensors' drawing out (rims, antialiasing, billboard, top layer, rings and units); `{}` draws all. */
  drawProbe(parts: DrawProbe): void;
  /** Bench: deck.gl draws every layer again now, though nothing changed. */
  redrawSensors(): void;
  /** Whether the sensor layer on screen shows the table as it is now (a delta of values alone redraws nothing). */
  sensorsDrawnCurrent(): boolean;
  /** Whether the sensors are drawn grey because the stream stopped (by deck.gl, not a CSS filter). */
  sensorsMuted(): boolean;
  /** The same count, as a property. */
  readonly onDeckRender: number;
  /** Stream freshness now (what the status strip and banner show). */
  freshness(): Freshness;
  /** Snapshots, deltas applied / ignored, resume requests sent. */
  streamCounters(): StreamCounters;
  /** Incidents in the queue (open or acknowledged). */
  incidentCount(): number;
  /** Their ids, in queue order (most severe first). */
  incidentIds(): string[];
  /** Opens the incident's detail (as a click in the queue would), or closes it with null. */
  selectIncident(id: string | null): void;
  /** The incident whose detail is open, or null. */
  selectedIncident(): string | null;
  /** Viewport position (CSS px) of an incident's ring, or null if it is not in the queue. */
  projectIncident(id: string): [number, number] | null;
  /** Response units known to the console (0 for roles without `units.read`). */
  /** Kiosk mode: the view applied, the rotation step, the focused incident, whether the watermark shows (null outside kiosk mode). */
  kioskState(): {
    view: string;
    step: number;
    focused: string | null;
    watermark: boolean;
    fitted: [number, number, number, number] | null;
  } | null;
  unitCount(): number;
  /** A unit's status (`available`, `dispatched` …), or null for an unknown unit. */
  unitStatus(id: string): string | null;
  /** The trip path drawn on the map for a unit (`[lng, lat]`), or null when none is drawn. */
  unitTripPath(id: string): [number, number][] | null;
  /** The route of the recommendation pointed at in the incident detail, or null. */
  previewRoute(): [number, number][] | null;
  /** Viewport position (CSS px) of a unit's marker, or null if unknown. */
  projectUnit(id: string): [number, number] | null;
  /** Opens a unit on the status board (as a click on its marker would), or clears it with null. */
  selectUnit(id: string | null): void;
  /** Viewport position (CSS px) of a place on the map. */
  project(lng: number, lat: number): [number, number];
  /** Moves the camera at once (no animation) to `lng`, `lat` at `zoom`. */
  flyTo(lng: number, lat: number, zoom: number): void;
  /** The map's centre `[lng, lat]` and zoom, and whether it stands still. */
  camera(): { center: [number, number]; zoom: number; moving: boolean };
  /** What the map highlights for the search (`kind:id`), or null. */
  searchFocus(): string | null;
  /** The selected unit on the board, or null. */
  selectedUnit(): string | null;
  /**
   * What the map draws: the deck.gl layers besides the sensors (ids), whether the sensors and the
   * base map's labels show, and the base map's layer the markers are drawn under (its first
   * symbol layer; null when the style has none and they are drawn on top), and how often that
   * layer was looked up against the style changes and the rebuilds of the layers; and the map's
   * layers bottom to top with their types (the markers' deck.gl layers are maplibre `custom` layers).
   */
  mapLayers(): {
    ids: string[];
    sensors: boolean;
    labels: boolean;
    under: string | null;
    underLookups: { lookups: number; styleChanges: number; rebuilds: number };
    order: Array<{ id: string; type: string }>;
  };
  /** The base map's names placed on screen (point features of its symbol layers): layer, name, place and anchor (viewport CSS px). */
  mapNames(): Array<{ layer: string; name: string; lng: number; lat: number; x: number; y: number }>;
  /** Resolves once the map has drawn a new frame and stands idle (tiles loaded, no move, no label fading). */
  mapIdle(): Promise<void>;
  /**
   * The base map drawn: the city's PMTiles basemap ('vector') or the schematic map, its style,
   * 2D/3D, the camera, the background colour, whether the map has loaded what it shows and
   * stands still, and the districts on screen.
   */
  basemap(): {
    mode: 'vector' | 'schematic';
    variant: string;
    is3d: boolean;
    pitch: number;
    bearing: number;
    zoom: number;
    loaded: boolean;
    background: string | null;
    /** The map's centre `[lng, lat]`. */
    center: [number, number];
    /** The largest label size drawn (px, at the zoom shown) by symbol layer: `label-district` … */
    labelSizes: Record<string, number>;
    /** The `text-size` the map's style holds now, by symbol layer (a number or a zoom ramp). */
    labelStyle: Record<string, unknown>;
    /** District codes whose polygons are drawn on screen (schematic map), sorted. */
    districts: string[];
  };
}

declare global {
  interface Window {
    __citytwin?: CityTwinTestHooks;
  }
}

/** Reads the renderer string of a canvas's existing WebGL context ('' if none). */
export function webglRendererOf(canvas: HTMLCanvasElement | null): string {
  if (!canvas) return '';
  // getContext returns the context the canvas already has when the type matches.
  const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
  if (!gl) return '';
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
}

export function installTestHooks(hooks: CityTwinTestHooks): void {
  window.__citytwin = hooks;
}
