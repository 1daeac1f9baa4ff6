/**
 * Aggregate cells of a big registry on the map (docs/scale.md): one disc per cell at the mean
 * position of its sensors, sized by the count (area ∝ log of the count, so a dense centre does
 * not swallow the suburbs), coloured by the cell's worst state (alarm, then warning, else the
 * commonest of normal, stale and waiting), with the count written on it. A click zooms in.
 */
import { ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import type { Layer, PickingInfo } from '@deck.gl/core';
import { SENSOR_STATES, type SensorStateName } from '../../../twin-model/sensor-state.ts';
import type { CellSummary } from '../../shared/protocol.ts';
import { STATE_STYLES, type Rgba } from './sensor-style.ts';
import { getLanguage, t } from '../i18n/language.ts';
import type { Panel } from '../app/panel.ts';
import { h, setAttr, setText } from '../ui/dom.ts';

export const CELL_LAYER_ID = 'sensor-cells';
/** Registry cells (no state known). */
const NEUTRAL: Rgba = [80, 140, 220, 255];

/** The state a cell is coloured by, or null when its states are not known. */
export function cellState(cell: CellSummary): SensorStateName | null {
  const s = cell.states;
  if (s.length < SENSOR_STATES.length) return null;
  if (s[2]! > 0) return 'alarm';
  if (s[1]! > 0) return 'warning';
  let best: SensorStateName = 'normal';
  for (const k of [0, 3, 4]) if (s[k]! > s[SENSOR_STATES.indexOf(best)]!) best = SENSOR_STATES[k]!;
  return best;
}

/** Disc radius in pixels for a count. */
export function cellRadius(n: number): number {
  return Math.min(30, 7 + 3.2 * Math.log2(Math.max(1, n)));
}

/** A count as a short label: 850, 1.2k, 35k, 1.1M. */
export function countLabel(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return `${(n / 1000).toFixed(1).replace(/\.0$/, '')}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}

function fillOf(cell: CellSummary): [number, number, number, number] {
  const state = cellState(cell);
  const c = state === null ? NEUTRAL : state === 'unregistered' ? STATE_STYLES.unregistered.line : STATE_STYLES[state].fill;
  return [c[0], c[1], c[2], 200];
}

export interface CellLayerOptions {
  /** Zoom-dependent size factor of the sensor layer (sensor-overlay.ts). */
  zoomScale: number;
  onClick?(cell: CellSummary): void;
}

export function cellLayers(cells: readonly CellSummary[], options: CellLayerOptions): Layer[] {
  if (cells.length === 0) return [];
  const scale = Math.max(0.85, Math.min(1.3, options.zoomScale));
  return [
    new ScatterplotLayer<CellSummary>({
      id: CELL_LAYER_ID,
      data: cells,
      getPosition: (c) => [c.lng, c.lat],
      getRadius: (c) => cellRadius(c.n),
      getFillColor: fillOf,
      getLineColor: [10, 16, 24, 230],
      getLineWidth: 1.5,
      radiusUnits: 'pixels',
      billboard: true,
      lineWidthUnits: 'pixels',
      radiusScale: scale,
      stroked: true,
      filled: true,
      pickable: true,
      autoHighlight: true,
      highlightColor: [255, 255, 255, 90],
      onClick: (info: PickingInfo<CellSummary>) => {
        if (!info.object || !options.onClick) return false;
        options.onClick(info.object);
        return true;
      },
      updateTriggers: { getFillColor: cells, getRadius: cells },
    }),
    new TextLayer<CellSummary>({
      id: `${CELL_LAYER_ID}-labels`,
      data: cells,
      getPosition: (c) => [c.lng, c.lat],
      getText: (c) => countLabel(c.n),
      getSize: 12 * scale,
      getColor: [255, 255, 255, 255],
      fontFamily: 'Noto Sans, DejaVu Sans, Arial, sans-serif',
      fontWeight: 700,
      characterSet: '0123456789.kM',
      outlineWidth: 3,
      outlineColor: [0, 0, 0, 255],
      fontSettings: { sdf: true },
      getTextAnchor: 'middle',
      getAlignmentBaseline: 'center',
      pickable: false,
    }),
  ];
}

/**
 * The strip that says the map shows a big registry by viewport: aggregated cells (with the
 * sensors in view and the cell count) or the viewport's points. `data-mode` is `cells`,
 * `points` or `waiting`; `data-total` and `data-cells` carry the figures.
 */
/** What the scale badge shows: the viewport's mode and figures (docs/scale.md). */
export interface ScaleView {
  scale: { active: boolean; mode: 'points' | 'cells' | null; total: number; cells: number; points: number; zoom: number };
}

export class ScaleBadge implements Panel<ScaleView> {
  readonly el: HTMLElement;
  /** Redrawn when the scale mode, the counts or the zoom change (console-view.ts). */
  readonly reads = ['scale'] as const;

  constructor() {
    this.el = h('div', { class: 'scale-badge', role: 'status', hidden: true, 'data-testid': 'scale-mode' });
    const st = this.el.style;
    Object.assign(st, {
      position: 'absolute',
      top: '52px',
      left: '50%',
      transform: 'translateX(-50%)',
      padding: '4px 12px',
      borderRadius: '12px',
      background: 'rgba(12, 20, 32, 0.86)',
      border: '1px solid rgba(120, 170, 230, 0.55)',
      color: '#dce8f5',
      fontSize: '0.85rem',
      pointerEvents: 'none',
      whiteSpace: 'nowrap',
      zIndex: '5',
    });
  }

  mount(parent: HTMLElement): void {
    parent.appendChild(this.el);
  }

  destroy(): void {
    this.el.remove();
  }

  renderLabels(): void {
    if (this.last) this.render(this.last);
  }

  private last: ScaleView | null = null;

  render(view: ScaleView): void {
    this.last = view;
    const state = view.scale;
    this.el.hidden = !state.active;
    if (!state.active) return;
    const mode = state.mode ?? 'waiting';
    setAttr(this.el, 'data-mode', mode);
    setAttr(this.el, 'data-total', String(state.total));
    setAttr(this.el, 'data-cells', String(state.cells));
    setAttr(this.el, 'data-points', String(state.points));
    setAttr(this.el, 'data-zoom', state.zoom.toFixed(2));
    const n = (v: number) => v.toLocaleString(getLanguage() === 'en' ? 'en-US' : 'zh-CN');
    setText(
      this.el,
      mode === 'cells'
        ? t('scale.cells', { total: n(state.total), cells: n(state.cells) })
        : mode === 'points'
          ? t('scale.points', { points: n(state.points) })
          : t('scale.waiting'),
    );
  }
}
