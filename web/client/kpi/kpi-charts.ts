/**
 * The KPI tiles: a title, the headline figures (each opens its drill-down) and one ECharts chart
 * (only the chart types and components used are bundled). Clicking a bar or a point opens the
 * rows behind that bar: the incidents of a district and type, the sensors of a department …
 */
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import { init, use, type ECharts, type EChartsCoreOption } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { formatClock } from '../i18n/format.ts';
import { getLanguage } from '../i18n/language.ts';
import { incidentTypeLabel } from '../i18n/incident-labels.ts';
import { h, setText } from '../ui/dom.ts';
import type { KpiSummary } from '../../shared/kpi-protocol.ts';
import type { KpiLayout } from './kpi-layout.ts';
import { kt, type KpiStringKey } from './kpi-strings.ts';

use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, MarkLineComponent, CanvasRenderer]);

/** A drill-down to open: which KPI, its filters, and what to call it in the dialog's title. */
export interface DrillRequest {
  kpi: 'open-incidents' | 'response-times' | 'incidents-today' | 'sensor-health' | 'dead-letters' | 'hotline' | 'service-halls';
  query?: Record<string, string>;
  what: string;
}

const TILES = ['incidents', 'response', 'today', 'health', 'ingest', 'hotline', 'halls'] as const;
type TileId = (typeof TILES)[number];

const TITLES: Record<TileId, KpiStringKey> = {
  incidents: 'openByDistrict',
  response: 'responseTimes',
  today: 'incidentsToday',
  health: 'sensorHealth',
  ingest: 'ingest',
  hotline: 'hotline',
  halls: 'serviceHalls',
};

const FONT = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', system-ui, sans-serif";
const TEXT = '#d7e2ee';
const MUTED = '#8699ae';
const GRID_LINE = '#1d2e43';
const TYPE_COLORS = ['#3fc1d3', '#f5aa28', '#f04a4a', '#9b7bff', '#2dc9a0', '#ff7fb0', '#c8d45a'];
const TODAY = '#3fc1d3';
const LAST_WEEK = '#8699ae';

const minutes = (s: number | null) => (s === null ? null : Math.round((s / 60) * 10) / 10);
const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);
const fmt = (n: number) => n.toLocaleString(getLanguage() === 'en' ? 'en-US' : 'zh-CN', { maximumFractionDigits: 1 });

function axisBase(): Record<string, unknown> {
  return {
    axisLabel: { color: MUTED, fontFamily: FONT, fontSize: 12 },
    axisLine: { lineStyle: { color: GRID_LINE } },
    splitLine: { lineStyle: { color: GRID_LINE } },
  };
}

function base(): EChartsCoreOption {
  return {
    backgroundColor: 'transparent',
    animation: false,
    textStyle: { color: TEXT, fontFamily: FONT },
    tooltip: { trigger: 'axis', confine: true, textStyle: { fontFamily: FONT } },
    legend: { top: 0, right: 0, textStyle: { color: TEXT, fontFamily: FONT, fontSize: 12 }, itemWidth: 12, itemHeight: 8 },
    grid: { left: 8, right: 12, top: 28, bottom: 4, containLabel: true },
  };
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

  constructor(
    grid: HTMLElement,
    readonly layout: KpiLayout,
    private readonly onDrill: (req: DrillRequest) => void,
  ) {
    for (const id of TILES) {
      const title = h('h2', { class: 'kpi-tile-title' });
      const numbers = h('div', { class: 'kpi-numbers' });
      const chartEl = h('div', { class: 'kpi-chart', 'data-testid': `kpi-chart-${id}` });
      const el = h('section', { class: 'kpi-tile', 'data-tile': id, 'data-testid': `kpi-tile-${id}` }, title, numbers, chartEl);
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

  resize(): void {
    for (const t of this.tiles.values()) t.chart.resize();
  }

  /** The figures above the map. */
  headline(s: KpiSummary): HTMLElement[] {
    return [
      this.number('open', kt('openIncidents'), fmt(s.openIncidents.total), { kpi: 'open-incidents', what: kt('openIncidents') }),
      this.number(
        'today',
        kt('today'),
        `${fmt(s.incidentsToday.todaySoFar)} / ${fmt(s.incidentsToday.lastWeekSoFar)}`,
        { kpi: 'incidents-today', what: kt('incidentsToday') },
        kt('lastWeek'),
      ),
      this.number('online', kt('onlineRate'), pct(s.sensorHealth.rate), { kpi: 'sensor-health', what: kt('sensorHealth') }),
      this.number('hotline', kt('cases'), fmt(s.hotline.todaySoFar), { kpi: 'hotline', what: kt('hotline') }),
      this.number('queue', kt('queueTotal'), fmt(s.serviceHalls.queueTotal), { kpi: 'service-halls', what: kt('serviceHalls') }),
    ];
  }

  private number(id: string, label: string, value: string, drill: DrillRequest, sub?: string): HTMLElement {
    const el = h(
      'button',
      { type: 'button', class: 'kpi-number', 'data-testid': `kpi-number-${id}` },
      h('span', { class: 'kpi-number-value' }, value),
      h('span', { class: 'kpi-number-label' }, sub ? `${label} · ${sub}` : label),
    );
    el.addEventListener('click', () => this.onDrill(drill));
    return el;
  }

  render(s: KpiSummary): void {
    for (const [id, t] of this.tiles) setText(t.title, kt(TITLES[id]));
    this.renderIncidents(s);
    this.renderResponse(s);
    this.renderToday(s);
    this.renderHealth(s);
    this.renderIngest(s);
    this.renderHotline(s);
    this.renderHalls(s);
  }

  private set(id: TileId, option: EChartsCoreOption, hasData: boolean, numbers: HTMLElement[]): void {
    const t = this.tiles.get(id)!;
    t.hasData = hasData;
    t.el.dataset.empty = String(!hasData);
    t.numbers.replaceChildren(...numbers);
    t.chart.setOption(option, { notMerge: true });
  }

  private renderIncidents(s: KpiSummary): void {
    const o = s.openIncidents;
    const districts = o.byDistrict.slice(0, this.layout === 'wide' ? 13 : 10);
    this.districtCodes = districts.map((d) => d.district);
    this.types = o.byType.map((t) => t.type);
    const names = districts.map((d) => (getLanguage() === 'en' ? d.nameEn : d.nameZh));
    const series = this.types.map((type, i) => ({
      name: incidentTypeLabel(type),
      type: 'bar',
      stack: 'open',
      barMaxWidth: 16,
      itemStyle: { color: TYPE_COLORS[i % TYPE_COLORS.length] },
      data: this.districtCodes.map((code) => o.cells.find((c) => c.type === type && c.district === code)?.n ?? 0),
    }));
    this.set(
      'incidents',
      {
        ...base(),
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
        xAxis: { type: 'value', minInterval: 1, ...axisBase() },
        yAxis: { type: 'category', inverse: true, data: names, ...axisBase() },
        series,
      },
      o.total > 0,
      [this.number('open', kt('openIncidents'), fmt(o.total), { kpi: 'open-incidents', what: kt('openIncidents') })],
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
        xAxis: { type: 'category', data: names, ...axisBase() },
        // Each step as a share of its target (100 % = on target): steps minutes and hours apart share one scale.
        yAxis: {
          type: 'value',
          max: (v: { max: number }) => Math.max(120, Math.ceil(v.max / 20) * 20),
          ...axisBase(),
          axisLabel: { color: MUTED, formatter: '{value}%' },
        },
        series: [
          {
            name: kt('median'),
            type: 'bar',
            barMaxWidth: 18,
            itemStyle: { color: TODAY },
            data: steps.map((st) => (st.medianS === null ? null : Math.round((st.medianS / st.target.medianS) * 1000) / 10)),
            markLine: {
              symbol: 'none',
              silent: true,
              lineStyle: { color: '#f5aa28', type: 'dashed' },
              label: { color: '#f5aa28', formatter: kt('target') },
              data: [{ yAxis: 100 }],
            },
          },
          {
            name: kt('p90'),
            type: 'bar',
            barMaxWidth: 18,
            itemStyle: { color: '#9b7bff' },
            data: steps.map((st) => (st.p90S === null ? null : Math.round((st.p90S / st.target.p90S) * 1000) / 10)),
          },
        ],
      },
      steps.some((st) => st.count > 0),
      steps.map((st) => {
        const el = this.number(
          `step-${st.step}`,
          `${kt(`step${st.step}` as KpiStringKey)} · ${st.met === null ? kt('noData') : st.met ? kt('met') : kt('missed')}`,
          st.medianS === null ? '—' : kt('minutes', { n: fmt(minutes(st.medianS)!) }),
          { kpi: 'response-times', query: { step: st.step }, what: `${kt('responseTimes')} · ${kt(`step${st.step}` as KpiStringKey)}` },
        );
        el.dataset.met = String(st.met);
        return el;
      }),
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
          barMaxWidth: 12,
          itemStyle: { color },
          data: d.today.map((n, i) => (i <= nowHour ? n : null)),
        },
        {
          name: kt('lastWeek'),
          type: 'line',
          smooth: true,
          symbol: 'none',
          lineStyle: { color: LAST_WEEK, width: 2 },
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
    const deps = s.sensorHealth.byDepartment.slice(0, this.layout === 'wide' ? 12 : 8);
    this.departments = deps.map((d) => d.departmentZh);
    this.set(
      'health',
      {
        ...base(),
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
        xAxis: { type: 'value', max: 100, ...axisBase(), axisLabel: { color: MUTED, formatter: '{value}%' } },
        yAxis: {
          type: 'category',
          inverse: true,
          data: deps.map((d) => (getLanguage() === 'en' ? d.departmentEn : d.departmentZh)),
          ...axisBase(),
          axisLabel: { color: MUTED, fontFamily: FONT, fontSize: 12, width: 150, overflow: 'truncate' },
        },
        series: [
          {
            name: kt('onlineRate'),
            type: 'bar',
            barMaxWidth: 14,
            data: deps.map((d) => ({
              value: d.rate === null ? 0 : Math.round(d.rate * 1000) / 10,
              itemStyle: { color: d.rate !== null && d.rate < 0.9 ? '#f5aa28' : '#2dc9a0' },
            })),
          },
        ],
      },
      deps.length > 0,
      [
        this.number('online-rate', kt('onlineRate'), pct(s.sensorHealth.rate), { kpi: 'sensor-health', what: kt('sensorHealth') }),
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

  private renderIngest(s: KpiSummary): void {
    const g = s.ingest;
    const start = Math.floor((s.at - g.deadLetters.windowMin * 60_000) / 60_000) * 60_000;
    // Minutes on the city's clocks.
    const labels = g.deadLetters.perMinute.map((_, i) => formatClock(start + i * 60_000).slice(0, 5));
    this.set(
      'ingest',
      {
        ...base(),
        legend: { show: false },
        xAxis: { type: 'category', data: labels, ...axisBase() },
        yAxis: { type: 'value', minInterval: 1, ...axisBase() },
        series: [
          { name: kt('rejectedPerMin'), type: 'bar', barMaxWidth: 8, itemStyle: { color: '#f04a4a' }, data: g.deadLetters.perMinute },
        ],
      },
      true,
      [
        this.number('msgs', kt('msgs'), fmt(g.messagesPerSec), { kpi: 'dead-letters', what: kt('rejected') }),
        this.number(
          'rejected',
          kt('rejected'),
          fmt(g.deadLetters.total),
          { kpi: 'dead-letters', what: kt('rejected') },
          kt('rejectedPerMin'),
        ),
        this.number('lag', kt('lag'), `${fmt(g.ingestLagMs)} ms`, { kpi: 'dead-letters', what: kt('rejected') }),
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
    const rows = hs.byDistrict.slice(0, this.layout === 'wide' ? 12 : 8);
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
          ...axisBase(),
          axisLabel: { color: MUTED, fontFamily: FONT, fontSize: 12, width: 150, overflow: 'truncate' },
        },
        series: [{ name: kt('queue'), type: 'bar', barMaxWidth: 14, itemStyle: { color: '#3fc1d3' }, data: rows.map((r) => r.queue) }],
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
      case 'ingest':
        this.onDrill({ kpi: 'dead-letters', what: title });
        return;
      case 'halls': {
        const district = this.hallDistricts[i];
        this.onDrill({ kpi: 'service-halls', query: district !== undefined ? { district } : {}, what: title });
        return;
      }
    }
  }
}
