/**
 * The operator console: signs in, then wires the live stream, the map, the sensor layer and
 * the panels. This file only names the parts and connects them; what each part does is in its
 * module, and what the console knows is in ONE state object (console/console-state.ts).
 *
 *   socket.io ──► LiveStream ──► SensorStore (typed arrays) ──► SensorOverlay (deck.gl, per frame)
 *                     │                    └────────────────► Legend counts (per tick)
 *                     └─► stats, freshness ──► ConsoleView ──► every panel's render (per tick)
 */
import 'maplibre-gl/dist/maplibre-gl.css';
import './styles/console.css';
import { setWorkerUrl } from 'maplibre-gl';
import maplibreWorkerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import type { IncidentView } from '../shared/protocol.ts';
import { PanelSet } from './app/panel.ts';
import { startPage } from './app/sign-in.ts';
import type { Me } from './backend/session.ts';
import { loadBasemap } from './console/basemap-loader.ts';
import { installConsoleHooks } from './console/console-hooks.ts';
import { openConsoleSocket } from './console/console-socket.ts';
import {
  can,
  cellCounts,
  createConsoleState,
  districtName,
  isReady,
  type ConsoleState,
  type ConsoleView,
} from './console/console-state.ts';
import { MapLayers } from './console/map-layers.ts';
import { getLanguage, onLanguageChange, t } from './i18n/language.ts';
import { KioskMode } from './kiosk/kiosk-mode.ts';
import { parseWallPlan, WallPlanError, type WallPlan } from './kiosk/wall-plan.ts';
import { BasemapView } from './map/basemap-view.ts';
import { ScaleBadge } from './map/cell-layer.ts';
import { createCityMap, setMapLanguage } from './map/city-map.ts';
import { INCIDENT_LAYER_ID } from './map/incident-layer.ts';
import { MapViewControl } from './map/map-view-control.ts';
import { SensorOverlay } from './map/sensor-overlay.ts';
import { publishStateColors } from './map/sensor-style.ts';
import { UNIT_LAYER_ID, type UnitMark } from './map/unit-layer.ts';
import { DispatchSection, publishUnitColors } from './panels/dispatch-section.ts';
import { IncidentPanel } from './panels/incident-panel.ts';
import { Legend } from './panels/legend.ts';
import { SensorPanel } from './panels/sensor-panel.ts';
import { SensorTooltip } from './panels/sensor-tooltip.ts';
import { StatusStrip } from './panels/status-strip.ts';
import { StreamBanner } from './panels/stream-banner.ts';
import { TopBar, type ConnectionState } from './panels/top-bar.ts';
import { UnitBoard, UnitTooltip } from './panels/unit-board.ts';
import { UserMenu } from './panels/user-menu.ts';
import { IncidentQueue } from './stream/incident-queue.ts';
import { LiveStream } from './stream/live-stream.ts';
import { UnitStore } from './stream/unit-store.ts';
import { ViewportClient } from './stream/viewport-client.ts';
import { h, requireElement, setText } from './ui/dom.ts';

/** Status strip, banner, clock and legend counts refresh this often. */
const TICK_MS = 500;

// Bundled worker, same origin: no blob: or CDN worker (browser-testing.md, CSP).
setWorkerUrl(maplibreWorkerUrl);

/** The wall plan of the address (`?kiosk=1&rotate=…`), or null; a bad plan is shown on the notice. */
function wallPlan(notice: HTMLElement): WallPlan | null {
  try {
    return parseWallPlan(window.location.search);
  } catch (err) {
    if (!(err instanceof WallPlanError)) throw err;
    notice.hidden = false;
    setText(notice, t('kiosk.badPlan', { reason: err.message }));
    return null;
  }
}

/** The connection as the top bar shows it. */
function connectionOf(stream: LiveStream): ConnectionState {
  if (!stream.connected) return stream.connectedAt === null ? 'connecting' : 'disconnected';
  if (stream.resyncing) return 'resyncing';
  if (stream.store.epoch === null) return 'connecting';
  return stream.freshness().stopped ? 'stalled' : 'live';
}

/** What every panel draws this tick. */
function consoleView(state: ConsoleState, stream: LiveStream, overlay: SensorOverlay, viewport: ViewportClient, zoom: number): ConsoleView {
  const store = stream.store;
  if (state.countsDirty) {
    state.counts = store.counts(state.counts);
    state.countsDirty = false;
  }
  const cells = viewport.active ? viewport.visibleCells() : [];
  const cellsMode = viewport.active && viewport.mode === 'cells';
  return {
    freshness: stream.freshness(),
    stats: stream.stats,
    sensorsOnScreen: store.count,
    connection: connectionOf(stream),
    serverTime: stream.clock.synced ? stream.clock.now(Date.now()) : null,
    // Zoomed out on a big registry: the legend counts the viewport's cells by state.
    legend: cellsMode
      ? { counts: cellCounts(cells, state.counts?.byKind.length ?? 16), drawn: 0, cellsMode: true }
      : state.counts
        ? { counts: state.counts, drawn: overlay.drawnCount, cellsMode: false }
        : null,
    scale: { active: viewport.active, mode: viewport.mode, total: viewport.cache.total, cells: cells.length, points: store.count, zoom },
  };
}

function start(me: Me): void {
  publishStateColors();
  publishUnitColors();
  const state = createConsoleState(me);
  const app = requireElement(document, '#app');
  const mapEl = requireElement(app, '#map');
  const ui = h('div', { class: 'ui-layer' });
  app.appendChild(ui);

  const stream = new LiveStream();
  const store = stream.store;
  const map = createCityMap(mapEl, getLanguage());
  // The city's PMTiles basemap (dark/light) or the schematic map; 2D or tilted 3D.
  const basemapView = new BasemapView(map, getLanguage);
  const viewControl = new MapViewControl(basemapView);
  map.addControl(viewControl, 'bottom-right');
  const serverNow = (): number => stream.clock.now(Date.now());
  const districtOf = (code: string | null): string | null => districtName(state, code, getLanguage());

  // --- panels, in page order ---
  const panels = new PanelSet<ConsoleView>();
  const topBar = panels.add(new TopBar(), ui);
  panels.add(new StreamBanner(), ui);
  const legend = panels.add(new Legend((filter) => overlay.setFilter(filter)), ui);
  const panel = panels.add(
    new SensorPanel({ serverNow, districtName: districtOf, onClose: () => select(null), canHistory: can(state, 'sensors.history') }),
    ui,
  );
  panels.add(new UserMenu(me), topBar.el.querySelector<HTMLElement>('.top-right') ?? topBar.el);
  panels.add(new StatusStrip(), ui);
  const note = h('div', { class: 'schematic-note', 'data-testid': 'schematic-note' });
  const basemapNotice = h('div', { class: 'map-notice', role: 'status', hidden: true, 'data-testid': 'basemap-notice' });
  ui.append(note, basemapNotice);
  const tooltip = new SensorTooltip(mapEl, { store, serverNow, districtName: districtOf });

  const overlay = new SensorOverlay(map, store, legend.filter, {
    onHover: (row, x, y) => tooltip.show(row, x, y),
    onSelect: (row) => select(store.ids[row] ?? null),
    onPickExtra: (info) => {
      if (info.layer?.id === UNIT_LAYER_ID && unitBoard) {
        unitBoard.select((info.object as UnitMark).unit.id);
        return true;
      }
      if (info.layer?.id !== INCIDENT_LAYER_ID || !incidents) return false;
      incidents.select((info.object as IncidentView).id);
      return true;
    },
  });

  // --- big registries: the viewport's sensors when zoomed in, aggregate cells when zoomed out (docs/scale.md) ---
  const scaleBadge = panels.add(new ScaleBadge(), ui);
  const viewport = new ViewportClient(map, () => {
    // Cells refreshed every few seconds are the live data while zoomed out (freshness, banner).
    if (viewport.mode === 'cells') stream.lastUpdateAt = Date.now();
    layers.drawCells(viewport);
    scaleBadge.render(consoleView(state, stream, overlay, viewport, map.getZoom()));
  });

  // --- response units (units.read) and incidents (incidents.read) ---
  const unitStore = new UnitStore();
  const incidentQueue = new IncidentQueue();
  const canUnits = can(state, 'units.read');
  const unitTooltip = canUnits ? new UnitTooltip(mapEl, { serverNow }) : null;
  const dispatchSection = canUnits
    ? new DispatchSection({
        units: unitStore,
        canAct: can(state, 'dispatch.act'),
        serverNow,
        districtName: districtOf,
        onPreview: (path) => {
          state.unitPreview = path;
          state.previewSeq++;
          layers.drawIncidents();
        },
      })
    : null;
  const unitBoard = canUnits
    ? panels.add(
        new UnitBoard({ units: unitStore, canAct: can(state, 'dispatch.act'), serverNow, onSelect: () => layers.drawIncidents() }),
        ui,
      )
    : null;
  const incidents = can(state, 'incidents.read')
    ? panels.add(
        new IncidentPanel({
          queue: incidentQueue,
          canAct: can(state, 'incidents.act'),
          serverNow,
          districtName: districtOf,
          onSelect: (id) => {
            dispatchSection?.setIncident(id);
            layers.drawIncidents();
          },
          ...(dispatchSection ? { detailSection: (inc: IncidentView) => dispatchSection.show(inc) } : {}),
        }),
        ui,
      )
    : null;
  const layers = new MapLayers({ state, map, overlay, incidentQueue, unitStore, incidents: () => incidents, unitBoard, unitTooltip });

  // --- wall displays: ?kiosk=1 (with a display token), rotation, wall tiles, focus, watermark ---
  const plan = wallPlan(basemapNotice);
  const kiosk = plan?.kiosk
    ? new KioskMode({
        map,
        plan,
        ui,
        serverNow,
        freshness: () => stream.freshness(),
        lastUpdateAt: () => stream.lastUpdateAt,
        incidents: incidentQueue,
        selectIncident: (id) => incidents?.select(id),
        districtName: districtOf,
      })
    : null;

  function select(id: string | null): void {
    document.body.classList.toggle('panel-open', id !== null);
    if (id === null) {
      panel.close();
      overlay.setSelectedRow(-1);
      return;
    }
    panel.open(id);
    overlay.setSelectedRow(store.indexOf(id));
  }

  // --- base map; readiness: map + base map loaded, and deck.gl drew the first snapshot ---
  map.on('load', () => {
    state.mapLoaded = true;
  });
  void loadBasemap({ state, map, basemapView, kiosk, notice: basemapNotice });

  // --- stream → store → layer ---
  stream.subscribe((event) => {
    switch (event.type) {
      case 'snapshot':
        if (state.firstSnapshotVersion < 0) state.firstSnapshotVersion = store.version;
        // Rows are renumbered per epoch: find the selected sensor again.
        overlay.setSelectedRow(panel.selectedId ? store.indexOf(panel.selectedId) : -1);
        overlay.invalidate();
        state.countsDirty = true;
        return;
      case 'delta':
        overlay.invalidate();
        state.countsDirty = true;
        return;
      case 'connection':
        // Show a lost connection at once, not at the next tick.
        tick();
        return;
      case 'resync':
      case 'stats':
        return;
    }
  });

  function tick(): void {
    panels.render(consoleView(state, stream, overlay, viewport, map.getZoom()));
    dispatchSection?.tick();
    layers.drawIncidents();
    tooltip.refresh();
    kiosk?.tick();
    document.body.dataset.ready = String(isReady(state, overlay.drawnVersion));
  }

  /** Under the schematic map its disclaimer; under a city's vector basemap its attribution. */
  function noteText(): string {
    return basemapView.mode === 'vector' ? (basemapView.attribution ?? t('map.vectorBasemap')) : t('app.schematic');
  }
  basemapView.onChange(() => {
    setText(note, noteText());
    document.body.dataset.basemap = `${basemapView.mode}:${basemapView.variant}`;
  });
  // A wall (or a shared link) may ask for a tilted view: `&pitch=45&bearing=-20`.
  if (plan && plan.tilt.pitch > 0) {
    const tilt = plan.tilt;
    map.once('load', () => basemapView.set3d(true, tilt, 0));
  }

  function renderLabels(): void {
    document.title = `CityTwin · ${t('app.subtitle')}`;
    setText(note, noteText());
    panels.renderLabels();
    viewControl.renderLabels();
    if (!basemapNotice.hidden) setText(basemapNotice, t('map.basemapError'));
    tick();
  }
  onLanguageChange((next) => {
    setMapLanguage(map, next);
    renderLabels();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && panel.selectedId) select(null);
    else if (e.key === 'Escape' && incidents?.selectedId) incidents.select(null);
  });

  renderLabels();
  window.setInterval(tick, TICK_MS);
  const socket = openConsoleSocket({
    incidentQueue,
    unitStore,
    incidents,
    unitBoard,
    dispatchSection,
    drawIncidents: () => layers.drawIncidents(),
  });
  viewport.start(socket);
  stream.start(socket);

  installConsoleHooks({
    state,
    map,
    stream,
    overlay,
    basemapView,
    panel,
    incidents,
    incidentQueue,
    unitStore,
    unitBoard,
    kiosk,
    select,
  });
}

startPage(start, { displayToken: true });
