/**
 * The operator console: wires the live stream, the map, the sensor layer and the panels.
 *
 *   socket.io ──► LiveStream ──► SensorStore (typed arrays) ──► SensorOverlay (deck.gl, per frame)
 *                     │                    └────────────────► Legend counts (per tick)
 *                     └─► stats, freshness ──► StatusStrip, StreamBanner, TopBar (per tick)
 */
import 'maplibre-gl/dist/maplibre-gl.css';
import './styles/console.css';
import { setWorkerUrl } from 'maplibre-gl';
import maplibreWorkerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { getLanguage, loadLanguage, onLanguageChange, setLanguage, t } from './i18n/language.ts';
import { applyBasemap, createCityMap, fetchBasemap, setCityBounds, setMapLanguage } from './map/city-map.ts';
import { BasemapView } from './map/basemap-view.ts';
import { MapViewControl } from './map/map-view-control.ts';
import type { BasemapPayload } from '../shared/basemap-protocol.ts';
import { SensorOverlay } from './map/sensor-overlay.ts';
import { publishStateColors } from './map/sensor-style.ts';
import { Legend } from './panels/legend.ts';
import { SensorPanel } from './panels/sensor-panel.ts';
import { SensorTooltip } from './panels/sensor-tooltip.ts';
import { StatusStrip } from './panels/status-strip.ts';
import { StreamBanner } from './panels/stream-banner.ts';
import { TopBar, type ConnectionState } from './panels/top-bar.ts';
import { LiveStream } from './stream/live-stream.ts';
import type { SensorCounts } from './stream/sensor-store.ts';
import { h, requireElement, setText } from './ui/dom.ts';
import { installTestHooks, webglRendererOf } from './test-hooks.ts';
import { io } from 'socket.io-client';
import { bearerToken, dropDisplayToken, fetchMe, sessionRotating, takeDisplayToken, type Me } from './backend/session.ts';
import { LoginView } from './panels/login-view.ts';
import { UserMenu } from './panels/user-menu.ts';
import type { StreamSocket } from './stream/live-stream.ts';
import { IncidentQueue } from './stream/incident-queue.ts';
import { IncidentPanel } from './panels/incident-panel.ts';
import { INCIDENT_LAYER_ID, incidentLayers } from './map/incident-layer.ts';
import type { IncidentView, UnitView } from '../shared/protocol.ts';
import { UnitStore } from './stream/unit-store.ts';
import { tripsOf, UNIT_LAYER_ID, unitLayers, unitMarks, type DrawnTrip, type UnitMark } from './map/unit-layer.ts';
import { DispatchSection, publishUnitColors } from './panels/dispatch-section.ts';
import { UnitBoard, UnitTooltip } from './panels/unit-board.ts';
import { ViewportClient } from './stream/viewport-client.ts';
import { cellLayers, ScaleBadge } from './map/cell-layer.ts';
import { KioskMode } from './kiosk/kiosk-mode.ts';
import { parseWallPlan, WallPlanError, type WallPlan } from './kiosk/wall-plan.ts';

/** Status strip, banner, clock and legend counts refresh this often. */
const TICK_MS = 500;
/** Base map retry delay after a failed fetch. */
const BASEMAP_RETRY_MS = 5_000;

// Bundled worker, same origin: no blob: or CDN worker (browser-testing.md, CSP).
setWorkerUrl(maplibreWorkerUrl);

/**
 * Signs in first: a display token from the address, else the session cookie, else the login
 * page. The console starts only with a principal; what it shows follows the role's
 * permissions (the server enforces them anyway).
 */
async function boot(): Promise<void> {
  loadLanguage();
  const display = takeDisplayToken(window.location, window.history);
  let me = await fetchMe();
  if (!me.ok && display) {
    dropDisplayToken();
    const view = new LoginView(document.body, t('login.displayRevoked', { reason: me.error }));
    await view.run();
    me = await fetchMe();
  }
  while (!me.ok) {
    document.body.dataset.auth = 'login';
    await new LoginView(document.body).run();
    me = await fetchMe();
  }
  document.body.dataset.auth = me.value.via;
  start(me.value);
}

function start(me: Me): void {
  const lang = getLanguage();
  publishStateColors();
  publishUnitColors();
  const can = (permission: string) => me.permissions.includes(permission);
  const app = requireElement(document, '#app');
  const mapEl = requireElement(app, '#map');
  const ui = h('div', { class: 'ui-layer' });
  app.appendChild(ui);

  const stream = new LiveStream();
  const store = stream.store;
  const map = createCityMap(mapEl, lang);
  // The city's PMTiles basemap (dark/light) or the schematic map; 2D or tilted 3D.
  const basemapView = new BasemapView(map, getLanguage);
  const viewControl = new MapViewControl(basemapView);
  map.addControl(viewControl, 'bottom-right');
  let districtNames = new Map<string, { zh: string; en: string }>();
  const districtName = (code: string | null): string | null => {
    if (!code) return null;
    const n = districtNames.get(code);
    return n ? (getLanguage() === 'en' ? n.en : n.zh) : null;
  };
  const serverNow = (): number => stream.clock.now(Date.now());

  const topBar = new TopBar(ui);
  const banner = new StreamBanner(ui);
  const legend = new Legend(ui, (filter) => overlay.setFilter(filter));
  const panel = new SensorPanel(ui, { serverNow, districtName, onClose: () => select(null), canHistory: can('sensors.history') });
  const userMenu = new UserMenu(topBar.el.querySelector('.top-right') ?? topBar.el, me);
  const strip = new StatusStrip(ui);
  const note = h('div', { class: 'schematic-note', 'data-testid': 'schematic-note' });
  const basemapNotice = h('div', { class: 'map-notice', role: 'status', hidden: true, 'data-testid': 'basemap-notice' });
  ui.append(note, basemapNotice);
  const tooltip = new SensorTooltip(mapEl, { store, serverNow, districtName });

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
  const scaleBadge = new ScaleBadge(ui);
  const viewport = new ViewportClient(map, () => {
    // Cells refreshed every few seconds are the live data while zoomed out (freshness, banner).
    if (viewport.mode === 'cells') stream.lastUpdateAt = Date.now();
    drawCells();
  });
  const drawCells = (): void => {
    const cells = viewport.visibleCells();
    overlay.setUnderLayers(
      cellLayers(cells, {
        zoomScale: overlay.radiusScale,
        onClick: (c) => map.easeTo({ center: [c.lng, c.lat], zoom: Math.min(map.getZoom() + 2, 17) }),
      }),
    );
    scaleBadge.update({
      active: viewport.active,
      mode: viewport.mode,
      total: viewport.cache.total,
      cells: cells.length,
      points: store.count,
      zoom: map.getZoom(),
    });
  };

  // --- response units: markers and trips on the map, the status board, dispatch in the incident detail (units.read) ---
  const unitStore = new UnitStore();
  const canUnits = can('units.read');
  /** The route of the recommendation pointed at, and a counter that changes with it. */
  let unitPreview: [number, number][] | null = null;
  let previewSeq = 0;
  let drawnTrips: DrawnTrip[] = [];
  const unitTooltip = canUnits ? new UnitTooltip(mapEl, { serverNow }) : null;
  const dispatchSection = canUnits
    ? new DispatchSection({
        units: unitStore,
        canAct: can('dispatch.act'),
        serverNow,
        districtName,
        onPreview: (path) => {
          unitPreview = path;
          previewSeq++;
          drawIncidents();
        },
      })
    : null;
  const unitBoard = canUnits
    ? new UnitBoard(ui, { units: unitStore, canAct: can('dispatch.act'), serverNow, onSelect: () => drawIncidents() })
    : null;

  // --- incidents: queue panel, map rings, toast (roles with incidents.read) ---
  const incidentQueue = new IncidentQueue();
  let incidentLayerKey = '';
  /** Incident rings, then the units and their trips above them, in the sensors' deck.gl canvas. */
  const drawIncidents = (): void => {
    const key = `${incidentQueue.version}:${incidents?.selectedId ?? ''}:${overlay.radiusScale.toFixed(2)}:${unitStore.version}:${previewSeq}:${unitBoard?.selectedId ?? ''}`;
    if (key === incidentLayerKey) return;
    incidentLayerKey = key;
    const layers = incidentLayers(incidentQueue.list(), incidents?.selectedId ?? null, overlay.radiusScale);
    if (canUnits) {
      const marks = unitMarks(unitStore.values());
      drawnTrips = tripsOf(marks);
      layers.push(
        ...unitLayers({
          units: marks,
          preview: unitPreview,
          selectedId: unitBoard?.selectedId ?? null,
          zoomScale: overlay.radiusScale,
          onHover: (info) => unitTooltip?.show(info.picked ? (info.object as UnitMark).unit : null, info.x, info.y),
        }),
      );
    }
    overlay.setExtraLayers(layers);
  };
  const incidents = can('incidents.read')
    ? new IncidentPanel(ui, {
        queue: incidentQueue,
        canAct: can('incidents.act'),
        serverNow,
        districtName,
        onSelect: (id) => {
          dispatchSection?.setIncident(id);
          drawIncidents();
        },
        ...(dispatchSection ? { detailSection: (inc: IncidentView) => dispatchSection.show(inc) } : {}),
      })
    : null;

  // --- wall displays: ?kiosk=1 (with a display token), rotation, wall tiles, focus, watermark ---
  let plan: WallPlan | null = null;
  try {
    plan = parseWallPlan(window.location.search);
  } catch (err) {
    if (!(err instanceof WallPlanError)) throw err;
    basemapNotice.hidden = false;
    setText(basemapNotice, t('kiosk.badPlan', { reason: err.message }));
  }
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
        districtName: (code) => districtName(code),
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

  // --- readiness: map + base map loaded, and deck.gl drew the first snapshot ---
  let mapLoaded = false;
  let basemapLoaded = false;
  let firstSnapshotVersion = -1;
  const isReady = (): boolean => mapLoaded && basemapLoaded && firstSnapshotVersion >= 0 && overlay.drawnVersion >= firstSnapshotVersion;
  map.on('load', () => {
    mapLoaded = true;
  });

  async function loadBasemap(): Promise<void> {
    try {
      const basemap: BasemapPayload = await fetchBasemap();
      districtNames = new Map(
        basemap.districts.features.map((f) => [
          String(f.properties.code ?? ''),
          { zh: String(f.properties.name_zh ?? ''), en: String(f.properties.name_en ?? '') },
        ]),
      );
      const vector = basemap.vector ?? null;
      if (vector) {
        // The city's own vector basemap replaces the schematic style (basemap-view.ts).
        setCityBounds(map, basemap.bbox);
        await basemapView.useVector(vector);
        kiosk?.setBasemap(basemap);
        map.once('idle', () => {
          basemapLoaded = true;
        });
        basemapNotice.hidden = true;
        return;
      }
      const apply = (): void => {
        applyBasemap(map, basemap);
        kiosk?.setBasemap(basemap);
        map.once('idle', () => {
          basemapLoaded = true;
        });
        basemapNotice.hidden = true;
      };
      if (map.isStyleLoaded()) apply();
      else map.once('load', apply);
    } catch (err) {
      console.error('[citytwin] base map:', err);
      basemapNotice.hidden = false;
      setText(basemapNotice, t('map.basemapError'));
      window.setTimeout(() => void loadBasemap(), BASEMAP_RETRY_MS);
    }
  }
  void loadBasemap();

  // --- stream → store → layer ---
  let countsDirty = true;
  let counts: SensorCounts | undefined;
  stream.subscribe((event) => {
    switch (event.type) {
      case 'snapshot':
        if (firstSnapshotVersion < 0) firstSnapshotVersion = store.version;
        // Rows are renumbered per epoch: find the selected sensor again.
        overlay.setSelectedRow(panel.selectedId ? store.indexOf(panel.selectedId) : -1);
        overlay.invalidate();
        countsDirty = true;
        return;
      case 'delta':
        overlay.invalidate();
        countsDirty = true;
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

  function connectionState(): ConnectionState {
    if (!stream.connected) return stream.connectedAt === null ? 'connecting' : 'disconnected';
    if (stream.resyncing) return 'resyncing';
    if (store.epoch === null) return 'connecting';
    return stream.freshness().stopped ? 'stalled' : 'live';
  }

  function tick(): void {
    const freshness = stream.freshness();
    banner.update(freshness);
    strip.update({ stats: stream.stats, freshness, sensorsOnScreen: store.count });
    topBar.setConnection(connectionState());
    topBar.setClock(stream.clock.synced ? serverNow() : null);
    if (countsDirty) {
      counts = store.counts(counts);
      countsDirty = false;
    }
    if (viewport.active && viewport.mode === 'cells') {
      // Zoomed out on a big registry: the legend counts the viewport's cells by state.
      const cells = viewport.visibleCells();
      const byState = new Uint32Array(8);
      let total = 0;
      for (const c of cells) {
        total += c.n;
        c.states.forEach((n, code) => (byState[code] = (byState[code] ?? 0) + n));
      }
      legend.update({ total, unplaced: 0, byState, byKind: new Uint32Array(counts?.byKind.length ?? 16) }, 0, true);
    } else if (counts) legend.update(counts, overlay.drawnCount);
    incidents?.render();
    unitBoard?.render();
    dispatchSection?.tick();
    drawIncidents();
    if (viewport.active)
      scaleBadge.update({
        active: true,
        mode: viewport.mode,
        total: viewport.cache.total,
        cells: viewport.visibleCells().length,
        points: store.count,
        zoom: map.getZoom(),
      });
    tooltip.refresh();
    kiosk?.tick();
    document.body.dataset.ready = String(isReady());
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
    topBar.renderLabels();
    userMenu.renderLabels();
    banner.renderLabels();
    legend.renderLabels();
    strip.renderLabels();
    panel.renderLabels();
    incidents?.renderLabels();
    unitBoard?.renderLabels();
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
  // The cookie rides on the handshake by itself; a display sends its token.
  const token = bearerToken();
  const socket = io({ autoConnect: false, ...(token ? { auth: { token } } : {}) }) as StreamSocket;
  // A session that ended (logout elsewhere, revoked, expired): back to the login page.
  const signedOut = (): void => {
    // A password change ends this session too and hands out a new one: the dialog reloads.
    if (sessionRotating()) return;
    if (token) dropDisplayToken();
    window.location.reload();
  };
  socket.on('connect_error', (err: Error & { data?: { status?: number } }) => {
    if (err.data?.status === 401) signedOut();
  });
  socket.on('refused', (msg) => {
    if (msg.event === 'connection') signedOut();
    else console.warn(`[citytwin] refused: ${msg.reason}`);
  });
  // Queue and rings redraw once per frame however many changes arrive (a storm links often).
  let incidentFrame = 0;
  const redrawIncidents = (): void => {
    if (incidentFrame) return;
    incidentFrame = requestAnimationFrame(() => {
      incidentFrame = 0;
      incidents?.render();
      drawIncidents();
    });
  };
  socket.on('incidents', (msg) => {
    incidents?.announce(incidentQueue.reset(msg));
    redrawIncidents();
  });
  socket.on('incident', (msg) => {
    if (incidentQueue.apply(msg)) incidents?.announce([msg.incident.id]);
    incidents?.changed(msg.incident.id);
    redrawIncidents();
  });
  // Units: the board, the incident's dispatch section and the map follow once per frame.
  let unitFrame = 0;
  let unitStatusChanged = false;
  const unitsChanged = (statusChanged: boolean): void => {
    unitStatusChanged ||= statusChanged;
    if (unitFrame) return;
    unitFrame = requestAnimationFrame(() => {
      unitFrame = 0;
      const changed = unitStatusChanged;
      unitStatusChanged = false;
      unitBoard?.render();
      dispatchSection?.unitsChanged(changed);
      drawIncidents();
    });
  };
  socket.on('units', (msg) => {
    unitStore.reset(msg);
    unitsChanged(true);
  });
  socket.on('unit', (msg) => unitsChanged(unitStore.apply(msg).length > 0));
  viewport.start(socket);
  stream.start(socket);

  installTestHooks({
    get ready() {
      return isReady();
    },
    sensorCount: () => store.count,
    drawnCount: () => overlay.drawnCount,
    lastSeq: () => store.seq,
    epoch: () => store.epoch,
    language: () => getLanguage(),
    setLanguage: (l) => setLanguage(l),
    projectSensor: (id) => {
      const i = store.indexOf(id);
      if (i < 0 || !store.hasPosition(i)) return null;
      const p = map.project([store.lng[i]!, store.lat[i]!]);
      const rect = map.getContainer().getBoundingClientRect();
      return [rect.left + p.x, rect.top + p.y];
    },
    selectSensor: (id) => select(id),
    selectedSensor: () => panel.selectedId,
    webglRenderer: () => webglRendererOf(map.getCanvas()) || webglRendererOf(overlay.canvas),
    deckRenderCount: () => overlay.renderCount,
    get onDeckRender() {
      return overlay.renderCount;
    },
    freshness: () => stream.freshness(),
    streamCounters: () => ({ ...stream.counters }),
    incidentCount: () => incidentQueue.size,
    incidentIds: () => incidentQueue.list().map((i) => i.id),
    selectIncident: (id) => incidents?.select(id),
    selectedIncident: () => incidents?.selectedId ?? null,
    projectIncident: (id) => {
      const i = incidentQueue.get(id);
      if (!i) return null;
      const p = map.project([i.lng, i.lat]);
      const rect = map.getContainer().getBoundingClientRect();
      return [rect.left + p.x, rect.top + p.y];
    },
    kioskState: () => kiosk?.state() ?? null,
    unitCount: () => unitStore.size,
    unitStatus: (id) => unitStore.get(id)?.status ?? null,
    unitTripPath: (id) => drawnTrips.find((d) => d.unitId === id)?.path ?? null,
    previewRoute: () => unitPreview,
    projectUnit: (id) => {
      const u: UnitView | undefined = unitStore.get(id);
      if (!u) return null;
      const p = map.project([u.lng, u.lat]);
      const rect = map.getContainer().getBoundingClientRect();
      return [rect.left + p.x, rect.top + p.y];
    },
    selectUnit: (id) => unitBoard?.select(id),
    basemap: () => ({
      mode: basemapView.mode,
      variant: basemapView.variant,
      is3d: basemapView.is3d,
      pitch: map.getPitch(),
      bearing: map.getBearing(),
      zoom: map.getZoom(),
      loaded: map.loaded() && !map.isMoving(),
      background: map.getLayer('background') ? String(map.getPaintProperty('background', 'background-color')) : null,
      center: map.getCenter().toArray() as [number, number],
      districts: map.getLayer('district-fill')
        ? [...new Set(map.queryRenderedFeatures({ layers: ['district-fill'] }).map((f) => String(f.properties.code ?? '')))].sort()
        : [],
    }),
  });
}

void boot();
