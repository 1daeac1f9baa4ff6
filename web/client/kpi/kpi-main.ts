/**
 * The KPI big screen (大屏) for leaders: every figure from `GET /api/kpi/summary` (ClickHouse
 * rollups, docs/kpi.md), refreshed every 10 s, beside the city map with the open incidents on
 * it. Every number and every bar opens the rows behind it (`GET /api/kpi/drill/{kpi}`). Signs in
 * as the console does: a wall display opens `kpi.html?display=TOKEN`.
 */
import 'maplibre-gl/dist/maplibre-gl.css';
import '../styles/console.css';
import './kpi.css';
import { setWorkerUrl, type GeoJSONSource, type Map as MaplibreMap } from 'maplibre-gl';
import maplibreWorkerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { jsonCall } from '../backend/session.ts';
import { followRotation } from '../kiosk/kiosk-mode.ts';
import { parseWallPlan, WallPlanError } from '../kiosk/wall-plan.ts';
import { formatClock, formatDateTime, showTimesIn } from '../i18n/format.ts';
import { loadCityInfo } from '../backend/city-info.ts';
import type { CityInfo } from '../../shared/protocol.ts';
import { incidentTypeLabel } from '../i18n/incident-labels.ts';
import { getLanguage, onLanguageChange, pick, setLanguage } from '../i18n/language.ts';
import { applyBasemap, createCityMap, fetchBasemap, setMapLanguage, showCity } from '../map/city-map.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import type { KpiDrill, KpiSummary } from '../../shared/kpi-protocol.ts';
import { KpiCharts, type DrillRequest } from './kpi-charts.ts';
import type { CaseKpiResponse } from '../../shared/case-protocol.ts';
import { CASE_KPI_REFRESH_MS, CaseKpiTile } from './kpi-cases.ts';
import { chooseLayout, isStale, REFRESH_MS } from './kpi-layout.ts';
import { columnLabel, kt } from './kpi-strings.ts';

setWorkerUrl(maplibreWorkerUrl);

export interface KpiTestHooks {
  ready: boolean;
  layout: string;
  refreshes: number;
  summary: () => KpiSummary | null;
  /** The hotline case KPI the case panel shows. */
  caseKpi: () => CaseKpiResponse | null;
  /** Charts that have data drawn (series with at least one value). */
  chartsWithData: () => string[];
  drill: (req: DrillRequest) => Promise<void>;
  language: () => string;
  setLanguage: (l: 'zh' | 'en') => void;
}

declare global {
  interface Window {
    __kpi?: KpiTestHooks;
  }
}

/**
 * Starts the KPI screen for a signed-in principal (kpi-boot.ts signs in and loads this module),
 * every time on it on the city's clocks (GET /api/city).
 */
export function start(): void {
  void loadCityInfo().then((city) => {
    showTimesIn(city?.timezone ?? null);
    startScreen(city);
  });
}

function startScreen(city: CityInfo | null): void {
  const params = new URLSearchParams(window.location.search);
  const app = document.getElementById('kpi-app')!;
  const layout = chooseLayout(params.get('layout'), window.innerWidth, window.innerHeight);
  app.dataset.layout = layout;
  document.body.dataset.layout = layout;

  const title = h('h1', { class: 'kpi-title', 'data-testid': 'kpi-title' });
  const asOf = h('div', { class: 'kpi-asof', 'data-testid': 'kpi-asof', role: 'status' });
  const langButton = h('button', { type: 'button', class: 'kpi-lang', 'data-testid': 'language-toggle' });
  const back = h('a', { class: 'kpi-back', href: './', 'data-testid': 'kpi-back' });
  const message = h('div', { class: 'kpi-message', 'data-testid': 'kpi-message', hidden: true });
  const header = h('header', { class: 'kpi-header' }, title, h('div', { class: 'kpi-header-right' }, asOf, back, langButton));
  const grid = h('main', { class: 'kpi-grid', 'data-testid': 'kpi-grid' });
  const mapTile = h('section', { class: 'kpi-tile kpi-map-tile', 'data-testid': 'kpi-map' });
  const mapEl = h('div', { class: 'kpi-map' });
  const headline = h('div', { class: 'kpi-headline', 'data-testid': 'kpi-headline' });
  mapTile.append(headline, mapEl);
  app.append(header, message, grid);

  const charts = new KpiCharts(grid, mapTile, layout, (req) => void openDrill(req));
  const caseTile = new CaseKpiTile(grid, layout, (code) => {
    const all = [...(summary?.openIncidents.byDistrict ?? []), ...(summary?.serviceHalls.byDistrict ?? [])];
    const d = all.find((x) => x.district === code);
    return d ? (getLanguage() === 'en' ? d.nameEn : d.nameZh) : code;
  });
  const map: MaplibreMap = createCityMap(mapEl, getLanguage());
  if (city) showCity(map, city);
  let mapReady = false;
  map.on('load', () => {
    map.addSource('kpi-incidents', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({
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
    });
    map.on('click', 'kpi-incidents', () => void openDrill({ kpi: 'open-incidents', what: kt('openIncidents') }));
    mapReady = true;
    drawIncidents();
    void loadBasemap();
  });
  const loadBasemap = async (): Promise<void> => {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        applyBasemap(map, await fetchBasemap());
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
  };

  let summary: KpiSummary | null = null;
  /** When the newest summary arrived, by this browser's clock, and the server's `at` it describes. */
  let receivedAt: number | null = null;
  let refreshes = 0;

  const drawIncidents = (): void => {
    if (!mapReady || !summary) return;
    map.getSource<GeoJSONSource>('kpi-incidents')?.setData({
      type: 'FeatureCollection',
      features: summary.openIncidents.points.map((p) => ({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [p.lng, p.lat] },
        properties: { id: p.id, status: p.status, severity: p.severity, type: p.type },
      })),
    });
  };

  const renderLabels = (): void => {
    const heading = city ? `${pick(city.name)} · ${kt('title')}` : kt('title');
    document.title = `CityTwin · ${heading}`;
    setText(title, heading);
    setText(langButton, kt('lang'));
    setText(back, kt('toConsole'));
    setMapLanguage(map, getLanguage());
    renderAsOf();
    caseTile.render();
    if (summary) {
      charts.render(summary);
      replaceChildren(headline, ...charts.headline(summary));
    }
  };

  const renderAsOf = (): void => {
    const stale = isStale(receivedAt, Date.now());
    asOf.dataset.stale = String(stale);
    asOf.classList.toggle('stale', stale);
    const time = summary ? formatClock(summary.at) : '—';
    setText(asOf, stale && summary ? `${kt('asOf', { time })} · ${kt('stale')}` : summary ? kt('asOf', { time }) : kt('loading'));
  };

  const refresh = async (): Promise<void> => {
    const res = await jsonCall<KpiSummary>('GET', '/api/kpi/summary');
    if (!res.ok) {
      message.hidden = false;
      setText(message, kt('error', { reason: res.error }));
      renderAsOf();
      return;
    }
    message.hidden = true;
    summary = res.value;
    receivedAt = Date.now();
    refreshes++;
    charts.render(summary);
    replaceChildren(headline, ...charts.headline(summary));
    drawIncidents();
    renderAsOf();
    hooks.ready = true;
    document.body.dataset.ready = 'true';
  };

  const refreshCases = async (): Promise<void> => {
    const res = await jsonCall<CaseKpiResponse>('GET', '/api/kpi/cases');
    if (res.ok) caseTile.update(res.value);
    else console.warn(`[citytwin] ${kt('casesError', { reason: res.error })}`);
  };

  // --- drill-down: a table of the rows behind a number ---
  const openDrill = async (req: DrillRequest): Promise<void> => {
    document.querySelector('.kpi-drill')?.remove();
    const body = h('div', { class: 'kpi-drill-body' }, kt('loadingRows'));
    const close = h('button', { type: 'button', class: 'kpi-drill-close', 'data-testid': 'kpi-drill-close' }, kt('close'));
    const dialog = h(
      'div',
      { class: 'kpi-drill', role: 'dialog', 'data-testid': 'kpi-drill', 'data-kpi': req.kpi },
      h(
        'div',
        { class: 'kpi-drill-card' },
        h('div', { class: 'kpi-drill-head' }, h('h2', {}, kt('drillTitle', { what: req.what })), close),
        body,
      ),
    );
    close.addEventListener('click', () => dialog.remove());
    dialog.addEventListener('click', (e) => {
      if (e.target === dialog) dialog.remove();
    });
    document.body.appendChild(dialog);
    const query = new URLSearchParams({ ...(req.query ?? {}), ...(summary ? { at: String(summary.at) } : {}) });
    const res = await jsonCall<KpiDrill>('GET', `/api/kpi/drill/${req.kpi}?${query}`);
    if (!res.ok) {
      replaceChildren(body, kt('error', { reason: res.error }));
      return;
    }
    const d = res.value;
    dialog.dataset.total = String(d.total);
    dialog.dataset.hidden = String(d.hidden);
    const cell = (col: string, v: unknown): string => {
      if (v === null || v === undefined) return '—';
      if (typeof v === 'boolean') return v ? kt('yes') : kt('no');
      if (typeof v === 'number' && /At$|^ts$|^at$/.test(col)) return formatDateTime(v);
      if (col === 'type') return incidentTypeLabel(String(v));
      if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(1);
      return String(v);
    };
    const table = h(
      'table',
      { class: 'kpi-table', 'data-testid': 'kpi-drill-table' },
      h('thead', {}, h('tr', {}, ...d.columns.map((c) => h('th', {}, columnLabel(c))))),
      h('tbody', {}, ...d.rows.map((r) => h('tr', {}, ...d.columns.map((c) => h('td', {}, cell(c, r[c])))))),
    );
    replaceChildren(
      body,
      h('div', { class: 'kpi-drill-count', 'data-testid': 'kpi-drill-count' }, kt('drillRows', { total: d.total })),
      ...(d.hidden > 0
        ? [h('div', { class: 'kpi-drill-hidden', 'data-testid': 'kpi-drill-hidden' }, kt('drillHidden', { n: d.hidden }))]
        : []),
      h('div', { class: 'kpi-table-wrap' }, table),
    );
  };

  langButton.addEventListener('click', () => setLanguage(getLanguage() === 'zh' ? 'en' : 'zh'));
  onLanguageChange(() => renderLabels());
  window.addEventListener('resize', () => {
    charts.resize();
    caseTile.resize();
  });

  const hooks: KpiTestHooks = {
    ready: false,
    layout,
    get refreshes() {
      return refreshes;
    },
    summary: () => summary,
    caseKpi: () => caseTile.kpi(),
    chartsWithData: () => [...charts.withData(), ...(caseTile.hasData ? ['cases'] : [])],
    drill: openDrill,
    language: () => getLanguage(),
    setLanguage: (l) => setLanguage(l),
  } as KpiTestHooks;
  window.__kpi = hooks;

  renderLabels();
  void refresh();
  setInterval(() => void refresh(), REFRESH_MS);
  void refreshCases();
  setInterval(() => void refreshCases(), CASE_KPI_REFRESH_MS);
  setInterval(renderAsOf, 1000);
  // On a wall display's rotation (docs/wall-displays.md): back to the map when this step ends.
  try {
    const plan = parseWallPlan(window.location.search);
    if (plan.kiosk) {
      document.body.classList.add('kiosk');
      setInterval(() => followRotation(plan, 'kpi', Date.now()), 1000);
    }
  } catch (err) {
    if (!(err instanceof WallPlanError)) throw err;
    console.warn(`[citytwin] ${err.message}`);
  }
}
