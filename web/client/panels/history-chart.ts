/**
 * A uPlot line chart of one metric's recent history, in the console's dark theme, with a
 * cursor readout instead of uPlot's legend. Times are plotted in seconds (uPlot's default).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatClock, formatValue, formatValueWithUnit } from '../i18n/format.ts';
import type { Language } from '../i18n/language.ts';
import { h, setText } from '../ui/dom.ts';

export interface ChartSeries {
  /** [epoch ms, value] pairs, ascending. */
  points: ReadonlyArray<readonly [number, number]>;
  /** Window shown on the x axis (epoch ms). */
  from: number;
  to: number;
  unit: string | null;
  lang: Language;
  /** Shown centred when there are no points. */
  emptyText: string;
}

const AXIS_STROKE = '#8aa0b6';
const GRID_STROKE = 'rgba(138, 160, 182, 0.12)';
const LINE = '#3fc1d3';
const FILL = 'rgba(63, 193, 211, 0.12)';
const FONT = '11px system-ui, "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';

export class HistoryChart {
  readonly el: HTMLElement;
  private readonly plotHost = h('div', { class: 'chart-plot' });
  private readonly empty = h('div', { class: 'chart-empty', hidden: true });
  private readonly readout = h('div', { class: 'chart-readout mono' });
  private plot: uPlot | null = null;
  private series: ChartSeries | null = null;
  private readonly resizeObserver: ResizeObserver;

  constructor(parent: HTMLElement) {
    this.el = h('div', { class: 'history-chart', 'data-testid': 'sensor-chart' }, this.readout, this.plotHost, this.empty);
    parent.appendChild(this.el);
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(this.plotHost);
  }

  /** Draws `series`, creating the plot on first use. */
  set(series: ChartSeries): void {
    this.series = series;
    const xs = new Float64Array(series.points.length);
    const ys = new Float64Array(series.points.length);
    series.points.forEach(([ts, v], k) => {
      xs[k] = ts / 1000;
      ys[k] = v;
    });
    const data: uPlot.AlignedData = [xs, ys];
    this.el.dataset.points = String(series.points.length);
    this.empty.hidden = series.points.length > 0;
    setText(this.empty, series.emptyText);
    setText(this.readout, '');
    if (!this.plot) {
      const { width, height } = this.size();
      this.plot = new uPlot(this.options(width, height), data, this.plotHost);
    } else {
      this.plot.setData(data, true);
    }
  }

  /** Drops the plot (when the panel closes or the sensor changes). */
  clear(): void {
    this.plot?.destroy();
    this.plot = null;
    this.series = null;
    this.el.dataset.points = '0';
    setText(this.readout, '');
  }

  destroy(): void {
    this.clear();
    this.resizeObserver.disconnect();
  }

  private size(): { width: number; height: number } {
    const width = Math.max(200, Math.floor(this.plotHost.clientWidth || 320));
    // Taller on big screens (wall displays), never taller than a third of the window.
    const height = Math.round(Math.min(260, Math.max(150, window.innerHeight * 0.22)));
    return { width, height };
  }

  private resize(): void {
    if (!this.plot) return;
    const { width, height } = this.size();
    if (width !== this.plot.width || height !== this.plot.height) this.plot.setSize({ width, height });
  }

  private options(width: number, height: number): uPlot.Options {
    return {
      width,
      height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: {
        x: {
          time: true,
          // Always the chosen window, even when readings cover only part of it.
          range: (): uPlot.Range.MinMax => {
            const s = this.series;
            return s ? [s.from / 1000, s.to / 1000] : [0, 1];
          },
        },
        y: {
          range: (_u, min, max): uPlot.Range.MinMax => {
            if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
            const span = max - min || Math.abs(max) || 1;
            return [min - span * 0.1, max + span * 0.1];
          },
        },
      },
      axes: [
        {
          stroke: AXIS_STROKE,
          font: FONT,
          grid: { stroke: GRID_STROKE, width: 1 },
          ticks: { stroke: GRID_STROKE, width: 1 },
          // 24-hour clock in both languages; seconds only when ticks are closer than a minute.
          values: (_u, splits, _axis, _space, incr) =>
            splits.map((s) => (incr < 60 ? formatClock(s * 1000) : formatClock(s * 1000).slice(0, 5))),
        },
        {
          stroke: AXIS_STROKE,
          font: FONT,
          size: 52,
          grid: { stroke: GRID_STROKE, width: 1 },
          ticks: { stroke: GRID_STROKE, width: 1 },
          values: (_u, splits) => splits.map((v) => formatValue(v, this.series?.lang ?? 'zh')),
        },
      ],
      series: [
        {},
        {
          stroke: LINE,
          width: 1.6,
          fill: FILL,
          points: { show: (u) => (u.data[0]?.length ?? 0) < 60, size: 4, fill: LINE },
          spanGaps: false,
        },
      ],
      hooks: {
        setCursor: [
          (u) => {
            const idx = u.cursor.idx;
            const s = this.series;
            if (idx === null || idx === undefined || !s) {
              setText(this.readout, '');
              return;
            }
            const x = u.data[0][idx];
            const y = u.data[1]?.[idx];
            if (x === undefined || y === undefined || y === null) return;
            setText(this.readout, `${formatClock(x * 1000)}  ${formatValueWithUnit(y, s.unit, s.lang)}`);
          },
        ],
      },
    };
  }
}
