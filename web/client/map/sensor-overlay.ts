/**
 * The live sensors over the base map: a deck.gl ScatterplotLayer of every sensor in the table's
 * order, fed with binary attributes built from the SensorStore, a small one above it with the
 * sensors in warning or alarm (so they are never hidden), and a ring around the selected sensor.
 *
 * Changes are coalesced: `invalidate()` may be called for every delta; the layer is rebuilt at
 * most once per animation frame, and only when something it draws changed (the store's
 * `drawVersion`: a state, a position, a new sensor — not a new value). A rebuild hands deck.gl
 * the previous attribute object for every array whose contents did not change, so deck.gl
 * uploads only the arrays that did (a state change: colours and sizes, never positions, in the
 * main layer; the top layer is small and handed over whole).
 *
 * Under the names: deck.gl draws into maplibre's own WebGL context (`interleaved: true`), every
 * layer inserted before the style's first symbol layer (`beforeId`, under-labels.ts), so the
 * base map's district, place, road and water names are drawn above the markers. The first
 * symbol layer is looked up once per style change (`styledata`: a city's vector style, dark ↔
 * light, a layer added) and kept; a rebuild of the layers uses the kept one. A style without
 * symbol layers gets the markers on top.
 */
import { MapboxOverlay } from '@deck.gl/mapbox';
import { ScatterplotLayer, type ScatterplotLayerProps } from '@deck.gl/layers';
import type { Layer, PickingInfo } from '@deck.gl/core';
import type { Map as MaplibreMap } from 'maplibre-gl';
import type { SensorStore } from '../stream/sensor-store.ts';
import { DrawBufferPool, type DrawAttribute, type DrawBuffers, type LayerBuffers, type SensorFilter } from './sensor-buffers.ts';
import { SELECTED_RING, STATE_STYLES } from './sensor-style.ts';
import { countInBounds, densityScale } from './point-density.ts';
import { markOnce, TIMING_MARKS } from '../timing-marks.ts';
import { firstSymbolLayerId } from './under-labels.ts';

export interface SensorOverlayOptions {
  /** Pointer moved over a sensor (store row) or off all sensors (-1); x/y relative to the map. */
  onHover(row: number, x: number, y: number): void;
  /** A sensor was clicked (store row). */
  onSelect(row: number): void;
  /** Something drawn by {@link SensorOverlay.setExtraLayers} was clicked; true when it took the click. */
  onPickExtra?(info: PickingInfo): boolean;
  /**
   * Layers that cover an area (incident rings): a sensor under one of them takes the click and
   * the hover, so a ring never hides what it is drawn around.
   */
  areaLayerIds?: readonly string[];
}

/** The overlay's own layers: every sensor, the warnings and alarms drawn above them, the selected sensor's ring. */
export const OWN_LAYER_IDS = { sensors: 'sensors', top: 'sensors-top', selected: 'selected-sensor' } as const;

/** The layers a sensor is picked from: the main one and the warnings/alarms drawn above it. */
const SENSOR_LAYER_IDS: readonly string[] = [OWN_LAYER_IDS.sensors, OWN_LAYER_IDS.top];

/** How far (CSS px) from the pointer a sensor under an area layer still counts as hit. */
const UNDER_AREA_RADIUS_PX = 2;

/** The sensors' colours while the stream is stopped (setMuted). */
const MUTED_FILL: [number, number, number, number] = [110, 118, 128, 150];
const MUTED_LINE: [number, number, number, number] = [20, 24, 30, 150];
/** Every layer's opacity is multiplied by this while muted (the rings and badges fade with the grey sensors). */
const MUTED_OPACITY = 0.55;

/** Point sizes grow with zoom so that a wall display at street level stays readable. */
export function radiusScaleForZoom(zoom: number): number {
  return Math.min(2.4, Math.max(0.75, 0.75 + (zoom - 10) * 0.28));
}

export class SensorOverlay {
  private readonly overlay: MapboxOverlay;
  private readonly pool = new DrawBufferPool();
  private buffers: DrawBuffers | null = null;
  /** Draw order of each layer data object, so a pick maps through the order it was drawn with. */
  private readonly orderOfData = new WeakMap<object, { order: Uint32Array; epoch: string | null }>();
  private layerData: object | null = null;
  private topData: object | null = null;
  private lastTop: LayerBuffers | null = null;
  /** Pending animation frame, and whether it must rebuild the buffers (not just the layers). */
  private frame = 0;
  private pendingData = false;
  private selectedRow = -1;
  private zoomScale = 1;
  /** The main layer's size factor for how many sensors are in view (point-density.ts). */
  private density = 1;
  /** Store version in the layers last handed to deck, and in the last frame deck drew. */
  private builtVersion = -1;
  private drawnVersionValue = -1;
  /** The store's drawVersion and the filter the buffers were last built from. */
  private builtDrawVersion = -1;
  private builtFilter: SensorFilter | null = null;
  /** The attribute objects last handed to deck.gl, reused while their array is unchanged. */
  private attributes: Partial<Record<DrawAttribute, { value: ArrayBufferView; size: number; normalized?: boolean }>> = {};
  private renders = 0;
  /** Layers drawn above the sensors by others (incidents), in the same deck.gl canvas. */
  private extra: Layer[] = [];
  /** Layers drawn under the sensors (aggregate cells of a big registry, cell-layer.ts). */
  private under: Layer[] = [];
  /** The base map's first symbol layer, which every layer is drawn under (undefined: the style has none). */
  private beforeId: string | undefined;
  /** Look-ups of the first symbol layer, style changes and rebuilds (underLayerLookups). */
  private readonly lookups = { lookups: 0, styleChanges: 0, rebuilds: 0 };
  /** The layers last handed to deck.gl, as built (before they were put under the names). */
  private built: Layer[] | null = null;
  /** deck.gl called onAfterRender since the map's last frame (it may call it twice in one frame). */
  private drewInFrame = false;

  private sensorsVisible = true;
  /** Drawn grey (the stream stopped): a frozen map must not look live. */
  private muted = false;
  /** The layers' data objects without their colour arrays, for the grey drawing (one per data object). */
  private readonly mutedOf = new WeakMap<object, object>();
  /** Diagnostics (draw-probe.ts): rewrites the layers as built before deck.gl gets them. */
  private layersHook: ((layers: Layer[]) => Layer[]) | null = null;
  constructor(
    private readonly map: MaplibreMap,
    private readonly store: SensorStore,
    private filter: SensorFilter,
    private readonly options: SensorOverlayOptions,
  ) {
    this.zoomScale = radiusScaleForZoom(map.getZoom());
    this.overlay = new MapboxOverlay({
      // In the map's own context, between its layers: the names (symbol layers) above the markers.
      interleaved: true,
      // Drawn over the 3D buildings as before (never hidden behind a tower), and writing no depth
      // the names would be tested against: the order of the layers alone decides.
      parameters: { depthCompare: 'always', depthWriteEnabled: false },
      pickingRadius: 5,
      layers: [],
      onHover: (info) => this.handleHover(info),
      onClick: (info) => this.handleClick(info),
      // deck.gl recognises the click itself now (not from maplibre's click, as over the map): a press
      // counts as a click up to 250 ms by default, and with software rendering picking on the press
      // alone took longer, so clicks were lost. Like maplibre's click: a press without a drag, of
      // any reasonable length.
      eventRecognizerOptions: { click: { time: 2000 } },
      onAfterRender: () => {
        this.drewInFrame = true;
        this.drawnVersionValue = this.builtVersion;
        if (this.drawnCount > 0) markOnce(TIMING_MARKS.sensorsDrawn);
      },
    });
    lendViewportHeight(map);
    // The style the map holds already (the next `styledata` looks again).
    this.beforeId = this.lookUpUnderLayer();
    // Before the overlay's own listener: a new style gets the layers under its own first names
    // before deck.gl puts them back into it (a layer before a name the style lacks is refused).
    map.on('styledata', () => {
      this.lookups.styleChanges++;
      this.restack();
    });
    map.addControl(this.overlay);
    // One count per map frame that drew the layers (deck.gl reports twice in some frames).
    map.on('render', () => {
      if (!this.drewInFrame) return;
      this.drewInFrame = false;
      this.renders++;
    });
    map.on('zoom', () => {
      const scale = radiusScaleForZoom(map.getZoom());
      if (Math.abs(scale - this.zoomScale) > 0.02) {
        this.zoomScale = scale;
        this.schedule(false);
      }
    });
    // How many sensors are in view is counted when the map comes to rest, not on every frame of a move.
    map.on('moveend', () => {
      if (this.updateDensity()) this.schedule(false);
    });
  }

  /** The table changed: rebuild the buffers on the next frame. */
  invalidate(): void {
    this.schedule(true);
  }

  setFilter(filter: SensorFilter): void {
    this.filter = filter;
    // The legend changes its filter in place: always build again.
    this.builtFilter = null;
    this.schedule(true);
  }

  /** Shows or hides the sensors (the layer panel); they are not picked while hidden. */
  setSensorsVisible(on: boolean): void {
    if (this.sensorsVisible === on) return;
    this.sensorsVisible = on;
    this.schedule(false);
  }

  /**
   * Draws the sensors grey (their sizes kept, so alarms still stand out) while the stream is
   * stopped. Greyed by deck.gl in the layer, not by a CSS filter on its canvas: a filter on a
   * full-screen canvas is run again by the compositor on every frame of the page (five times the
   * cost of a frame in software rendering, measured), whatever changed in the frame.
   */
  setMuted(on: boolean): void {
    if (this.muted === on) return;
    this.muted = on;
    this.schedule(false);
  }

  /** Whether the sensors are drawn grey (the stream stopped). */
  get sensorsMuted(): boolean {
    return this.muted;
  }

  /** Rings the sensor in `row` (or nothing for -1). */
  setSelectedRow(row: number): void {
    this.selectedRow = row;
    this.schedule(false);
  }

  /** Draws `layers` above the sensors (one canvas, one picking pass for both). */
  setExtraLayers(layers: Layer[]): void {
    this.extra = layers;
    this.schedule(false);
  }

  /** Draws `layers` under the sensors (aggregate cells). */
  setUnderLayers(layers: Layer[]): void {
    this.under = layers;
    this.schedule(false);
  }

  /** Ids of the layers drawn above and under the sensors (test hooks). */
  get layerIds(): string[] {
    return [...this.under, ...this.extra].map((l) => l.id);
  }

  /** Whether the sensors are shown (the layer panel). */
  get sensorsShown(): boolean {
    return this.sensorsVisible;
  }

  /** The zoom-dependent size factor the sensors are drawn with. */
  get radiusScale(): number {
    return this.zoomScale;
  }

  /** The factor the main layer's points are drawn with for how many are in view (1: their size). */
  get densityScale(): number {
    return this.density;
  }

  /** Number of sensors in the layer. */
  get drawnCount(): number {
    return this.buffers?.length ?? 0;
  }

  /** Store version the last rendered frame showed (-1 before any). */
  get drawnVersion(): number {
    return this.drawnVersionValue;
  }

  /** Number of frames deck.gl has drawn. */
  get renderCount(): number {
    return this.renders;
  }

  /** The canvas deck.gl draws into: the map's own (interleaved). */
  get canvas(): HTMLCanvasElement | null {
    return this.overlay.getCanvas();
  }

  /** Diagnostics: `hook` rewrites the layers as built before deck.gl draws them (draw-probe.ts); null: as built. */
  setLayersHook(hook: ((layers: Layer[]) => Layer[]) | null): void {
    this.layersHook = hook;
    this.schedule(false);
  }

  /**
   * Bench: every layer drawn again now, though nothing changed (what one redraw costs). Interleaved,
   * deck.gl draws inside the map's frame: the map repaints, base map included.
   */
  redrawNow(): void {
    this.map.triggerRepaint();
  }

  /** The base map's layer the markers are drawn under (undefined: on top, the style has no names). */
  get underLayer(): string | undefined {
    return this.beforeId;
  }

  /**
   * How often the first symbol layer was looked up, against the style changes seen and the layers
   * rebuilt (test hook): one look-up at the start and one per style change, none per rebuild.
   */
  get underLayerLookups(): Readonly<{ lookups: number; styleChanges: number; rebuilds: number }> {
    return { ...this.lookups };
  }

  /** The style's first symbol layer, looked up in the style the map holds now. */
  private lookUpUnderLayer(): string | undefined {
    this.lookups.lookups++;
    return currentFirstSymbolLayer(this.map);
  }

  private schedule(dataChanged: boolean): void {
    this.pendingData ||= dataChanged;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const data = this.pendingData;
      this.pendingData = false;
      this.rebuild(data);
    });
  }

  private rebuild(dataChanged: boolean): void {
    const drawnSame = this.builtDrawVersion === this.store.drawVersion && this.builtFilter === this.filter;
    if (dataChanged && drawnSame && this.buffers && this.layerData) {
      // New values only: the picture is the same, nothing to upload or draw.
      this.builtVersion = this.drawnVersionValue = this.store.version;
      return;
    }
    if (dataChanged || !this.buffers || !this.layerData) {
      const b = this.pool.build(this.store, this.filter);
      this.buffers = b;
      this.builtVersion = this.store.version;
      this.builtDrawVersion = this.store.drawVersion;
      this.builtFilter = this.filter;
      // Binary attributes: deck.gl uploads the typed arrays as they are, and only those whose object is new.
      this.layerData = {
        length: b.length,
        attributes: {
          getPosition: this.attribute(b, 'positions', 2),
          getFillColor: this.attribute(b, 'fillColors', 4, true),
          getLineColor: this.attribute(b, 'lineColors', 4, true),
          getRadius: this.attribute(b, 'radii', 1),
          getLineWidth: this.attribute(b, 'lineWidths', 1),
        },
      };
      this.orderOfData.set(this.layerData, { order: b.order, epoch: this.store.epoch });
      // The top layer is handed over again only when its set (or how it is drawn) changed.
      if (!this.topData || !this.lastTop || b.topChanged) {
        this.topData = topLayerData(b);
        this.lastTop = b.top;
      }
      this.orderOfData.set(this.topData, { order: this.lastTop.order, epoch: this.store.epoch });
      if (b.changed.positions) this.updateDensity();
    }
    if (!this.topData) return;
    this.built = this.layers(this.layerData, this.topData);
    this.lookups.rebuilds++;
    this.overlay.setProps({ layers: this.stacked(this.built) });
  }

  /** The style changed (loaded, switched, a layer added): the layers follow its first symbol layer. */
  private restack(): void {
    const id = this.lookUpUnderLayer();
    if (id === this.beforeId) return;
    this.beforeId = id;
    if (this.built) this.overlay.setProps({ layers: this.stacked(this.built) });
  }

  /**
   * The layers as drawn: each under the base map's names and, while muted, faded. A layer is
   * cloned only with these two props: deck.gl compares the rest with the previous frame's and
   * uploads nothing for them.
   */
  private stacked(layers: Layer[]): Layer[] {
    const beforeId = this.beforeId;
    return layers.map((l) => {
      const opacity = this.muted ? l.props.opacity * MUTED_OPACITY : l.props.opacity;
      return l.clone({ beforeId, opacity } as Partial<Layer['props']>);
    });
  }

  /** Counts the sensors in view and sets the main layer's size factor; true when it changed. */
  private updateDensity(): boolean {
    const b = this.buffers;
    const box = this.map.getContainer();
    const bounds = this.map.getBounds();
    const inView = b
      ? countInBounds(b.positions, b.length, {
          west: bounds.getWest(),
          south: bounds.getSouth(),
          east: bounds.getEast(),
          north: bounds.getNorth(),
        })
      : 0;
    const next = densityScale(inView, STATE_STYLES.normal.radius * this.zoomScale, box.clientWidth, box.clientHeight);
    if (Math.abs(next - this.density) < 0.02) return false;
    this.density = next;
    return true;
  }

  /** The attribute object of one array: the previous one while its contents are unchanged. */
  private attribute(b: DrawBuffers, name: DrawAttribute, size: number, normalized = false) {
    const last = this.attributes[name];
    if (last && !b.changed[name]) return last;
    const next = { value: b[name], size, ...(normalized ? { normalized } : {}) };
    this.attributes[name] = next;
    return next;
  }

  private layers(data: object, top: object): Layer[] {
    const layers: Layer[] = [
      ...this.under,
      this.sensorLayer(OWN_LAYER_IDS.sensors, data, this.zoomScale * this.density),
      this.sensorLayer(OWN_LAYER_IDS.top, top, this.zoomScale),
    ];
    this.pushSelectedRing(layers);
    layers.push(...this.extra);
    return this.layersHook ? this.layersHook(layers) : layers;
  }

  /** The data object drawn: the layer's own, or while muted the same without its colours (made once per object). */
  private drawnData(data: object): object {
    if (!this.muted) return data;
    let grey = this.mutedOf.get(data);
    if (!grey) {
      const { getFillColor: _fill, getLineColor: _line, ...rest } = (data as { attributes: Record<string, unknown> }).attributes;
      grey = { ...data, attributes: rest };
      const order = this.orderOfData.get(data);
      if (order) this.orderOfData.set(grey, order);
      this.mutedOf.set(data, grey);
    }
    return grey;
  }

  private sensorLayer(id: string, data: object, radiusScale: number): Layer {
    return new ScatterplotLayer({
      id,
      visible: this.sensorsVisible,
      data: this.drawnData(data) as ScatterplotLayerProps['data'],
      ...(this.muted ? { getFillColor: MUTED_FILL, getLineColor: MUTED_LINE } : {}),
      radiusUnits: 'pixels',
      // Facing the camera: round and readable when the map is tilted (3D).
      billboard: true,
      lineWidthUnits: 'pixels',
      radiusScale,
      lineWidthScale: Math.max(1, this.zoomScale * 0.8),
      stroked: true,
      filled: true,
      antialiasing: true,
      pickable: true,
      autoHighlight: true,
      highlightColor: [255, 255, 255, 140],
    });
  }

  private pushSelectedRing(layers: Layer[]): void {
    const row = this.selectedRow;
    if (row >= 0 && row < this.store.count && this.store.hasPosition(row)) {
      layers.push(
        new ScatterplotLayer<readonly [number, number]>({
          id: OWN_LAYER_IDS.selected,
          data: [[this.store.lng[row]!, this.store.lat[row]!]],
          getPosition: (d) => d,
          radiusUnits: 'pixels',
          billboard: true,
          lineWidthUnits: 'pixels',
          getRadius: 11 * Math.max(1, this.zoomScale * 0.8),
          getLineWidth: 2.5,
          stroked: true,
          filled: false,
          getLineColor: [...SELECTED_RING],
        }),
      );
    }
  }

  private rowOfPick(info: PickingInfo): number {
    if (!info.picked || !info.layer || !SENSOR_LAYER_IDS.includes(info.layer.id)) return -1;
    // The order of the data the picked layer was drawn with, not of the latest build; rows
    // are renumbered per epoch, so a pick from a previous epoch's layer means nothing.
    const drawn = this.orderOfData.get(info.layer.props.data as object);
    if (!drawn || drawn.epoch !== this.store.epoch) return -1;
    const row = drawn.order[info.index];
    return row === undefined || row >= this.store.count ? -1 : row;
  }

  /**
   * Deck.gl picks the topmost object; when that is an area (an incident ring), a sensor under
   * the pointer is the more precise target and wins (the ring stays clickable off the sensor).
   */
  private preferPrecise(info: PickingInfo): PickingInfo {
    if (!info.picked || !info.layer || !this.options.areaLayerIds?.includes(info.layer.id)) return info;
    const under = this.overlay.pickObject({ x: info.x, y: info.y, radius: UNDER_AREA_RADIUS_PX, layerIds: [...SENSOR_LAYER_IDS] });
    return under?.picked ? under : info;
  }

  private handleHover(raw: PickingInfo): void {
    const info = this.preferPrecise(raw);
    const row = this.rowOfPick(info);
    this.map.getCanvas().style.cursor = row >= 0 ? 'pointer' : '';
    this.options.onHover(row, info.x, info.y);
  }

  private handleClick(raw: PickingInfo): void {
    const info = this.preferPrecise(raw);
    if (info.picked && info.layer && !SENSOR_LAYER_IDS.includes(info.layer.id) && this.options.onPickExtra?.(info)) return;
    const row = this.rowOfPick(info);
    if (row >= 0) this.options.onSelect(row);
  }
}

/**
 * @deck.gl/mapbox 9.4 in interleaved mode reads the map's private `transform` for the viewport's
 * height (and, only with terrain or outside a custom layer's render, its elevation and clipping
 * planes), which maplibre-gl 6 removed: every frame threw. The map is lent a read-only stand-in
 * with the height in CSS pixels, the same value maplibre's transform held; the clipping planes
 * come from the custom layer's render parameters (maplibre ≥ 4.5.1) and there is no terrain.
 * `@deck.gl/maplibre` reads public APIs instead; with it this goes.
 */
function lendViewportHeight(map: MaplibreMap): void {
  if ('transform' in map) return;
  Object.defineProperty(map, 'transform', {
    configurable: true,
    get: () => ({ height: map.getCanvas().clientHeight }),
  });
}

/** Binary data of the top layer (warnings and alarms); small, so handed over whole. */
function topLayerData(b: DrawBuffers): object {
  const t = b.top;
  return {
    length: t.length,
    attributes: {
      getPosition: { value: t.positions, size: 2 },
      getFillColor: { value: t.fillColors, size: 4, normalized: true },
      getLineColor: { value: t.lineColors, size: 4, normalized: true },
      getRadius: { value: t.radii, size: 1 },
      getLineWidth: { value: t.lineWidths, size: 1 },
    },
  };
}

/** The first symbol layer of the style the map holds, or undefined (no style yet, or none in it). */
function currentFirstSymbolLayer(map: MaplibreMap): string | undefined {
  return map.style ? firstSymbolLayerId(map) : undefined;
}
