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
import { PathLayer, ScatterplotLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';
import type { UnitView } from '../../shared/protocol.ts';
import { fetchMe } from '../backend/session.ts';
import { formatCityDateTime, formatDateTime, parseCityDateTime, showTimesIn } from '../i18n/format.ts';
import { loadCityInfo } from '../backend/city-info.ts';
import { getLanguage, loadLanguage, onLanguageChange, setLanguage, t } from '../i18n/language.ts';
import { applyBasemap, createCityMap, fetchBasemap, setMapLanguage } from '../map/city-map.ts';
import { incidentLayers } from '../map/incident-layer.ts';
import { SensorOverlay } from '../map/sensor-overlay.ts';
import { publishStateColors } from '../map/sensor-style.ts';
import { kindColor, unitLayers, unitMarks } from '../map/unit-layer.ts';
import { LoginView } from '../panels/login-view.ts';
import { KIND_SLOTS, SensorStore, STATE_COUNT } from '../stream/sensor-store.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import { fetchEvents, fetchFrames, fetchKeyframe, fetchReportRange, type RangeEvents } from './replay-api.ts';
import { FrameQueue, incidentsAt, SPEEDS, unitPositionAt, unitStatusAt, unitTrail } from './playback.ts';

setWorkerUrl(maplibreWorkerUrl);

/** Frames per chunk request (the server caps a request at 600). */
const CHUNK_FRAMES = 120;
/**
 * Frames of the first chunk after a seek: small, so the first frame comes quickly; the server
 * continues the next chunk from where this one ended (docs/replay.md).
 */
const FIRST_CHUNK_FRAMES = 5;
/**
 * The replay grid (ms): the API rebuilds keyframes and starts frames at moments on it
 * (docs/replay.md), so the playhead moves on it too when seeking: the slider has one notch per
 * grid step, a seek lands on the grid point at or before the moment asked for, a click on an
 * operator action on the grid point at or after it (the action is then done).
 */
const REPLAY_GRID_MS = 10_000;
const gridFloor = (ms: number) => Math.floor(ms / REPLAY_GRID_MS) * REPLAY_GRID_MS;
const gridCeil = (ms: number) => Math.ceil(ms / REPLAY_GRID_MS) * REPLAY_GRID_MS;
/** Fetch the next chunk when fewer frames than this are left. */
const LOW_WATER = 40;
/** Unit trails show this many frames of movement. */
const TRAIL_STEPS = 60;

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
  language(): string;
  setLanguage(l: 'zh' | 'en'): void;
}

declare global {
  interface Window {
    __citytwinReplay?: ReplayHooks;
  }
}

async function boot(): Promise<void> {
  loadLanguage();
  let me = await fetchMe();
  while (!me.ok) {
    document.body.dataset.auth = 'login';
    await new LoginView(document.body).run();
    me = await fetchMe();
  }
  document.body.dataset.auth = me.value.via;
  // Times are on the city's clocks (GET /api/city), the range inputs too.
  cityZone = (await loadCityInfo())?.timezone ?? null;
  showTimesIn(cityZone);
  start(me.value.permissions);
}

/** The city's IANA zone, or null (then the browser's). */
let cityZone: string | null = null;

function parseTime(v: string | null): number | null {
  if (!v) return null;
  if (/^\d{1,15}$/.test(v)) return Number(v);
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : ms;
}

/** `datetime-local` value on the city's clocks (the browser's without a city). */
function toLocalInput(ms: number): string {
  if (cityZone) return formatCityDateTime(ms, cityZone).replace(' ', 'T');
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
}

/** A `datetime-local` value read on the city's clocks (the browser's without a city). */
function fromLocalInput(value: string): number | null {
  if (!value) return null;
  if (cityZone) return parseCityDateTime(value, cityZone);
  return parseTime(new Date(value).toISOString());
}

function stepLabel(ms: number): string {
  return ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

function start(permissions: string[]): void {
  publishStateColors();
  const params = new URLSearchParams(window.location.search);
  const incidentParam = params.get('incident');
  const app = document.getElementById('app')!;
  const mapEl = document.getElementById('map')!;
  const map = createCityMap(mapEl, getLanguage());
  const store = new SensorStore();

  // --- Top bar: range, language, link back.
  const fromInput = h('input', { type: 'datetime-local', step: '1', 'data-testid': 'replay-from' });
  const toInput = h('input', { type: 'datetime-local', step: '1', 'data-testid': 'replay-to' });
  const loadButton = h('button', { type: 'button', class: 'rp-button', 'data-testid': 'replay-load' });
  const langButton = h('button', { type: 'button', class: 'rp-button', 'data-testid': 'language-toggle' });
  const consoleLink = h('a', { href: './', class: 'rp-link' });
  const titleEl = h('span', { class: 'rp-title' });
  const incidentEl = h('span', { class: 'rp-incident mono', 'data-testid': 'replay-incident' });
  const fromLabel = h('span', { class: 'rp-label' });
  const toLabel = h('span', { class: 'rp-label' });
  const reportBox = h('span', { class: 'rp-downloads', 'data-testid': 'replay-report' });
  const exportBox = h('span', { class: 'rp-downloads', 'data-testid': 'replay-export' });
  const top = h(
    'header',
    { class: 'rp-top' },
    titleEl,
    incidentEl,
    fromLabel,
    fromInput,
    toLabel,
    toInput,
    loadButton,
    reportBox,
    exportBox,
    h('span', { class: 'rp-spacer' }),
    consoleLink,
    langButton,
  );

  // --- Bottom: controls, progress, timeline.
  const playButton = h('button', { type: 'button', class: 'rp-button rp-play', 'data-testid': 'replay-play' });
  const stepButton = h('button', { type: 'button', class: 'rp-button', 'data-testid': 'replay-step' });
  const backButton = h('button', { type: 'button', class: 'rp-button', 'data-testid': 'replay-step-back' });
  const speedSelect = h('select', { class: 'rp-select', 'data-testid': 'replay-speed' });
  for (const s of SPEEDS) speedSelect.append(h('option', { value: String(s) }, `${s}×`));
  speedSelect.value = '60';
  const clockEl = h('span', { class: 'rp-clock mono', 'data-testid': 'replay-clock' });
  const progressEl = h('span', { class: 'rp-progress', 'data-testid': 'replay-progress' });
  const infoEl = h('span', { class: 'rp-info', 'data-testid': 'replay-info' });
  const gapNote = h('span', { class: 'rp-gapnote' });
  // One notch per grid step (max is set when a range loads).
  const slider = h('input', {
    type: 'range',
    class: 'rp-slider',
    min: '0',
    max: '1000',
    value: '0',
    step: '1',
    'data-testid': 'replay-slider',
    'data-grid-ms': String(REPLAY_GRID_MS),
  });
  const coverageEl = h('div', { class: 'rp-coverage', 'data-testid': 'replay-coverage' });
  const bufferedEl = h('div', { class: 'rp-buffered' });
  const markersEl = h('div', { class: 'rp-markers', 'data-testid': 'replay-actions' });
  const cursorEl = h('div', { class: 'rp-cursor' });
  const actionList = h('ol', { class: 'rp-action-list', 'data-testid': 'replay-action-list' });
  const timeline = h('div', { class: 'rp-timeline' }, coverageEl, bufferedEl, markersEl, cursorEl, slider);
  const bottom = h(
    'section',
    { class: 'rp-bottom', 'data-testid': 'replay-controls' },
    h('div', { class: 'rp-controls' }, backButton, playButton, stepButton, speedSelect, clockEl, progressEl, infoEl, gapNote),
    timeline,
  );
  const side = h('aside', { class: 'rp-side' }, h('h2', { class: 'rp-side-title' }), actionList);
  app.append(top, side, bottom);

  // --- State.
  let range: { from: number; to: number } | null = null;
  let events: RangeEvents | null = null;
  let playhead = 0;
  let playing = false;
  let speed = Number(speedSelect.value);
  let loading = false;
  let loadParts = { done: 0, total: 0 };
  let framesApplied = 0;
  let gaps: Uint32Array = new Uint32Array(0);
  let ready = false;
  let generation = 0;
  let fetching: Promise<void> | null = null;
  let lastStep = 1000;
  const queue = new FrameQueue();

  const overlay = new SensorOverlay(
    map,
    store,
    { kinds: new Uint8Array(KIND_SLOTS).fill(1), states: new Uint8Array(STATE_COUNT).fill(1) },
    {
      onHover: () => undefined,
      onSelect: () => undefined,
    },
  );

  const refreshTexts = () => {
    document.documentElement.lang = getLanguage() === 'zh' ? 'zh-CN' : 'en';
    document.title = `CityTwin · ${t('replay.title')}`;
    setText(titleEl, t('replay.title'));
    setText(fromLabel, t('replay.from'));
    setText(toLabel, t('replay.to'));
    setText(loadButton, t('replay.load'));
    setText(langButton, getLanguage() === 'zh' ? 'EN' : '中文');
    setText(consoleLink, t('replay.toConsole'));
    setText(stepButton, `${t('replay.step')} ›`);
    setText(backButton, `‹ ${t('replay.stepBack')}`);
    setText(playButton, playing ? `❚❚ ${t('replay.pause')}` : `▶ ${t('replay.play')}`);
    setText(side.querySelector('h2')!, t('replay.actions'));
    setText(gapNote, t('replay.gapLegend'));
    setText(incidentEl, incidentParam ? t('replay.incident', { id: incidentParam }) : '');
    coverageEl.title = t('replay.coverage');
    drawDownloads();
    drawActions();
  };

  const drawDownloads = () => {
    const parts: Node[] = [];
    if (incidentParam) {
      const base = `/api/replay/incidents/${encodeURIComponent(incidentParam)}/report?lang=${getLanguage()}`;
      parts.push(h('span', { class: 'rp-label' }, t('replay.report')));
      parts.push(
        h(
          'a',
          { class: 'rp-link', href: `${base}&format=html`, download: '', 'data-testid': 'replay-report-html' },
          t('replay.reportHtml'),
        ),
      );
      parts.push(
        h('a', { class: 'rp-link', href: `${base}&format=md`, download: '', 'data-testid': 'replay-report-md' }, t('replay.reportMd')),
      );
    }
    replaceChildren(reportBox, ...parts);
    const ex: Node[] = [];
    if (range && permissions.includes('export.data')) {
      const q = `from=${range.from}&to=${range.to}`;
      ex.push(h('span', { class: 'rp-label' }, t('replay.export')));
      ex.push(
        h(
          'a',
          { class: 'rp-link', href: `/api/replay/export?${q}&classes=public`, download: '', 'data-testid': 'replay-export-open' },
          `${t('replay.exportOpen')} CSV`,
        ),
      );
      ex.push(h('a', { class: 'rp-link', href: `/api/replay/export?${q}`, download: '', 'data-testid': 'replay-export-csv' }, 'CSV'));
      ex.push(
        h(
          'a',
          { class: 'rp-link', href: `/api/replay/export?${q}&format=parquet`, download: '', 'data-testid': 'replay-export-parquet' },
          'Parquet',
        ),
      );
    }
    replaceChildren(exportBox, ...ex);
  };

  const fraction = (time: number) => (range ? Math.min(1, Math.max(0, (time - range.from) / (range.to - range.from))) : 0);

  const drawActions = () => {
    if (!events || !range) return;
    const lang = getLanguage();
    const people = events.actions.filter((a) => !a.automatic);
    replaceChildren(
      markersEl,
      ...events.actions.map((a) => {
        const b = h('button', {
          type: 'button',
          class: `rp-marker rp-marker-${a.source}${a.automatic ? ' rp-marker-auto' : ''}`,
          style: `left:${(fraction(a.at) * 100).toFixed(3)}%`,
          title: `${formatDateTime(a.at)} ${a.actor}: ${a.what}${a.incidentId ? ` ${a.incidentId}` : ''}${a.unitId ? ` ${a.unitId}` : ''}`,
          'data-testid': 'replay-action-marker',
          'data-at': String(a.at),
        });
        b.addEventListener('click', () => void seek(a.at, false, 'after'));
        return b;
      }),
    );
    if (people.length === 0) {
      replaceChildren(actionList, h('li', { class: 'rp-muted' }, t('replay.noActions')));
      return;
    }
    replaceChildren(
      actionList,
      ...people.map((a) => {
        const item = h(
          'li',
          { class: 'rp-action', 'data-at': String(a.at), 'data-testid': 'replay-action-item' },
          h('span', { class: 'mono rp-action-time' }, formatDateTime(a.at).slice(-8)),
          h('span', { class: 'rp-action-actor' }, a.actor),
          h('span', { class: 'rp-action-what' }, `${a.what}${a.incidentId ? ` · ${a.incidentId}` : ''}${a.unitId ? ` · ${a.unitId}` : ''}`),
          a.detail ? h('span', { class: 'rp-muted rp-action-detail' }, a.detail) : '',
        );
        item.addEventListener('click', () => void seek(a.at, false, 'after'));
        return item;
      }),
    );
    void lang;
  };

  const drawCoverage = () => {
    if (!events || !range) return;
    const c = events.coverage;
    const max = Math.max(1, ...c.counts);
    // Buckets with no data at all are gaps (red); the first and last bucket may be partial.
    replaceChildren(
      coverageEl,
      ...c.counts.map((n, k) => {
        const start = c.from + k * c.bucketMs;
        const left = fraction(start) * 100;
        const width = (fraction(start + c.bucketMs) - fraction(start)) * 100;
        return h('div', {
          class: n === 0 ? 'rp-bar rp-gap' : 'rp-bar',
          style: `left:${left.toFixed(3)}%;width:${width.toFixed(3)}%;height:${n === 0 ? 100 : Math.max(8, (n / max) * 100).toFixed(1)}%`,
          'data-gap': n === 0 ? '1' : '0',
        });
      }),
    );
  };

  const layersAt = (time: number): Layer[] => {
    if (!events) return [];
    const zoomScale = overlay.radiusScale;
    const layers: Layer[] = [];
    // Sensors in a gap: a grey ring where data is missing.
    const gapPoints: [number, number][] = [];
    for (const i of gaps) if (i < store.count && store.hasPosition(i)) gapPoints.push([store.lng[i]!, store.lat[i]!]);
    layers.push(
      new ScatterplotLayer<[number, number]>({
        id: 'replay-gaps',
        data: gapPoints,
        getPosition: (d) => d,
        radiusUnits: 'pixels',
        lineWidthUnits: 'pixels',
        getRadius: 7 * zoomScale,
        getLineWidth: 1.5,
        stroked: true,
        filled: false,
        getLineColor: [170, 180, 195, 200],
      }),
    );
    layers.push(...incidentLayers(incidentsAt(events, time), null, zoomScale));
    const window = TRAIL_STEPS * Math.max(lastStep, 5000);
    const trails = events.units.map((u) => ({ id: u.id, kind: u.kind, path: unitTrail(u, time, window) })).filter((x) => x.path.length > 1);
    layers.push(
      new PathLayer<(typeof trails)[number]>({
        id: 'replay-trails',
        data: trails,
        getPath: (d) => d.path,
        getColor: (d) => {
          const [r, g, b] = kindColor(d.kind);
          return [r, g, b, 200];
        },
        getWidth: 3,
        widthUnits: 'pixels',
        capRounded: true,
        jointRounded: true,
        updateTriggers: { getPath: time },
      }),
    );
    const units = events.units
      .map((u) => {
        const pos = unitPositionAt(u, time);
        return pos
          ? ({
              id: u.id,
              kind: u.kind,
              nameZh: u.nameZh,
              nameEn: u.nameEn,
              lng: pos[0],
              lat: pos[1],
              status: unitStatusAt(u, time),
              warnings: [],
              trip: null,
            } as unknown as UnitView)
          : null;
      })
      .filter((u): u is UnitView => u !== null);
    layers.push(...unitLayers({ units: unitMarks(units), preview: null, selectedId: null, zoomScale }));
    return layers;
  };

  const updateView = () => {
    if (!range) return;
    slider.value = String(Math.round((playhead - gridFloor(range.from)) / REPLAY_GRID_MS));
    slider.title = `${formatDateTime(playhead)} (${stepLabel(REPLAY_GRID_MS)})`;
    cursorEl.style.left = `${(fraction(playhead) * 100).toFixed(3)}%`;
    const until = queue.loadedUntil;
    bufferedEl.style.left = `${(fraction(playhead) * 100).toFixed(3)}%`;
    bufferedEl.style.width = `${until === null ? 0 : Math.max(0, (fraction(until) - fraction(playhead)) * 100).toFixed(3)}%`;
    setText(clockEl, formatDateTime(playhead));
    const active = events ? incidentsAt(events, playhead).length : 0;
    const moving = events
      ? events.units.filter((u) => ['dispatched', 'en_route', 'returning'].includes(unitStatusAt(u, playhead))).length
      : 0;
    setText(
      infoEl,
      `${t('replay.incidents', { n: active })} · ${t('replay.units', { n: moving })} · ${t('replay.gaps', { n: gaps.length })} · ${t('replay.frame', { seq: framesApplied, step: stepLabel(lastStep) })}`,
    );
    setText(
      progressEl,
      loading
        ? t('replay.loading', { pct: loadParts.total ? Math.round((loadParts.done / loadParts.total) * 100) : 0 })
        : t('replay.loaded'),
    );
    progressEl.dataset.loading = loading ? '1' : '0';
    for (const li of actionList.querySelectorAll<HTMLElement>('li[data-at]'))
      li.classList.toggle('rp-past', Number(li.dataset.at) <= playhead);
    overlay.setExtraLayers(layersAt(playhead));
  };

  const fail = (err: unknown) => {
    loading = false;
    setText(progressEl, t('replay.failed', { reason: err instanceof Error ? err.message : String(err) }));
    progressEl.dataset.loading = 'error';
  };

  /** Loads the next chunk of frames after what is loaded (one at a time). */
  const fetchMore = (first = false): Promise<void> => {
    if (fetching || !range) return fetching ?? Promise.resolve();
    const from = queue.loadedUntil ?? playhead;
    if (from >= range.to) return Promise.resolve();
    const gen = generation;
    const s = speed;
    fetching = (async () => {
      try {
        const guess = Math.max(1000, (s * 1000) / 10);
        const chunk = await fetchFrames(from, Math.min(range!.to, from + guess * (first ? FIRST_CHUNK_FRAMES : CHUNK_FRAMES * 2)), s);
        if (gen !== generation) return;
        lastStep = chunk.step;
        queue.push(chunk.frames);
      } finally {
        fetching = null;
      }
    })();
    return fetching;
  };

  const applyDue = () => {
    for (const f of queue.due(playhead)) {
      store.applyDelta(f.delta);
      gaps = f.gaps;
      framesApplied++;
    }
    overlay.invalidate();
  };

  /**
   * Rebuilds the state at `time` (keyframe) and loads the frames after it. The playhead goes to
   * the grid point at or before `time` (`after`: at or after it, at most the range's end), the
   * moment the keyframe is.
   */
  const seek = async (time: number, initial = false, snap: 'before' | 'after' = 'before'): Promise<void> => {
    if (!range) return;
    const gen = ++generation;
    const clamped = Math.min(range.to, Math.max(range.from, time));
    // (At the end of the range, `after` stops at its end: the keyframe is then the grid point before.)
    playhead = snap === 'after' ? Math.min(range.to, gridCeil(clamped)) : gridFloor(clamped);
    queue.clear();
    fetching = null;
    loading = true;
    loadParts = initial ? { done: loadParts.done, total: loadParts.total } : { done: 0, total: 2 };
    updateView();
    try {
      // The keyframe and the first frames at once: the server rebuilds the moment once for both.
      const more = fetchMore(true);
      const kf = await fetchKeyframe(playhead);
      if (gen !== generation) return;
      store.applySnapshot(kf.snapshot);
      gaps = kf.gaps;
      loadParts.done++;
      updateView();
      overlay.invalidate();
      await more;
      if (gen !== generation) return;
      loadParts.done++;
      loading = false;
      updateView();
    } catch (err) {
      if (gen === generation) fail(err);
    }
  };

  const load = async (from: number, to: number): Promise<void> => {
    range = { from, to };
    slider.max = String(Math.max(1, Math.ceil((to - gridFloor(from)) / REPLAY_GRID_MS)));
    fromInput.value = toLocalInput(from);
    toInput.value = toLocalInput(to);
    const url = new URL(window.location.href);
    if (!incidentParam) {
      url.searchParams.set('from', String(from));
      url.searchParams.set('to', String(to));
      window.history.replaceState(null, '', url);
    }
    drawDownloads();
    loading = true;
    loadParts = { done: 0, total: 3 };
    updateView();
    try {
      events = await fetchEvents(from, to);
      loadParts.done = 1;
      drawCoverage();
      drawActions();
      await seek(from, true);
    } catch (err) {
      fail(err);
    }
  };

  // --- Controls.
  const setPlaying = (on: boolean) => {
    playing = on && range !== null && playhead < range.to;
    setText(playButton, playing ? `❚❚ ${t('replay.pause')}` : `▶ ${t('replay.play')}`);
    playButton.dataset.playing = playing ? '1' : '0';
  };
  playButton.addEventListener('click', () => setPlaying(!playing));
  speedSelect.addEventListener('change', () => {
    speed = Number(speedSelect.value);
    // Frames of the new step from the playhead on.
    if (range) void seek(playhead);
  });
  stepButton.addEventListener('click', async () => {
    setPlaying(false);
    if (queue.pending === 0) await fetchMore();
    const next = queue.peek();
    if (next !== null) {
      playhead = next;
      applyDue();
      updateView();
    }
  });
  backButton.addEventListener('click', () => {
    setPlaying(false);
    void seek(playhead - lastStep);
  });
  slider.addEventListener('change', () => {
    if (range) void seek(gridFloor(range.from) + Number(slider.value) * REPLAY_GRID_MS);
  });
  loadButton.addEventListener('click', () => {
    const from = fromLocalInput(fromInput.value);
    const to = fromLocalInput(toInput.value);
    if (from !== null && to !== null && to > from) void load(from, to);
  });
  langButton.addEventListener('click', () => setLanguage(getLanguage() === 'zh' ? 'en' : 'zh'));
  onLanguageChange((lang) => {
    setMapLanguage(map, lang);
    refreshTexts();
    updateView();
  });

  // --- The clock: advance the playhead by speed × real time, apply due frames, prefetch.
  let last = performance.now();
  const tick = (now: number) => {
    const dt = Math.min(250, now - last);
    last = now;
    if (playing && range && !loading) {
      const target = playhead + dt * speed;
      const until = queue.loadedUntil;
      // Never run past the loaded frames: wait for them (shown as loading).
      playhead = Math.min(range.to, until !== null ? Math.min(target, Math.max(playhead, until)) : playhead);
      applyDue();
      if (playhead >= range.to) setPlaying(false);
      updateView();
    }
    if (range && queue.pending < LOW_WATER && !loading) void fetchMore();
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);

  // --- Base map, then the range.
  map.on('load', () => {
    void (async () => {
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          applyBasemap(map, await fetchBasemap());
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 2000));
        }
      }
      map.once('idle', () => {
        ready = true;
        document.body.dataset.ready = 'true';
      });
      map.triggerRepaint();
    })();
  });

  refreshTexts();
  void (async () => {
    let from = parseTime(params.get('from'));
    let to = parseTime(params.get('to'));
    if (incidentParam) {
      try {
        const r = await fetchReportRange(incidentParam);
        from = r.range.from;
        to = r.range.to;
      } catch (err) {
        fail(err);
        return;
      }
    }
    if (from === null || to === null || to <= from) {
      to = Math.floor(Date.now() / 60_000) * 60_000;
      from = to - 3600_000;
    }
    await load(from, to);
  })();

  window.__citytwinReplay = {
    get ready() {
      return ready && !loading && store.count >= 0 && events !== null;
    },
    playhead: () => playhead,
    range: () => range,
    playing: () => playing,
    speed: () => speed,
    seek: (time) => seek(time),
    play: (s) => {
      if (s !== undefined && s !== speed) {
        speed = s;
        speedSelect.value = String(s);
        void seek(playhead).then(() => setPlaying(true));
        return;
      }
      setPlaying(true);
    },
    pause: () => setPlaying(false),
    framesApplied: () => framesApplied,
    deckRenderCount: () => overlay.renderCount,
    sensorCount: () => store.count,
    stateCounts: () => {
      const out = [0, 0, 0, 0, 0];
      for (let i = 0; i < store.count; i++) out[store.state[i]!]!++;
      return out;
    },
    gapCount: () => gaps.length,
    incidentIds: () => (events ? incidentsAt(events, playhead).map((i) => i.id) : []),
    actionCount: () => events?.actions.length ?? 0,
    loading: () => loading,
    language: () => getLanguage(),
    setLanguage: (l) => setLanguage(l),
  };
}

void boot();
