/**
 * The operator console as a table of contents: each part is built by one short method that
 * names its adapters, and the console connects them — the live stream to the sensor table and
 * layer, one {@link ConsoleView} per tick to every panel, the socket to the incident and unit
 * stores. What the console knows lives in its ONE {@link ConsoleState}.
 *
 *   socket.io ──► LiveStream ──► SensorStore (typed arrays) ──► SensorOverlay (deck.gl, per frame)
 *                     │                    └────────────────► Legend counts (per tick)
 *                     └─► stats, freshness ──► ConsoleView ──► every panel's render (per tick)
 */
import type { Map as MaplibreMap } from 'maplibre-gl';
import type { IncidentView } from '../../shared/protocol.ts';
import type { SearchHit } from '../../shared/search-protocol.ts';
import { PanelSet } from '../app/panel.ts';
import { fetchVocabulary } from '../backend/api-client.ts';
import { loadCityInfo } from '../backend/city-info.ts';
import type { Me } from '../backend/session.ts';
import { setDeclaredVocabulary } from '../i18n/declared-vocabulary.ts';
import { showTimesIn } from '../i18n/format.ts';
import { getLanguage, onLanguageChange, t } from '../i18n/language.ts';
import { scaleMapLabels } from '../map/label-scale.ts';
import { wallTypeScale } from '../kiosk/wall-scale.ts';
import { KioskMode } from '../kiosk/kiosk-mode.ts';
import { parseWallPlan, WallPlanError, type WallPlan } from '../kiosk/wall-plan.ts';
import { BasemapView } from '../map/basemap-view.ts';
import { ScaleBadge } from '../map/cell-layer.ts';
import { createCityMap, setMapLanguage, showCity } from '../map/city-map.ts';
import { INCIDENT_LAYER_ID } from '../map/incident-layer.ts';
import { MapViewControl } from '../map/map-view-control.ts';
import { SensorOverlay } from '../map/sensor-overlay.ts';
import { publishStateColors } from '../map/sensor-style.ts';
import { UNIT_LAYER_ID, type UnitMark } from '../map/unit-layer.ts';
import { DispatchSection } from '../panels/dispatch-section.ts';
import { IncidentPanel } from '../panels/incident-panel.ts';
import { Legend } from '../panels/legend.ts';
import { LayerPanel } from '../panels/layer-panel.ts';
import { SearchBox } from '../panels/search-box.ts';
import { SensorPanel } from '../panels/sensor-panel.ts';
import { SensorTooltip } from '../panels/sensor-tooltip.ts';
import { StatusStrip } from '../panels/status-strip.ts';
import { StreamBanner } from '../panels/stream-banner.ts';
import { TopBar } from '../panels/top-bar.ts';
import { UnitBoard, UnitTooltip } from '../panels/unit-board.ts';
import { UserMenu } from '../panels/user-menu.ts';
import { CapDesk, usesCapDesk } from '../panels/cap-desk.ts';
import { IncidentQueue } from '../stream/incident-queue.ts';
import { LiveStream } from '../stream/live-stream.ts';
import { UnitStore } from '../stream/unit-store.ts';
import { ViewportClient } from '../stream/viewport-client.ts';
import { h, requireElement, setAttr, setText } from '../ui/dom.ts';
import { loadBasemap, loadSourceNames } from './basemap-loader.ts';
import { installConsoleHooks } from './console-hooks.ts';
import { followVocabulary, openConsoleSocket } from './console-socket.ts';
import {
  assetName,
  can,
  sourceName,
  createConsoleState,
  districtName,
  isReady,
  saveLayerPrefs,
  type ConsoleState,
  type ConsoleView,
} from './console-state.ts';
import { ConsoleViewBuilder } from './console-view.ts';
import type { LayerSwitch } from '../map/layer-prefs.ts';
import { MapLayers } from './map-layers.ts';
import { WarningAreas } from './warning-areas.ts';

/** Status strip, banner, clock and legend counts refresh this often. */
const TICK_MS = 500;

/** The incident and unit parts, present as the role's permissions allow. */
interface Operations {
  unitStore: UnitStore;
  incidentQueue: IncidentQueue;
  unitTooltip: UnitTooltip | null;
  dispatchSection: DispatchSection | null;
  unitBoard: UnitBoard | null;
  incidents: IncidentPanel | null;
}

export class OperatorConsole {
  readonly state: ConsoleState;
  private readonly stream = new LiveStream();
  private readonly map: MaplibreMap;
  private readonly basemapView: BasemapView;
  private readonly viewControl: MapViewControl;
  private readonly ui = h('div', { class: 'ui-layer' });
  private readonly panels = new PanelSet<ConsoleView>();
  private readonly note = h('div', { class: 'schematic-note', 'data-testid': 'schematic-note' });
  private readonly basemapNotice = h('div', { class: 'map-notice', role: 'status', hidden: true, 'data-testid': 'basemap-notice' });
  private readonly legend: Legend;
  private readonly layerPanel: LayerPanel;
  private readonly sensorPanel: SensorPanel;
  private readonly tooltip: SensorTooltip;
  private readonly overlay: SensorOverlay;
  private readonly viewport: ViewportClient;
  private readonly ops: Operations;
  private readonly layers: MapLayers;
  private readonly warnings: WarningAreas | null;
  private readonly plan: WallPlan | null;
  private readonly kiosk: KioskMode | null;
  private readonly topBar: TopBar;
  /** The public-warning desk's top-bar button and the incident's "draft public warning", or null. */
  private readonly capDesk: CapDesk | null;
  /** The box of the incident detail's sections (dispatch, the warning desk): one node for the console's life. */
  private readonly sectionsBox = h('div', { class: 'detail-sections' });
  private readonly views: ConsoleViewBuilder;

  constructor(me: Me) {
    publishStateColors();
    this.state = createConsoleState(me);
    const app = requireElement(document, '#app');
    const mapEl = requireElement(app, '#map');
    app.appendChild(this.ui);
    this.map = createCityMap(mapEl, getLanguage());
    // The city's PMTiles basemap (dark/light) or the schematic map; 2D or tilted 3D.
    this.basemapView = new BasemapView(this.map, getLanguage);
    this.viewControl = new MapViewControl(this.basemapView);
    this.map.addControl(this.viewControl, 'bottom-right');
    // Panels in page order: top bar, banner, legend, sensor panel, status strip, notices.
    const topBar = this.panels.add(new TopBar(), this.ui);
    this.topBar = topBar;
    this.panels.add(new StreamBanner(), this.ui);
    this.legend = this.panels.add(
      new Legend(
        (filter) => {
          // The legend's kind toggles are the layer panel's sensor kinds: remembered the same way.
          this.overlay.setFilter(filter);
          this.state.layers.hiddenKinds = this.legend.hiddenKinds();
          saveLayerPrefs(this.state);
          this.layerPanel.render();
        },
        { units: can(this.state, 'units.read') },
      ),
      this.ui,
    );
    this.sensorPanel = this.panels.add(
      new SensorPanel({
        serverNow: this.serverNow,
        districtName: this.districtOf,
        onClose: () => this.select(null),
        canHistory: can(this.state, 'sensors.history'),
      }),
      this.ui,
    );
    const topRight = topBar.el.querySelector<HTMLElement>('.top-right') ?? topBar.el;
    // The public-warning desk (docs/cap.md), for those who draft or approve warnings.
    this.capDesk = usesCapDesk(me) ? this.panels.add(new CapDesk(me), topRight) : null;
    this.panels.add(new UserMenu(me), topRight);
    this.panels.add(
      new SearchBox({
        districtName: this.districtOf,
        open: (hit) => this.openHit(hit),
        clearFocus: () => this.setFocus(null),
      }),
      topBar.middle,
    );
    this.layerPanel = this.panels.add(
      new LayerPanel({ prefs: this.state.layers, available: this.layerSwitches(), onChange: () => this.applyLayers(true) }),
      topBar.middle,
    );
    this.panels.add(new StatusStrip(), this.ui);
    this.ui.append(this.note, this.basemapNotice);
    this.tooltip = new SensorTooltip(mapEl, { store: this.stream.store, serverNow: this.serverNow, districtName: this.districtOf });
    this.overlay = this.buildOverlay();
    this.viewport = this.buildViewport();
    this.ops = this.buildOperations(mapEl);
    this.warnings = can(this.state, 'warnings.read') ? new WarningAreas(() => this.layers.drawIncidents()) : null;
    this.layers = new MapLayers({
      warnings: this.warnings,
      state: this.state,
      map: this.map,
      overlay: this.overlay,
      incidentQueue: this.ops.incidentQueue,
      unitStore: this.ops.unitStore,
      incidents: () => this.ops.incidents,
      unitBoard: this.ops.unitBoard,
      unitTooltip: this.ops.unitTooltip,
      sensors: this.stream.store,
    });
    this.applyLayers(false);
    this.plan = this.wallPlan();
    this.kiosk = this.buildKiosk();
    // A desk's window as wide as a wall gets the wall's names on the map, as kiosk mode does (wall-scale.ts).
    if (!this.kiosk) scaleMapLabels(this.map, wallTypeScale);
    this.views = this.buildViews();
  }

  /** The view every panel draws each tick, with the revisions of its parts. */
  private buildViews(): ConsoleViewBuilder {
    const { state, stream, overlay, viewport, map, serverNow } = this;
    return new ConsoleViewBuilder({ state, stream, overlay, viewport, zoom: () => map.getZoom(), serverNow });
  }

  /** Loads the base map, follows the stream, words the page and connects. */
  start(): void {
    this.map.on('load', () => {
      this.state.mapLoaded = true;
    });
    // A new style (base map, dark/light, language) brings its labels back: hide them again if asked.
    this.map.on('styledata', () => this.applyLabels());
    // The city the server runs: its name, its map view, its clocks.
    void loadCityInfo().then((city) => {
      if (!city) return;
      showTimesIn(city.timezone);
      this.topBar.setCity(city.name);
      showCity(this.map, city);
    });
    void loadBasemap({ state: this.state, map: this.map, basemapView: this.basemapView, kiosk: this.kiosk, notice: this.basemapNotice });
    if (can(this.state, 'city.read')) void loadSourceNames(this.state);
    // Labels and units of the kinds the city declares (shown by name until they arrive).
    fetchVocabulary()
      .then((doc) => setDeclaredVocabulary(doc))
      .catch(() => undefined);
    this.followStream();
    this.followBasemapView();
    onLanguageChange((next) => {
      setMapLanguage(this.map, next);
      this.renderLabels();
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.sensorPanel.selectedId) this.select(null);
      else if (e.key === 'Escape' && this.ops.incidents?.selectedId) this.ops.incidents.select(null);
    });
    this.renderLabels();
    window.setInterval(() => this.tick(), TICK_MS);
    this.warnings?.start();
    const socket = openConsoleSocket({ ...this.ops, drawIncidents: () => this.layers.drawIncidents() });
    followVocabulary(socket, () => this.renderLabels());
    this.viewport.start(socket);
    this.stream.start(socket);
    installConsoleHooks({
      ...this.ops,
      state: this.state,
      map: this.map,
      stream: this.stream,
      overlay: this.overlay,
      basemapView: this.basemapView,
      panel: this.sensorPanel,
      kiosk: this.kiosk,
      select: (id) => this.select(id),
    });
  }

  private readonly serverNow = (): number => this.stream.clock.now(Date.now());
  private readonly districtOf = (code: string | null): string | null => districtName(this.state, code, getLanguage());

  /** The sensor layer; a click on a unit or an incident ring opens it instead of a sensor. */
  private buildOverlay(): SensorOverlay {
    const store = this.stream.store;
    return new SensorOverlay(this.map, store, this.legend.filter, {
      onHover: (row, x, y) => this.tooltip.show(row, x, y),
      onSelect: (row) => this.select(store.ids[row] ?? null),
      areaLayerIds: [INCIDENT_LAYER_ID],
      onPickExtra: (info) => {
        if (info.layer?.id === UNIT_LAYER_ID && this.ops.unitBoard) {
          this.ops.unitBoard.select((info.object as UnitMark).unit.id);
          return true;
        }
        if (info.layer?.id !== INCIDENT_LAYER_ID || !this.ops.incidents) return false;
        this.ops.incidents.select((info.object as IncidentView).id);
        return true;
      },
    });
  }

  /** Big registries: the viewport's sensors when zoomed in, aggregate cells when zoomed out (docs/scale.md). */
  private buildViewport(): ViewportClient {
    const scaleBadge = this.panels.add(new ScaleBadge(), this.ui);
    const viewport = new ViewportClient(this.map, () => {
      // Cells refreshed every few seconds are the live data while zoomed out (freshness, banner).
      if (viewport.mode === 'cells') this.stream.lastUpdateAt = Date.now();
      this.layers.drawCells(viewport);
      scaleBadge.render(this.view());
    });
    return viewport;
  }

  /** Response units (units.read), dispatch (dispatch.act) and incidents (incidents.read). */
  private buildOperations(mapEl: HTMLElement): Operations {
    const state = this.state;
    const unitStore = new UnitStore();
    const incidentQueue = new IncidentQueue();
    const canUnits = can(state, 'units.read');
    const serverNow = this.serverNow;
    const dispatchSection = canUnits
      ? new DispatchSection({
          units: unitStore,
          canAct: can(state, 'dispatch.act'),
          serverNow,
          districtName: this.districtOf,
          onPreview: (path) => {
            state.unitPreview = path;
            state.previewSeq++;
            this.layers.drawIncidents();
          },
        })
      : null;
    const unitBoard = canUnits
      ? this.panels.add(
          new UnitBoard({ units: unitStore, canAct: can(state, 'dispatch.act'), serverNow, onSelect: () => this.layers.drawIncidents() }),
          this.ui,
        )
      : null;
    const incidents = can(state, 'incidents.read')
      ? this.panels.add(
          new IncidentPanel({
            queue: incidentQueue,
            canAct: can(state, 'incidents.act'),
            serverNow,
            districtName: this.districtOf,
            assetName: (id) => assetName(state, id, getLanguage()),
            sourceName: (id) => sourceName(state, id, getLanguage()),
            districtsKnown: () => state.districtNames.size,
            onSelect: (id) => {
              dispatchSection?.setIncident(id);
              this.layers.drawIncidents();
            },
            onFilterChange: () => this.layers.drawIncidents(),
            openSensor: (id) => this.openSensor(id),
            locate: (lng, lat) => this.flyTo(lng, lat),
            ...(dispatchSection || this.capDesk
              ? {
                  detailSection: (inc: IncidentView) =>
                    detailSections(this.sectionsBox, dispatchSection?.show(inc), this.capDesk?.incidentSection(inc)),
                }
              : {}),
          }),
          this.ui,
        )
      : null;
    const unitTooltip = canUnits ? new UnitTooltip(mapEl, { serverNow }) : null;
    return { unitStore, incidentQueue, unitTooltip, dispatchSection, unitBoard, incidents };
  }

  /** The wall plan of the address (`?kiosk=1&rotate=…`), or null; a bad plan is shown on the notice. */
  private wallPlan(): WallPlan | null {
    try {
      return parseWallPlan(window.location.search);
    } catch (err) {
      if (!(err instanceof WallPlanError)) throw err;
      this.basemapNotice.hidden = false;
      setText(this.basemapNotice, t('kiosk.badPlan', { reason: err.message }));
      return null;
    }
  }

  /** Wall displays: ?kiosk=1 (with a display token), rotation, wall tiles, focus, watermark. */
  private buildKiosk(): KioskMode | null {
    const plan = this.plan;
    if (!plan?.kiosk) return null;
    return new KioskMode({
      map: this.map,
      plan,
      ui: this.ui,
      serverNow: this.serverNow,
      freshness: () => this.stream.freshness(),
      lastUpdateAt: () => this.stream.lastUpdateAt,
      incidents: this.ops.incidentQueue,
      selectIncident: (id) => this.ops.incidents?.select(id),
      districtName: this.districtOf,
      freeArea: () => this.freeArea(),
    });
  }

  /** Opens the sensor panel on `id` (null closes it) and marks the sensor on the map. */
  private select(id: string | null): void {
    document.body.classList.toggle('panel-open', id !== null);
    if (id === null) {
      this.sensorPanel.close();
      this.overlay.setSelectedRow(-1);
      return;
    }
    this.sensorPanel.open(id);
    this.overlay.setSelectedRow(this.stream.store.indexOf(id));
  }

  /** Opens a sensor's panel and flies the map to it (evidence rows, search). */
  private openSensor(id: string): void {
    this.select(id);
    const store = this.stream.store;
    const row = store.indexOf(id);
    if (row >= 0 && store.hasPosition(row)) this.flyTo(store.lng[row]!, store.lat[row]!);
  }

  /**
   * Opens what the search found: a sensor, incident or unit in its panel, a district, road or
   * asset highlighted on the map (the search box shows its card); the map flies to it.
   */
  private openHit(hit: SearchHit): void {
    const place = hit.kind === 'district' || hit.kind === 'road' || hit.kind === 'asset';
    this.setFocus(place ? hit : null);
    switch (hit.kind) {
      case 'sensor':
        this.select(hit.id);
        this.flyTo(hit.lng, hit.lat);
        return;
      case 'incident':
        this.ops.incidents?.select(hit.id);
        this.flyTo(hit.lng, hit.lat);
        return;
      case 'unit':
        this.ops.unitBoard?.select(hit.id);
        this.flyTo(hit.lng, hit.lat);
        return;
      case 'district':
      case 'road':
        if (hit.bbox) this.map.fitBounds(hit.bbox, { padding: this.fitPadding(), maxZoom: 15, essential: true });
        else this.flyTo(hit.lng, hit.lat);
        return;
      case 'asset':
        this.flyTo(hit.lng, hit.lat, Math.max(this.map.getZoom(), 15));
        return;
    }
  }

  /** The layer panel's switches this role can use. */
  private layerSwitches(): Set<LayerSwitch> {
    const out = new Set<LayerSwitch>(['sensors', 'heat', 'labels']);
    if (can(this.state, 'incidents.read')) out.add('incidents');
    if (can(this.state, 'units.read')) out.add('units').add('routes');
    return out;
  }

  /** Applies the layer panel's choices to the map (and remembers them when `save`). */
  private applyLayers(save: boolean): void {
    const prefs = this.state.layers;
    this.legend.setHiddenKinds(prefs.hiddenKinds);
    this.overlay.setFilter(this.legend.filter);
    this.overlay.setSensorsVisible(prefs.on.sensors);
    this.applyLabels();
    this.state.layersSeq++;
    this.layers.drawIncidents();
    if (save) saveLayerPrefs(this.state);
  }

  /** Shows or hides the base map's labels (its symbol layers). */
  private applyLabels(): void {
    if (!this.map.style) return;
    const visibility = this.state.layers.on.labels ? 'visible' : 'none';
    for (const id of this.map.getLayersOrder()) {
      if (this.map.getLayer(id)?.type !== 'symbol') continue;
      // Only a change is set: setting fires styledata again.
      if ((this.map.getLayoutProperty(id, 'visibility') ?? 'visible') !== visibility)
        this.map.setLayoutProperty(id, 'visibility', visibility);
    }
  }

  /** The place the map highlights (null: none). */
  private setFocus(hit: SearchHit | null): void {
    this.state.focus = hit;
    this.state.focusSeq++;
    this.layers.drawIncidents();
  }

  /** Padding for fitting a place into the free part of the map, with a margin. */
  private fitPadding(): { top: number; bottom: number; left: number; right: number } {
    const free = this.freeArea();
    // The search card sits under the top bar.
    return { top: free.top + 64, bottom: free.bottom + 24, left: free.left + 24, right: free.right + 24 };
  }

  /** Flies to a place, centring it in the part of the map that no panel covers. */
  private flyTo(lng: number, lat: number, zoom = Math.max(this.map.getZoom(), 14)): void {
    this.map.flyTo({ center: [lng, lat], zoom, padding: this.freeArea(), essential: true });
  }

  /** Padding (px) of the map that the open panels cover: the legend on the left, the queue and sensor panel on the right. */
  private freeArea(): { top: number; bottom: number; left: number; right: number } {
    const map = this.map.getContainer().getBoundingClientRect();
    const covered = (el: Element | null | undefined): DOMRect | null => {
      if (!(el instanceof HTMLElement) || el.hidden || el.offsetParent === null) return null;
      return el.getBoundingClientRect();
    };
    let left = 0;
    let right = 0;
    let bottom = Math.min(map.height * 0.2, 40);
    const legend = covered(this.legend.el);
    if (legend && legend.right < map.left + map.width / 2) left = legend.right - map.left;
    for (const el of [this.ops.incidents?.el, this.sensorPanel.el]) {
      const r = covered(el);
      if (!r) continue;
      // A small screen: panels are sheets at the bottom, not columns beside the map.
      if (r.width > map.width * 0.6) bottom = Math.max(bottom, map.bottom - r.top);
      else if (r.left > map.left + map.width / 2) right = Math.max(right, map.right - r.left);
    }
    if (left + right > map.width * 0.6) left = right = 0;
    const top = Math.min(map.height * 0.3, covered(document.querySelector('.top-bar'))?.bottom ?? 0);
    // Keep at least a fifth of the map's height to centre in.
    bottom = Math.min(bottom, Math.max(0, map.height * 0.8 - top));
    return { top, bottom, left, right };
  }

  /** Stream → store → layer. */
  private followStream(): void {
    const { state, overlay } = this;
    const store = this.stream.store;
    this.stream.subscribe((event) => {
      switch (event.type) {
        case 'snapshot':
          if (state.firstSnapshotVersion < 0) state.firstSnapshotVersion = store.version;
          // Rows are renumbered per epoch: find the selected sensor again.
          overlay.setSelectedRow(this.sensorPanel.selectedId ? store.indexOf(this.sensorPanel.selectedId) : -1);
          overlay.invalidate();
          state.countsDirty = true;
          return;
        case 'delta':
          overlay.invalidate();
          state.countsDirty = true;
          return;
        case 'connection':
          // Show a lost connection at once, not at the next tick.
          this.tick();
          return;
        case 'resync':
        case 'stats':
          return;
      }
    });
  }

  /** The note under the map follows the base map; a wall may ask for a tilted view (`&pitch=45&bearing=-20`). */
  private followBasemapView(): void {
    this.basemapView.onChange(() => {
      setText(this.note, this.noteText());
      document.body.dataset.basemap = `${this.basemapView.mode}:${this.basemapView.variant}`;
    });
    if (this.plan && this.plan.tilt.pitch > 0) {
      const tilt = this.plan.tilt;
      this.map.once('load', () => this.basemapView.set3d(true, tilt, 0));
    }
  }

  /** Under the schematic map its disclaimer; under a city's vector basemap its attribution. */
  private noteText(): string {
    return this.basemapView.mode === 'vector' ? (this.basemapView.attribution ?? t('map.vectorBasemap')) : t('app.schematic');
  }

  private tick(): void {
    const view = this.view();
    this.panels.render(view);
    this.overlay.setMuted(view.freshness.stopped);
    this.ops.dispatchSection?.tick();
    this.layers.drawIncidents();
    this.tooltip.refresh();
    this.kiosk?.tick();
    // Set only on a change: an attribute set again, even to the value it had, is a change to the page.
    setAttr(document.body, 'data-ready', String(isReady(this.state, this.overlay.drawnVersion)));
  }

  private renderLabels(): void {
    document.title = `CityTwin · ${t('app.subtitle')}`;
    setText(this.note, this.noteText());
    this.panels.renderLabels();
    this.viewControl.renderLabels();
    if (!this.basemapNotice.hidden) setText(this.basemapNotice, t('map.basemapError'));
    this.tick();
  }

  /** What every panel draws this tick. */
  private view(): ConsoleView {
    return this.views.build();
  }
}

/** The incident detail's own sections (dispatch, the public warning) in one element, or null when none. */
/**
 * The sections under an incident's detail (dispatch, the warning desk) in one box that stays the
 * same node across the detail's redraws: a section that stays (the dispatch list under the
 * pointer, a reason being typed) is never taken out of the page, only what changed is swapped.
 */
function detailSections(box: HTMLElement, ...parts: Array<HTMLElement | null | undefined>): HTMLElement | null {
  const present = parts.filter((p): p is HTMLElement => p instanceof HTMLElement);
  if (present.length <= 1) return present[0] ?? null;
  present.forEach((part, i) => {
    const current = box.children[i];
    if (current === part) return;
    if (current) box.replaceChild(part, current);
    else box.appendChild(part);
  });
  while (box.children.length > present.length) box.lastElementChild!.remove();
  return box;
}
