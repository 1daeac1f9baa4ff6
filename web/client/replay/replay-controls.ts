/**
 * The replay page's controls under the map: step back, play/pause, step, speed, the clock,
 * loading progress and what is shown, and the timeline — coverage (gaps in red), what is
 * buffered, operator actions as markers, the cursor and a slider with one notch per replay
 * grid step (docs/replay.md).
 */
import { REPLAY_GRID_MS } from '../../shared/replay-protocol.ts';
import type { Panel } from '../app/panel.ts';
import { actionWhatLabel } from '../i18n/action-labels.ts';
import { formatDateTime } from '../i18n/format.ts';
import { t } from '../i18n/language.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import { incidentsAt, MAX_SPEED, SPEEDS, unitStatusAt } from './playback.ts';
import type { RangeEvents } from './replay-api.ts';
import { bufferProgress, fractionOf, gridOrigin, playheadLabel, stepLabel, type ReplayState } from './replay-state.ts';

/** What the controls ask the player to do. */
export interface ReplayControlActions {
  togglePlay(): void;
  step(): void;
  stepBack(): void;
  setSpeed(speed: number): void;
  /** Seek to `time`, landing on the grid point at or before it (`after`: at or after it). */
  seek(time: number, snap: 'before' | 'after'): void;
}

const MOVING = ['dispatched', 'en_route', 'returning'];

export class ReplayControls implements Panel<ReplayState> {
  private readonly playButton = h('button', { type: 'button', class: 'rp-button rp-play', 'data-testid': 'replay-play' });
  private readonly stepButton = h('button', { type: 'button', class: 'rp-button', 'data-testid': 'replay-step' });
  private readonly backButton = h('button', { type: 'button', class: 'rp-button', 'data-testid': 'replay-step-back' });
  readonly speedSelect = h('select', { class: 'rp-select', 'data-testid': 'replay-speed' });
  private readonly clockEl = h('span', { class: 'rp-clock mono', 'data-testid': 'replay-clock' });
  private readonly progressEl = h('span', { class: 'rp-progress', 'data-testid': 'replay-progress' });
  private readonly infoEl = h('span', { class: 'rp-info', 'data-testid': 'replay-info' });
  private readonly gapNote = h('span', { class: 'rp-gapnote' });
  // One notch per grid step (max is set when a range loads).
  private readonly slider = h('input', {
    type: 'range',
    class: 'rp-slider',
    min: '0',
    max: '1000',
    value: '0',
    step: '1',
    'data-testid': 'replay-slider',
    'data-grid-ms': String(REPLAY_GRID_MS),
  });
  private readonly coverageEl = h('div', { class: 'rp-coverage', 'data-testid': 'replay-coverage' });
  private readonly bufferedEl = h('div', { class: 'rp-buffered' });
  private readonly markersEl = h('div', { class: 'rp-markers', 'data-testid': 'replay-actions' });
  private readonly cursorEl = h('div', { class: 'rp-cursor' });
  private readonly el: HTMLElement;
  /** The events whose coverage and markers are drawn. */
  private drawnEvents: RangeEvents | null = null;
  private drawnRange: ReplayState['range'] = null;
  private last: ReplayState | null = null;
  /** A failure to show instead of the progress, until the next load. */
  private failure: string | null = null;

  constructor(private readonly actions: ReplayControlActions) {
    for (const s of SPEEDS) this.speedSelect.append(h('option', { value: String(s) }, `${s}×`));
    this.speedSelect.value = '60';
    this.el = h(
      'section',
      { class: 'rp-bottom', 'data-testid': 'replay-controls' },
      h(
        'div',
        { class: 'rp-controls' },
        this.backButton,
        this.playButton,
        this.stepButton,
        this.speedSelect,
        this.clockEl,
        this.progressEl,
        this.infoEl,
        this.gapNote,
      ),
      h('div', { class: 'rp-timeline' }, this.coverageEl, this.bufferedEl, this.markersEl, this.cursorEl, this.slider),
    );
    this.playButton.addEventListener('click', () => actions.togglePlay());
    this.speedSelect.addEventListener('change', () => actions.setSpeed(Number(this.speedSelect.value)));
    this.stepButton.addEventListener('click', () => actions.step());
    this.backButton.addEventListener('click', () => actions.stepBack());
    this.slider.addEventListener('change', () => {
      if (this.last?.range) actions.seek(gridOrigin(this.last) + Number(this.slider.value) * REPLAY_GRID_MS, 'before');
    });
  }

  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  destroy(): void {
    this.el.remove();
  }

  /** Shows a failure (`reason`) in place of the progress until the next render that is loading. */
  fail(reason: string): void {
    this.failure = reason;
    setText(this.progressEl, t('replay.failed', { reason }));
    this.progressEl.dataset.loading = 'error';
  }

  renderLabels(): void {
    setText(this.stepButton, `${t('replay.step')} ›`);
    setText(this.backButton, `‹ ${t('replay.stepBack')}`);
    setText(this.gapNote, t('replay.gapLegend'));
    this.speedSelect.title = t('replay.speedLimit', { max: MAX_SPEED });
    this.coverageEl.title = t('replay.coverage');
    if (this.last) {
      this.drawnEvents = null;
      this.render(this.last);
    }
  }

  render(state: ReplayState): void {
    this.last = state;
    this.speedSelect.value = String(state.speed);
    setText(this.playButton, state.playing ? `❚❚ ${t('replay.pause')}` : `▶ ${t('replay.play')}`);
    this.playButton.dataset.playing = state.playing ? '1' : '0';
    if (!state.range) return;
    if (state.range !== this.drawnRange) {
      this.drawnRange = state.range;
      this.slider.max = String(Math.max(1, Math.ceil((state.range.to - gridOrigin(state)) / REPLAY_GRID_MS)));
    }
    if (state.events !== this.drawnEvents) {
      this.drawnEvents = state.events;
      this.drawCoverage(state);
      this.drawMarkers(state);
    }
    const playhead = state.playhead;
    this.slider.value = String(Math.round((playhead - gridOrigin(state)) / REPLAY_GRID_MS));
    this.slider.title = `${playheadLabel(state)} (${stepLabel(REPLAY_GRID_MS)})`;
    this.cursorEl.style.left = `${(fractionOf(state, playhead) * 100).toFixed(3)}%`;
    const until = state.queue.loadedUntil;
    this.bufferedEl.style.left = `${(fractionOf(state, playhead) * 100).toFixed(3)}%`;
    this.bufferedEl.style.width = `${until === null ? 0 : Math.max(0, (fractionOf(state, until) - fractionOf(state, playhead)) * 100).toFixed(3)}%`;
    setText(this.clockEl, playheadLabel(state));
    const events = state.events;
    const active = events ? incidentsAt(events, playhead).length : 0;
    const moving = events ? events.units.filter((u) => MOVING.includes(unitStatusAt(u, playhead))).length : 0;
    setText(
      this.infoEl,
      `${t('replay.incidents', { n: active })} · ${t('replay.units', { n: moving })} · ${t('replay.gaps', { n: state.gaps.length })} · ${t('replay.frame', { seq: state.framesApplied, step: stepLabel(state.lastStep) })}`,
    );
    if (state.loading) this.failure = null;
    if (this.failure !== null) return;
    this.drawProgress(state);
  }

  /** Loading (parts done), buffering (frames ahead) or loaded: "loaded" only when nothing is awaited. */
  private drawProgress(state: ReplayState): void {
    const { done, total } = state.loadParts;
    if (state.loading) setText(this.progressEl, t('replay.loading', { pct: total ? Math.round((done / total) * 100) : 0 }));
    else if (state.buffering) setText(this.progressEl, t('replay.buffering', { pct: bufferProgress(state) }));
    else setText(this.progressEl, t('replay.loaded'));
    this.progressEl.dataset.loading = state.loading ? '1' : state.buffering ? 'buffering' : '0';
  }

  private drawCoverage(state: ReplayState): void {
    if (!state.events) return;
    const c = state.events.coverage;
    const max = Math.max(1, ...c.counts);
    // Buckets with no data at all are gaps (red); the first and last bucket may be partial.
    replaceChildren(
      this.coverageEl,
      ...c.counts.map((n, k) => {
        const start = c.from + k * c.bucketMs;
        const left = fractionOf(state, start) * 100;
        const width = (fractionOf(state, start + c.bucketMs) - fractionOf(state, start)) * 100;
        return h('div', {
          class: n === 0 ? 'rp-bar rp-gap' : 'rp-bar',
          style: `left:${left.toFixed(3)}%;width:${width.toFixed(3)}%;height:${n === 0 ? 100 : Math.max(8, (n / max) * 100).toFixed(1)}%`,
          'data-gap': n === 0 ? '1' : '0',
        });
      }),
    );
  }

  private drawMarkers(state: ReplayState): void {
    if (!state.events) return;
    replaceChildren(
      this.markersEl,
      ...state.events.actions.map((a) => {
        const b = h('button', {
          type: 'button',
          class: `rp-marker rp-marker-${a.source}${a.automatic ? ' rp-marker-auto' : ''}`,
          style: `left:${(fractionOf(state, a.at) * 100).toFixed(3)}%`,
          title: `${formatDateTime(a.at)} ${a.actor}: ${actionWhatLabel(a.source, a.what)}${a.incidentId ? ` ${a.incidentId}` : ''}${a.unitId ? ` ${a.unitId}` : ''}`,
          'data-testid': 'replay-action-marker',
          'data-at': String(a.at),
        });
        b.addEventListener('click', () => this.actions.seek(a.at, 'after'));
        return b;
      }),
    );
  }
}
