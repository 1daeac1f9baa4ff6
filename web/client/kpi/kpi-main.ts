/**
 * The KPI big screen (大屏) for leaders: every figure from `GET /api/kpi/summary` (ClickHouse
 * rollups, docs/kpi.md), refreshed every 10 s, beside the city map with the open incidents on
 * it. Every number and every bar opens the rows behind it (`GET /api/kpi/drill/{kpi}`). Signs in
 * as the console does: a wall display opens `kpi.html?display=TOKEN`.
 */
import 'maplibre-gl/dist/maplibre-gl.css';
import '../styles/console.css';
import './kpi.css';
import { PanelSet } from '../app/panel.ts';
import { jsonCall } from '../backend/session.ts';
import { followRotation } from '../kiosk/kiosk-mode.ts';
import { parseWallPlan, WallPlanError } from '../kiosk/wall-plan.ts';
import { showTimesIn, shownTimeZone } from '../i18n/format.ts';
import { loadCityInfo } from '../backend/city-info.ts';
import type { CityInfo } from '../../shared/protocol.ts';
import { getLanguage, onLanguageChange, setLanguage } from '../i18n/language.ts';
import { h } from '../ui/dom.ts';
import type { KpiSummary } from '../../shared/kpi-protocol.ts';
import type { DrillRequest } from './kpi-charts.ts';
import type { CaseKpiResponse } from '../../shared/case-protocol.ts';
import { CASE_KPI_REFRESH_MS } from './kpi-cases.ts';
import { openDrill } from './kpi-drill.ts';
import { KpiHeader } from './kpi-header.ts';
import { headlineFigures } from './kpi-headline.ts';
import {
  chooseLayout,
  PREVIOUS_PERIOD_MS,
  PREVIOUS_REFRESH_MS,
  REFRESH_MS,
  SINGLE_SCREEN,
  wallCell,
  wallOf,
  type KpiWall,
} from './kpi-layout.ts';
import { KpiMapTile } from './kpi-map-tile.ts';
import { createKpiState, districtName, type KpiState } from './kpi-state.ts';
import { kt } from './kpi-strings.ts';
import { KpiCasesPanel, KpiChartsPanel } from './kpi-tiles.ts';

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
  /** The largest label size the map draws (px) by symbol layer: `label-district` … */
  mapLabelSizes: () => Record<string, number>;
  /** The district names the map draws: text, size (px), anchor across the map; and the map's width. */
  mapDistrictNames: () => { width: number; names: Array<{ text: string; size: number; x: number }> };
}

declare global {
  interface Window {
    __kpi?: KpiTestHooks;
  }
}

/**
 * Starts the KPI screen for a signed-in principal (kpi-boot.ts signs in and loads this module),
 * every time on it on the city's clocks: the zone of GET /api/city, else the one the summary
 * names (GET /api/kpi/summary `timeZone`); until one is known the clock shows no time.
 */
export function start(): void {
  void loadCityInfo().then((city) => {
    showTimesIn(city?.timezone ?? null);
    startScreen(city);
  });
}

interface KpiPanels {
  header: KpiHeader;
  charts: KpiChartsPanel;
  mapTile: KpiMapTile;
  cases: KpiCasesPanel;
}

/** Reads the summary; on success every tile is drawn from it and the screen is ready. */
async function refresh(state: KpiState, panels: KpiPanels, hooks: KpiTestHooks): Promise<void> {
  const res = await jsonCall<KpiSummary>('GET', '/api/kpi/summary');
  if (!res.ok) {
    state.loadError = res.error;
    state.forbidden = res.status === 403;
    panels.header.render(state);
    return;
  }
  state.loadError = null;
  state.forbidden = false;
  // The summary names the city's zone (its days are the city's): the page's times are in it even
  // when the city's information could not be read — never in the browser's zone.
  if (shownTimeZone() === null) showTimesIn(res.value.timeZone);
  state.summary = res.value;
  state.receivedAt = Date.now();
  state.refreshes++;
  if (state.previous === null) void refreshPrevious(state, panels);
  panels.charts.render(state);
  panels.mapTile.render(state);
  panels.header.render(state);
  // The case card names districts and departments from the summary: drawn again with it.
  panels.cases.render(state);
  hooks.ready = true;
  document.body.dataset.ready = 'true';
}

/** The previous period's summary (the same moment a week earlier), for the headline's trends. */
async function refreshPrevious(state: KpiState, panels: KpiPanels): Promise<void> {
  if (!state.summary) return;
  const res = await jsonCall<KpiSummary>('GET', `/api/kpi/summary?at=${state.summary.at - PREVIOUS_PERIOD_MS}`);
  if (!res.ok) return;
  state.previous = res.value;
  panels.mapTile.render(state);
}

async function refreshCases(state: KpiState, panels: KpiPanels): Promise<void> {
  const res = await jsonCall<CaseKpiResponse>('GET', '/api/kpi/cases');
  if (res.ok) {
    state.caseKpi = res.value;
    panels.cases.render(state);
  } else console.warn(`[citytwin] ${kt('casesError', { reason: res.error })}`);
}

function installHooks(state: KpiState, panels: KpiPanels, drill: (req: DrillRequest) => Promise<void>): KpiTestHooks {
  const hooks: KpiTestHooks = {
    ready: false,
    layout: state.layout,
    get refreshes() {
      return state.refreshes;
    },
    summary: () => state.summary,
    caseKpi: () => state.caseKpi,
    chartsWithData: () => [...panels.charts.withData(), ...(panels.cases.hasData ? ['cases'] : [])],
    drill,
    language: () => getLanguage(),
    setLanguage: (l) => setLanguage(l),
    mapLabelSizes: () => panels.mapTile.labelSizes(),
    mapDistrictNames: () => panels.mapTile.districtNames(),
  } as KpiTestHooks;
  window.__kpi = hooks;
  return hooks;
}

/** On a wall display's rotation (docs/wall-displays.md): back to the map when this step ends. */
function followWallPlan(): void {
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

/** The wall this screen is part of; a bad `wall`/`screen` is shown on the screen (quoted) and the screen stands alone. */
function readWall(app: HTMLElement): KpiWall {
  try {
    return wallOf(window.location.search);
  } catch (err) {
    if (!(err instanceof WallPlanError)) throw err;
    app.before(h('div', { class: 'kpi-message', 'data-testid': 'kpi-wall-error' }, err.message));
    return SINGLE_SCREEN;
  }
}

/** On a wall, the page is the whole wall and this screen shows its part (kpi.css: `--wall-col`, `--wall-row`). */
function placeOnWall(app: HTMLElement, wall: KpiWall): void {
  if (wall.cols * wall.rows === 1) return;
  const { col, row } = wallCell(wall);
  document.body.classList.add('kpi-on-wall');
  app.dataset.wall = `${wall.cols}x${wall.rows}`;
  app.dataset.screen = String(wall.screen);
  for (const [name, v] of [
    ['--wall-cols', wall.cols],
    ['--wall-rows', wall.rows],
    ['--wall-col', col],
    ['--wall-row', row],
  ] as const)
    app.style.setProperty(name, String(v));
}

function startScreen(city: CityInfo | null): void {
  const params = new URLSearchParams(window.location.search);
  const app = document.getElementById('kpi-app')!;
  const wall = readWall(app);
  const state = createKpiState(city, chooseLayout(params.get('layout'), window.innerWidth, window.innerHeight, wall), wall);
  app.dataset.layout = state.layout;
  document.body.dataset.layout = state.layout;
  placeOnWall(app, wall);

  const districts = (code: string) => districtName(state, code, getLanguage());
  const drill = (req: DrillRequest): Promise<void> => openDrill(req, state.summary?.at ?? null, districts);
  const set = new PanelSet<KpiState>();
  const grid = h('main', { class: 'kpi-grid', 'data-testid': 'kpi-grid' });
  const header = set.add(new KpiHeader(() => void drill({ kpi: 'dead-letters', what: `${kt('healthWhat')} · ${kt('rejected')}` })), app);
  app.append(grid);
  const charts = set.add(new KpiChartsPanel(state.layout, (req) => void drill(req)), grid);
  const mapTile = set.add(
    new KpiMapTile({
      city,
      headline: (view) => (view.summary ? headlineFigures(view.summary, view.previous, (req) => void drill(req)) : []),
      openIncidents: () => void drill({ kpi: 'open-incidents', what: kt('openIncidents') }),
    }),
    grid,
  );
  const cases = set.add(new KpiCasesPanel(state.layout, districts), grid);
  const panels: KpiPanels = { header, charts, mapTile, cases };

  onLanguageChange(() => set.renderLabels());
  window.addEventListener('resize', () => {
    charts.resize();
    cases.resize();
    mapTile.resize();
  });
  const hooks = installHooks(state, panels, drill);
  header.render(state);
  set.renderLabels();
  void refresh(state, panels, hooks);
  setInterval(() => void refresh(state, panels, hooks), REFRESH_MS);
  setInterval(() => void refreshPrevious(state, panels), PREVIOUS_REFRESH_MS);
  void refreshCases(state, panels);
  setInterval(() => void refreshCases(state, panels), CASE_KPI_REFRESH_MS);
  setInterval(() => header.render(state), 1000);
  followWallPlan();
}
