/**
 * The replay console (flight recorder): the live console's map, sensor layer, incident and unit
 * layers, fed from the replay API instead of the socket (docs/replay.md).
 *
 *   keyframe (SnapshotMessage) ──► SensorStore ◄── frames (DeltaMessage per step), applied as the playhead passes them
 *   events of the range ──► incidents at t, units at t (+ trails), operator actions on the timeline, coverage (gaps)
 *
 * `replay.html?from=…&to=…` or `replay.html?incident=inc-000012` (the incident's range is proposed).
 */
import 'maplibre-gl/dist/maplibre-gl.css';
import '../styles/console.css';
import './replay.css';
import { setWorkerUrl } from 'maplibre-gl';
import maplibreWorkerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { PanelSet } from '../app/panel.ts';
import { loadCityInfo } from '../backend/city-info.ts';
import { showTimesIn } from '../i18n/format.ts';
import { getLanguage, onLanguageChange, setLanguage, t } from '../i18n/language.ts';
import { pageTypeScale } from '../kiosk/wall-scale.ts';
import { applyBasemap, createCityMap, fetchBasemap, setMapLanguage } from '../map/city-map.ts';
import { scaleMapLabels } from '../map/label-scale.ts';
import { SensorOverlay } from '../map/sensor-overlay.ts';
import { publishStateColors } from '../map/sensor-style.ts';
import { KIND_SLOTS, SensorStore, STATE_COUNT } from '../stream/sensor-store.ts';
import { requireElement } from '../ui/dom.ts';
import { incidentsAt } from './playback.ts';
import { ReplayActionList } from './replay-action-list.ts';
import { fetchReportRange } from './replay-api.ts';
import { ReportDialog } from './report-dialog.ts';
import { ReplayControls } from './replay-controls.ts';
import { replayLayersAt } from './replay-layers.ts';
import { ReplayPlayer } from './replay-player.ts';
import { createReplayState, parseTime, type ReplayState } from './replay-state.ts';
import { ReplayTopBar } from './replay-top-bar.ts';

setWorkerUrl(maplibreWorkerUrl);

/** Base map fetches at start, at most, 2 s apart. */
const BASEMAP_ATTEMPTS = 20;

interface ReplayHooks {
  ready: boolean;
  playhead(): number;
  range(): { from: number; to: number } | null;
  playing(): boolean;
  speed(): number;
  seek(t: number): Promise<void>;
  play(speed?: number): void;
  pause(): void;
  framesApplied(): number;
  deckRenderCount(): number;
  sensorCount(): number;
  stateCounts(): number[];
  gapCount(): number;
  incidentIds(): string[];
  actionCount(): number;
  loading(): boolean;
  buffering(): boolean;
  loadedUntil(): number | null;
  focusedIncident(): string | null;
  mapCenter(): { lng: number; lat: number; zoom: number; moving: boolean };
  /** A base-map layer's `text-size` as the map's style holds it now (null for no such layer). */
  labelStyle(layerId: string): unknown;
  setExportWarnBytes(bytes: number): void;
  language(): string;
  setLanguage(l: 'zh' | 'en'): void;
}

declare global {
  interface Window {
    __citytwinReplay?: ReplayHooks;
  }
}

/** What to load first: the range, where the playhead starts, the incident to focus on. */
interface FirstLoad {
  range: { from: number; to: number };
  start?: number;
  focus?: NonNullable<ReplayState['focus']>;
}

/**
 * The range to load first: the incident's (the playhead at its opening, the map on it), else
 * `from`/`to` of the address, else the last hour.
 */
async function firstLoad(params: URLSearchParams, incidentId: string | null): Promise<FirstLoad> {
  if (incidentId) {
    const { range, incident } = await fetchReportRange(incidentId);
    const focus = { id: incident.id, lng: incident.lng, lat: incident.lat, openedAt: incident.openedAt };
    return { range, start: Math.min(range.to, Math.max(range.from, incident.openedAt)), focus };
  }
  const from = parseTime(params.get('from'));
  const to = parseTime(params.get('to'));
  if (from !== null && to !== null && to > from) return { range: { from, to } };
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  return { range: { from: end - 3600_000, to: end } };
}

/** Zoom the map flies to for the incident replayed (at least). */
const FOCUS_ZOOM = 15;

/** Focus on the incident: remembered (highlighted), its span offered as a preset, the map flown to it. */
function focusIncident(map: ReturnType<typeof createCityMap>, state: ReplayState, first: FirstLoad): void {
  if (!first.focus) return;
  state.focus = first.focus;
  state.incidentSpan = first.range;
  map.flyTo({ center: [first.focus.lng, first.focus.lat], zoom: Math.max(map.getZoom(), FOCUS_ZOOM), duration: 1200 });
}

/** Loads the base map once the map has loaded; the page is ready when the map is idle on it. */
function loadReplayBasemap(map: ReturnType<typeof createCityMap>, state: ReplayState): void {
  map.on('load', () => {
    void (async () => {
      for (let attempt = 0; attempt < BASEMAP_ATTEMPTS; attempt++) {
        try {
          applyBasemap(map, await fetchBasemap());
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 2000));
        }
      }
      map.once('idle', () => {
        state.mapReady = true;
        document.body.dataset.ready = 'true';
      });
      map.triggerRepaint();
    })();
  });
}

/** The clock: every animation frame the player advances the playhead. */
function runClock(player: ReplayPlayer): void {
  const frame = (now: number): void => {
    player.tick(now);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

/**
 * Starts the replay page for a signed-in principal's permissions (replay-boot.ts signs in and
 * loads this module); times are on the city's clocks (GET /api/city), the range inputs too.
 */
export function start(permissions: string[]): void {
  void loadCityInfo().then((city) => {
    showTimesIn(city?.timezone ?? null);
    startPlayer(permissions, city?.id ?? 'city');
  });
}

/** The page's panels: the top bar (range, report, export), the action list, the controls. */
function addPanels(app: HTMLElement, player: ReplayPlayer, load: (from: number, to: number) => void, cityId: string) {
  const panels = new PanelSet<ReplayState>();
  const report = new ReportDialog();
  app.append(report.el);
  const top = panels.add(new ReplayTopBar({ load, viewReport: (id) => report.open(id) }, cityId), app);
  panels.add(new ReplayActionList((at) => void player.seek(at, false, 'after')), app);
  const controls = panels.add(
    new ReplayControls({
      togglePlay: () => player.setPlaying(!player.state.playing),
      step: () => void player.step(),
      stepBack: () => player.stepBack(),
      setSpeed: (speed) => void player.setSpeed(speed),
      seek: (time, snap) => void player.seek(time, false, snap),
    }),
    app,
  );
  return { panels, top, controls };
}

function startPlayer(permissions: string[], cityId: string): void {
  publishStateColors();
  const params = new URLSearchParams(window.location.search);
  const app = requireElement(document, '#app');
  const map = createCityMap(requireElement(document, '#map'), getLanguage());
  // On a wall the base map's names and the markers grow with the page's type (replay.css).
  scaleMapLabels(map, pageTypeScale);
  const store = new SensorStore();
  const state = createReplayState({ speed: 60, incidentId: params.get('incident'), permissions });
  const overlay = new SensorOverlay(
    map,
    store,
    { kinds: new Uint8Array(KIND_SLOTS).fill(1), states: new Uint8Array(STATE_COUNT).fill(1) },
    { onHover: () => undefined, onSelect: () => undefined },
  );
  const redraw = (): void => {
    ui.panels.render(state);
    overlay.setExtraLayers(replayLayersAt(state, store, overlay.radiusScale * pageTypeScale(), state.playhead));
  };
  const player = new ReplayPlayer({
    state,
    store,
    changed: () => redraw(),
    tableChanged: () => overlay.invalidate(),
    failed: (reason) => ui.controls.fail(reason),
  });
  const load = (from: number, to: number, start?: number): Promise<void> => {
    if (!state.incidentId) {
      const url = new URL(window.location.href);
      url.searchParams.set('from', String(from));
      url.searchParams.set('to', String(to));
      window.history.replaceState(null, '', url);
    }
    return player.load(from, to, start);
  };
  const ui = addPanels(app, player, (from, to) => void load(from, to), cityId);
  const renderLabels = (): void => {
    document.documentElement.lang = getLanguage() === 'zh' ? 'zh-CN' : 'en';
    document.title = `CityTwin · ${t('replay.title')}`;
    ui.panels.renderLabels();
    redraw();
  };
  onLanguageChange((lang) => {
    setMapLanguage(map, lang);
    renderLabels();
  });
  runClock(player);
  loadReplayBasemap(map, state);
  renderLabels();
  void firstLoad(params, state.incidentId).then(
    (first) => {
      focusIncident(map, state, first);
      return load(first.range.from, first.range.to, first.start);
    },
    (err: unknown) => ui.controls.fail(err instanceof Error ? err.message : String(err)),
  );
  installHooks({ state, store, overlay, player, map, top: ui.top });
}

interface HookParts {
  state: ReplayState;
  store: SensorStore;
  overlay: SensorOverlay;
  player: ReplayPlayer;
  map: ReturnType<typeof createCityMap>;
  top: ReplayTopBar;
}

/** `window.__citytwinReplay`: what the tests read and drive. */
function installHooks({ state, store, overlay, player, map, top }: HookParts): void {
  window.__citytwinReplay = {
    get ready() {
      return state.mapReady && !state.loading && store.count >= 0 && state.events !== null;
    },
    playhead: () => state.playhead,
    range: () => state.range,
    playing: () => state.playing,
    speed: () => state.speed,
    seek: (time) => player.seek(time),
    play: (s) => {
      if (s !== undefined && s !== state.speed) {
        void player.setSpeed(s).then(() => player.setPlaying(true));
        return;
      }
      player.setPlaying(true);
    },
    pause: () => player.setPlaying(false),
    framesApplied: () => state.framesApplied,
    deckRenderCount: () => overlay.renderCount,
    sensorCount: () => store.count,
    stateCounts: () => {
      const out = [0, 0, 0, 0, 0];
      for (let i = 0; i < store.count; i++) out[store.state[i]!]!++;
      return out;
    },
    gapCount: () => state.gaps.length,
    incidentIds: () => (state.events ? incidentsAt(state.events, state.playhead).map((i) => i.id) : []),
    actionCount: () => state.events?.actions.length ?? 0,
    loading: () => state.loading,
    buffering: () => state.buffering,
    loadedUntil: () => state.queue.loadedUntil,
    focusedIncident: () => state.focus?.id ?? null,
    mapCenter: () => {
      const c = map.getCenter();
      return { lng: c.lng, lat: c.lat, zoom: map.getZoom(), moving: map.isMoving() };
    },
    labelStyle: (id) => (map.getLayer(id) ? (map.getLayoutProperty(id, 'text-size') as unknown) : null),
    setExportWarnBytes: (bytes) => {
      top.exports.warnBytes = bytes;
    },
    language: () => getLanguage(),
    setLanguage: (l) => setLanguage(l),
  };
}
