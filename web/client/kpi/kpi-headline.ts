/**
 * The headline figures over the map: five large numbers, each with its trend against the
 * previous period (▲▼ and the change, green when the change is good news for that figure, red
 * when it is bad). Today's incidents and hotline cases compare with the same moment last week
 * from the summary itself; the others with the summary read for that moment (`?at=` a week
 * earlier, kpi-main.ts); while that summary is not read, or no data was flowing at that moment (a
 * fresh install), the figure says "no comparison" instead of an arrow. A click opens the rows
 * behind the figure.
 */
import type { KpiSummary } from '../../shared/kpi-protocol.ts';
import { h } from '../ui/dom.ts';
import type { DrillRequest } from './kpi-charts.ts';
import { fmt } from './kpi-charts.ts';
import { comparable, trendArrow, trendOf, type Trend } from './kpi-health.ts';
import { kt, type KpiStringKey } from './kpi-strings.ts';

interface HeadlineFigure {
  id: string;
  label: KpiStringKey;
  /** The figure now and in the previous period (null: unknown). */
  now: (s: KpiSummary) => number | null;
  before: (s: KpiSummary, previous: KpiSummary | null) => number | null;
  upIsGood: boolean;
  /** A rate (0…1): shown in per cent, its change in percentage points. */
  rate?: boolean;
  drill: () => DrillRequest;
}

const FIGURES: readonly HeadlineFigure[] = [
  {
    id: 'open',
    label: 'openIncidents',
    now: (s) => s.openIncidents.total,
    before: (_s, p) => p?.openIncidents.total ?? null,
    upIsGood: false,
    drill: () => ({ kpi: 'open-incidents', what: kt('openIncidents') }),
  },
  {
    id: 'today',
    label: 'incidentsTodayShort',
    now: (s) => s.incidentsToday.todaySoFar,
    before: (s) => s.incidentsToday.lastWeekSoFar,
    upIsGood: false,
    drill: () => ({ kpi: 'incidents-today', what: kt('incidentsToday') }),
  },
  {
    id: 'online',
    label: 'onlineRate',
    now: (s) => s.sensorHealth.rate,
    before: (_s, p) => p?.sensorHealth.rate ?? null,
    upIsGood: true,
    rate: true,
    drill: () => ({ kpi: 'sensor-health', what: kt('sensorHealth') }),
  },
  {
    id: 'hotline',
    label: 'hotlineToday',
    now: (s) => s.hotline.todaySoFar,
    before: (s) => s.hotline.lastWeekSoFar,
    upIsGood: false,
    drill: () => ({ kpi: 'hotline', what: kt('hotline') }),
  },
  {
    id: 'queue',
    label: 'queueTotal',
    now: (s) => s.serviceHalls.queueTotal,
    before: (_s, p) => p?.serviceHalls.queueTotal ?? null,
    upIsGood: false,
    drill: () => ({ kpi: 'service-halls', what: kt('serviceHalls') }),
  },
];

const shown = (v: number | null, rate: boolean | undefined): string => (v === null ? '—' : rate ? `${(v * 100).toFixed(1)}%` : fmt(v));

function trendText(t: Trend | null, rate: boolean | undefined): string {
  if (!t) return kt('noTrend');
  const size = rate ? kt('points', { n: fmt(Math.round(Math.abs(t.delta) * 1000) / 10) }) : fmt(Math.abs(t.delta));
  return t.direction === 'flat' ? `— ${kt('flat')}` : `${trendArrow(t)} ${size}`;
}

/** The headline figures for `s` against `previous` (the summary a week earlier, null until read). */
export function headlineFigures(s: KpiSummary, previous: KpiSummary | null, onDrill: (req: DrillRequest) => void): HTMLElement[] {
  return FIGURES.map((f) => {
    const now = f.now(s);
    // No arrow against a moment with no data (a fresh install a week back): "no comparison".
    const trend = trendOf(now, comparable(previous) ? f.before(s, previous) : null, f.upIsGood);
    const trendEl = h('span', { class: 'kpi-trend', 'data-testid': `kpi-trend-${f.id}` }, trendText(trend, f.rate));
    trendEl.dataset.direction = trend?.direction ?? 'none';
    trendEl.dataset.previous = previous ? 'read' : 'pending';
    trendEl.dataset.good = trend?.good === null || !trend ? 'none' : String(trend.good);
    const el = h(
      'button',
      { type: 'button', class: 'kpi-number kpi-headline-figure', 'data-testid': `kpi-number-${f.id}` },
      h('span', { class: 'kpi-number-label' }, kt(f.label)),
      h('span', { class: 'kpi-number-value' }, shown(now, f.rate)),
      trendEl,
    );
    el.addEventListener('click', () => onDrill(f.drill()));
    return el;
  });
}
