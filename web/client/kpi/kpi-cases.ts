/**
 * The KPI screen's hotline case panel (docs/cases.md#kpi): from `GET /api/kpi/cases` (the last
 * 30 days), the cases by department stacked by status, the on-time rate, satisfaction, repeat
 * cases, and the places callers call about again (≈500 m cells with at least 3 cases; only for a
 * screen cleared for `internal`, empty on a wall display). Counts only: no text, no caller.
 */
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { init, use, type ECharts } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { CASE_STATUSES } from '../../../twin-model/cases/index.ts';
import type { CaseKpiResponse } from '../../shared/case-protocol.ts';
import { statusText } from '../cases/case-strings.ts';
import { getLanguage } from '../i18n/language.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import type { KpiLayout } from './kpi-layout.ts';
import { axisBase, axisPx, base, card, figure } from './kpi-charts.ts';
import { type DepartmentNames, departmentLabel } from './kpi-names.ts';
import { kt } from './kpi-strings.ts';

use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** How often the panel is read: the case KPI counts up to 10,000 cases from the store. */
export const CASE_KPI_REFRESH_MS = 60_000;

const STATUS_COLORS: Record<(typeof CASE_STATUSES)[number], string> = {
  received: '#8699ae',
  assigned: '#3fc1d3',
  accepted: '#2d8fd3',
  returned: '#f5aa28',
  replied: '#9b7bff',
  closed: '#2dc9a0',
  reopened: '#f04a4a',
};
const fmt = (n: number) => n.toLocaleString(getLanguage() === 'en' ? 'en-US' : 'zh-CN', { maximumFractionDigits: 2 });

/** A district's name on the screen (from the KPI summary's district lists), or its code. */
export type DistrictName = (code: string) => string;

export class CaseKpiTile {
  readonly el: HTMLElement;
  private readonly title: HTMLElement;
  private readonly numbers: HTMLElement;
  private readonly places = h('ul', { class: 'kpi-case-places', 'data-testid': 'kpi-case-places' });
  private readonly chart: ECharts;
  private data: CaseKpiResponse | null = null;
  /** The departments the sensor sources name in both languages (the KPI summary's). */
  private departmentNames: readonly DepartmentNames[] = [];
  hasData = false;

  constructor(
    grid: HTMLElement,
    private readonly layout: KpiLayout,
    private readonly districtName: DistrictName,
  ) {
    const c = card('cases');
    this.el = c.el;
    this.title = c.title;
    this.numbers = c.numbers;
    const chartEl = c.chartEl;
    // The places called about again: a line of the card's head, so the chart keeps the whole body.
    c.head.append(this.places);
    grid.appendChild(this.el);
    this.chart = init(chartEl, undefined, { renderer: 'canvas' });
    new ResizeObserver(() => this.chart.resize()).observe(chartEl);
  }

  /** The KPI as read, or null before the first answer. */
  kpi(): CaseKpiResponse | null {
    return this.data;
  }

  update(data: CaseKpiResponse, departmentNames: readonly DepartmentNames[] = this.departmentNames): void {
    this.data = data;
    this.departmentNames = departmentNames;
    this.render();
  }

  /** Draws the panel again (new data, another language). */
  render(): void {
    setText(this.title, kt('caseTitle'));
    const d = this.data;
    if (!d) return;
    const k = d.kpi;
    const rate = k.onTime.rate === null ? '—' : `${(k.onTime.rate * 100).toFixed(1)}%`;
    const satisfaction = k.satisfaction.average === null ? '—' : `${fmt(k.satisfaction.average)} / 5`;
    replaceChildren(
      this.numbers,
      figure('cases-total', kt('casesTotal'), fmt(k.total), undefined, kt('casesUnassigned', { n: fmt(k.unassigned) })),
      figure('cases-ontime', kt('casesOnTime'), rate),
      figure('cases-satisfaction', kt('casesSatisfaction'), satisfaction),
      figure('cases-repeat', kt('casesRepeat'), fmt(k.repeatCases)),
    );
    this.el.dataset.empty = String(k.total === 0);
    this.hasData = k.total > 0;
    this.drawChart(d);
    this.drawPlaces(d);
  }

  /** The window changed: type sizes follow it, the chart its body. */
  resize(): void {
    if (this.data) this.drawChart(this.data);
    this.chart.resize();
  }

  private drawChart(d: CaseKpiResponse): void {
    const departments = d.kpi.byDepartment.slice(0, this.layout === 'standard' ? 5 : 6);
    const statuses = CASE_STATUSES.filter((s) => departments.some((dep) => dep.byStatus[s] > 0));
    const axis = axisBase();
    this.chart.setOption(
      {
        ...base(),
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
        xAxis: { type: 'value', minInterval: 1, ...axis },
        yAxis: {
          type: 'category',
          inverse: true,
          data: departments.map((dep) => departmentLabel(dep.department, this.departmentNames, getLanguage())),
          ...axis,
          axisLabel: {
            ...(axis.axisLabel as object),
            width: Math.round(Math.max(axisPx() * 4, this.chart.getWidth() * 0.4)),
            overflow: 'truncate',
          },
        },
        series: statuses.map((s) => ({
          name: statusText(s),
          type: 'bar',
          stack: 'status',
          barMaxWidth: axisPx() * 1.2,
          itemStyle: { color: STATUS_COLORS[s] },
          data: departments.map((dep) => dep.byStatus[s]),
        })),
      },
      { notMerge: true },
    );
  }

  private drawPlaces(d: CaseKpiResponse): void {
    const places = d.kpi.repeatPlaces.filter((p) => p.repeatCallers > 0 || p.repeatCases > 0).slice(0, 1);
    const head = h('li', { class: 'kpi-case-places-head' }, kt('casesPlaces'));
    const rows = places.map((p) =>
      h(
        'li',
        { 'data-testid': 'kpi-case-place' },
        kt('casesPlace', {
          place: p.district ? this.districtName(p.district) : `${p.lng.toFixed(3)}, ${p.lat.toFixed(3)}`,
          cases: fmt(p.cases),
          callers: fmt(p.repeatCallers),
        }),
      ),
    );
    replaceChildren(this.places, head, ...(rows.length > 0 ? rows : [h('li', { class: 'kpi-case-places-none' }, kt('casesNoPlaces'))]));
  }
}
