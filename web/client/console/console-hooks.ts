/** `window.__citytwin` for the operator console (test-hooks.ts; documented in README.md). */
import type { Map as MaplibreMap } from 'maplibre-gl';
import type { UnitView } from '../../shared/protocol.ts';
import type { KioskMode } from '../kiosk/kiosk-mode.ts';
import type { BasemapView } from '../map/basemap-view.ts';
import type { SensorOverlay } from '../map/sensor-overlay.ts';
import { drawProbeHook, type DrawProbe } from '../map/draw-probe.ts';
import type { IncidentPanel } from '../panels/incident-panel.ts';
import type { SensorPanel } from '../panels/sensor-panel.ts';
import type { UnitBoard } from '../panels/unit-board.ts';
import type { IncidentQueue } from '../stream/incident-queue.ts';
import type { LiveStream } from '../stream/live-stream.ts';
import type { SensorStore } from '../stream/sensor-store.ts';
import type { UnitStore } from '../stream/unit-store.ts';
import { getLanguage, setLanguage } from '../i18n/language.ts';
import { installTestHooks, webglRendererOf } from '../test-hooks.ts';
import { renderedLabelSizes } from '../map/label-scale.ts';
import { isReady, type ConsoleState } from './console-state.ts';

export interface ConsoleHookParts {
  state: ConsoleState;
  map: MaplibreMap;
  stream: LiveStream;
  overlay: SensorOverlay;
  basemapView: BasemapView;
  panel: SensorPanel;
  incidents: IncidentPanel | null;
  incidentQueue: IncidentQueue;
  unitStore: UnitStore;
  unitBoard: UnitBoard | null;
  kiosk: KioskMode | null;
  select(id: string | null): void;
}

export function installConsoleHooks(p: ConsoleHookParts): void {
  const { state, map, stream, overlay, basemapView, incidentQueue, unitStore } = p;
  const store = stream.store;
  const project = (lng: number, lat: number): [number, number] => {
    const pt = map.project([lng, lat]);
    const rect = map.getContainer().getBoundingClientRect();
    return [rect.left + pt.x, rect.top + pt.y];
  };
  installTestHooks({
    get ready() {
      return isReady(state, overlay.drawnVersion);
    },
    sensorCount: () => store.count,
    drawnCount: () => overlay.drawnCount,
    lastSeq: () => store.seq,
    epoch: () => store.epoch,
    language: () => getLanguage(),
    setLanguage: (l) => setLanguage(l),
    projectSensor: (id) => {
      const i = store.indexOf(id);
      return i < 0 || !store.hasPosition(i) ? null : project(store.lng[i]!, store.lat[i]!);
    },
    selectSensor: (id) => p.select(id),
    selectedSensor: () => p.panel.selectedId,
    webglRenderer: () => webglRendererOf(map.getCanvas()) || webglRendererOf(overlay.canvas),
    ...layerHooks(overlay, store),
    get onDeckRender() {
      return overlay.renderCount;
    },
    freshness: () => stream.freshness(),
    streamCounters: () => ({ ...stream.counters }),
    incidentCount: () => incidentQueue.size,
    incidentIds: () => incidentQueue.list().map((i) => i.id),
    selectIncident: (id) => p.incidents?.select(id),
    selectedIncident: () => p.incidents?.selectedId ?? null,
    projectIncident: (id) => {
      const i = incidentQueue.get(id);
      return i ? project(i.lng, i.lat) : null;
    },
    kioskState: () => p.kiosk?.state() ?? null,
    unitCount: () => unitStore.size,
    unitStatus: (id) => unitStore.get(id)?.status ?? null,
    unitTripPath: (id) => state.drawnTrips.find((d) => d.unitId === id)?.path ?? null,
    previewRoute: () => state.unitPreview,
    projectUnit: (id) => {
      const u: UnitView | undefined = unitStore.get(id);
      return u ? project(u.lng, u.lat) : null;
    },
    selectUnit: (id) => p.unitBoard?.select(id),
    project,
    flyTo: (lng, lat, zoom) => map.jumpTo({ center: [lng, lat], zoom }),
    camera: () => {
      const c = map.getCenter();
      return { center: [c.lng, c.lat], zoom: map.getZoom(), moving: map.isMoving() };
    },
    searchFocus: () => (state.focus ? `${state.focus.kind}:${state.focus.id}` : null),
    selectedUnit: () => p.unitBoard?.selectedId ?? null,
    mapLayers: () => mapLayersHook(map, overlay),
    mapNames: () => mapNames(map, project),
    mapIdle: () =>
      new Promise<void>((resolve) => {
        map.once('idle', () => resolve());
        map.triggerRepaint();
      }),
    basemap: () => basemapHook(map, basemapView),
  });
}

/** The overlay's layers and where they sit among the base map's (names shown, the layer they go under). */
function mapLayersHook(map: ConsoleHookParts['map'], overlay: SensorOverlay) {
  return {
    ids: overlay.layerIds,
    sensors: overlay.sensorsShown,
    labels: map
      .getLayersOrder()
      .filter((id) => map.getLayer(id)?.type === 'symbol')
      .some((id) => (map.getLayoutProperty(id, 'visibility') ?? 'visible') === 'visible'),
    under: overlay.underLayer ?? null,
    underLookups: overlay.underLayerLookups,
    order: map.getLayersOrder().map((id) => ({ id, type: map.getLayer(id)?.type ?? '' })),
  };
}

/** What deck.gl drew of the sensors: frames, and whether the layer shows the table as it is. */
function layerHooks(overlay: SensorOverlay, store: SensorStore) {
  return {
    deckRenderCount: () => overlay.renderCount,
    drawProbe: (parts: DrawProbe) => overlay.setLayersHook(drawProbeHook(parts)),
    redrawSensors: () => overlay.redrawNow(),
    sensorsDrawnCurrent: () => overlay.drawnVersion === store.version,
    sensorsMuted: () => overlay.sensorsMuted,
  };
}

/** The names the base map placed on screen: its symbol layers' point features, at their anchors. */
function mapNames(map: MaplibreMap, project: (lng: number, lat: number) => [number, number]) {
  const layers = map.getLayersOrder().filter((id) => map.getLayer(id)?.type === 'symbol');
  if (layers.length === 0) return [];
  return map.queryRenderedFeatures({ layers }).flatMap((f) => {
    if (f.geometry.type !== 'Point') return [];
    const [lng, lat] = f.geometry.coordinates as [number, number];
    const [x, y] = project(lng, lat);
    const p = f.properties ?? {};
    return [{ layer: f.layer.id, name: String(p.name_zh ?? p['name:zh'] ?? p.name ?? ''), lng, lat, x, y }];
  });
}

/** What base map is drawn and how: the `basemap()` hook. */
function basemapHook(map: MaplibreMap, basemapView: BasemapView) {
  return {
    mode: basemapView.mode,
    variant: basemapView.variant,
    is3d: basemapView.is3d,
    pitch: map.getPitch(),
    bearing: map.getBearing(),
    zoom: map.getZoom(),
    loaded: map.loaded() && !map.isMoving(),
    background: map.getLayer('background') ? String(map.getPaintProperty('background', 'background-color')) : null,
    center: map.getCenter().toArray() as [number, number],
    labelSizes: renderedLabelSizes(map),
    labelStyle: Object.fromEntries(
      map
        .getLayersOrder()
        .filter((id) => map.getLayer(id)?.type === 'symbol')
        .map((id) => [id, map.getLayoutProperty(id, 'text-size') as unknown]),
    ),
    districts: map.getLayer('district-fill')
      ? [...new Set(map.queryRenderedFeatures({ layers: ['district-fill'] }).map((f) => String(f.properties.code ?? '')))].sort()
      : [],
  };
}
