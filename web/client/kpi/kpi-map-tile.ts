/** The KPI screen's centre stage: the headline figures in a band over the city map with the open incidents on it (a click opens their rows). */
import { setWorkerUrl, type GeoJSONSource, type Map as MaplibreMap } from 'maplibre-gl';
import maplibreWorkerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import type { Panel } from '../app/panel.ts';
import { getLanguage } from '../i18n/language.ts';
import { applyBasemap, createCityMap, fetchBasemap, setMapLanguage, showCity } from '../map/city-map.ts';
import { renderedLabelSizes, scaleMapLabels } from '../map/label-scale.ts';
import { firstSymbolLayerId } from '../map/under-labels.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import { kt } from './kpi-strings.ts';
import type { CityInfo } from '../../shared/protocol.ts';
import type { KpiState } from './kpi-state.ts';
import { kpiZoomStep, typeScale } from './kpi-layout.ts';

setWorkerUrl(maplibreWorkerUrl);

/** The desk's body type (px), which the base map's label sizes are drawn for. */
const DESK_TYPE_PX = 16;
/** Base map fetches, at most, 3 s apart. */
const BASEMAP_ATTEMPTS = 20;

export interface KpiMapTileOptions {
  /** The city, whose place the map shows first (null: the base map's own view). */
  city: CityInfo | null;
  /** The figures above the map for the screen's state (kpi-headline.ts words them). */
  headline: (view: KpiState) => HTMLElement[];
  /** The user clicked an open incident on the map. */
  openIncidents: () => void;
}

export class KpiMapTile implements Panel<KpiState> {
  private readonly headline = h('div', { class: 'kpi-headline', 'data-testid': 'kpi-headline' });
  private readonly mapEl = h('div', { class: 'kpi-map' });
  /** What the headline's arrows compare with. */
  private readonly note = h('div', { class: 'kpi-map-note', 'data-testid': 'kpi-trend-note' });
  private readonly el = h(
    'section',
    { class: 'kpi-tile kpi-map-tile', 'data-testid': 'kpi-map', 'data-tile': 'map' },
    this.headline,
    h('div', { class: 'kpi-map-stage' }, this.mapEl, this.note),
  );
  private map: MaplibreMap | null = null;
  private mapReady = false;
  private last: KpiState | null = null;
  /**
   * The map's size (px) when the city was fitted into it, its size when the view was last set,
   * and whether a person has moved it since.
   */
  private fittedAt: { width: number; height: number } | null = null;
  private shownAt: { width: number; height: number } | null = null;
  private movedByHand = false;
  private readonly stageWatch = new ResizeObserver(() => this.keepView());

  constructor(private readonly options: KpiMapTileOptions) {}

  /** Mounts the tile and makes the map in it (with the city's view when it is known). */
  mount(parent: HTMLElement): void {
    parent.appendChild(this.el);
    const map = createCityMap(this.mapEl, getLanguage());
    this.map = map;
    // The base map's names at the screen's type: a big screen is read from across the room.
    scaleMapLabels(map, () => typeScale(window.innerWidth, window.innerHeight).label / DESK_TYPE_PX);
    if (this.options.city) showCity(map, this.options.city);
    // The city was fitted to the stage as it was when the page opened; the headline band filled in
    // above it afterwards (and the window may change size): what was shown stays shown.
    this.fittedAt = { width: this.mapEl.clientWidth, height: this.mapEl.clientHeight };
    this.shownAt = this.fittedAt;
    map.on('movestart', (e) => {
      if (e.originalEvent) this.movedByHand = true;
    });
    this.stageWatch.observe(this.mapEl);
    map.on('load', () => {
      map.addSource('kpi-incidents', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
      map.addLayer(
        {
          id: 'kpi-incidents',
          type: 'circle',
          source: 'kpi-incidents',
          paint: {
            'circle-radius': ['interpolate', ['linear'], ['get', 'severity'], 1, 6, 5, 13],
            'circle-color': ['match', ['get', 'status'], 'acknowledged', '#f5aa28', '#f04a4a'],
            'circle-opacity': 0.85,
            'circle-stroke-color': '#ffffff',
            'circle-stroke-width': 1.5,
          },
          // Under the base map's names: a wall read across the room still tells where they are.
        },
        firstSymbolLayerId(map),
      );
      map.on('click', 'kpi-incidents', () => this.options.openIncidents());
      this.mapReady = true;
      this.drawIncidents();
      void this.loadBasemap(map);
    });
  }

  /** The largest label size the map draws (px) by symbol layer (a test hook). */
  labelSizes(): Record<string, number> {
    return this.map ? renderedLabelSizes(this.map) : {};
  }

  /** The district names drawn (a test hook): each one's text, size (px) and anchor across the map, and the map's width. */
  districtNames(): { width: number; names: Array<{ text: string; size: number; x: number }> } {
    const map = this.map;
    if (!map?.getLayer('label-district')) return { width: 0, names: [] };
    const names = map.queryRenderedFeatures({ layers: ['label-district'] }).flatMap((f) => {
      if (f.geometry.type !== 'Point') return [];
      const [lng, lat] = f.geometry.coordinates as [number, number];
      const size = Number((f.layer.layout as Record<string, unknown> | undefined)?.['text-size']);
      const text = String(f.properties[getLanguage() === 'zh' ? 'name_zh' : 'name_en'] ?? '');
      return [{ text, size, x: map.project([lng, lat]).x }];
    });
    return { width: map.getContainer().clientWidth, names };
  }

  render(view: KpiState): void {
    this.last = view;
    if (view.summary) replaceChildren(this.headline, ...this.options.headline(view));
    this.drawIncidents();
  }

  renderLabels(): void {
    setText(this.note, kt('trendNote'));
    if (this.map) setMapLanguage(this.map, getLanguage());
    if (this.last?.summary) replaceChildren(this.headline, ...this.options.headline(this.last));
  }

  /** The map follows its stage's size (the window, a language change of the band above it). */
  resize(): void {
    this.map?.resize();
  }

  destroy(): void {
    this.stageWatch.disconnect();
    this.map?.remove();
    this.el.remove();
  }

  /**
   * The map's stage changed size: unless a person moved the map, the view zooms by the stage's
   * change since the city was fitted, so what it showed stays in it (kpiKeptZoom) — a band that
   * grows above the map does not push the names at the city's edges (蔡甸区 at 3840×1080) off its
   * sides. Measured from the fit, not from the last size: a stage that shrinks and grows back
   * comes back to the fitted zoom instead of drifting out.
   */
  private keepView(): void {
    const map = this.map;
    const width = this.mapEl.clientWidth;
    const height = this.mapEl.clientHeight;
    if (!map || !this.fittedAt || !this.shownAt || width < 1 || height < 1) return;
    const delta = kpiZoomStep(this.fittedAt, this.shownAt, { width, height });
    this.shownAt = { width, height };
    if (this.movedByHand || Math.abs(delta) < 0.001) return;
    map.resize();
    map.setZoom(map.getZoom() + delta);
  }

  private drawIncidents(): void {
    const summary = this.last?.summary;
    if (!this.mapReady || !summary) return;
    this.map?.getSource<GeoJSONSource>('kpi-incidents')?.setData({
      type: 'FeatureCollection',
      features: summary.openIncidents.points.map((p) => ({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [p.lng, p.lat] },
        properties: { id: p.id, status: p.status, severity: p.severity, type: p.type },
      })),
    });
  }

  private async loadBasemap(map: MaplibreMap): Promise<void> {
    for (let attempt = 0; attempt < BASEMAP_ATTEMPTS; attempt++) {
      try {
        applyBasemap(map, await fetchBasemap());
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
  }
}
