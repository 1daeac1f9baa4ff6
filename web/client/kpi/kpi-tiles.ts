/**
 * The KPI screen's chart tiles as panels: the summary's charts (kpi-charts.ts) and the hotline
 * case tile (kpi-cases.ts), made in the grid when mounted and drawn from the screen's state.
 */
import type { Panel } from '../app/panel.ts';
import { CaseKpiTile, type DistrictName } from './kpi-cases.ts';
import { KpiCharts, type DrillRequest } from './kpi-charts.ts';
import type { KpiState } from './kpi-state.ts';

export class KpiChartsPanel implements Panel<KpiState> {
  private charts: KpiCharts | null = null;
  private last: KpiState | null = null;

  constructor(
    private readonly layout: KpiState['layout'],
    private readonly onDrill: (req: DrillRequest) => void,
  ) {}

  mount(parent: HTMLElement): void {
    this.charts = new KpiCharts(parent, this.layout, this.onDrill);
  }

  render(view: KpiState): void {
    this.last = view;
    if (view.summary) this.charts?.render(view.summary);
  }

  renderLabels(): void {
    if (this.last) this.render(this.last);
  }

  /** Ids of the charts that drew at least one value. */
  withData(): string[] {
    return this.charts?.withData() ?? [];
  }

  resize(): void {
    this.charts?.resize();
  }

  /** The charts stay as long as the page (the screen has no other view to go to). */
  destroy(): void {
    this.charts = null;
  }
}

export class KpiCasesPanel implements Panel<KpiState> {
  private tile: CaseKpiTile | null = null;

  /** `districtName(code)`: a district's name in the page's language. */
  constructor(
    private readonly layout: KpiState['layout'],
    private readonly districtName: DistrictName,
  ) {}

  mount(parent: HTMLElement): void {
    this.tile = new CaseKpiTile(parent, this.layout, this.districtName);
  }

  render(view: KpiState): void {
    if (view.caseKpi) this.tile?.update(view.caseKpi, view.summary?.sensorHealth.byDepartment);
  }

  renderLabels(): void {
    this.tile?.render();
  }

  get hasData(): boolean {
    return this.tile?.hasData ?? false;
  }

  resize(): void {
    this.tile?.resize();
  }

  destroy(): void {
    this.tile?.el.remove();
  }
}
