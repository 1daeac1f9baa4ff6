/**
 * The KPI cards: a head (title and the card's figures, each opening its drill-down) over a
 * body the ECharts chart fills (it follows the body's size, and its type follows the screen's,
 * kpi-layout.ts `typeScale`). Only the chart types and components used are bundled. Clicking
 * a bar, a slice or a point opens the rows behind it: the incidents of a district and type …
 */
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { init, use, type ECharts, type EChartsCoreOption } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { getLanguage } from '../i18n/language.ts';
import { incidentTypeLabel } from '../i18n/incident-labels.ts';
import { h, setText } from '../ui/dom.ts';
import type { KpiSummary } from '../../shared/kpi-protocol.ts';
import { typeScale, type KpiLayout } from './kpi-layout.ts';
import { kt, type KpiStringKey } from './kpi-strings.ts';

use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, MarkLineComponent, CanvasRenderer]);

/** A drill-down to open: which KPI, its filters, and what to call it in the dialog's title. */
export interface DrillRequest {
  kpi: 'open-incidents' | 'response-times' | 'incidents-today' | 'sensor-health' | 'dead-letters' | 'hotline' | 'service-halls';
  query?: Record<string, string>;
  what: string;
}

const TILES = ['incidents', 'types', 'response', 'today', 'health', 'hotline', 'halls'] as const;
type TileId = (typeof TILES)[number];

const TITLES: Record<TileId, KpiStringKey> = {
  incidents: 'openByDistrict',
  types: 'openByType',
  response: 'responseTimes',
  today: 'incidentsToday',
  health: 'sensorHealth',
  hotline: 'hotline',
  halls: 'serviceHalls',
};

export const FONT = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', system-ui, sans-serif";
export const TEXT = '#d7e2ee';
export const MUTED = '#9fb2c6';
export const GRID_LINE = '#1d2e43';
const TYPE_COLORS = ['#3fc1d3', '#f5aa28', '#f04a4a', '#9b7bff', '#2dc9a0', '#ff7fb0', '#c8d45a'];
const TODAY = '#3fc1d3';
const LAST_WEEK = '#8699ae';

export const fmt = (n: number) => n.toLocaleString(getLanguage() === 'en' ? 'en-US' : 'zh-CN', { maximumFractionDigits: 1 });

/** Axis text size (px) for this screen: it follows the window (one screen of a wall). */
export function axisPx(): number {
  return Math.round(typeScale(window.innerWidth, window.innerHeight).axis);
}

export function axisBase(): Record<string, unknown> {
  return {
    axisLabel: { color: MUTED, fontFamily: FONT, fontSize: axisPx() },
    axisLine: { lineStyle: { color: GRID_LINE } },
    splitLine: { lineStyle: { color: GRID_LINE } },
  };
}

/** Category labels (names) that give way (truncated) beyond `share` of the chart's width `chartWidth` (px). */
export function namesAxis(chartWidth: number, share = 0.34): Record<string, unknown> {
  const base = axisBase();
  const width = Math.max(axisPx() * 4, Math.round(chartWidth * share));
  return { ...base, axisLabel: { ...(base.axisLabel as object), width, overflow: 'truncate' } };
}

export function base(): EChartsCoreOption {
  const px = axisPx();
  return {
    backgroundColor: 'transparent',
    animation: false,
    textStyle: { color: TEXT, fontFamily: FONT, fontSize: px },
    tooltip: { trigger: 'axis', confine: true, textStyle: { fontFamily: FONT, fontSize: px } },
    // One line whatever the names' length (English names wrapped onto the plot): more names page.
    legend: {
      type: 'scroll',
      top: 0,
      right: 0,
      textStyle: { color: TEXT, fontFamily: FONT, fontSize: px },
      itemWidth: px,
      itemHeight: Math.round(px * 0.66),
    },
    grid: { left: 4, right: Math.round(px * 0.8), top: Math.round(px * 2), bottom: 2, containLabel: true },
  };
}

/** A card: its head (title, figures) over its body, which the chart fills. */
export function card(id: string): { el: HTMLElement; title: HTMLElement; numbers: HTMLElement; head: HTMLElement; chartEl: HTMLElement } {
  const title = h('h2', { class: 'kpi-tile-title' });
  const numbers = h('div', { class: 'kpi-numbers' });
  const head = h('div', { class: 'kpi-tile-head' }, title, numbers);
  const chartEl = h('div', { class: 'kpi-chart', 'data-testid': `kpi-chart-${id}` });
  const body = h('div', { class: 'kpi-card-body' }, chartEl);
  const el = h('section', { class: 'kpi-tile', 'data-tile': id, 'data-testid': `kpi-tile-${id}` }, head, body);
  return { el, title, numbers, head, chartEl };
}

/** A figure of a card: its value over its label; a click opens `drill` (none: a static figure). */
export function figure(id: string, label: string, value: string, drill?: () => void, sub?: string): HTMLElement {
  const el = h(
    drill ? 'button' : 'div',
    {
      ...(drill ? { type: 'button' } : {}),
      class: drill ? 'kpi-number' : 'kpi-number kpi-number-static',
      'data-testid': `kpi-number-${id}`,
    },
    h('span', { class: 'kpi-number-value' }, value),
    h('span', { class: 'kpi-number-label' }, sub ? `${label} · ${sub}` : label),
  );
  if (drill) el.addEventListener('click', drill);
  return el;
}

export class KpiCharts {
  private readonly tiles = new Map<
    TileId,
    { el: HTMLElement; numbers: HTMLElement; chart: ECharts; hasData: boolean; title: HTMLElement }
  >();
  /** What the bars of each chart stand for (index → filter), set at each render. */
  private districtCodes: string[] = [];
  private types: string[] = [];
  private departments: string[] = [];
  private hallDistricts: string[] = [];
  private last: KpiSummary | null = null;

  constructor(
    grid: HTMLElement,
    readonly layout: KpiLayout,
    private readonly onDrill: (req: DrillRequest) => void,
  ) {
    for (const id of TILES) {
      const { el, title, numbers, chartEl } = card(id);
      grid.appendChild(el);
      const chart = init(chartEl, undefined, { renderer: 'canvas' });
      // The figures above a chart change its room: follow the element's size, not the window's.
      new ResizeObserver(() => chart.resize()).observe(chartEl);
      chart.on('click', (p) => this.clicked(id, p as { seriesIndex?: number; dataIndex?: number }));
      this.tiles.set(id, { el, numbers, chart, hasData: false, title });
    }
  }

  /** Ids of the charts that drew at least one value. */
  withData(): string[] {
    return [...this.tiles].filter(([, t]) => t.hasData).map(([id]) => id);
  }

  /** The window changed: type sizes follow it, the charts their bodies. */
  resize(): void {
    if (this.last) this.render(this.last);
    for (const t of this.tiles.values()) t.chart.resize();
  }

  private number(id: string, label: string, value: string, drill: DrillRequest, sub?: string): HTMLElement {
    return figure(id, label, value, () => this.onDrill(drill), sub);
  }

  render(s: KpiSummary): void {
    this.last = s;
    for (const [id, t] of this.tiles) setText(t.title, kt(TITLES[id]));
    this.renderIncidents(s);
    this.renderTypes(s);
    this.renderResponse(s);
    this.renderToday(s);
    this.renderHealth(s);
    this.renderHotline(s);
    this.renderHalls(s);
  }

  /** A chart's width in px (its body's). */
  private width(id: TileId): number {
    return this.tiles.get(id)!.chart.getWidth();
  }

  private set(id: TileId, option: EChartsCoreOption, hasData: boolean, numbers: HTMLElement[]): void {
    const t = this.tiles.get(id)!;
    t.hasData = hasData;
    t.el.dataset.empty = String(!hasData);
    t.numbers.replaceChildren(...numbers);
    // An empty chart says so in its middle rather than showing bare axes.
    const empty = {
      text: kt('noData'),
      left: 'center',
      top: 'middle',
      textStyle: { color: MUTED, fontFamily: FONT, fontSize: axisPx() * 1.2 },
    };
    t.chart.setOption({ ...option, ...(hasData ? {} : { title: empty }) }, { notMerge: true });
  }

  private renderIncidents(s: KpiSummary): void {
    const o = s.openIncidents;
    const districts = o.byDistrict.slice(0, this.layout === 'standard' ? 8 : 10);
    this.districtCodes = districts.map((d) => d.district);
    this.types = o.byType.map((t) => t.type);
    const names = districts.map((d) => (getLanguage() === 'en' ? d.nameEn : d.nameZh));
    const series = this.types.map((type, i) => ({
      name: incidentTypeLabel(type),
      type: 'bar',
      stack: 'open',
      barMaxWidth: axisPx() * 1.4,
      itemStyle: { color: TYPE_COLORS[i % TYPE_COLORS.length] },
      data: this.districtCodes.map((code) => o.cells.find((c) => c.type === type && c.district === code)?.n ?? 0),
    }));
    this.set(
      'incidents',
      {
        ...base(),
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
        xAxis: { type: 'value', minInterval: 1, ...axisBase() },
        yAxis: { type: 'category', inverse: true, data: names, ...namesAxis(this.width('incidents')) },
        series,
      },
      o.total > 0,
      [
        this.number('open', kt('openIncidents'), fmt(o.total), { kpi: 'open-incidents', what: kt('openIncidents') }),
        figure('open-districts', kt('openDistricts'), fmt(o.byDistrict.filter((d) => d.n > 0).length)),
      ],
    );
  }

  /** The open incidents' make-up by type, a ring (a slice opens that type's incidents). */
  private renderTypes(s: KpiSummary): void {
    const o = s.openIncidents;
    const px = axisPx();
    this.set(
      'types',
      {
        ...base(),
        tooltip: { trigger: 'item', confine: true, textStyle: { fontSize: px } },
        legend: { show: false },
        series: [
          {
            name: kt('openByType'),
            type: 'pie',
            radius: ['42%', '72%'],
            center: ['50%', '52%'],
            label: { color: TEXT, fontFamily: FONT, fontSize: px, formatter: '{b} {c}' },
            labelLine: { length: px * 0.6, length2: px * 0.6 },
            data: o.byType.map((t) => ({
              name: incidentTypeLabel(t.type),
              value: t.n,
              itemStyle: { color: TYPE_COLORS[this.types.indexOf(t.type) % TYPE_COLORS.length] },
            })),
          },
        ],
      },
      o.byType.some((t) => t.n > 0),
      [figure('open-types', kt('coltype'), fmt(o.byType.filter((t) => t.n > 0).length))],
    );
  }

  private renderResponse(s: KpiSummary): void {
    const steps = s.responseTimes.steps;
    const names = steps.map((st) => kt(`step${st.step}` as KpiStringKey));
    this.set(
      'response',
      {
        ...base(),
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
        xAxis: { type: 'category', data: names, ...axisBase(), axisLabel: { ...(axisBase().axisLabel as object), interval: 0 } },
        // Each step as a share of its target (100 % = on target): steps minutes and hours apart share one scale.
        yAxis: {
          type: 'value',
          max: (v: { max: number }) => Math.max(120, Math.ceil(v.max / 20) * 20),
          ...axisBase(),
          axisLabel: { color: MUTED, fontSize: axisPx(), formatter: '{value}%' },
        },
        series: [
          {
            name: kt('median'),
            type: 'bar',
            barMaxWidth: axisPx() * 1.6,
            itemStyle: { color: TODAY },
            data: steps.map((st) => (st.medianS === null ? null : Math.round((st.medianS / st.target.medianS) * 1000) / 10)),
            markLine: {
              symbol: 'none',
              silent: true,
              lineStyle: { color: '#f5aa28', type: 'dashed' },
              label: { color: '#f5aa28', fontSize: axisPx(), position: 'insideEndTop', formatter: kt('target') },
              data: [{ yAxis: 100 }],
            },
          },
          {
            name: kt('p90'),
            type: 'bar',
            barMaxWidth: axisPx() * 1.6,
            itemStyle: { color: '#9b7bff' },
            data: steps.map((st) => (st.p90S === null ? null : Math.round((st.p90S / st.target.p90S) * 1000) / 10)),
          },
        ],
      },
      steps.some((st) => st.count > 0),
      [
        this.number('steps-met', kt('stepsMet'), `${steps.filter((st) => st.met === true).length} / ${steps.length}`, {
          kpi: 'response-times',
          query: { step: 'acknowledge' },
          what: `${kt('responseTimes')} · ${kt('stepacknowledge')}`,
        }),
      ],
    );
  }

  private hours(): string[] {
    return Array.from({ length: 24 }, (_, i) => `${String(i).padStart(2, '0')}`);
  }

  /** Today's hours as bars (up to the current hour) against the same day last week as a line. */
  private todayVsLastWeek(d: { today: number[]; lastWeek: number[] }, nowHour: number, color: string): EChartsCoreOption {
    return {
      ...base(),
      xAxis: { type: 'category', data: this.hours(), ...axisBase() },
      yAxis: { type: 'value', minInterval: 1, ...axisBase() },
      series: [
        {
          name: kt('today'),
          type: 'bar',
          barMaxWidth: axisPx(),
          itemStyle: { color },
          data: d.today.map((n, i) => (i <= nowHour ? n : null)),
        },
        {
          name: kt('lastWeek'),
          type: 'line',
          smooth: true,
          symbol: 'none',
          lineStyle: { color: LAST_WEEK, width: Math.max(2, axisPx() / 8) },
          itemStyle: { color: LAST_WEEK },
          data: d.lastWeek,
        },
      ],
    };
  }

  private renderToday(s: KpiSummary): void {
    const d = s.incidentsToday;
    const nowHour = Math.floor((s.at - s.dayStart) / 3_600_000);
    this.set('today', this.todayVsLastWeek(d, nowHour, TODAY), d.today.some((n) => n > 0) || d.lastWeek.some((n) => n > 0), [
      this.number('today-count', kt('today'), fmt(d.todaySoFar), { kpi: 'incidents-today', what: kt('incidentsToday') }),
      this.number('lastweek-count', kt('lastWeek'), fmt(d.lastWeekSoFar), {
        kpi: 'incidents-today',
        query: { day: 'lastWeek' },
        what: `${kt('incidentsToday')} · ${kt('lastWeek')}`,
      }),
    ]);
  }

  private renderHealth(s: KpiSummary): void {
    const deps = s.sensorHealth.byDepartment.slice(0, this.layout === 'standard' ? 6 : 8);
    this.departments = deps.map((d) => d.departmentZh);
    this.set(
      'health',
      {
        ...base(),
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
        xAxis: { type: 'value', max: 100, ...axisBase(), axisLabel: { color: MUTED, fontSize: axisPx(), formatter: '{value}%' } },
        yAxis: {
          type: 'category',
          inverse: true,
          data: deps.map((d) => (getLanguage() === 'en' ? d.departmentEn : d.departmentZh)),
          ...namesAxis(this.width('health'), 0.45),
        },
        series: [
          {
            name: kt('onlineRate'),
            type: 'bar',
            barMaxWidth: axisPx() * 1.2,
            data: deps.map((d) => ({
              value: d.rate === null ? 0 : Math.round(d.rate * 1000) / 10,
              itemStyle: { color: d.rate !== null && d.rate < 0.9 ? '#f5aa28' : '#2dc9a0' },
            })),
          },
        ],
      },
      deps.length > 0,
      [
        this.number(
          'online-count',
          kt('online'),
          `${fmt(s.sensorHealth.online)} / ${fmt(s.sensorHealth.registered)}`,
          { kpi: 'sensor-health', query: { status: 'offline' }, what: `${kt('sensorHealth')} · ✕` },
          kt('registered'),
        ),
      ],
    );
  }

  private renderHotline(s: KpiSummary): void {
    const d = s.hotline;
    const nowHour = Math.floor((s.at - s.dayStart) / 3_600_000);
    this.set('hotline', this.todayVsLastWeek(d, nowHour, '#9b7bff'), d.today.some((n) => n > 0) || d.lastWeek.some((n) => n > 0), [
      this.number('hotline-today', kt('today'), fmt(d.todaySoFar), { kpi: 'hotline', what: kt('hotline') }),
      this.number('hotline-lastweek', kt('lastWeek'), fmt(d.lastWeekSoFar), {
        kpi: 'hotline',
        query: { day: 'lastWeek' },
        what: `${kt('hotline')} · ${kt('lastWeek')}`,
      }),
    ]);
  }

  private renderHalls(s: KpiSummary): void {
    const hs = s.serviceHalls;
    // Per district: an aggregate, so a wall screen without clearance for single halls shows it too.
    const rows = hs.byDistrict.slice(0, this.layout === 'standard' ? 6 : 8);
    this.hallDistricts = rows.map((r) => r.district);
    this.set(
      'halls',
      {
        ...base(),
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
        legend: { show: false },
        xAxis: { type: 'value', minInterval: 1, ...axisBase() },
        yAxis: {
          type: 'category',
          inverse: true,
          data: rows.map((r) => (getLanguage() === 'en' ? r.nameEn : r.nameZh)),
          ...namesAxis(this.width('halls'), 0.45),
        },
        series: [
          { name: kt('queue'), type: 'bar', barMaxWidth: axisPx() * 1.2, itemStyle: { color: '#3fc1d3' }, data: rows.map((r) => r.queue) },
        ],
      },
      rows.length > 0,
      [
        this.number(
          'queue-total',
          kt('queueTotal'),
          fmt(hs.queueTotal),
          { kpi: 'service-halls', what: kt('serviceHalls') },
          kt('halls', { n: hs.halls }),
        ),
        this.number('wait-mean', kt('waitMean'), hs.waitMinMean === null ? '—' : kt('minutes', { n: fmt(hs.waitMinMean) }), {
          kpi: 'service-halls',
          what: kt('serviceHalls'),
        }),
        this.number('wait-max', kt('waitMax'), hs.waitMinMax === null ? '—' : kt('minutes', { n: fmt(hs.waitMinMax) }), {
          kpi: 'service-halls',
          what: kt('serviceHalls'),
        }),
      ],
    );
  }

  private clicked(id: TileId, p: { seriesIndex?: number; dataIndex?: number }): void {
    const i = p.dataIndex ?? 0;
    const title = kt(TITLES[id]);
    switch (id) {
      case 'incidents': {
        const type = this.types[p.seriesIndex ?? 0];
        const district = this.districtCodes[i];
        this.onDrill({
          kpi: 'open-incidents',
          query: { ...(type ? { type } : {}), ...(district !== undefined ? { district } : {}) },
          what: title,
        });
        return;
      }
      case 'response': {
        const step = (['acknowledge', 'dispatch', 'arrive', 'resolve'] as const)[i] ?? 'acknowledge';
        this.onDrill({ kpi: 'response-times', query: { step }, what: `${title} · ${kt(`step${step}` as KpiStringKey)}` });
        return;
      }
      case 'today':
      case 'hotline':
        this.onDrill({
          kpi: id === 'today' ? 'incidents-today' : 'hotline',
          query: { day: p.seriesIndex === 1 ? 'lastWeek' : 'today', hour: String(i) },
          what: `${title} · ${String(i).padStart(2, '0')}:00`,
        });
        return;
      case 'health': {
        const department = this.departments[i];
        this.onDrill({ kpi: 'sensor-health', query: department ? { department } : {}, what: title });
        return;
      }
      case 'types': {
        const type = this.types[i];
        this.onDrill({ kpi: 'open-incidents', query: type ? { type } : {}, what: title });
        return;
      }
      case 'halls': {
        const district = this.hallDistricts[i];
        this.onDrill({ kpi: 'service-halls', query: district !== undefined ? { district } : {}, what: title });
        return;
      }
    }
  }
}
