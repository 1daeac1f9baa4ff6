/**
 * The sensor panel: opened by clicking a sensor (or `__citytwin.selectSensor`). Shows what the
 * server knows about the sensor (`GET /api/sensors/{id}`) and a chart of one metric's history
 * (`GET /api/sensors/{id}/readings`), and refreshes both while open.
 */
import { sensorName } from './sensor-names.ts';
import type { ReadingsResponse, SensorDetail } from '../../shared/protocol.ts';
import { SENSOR_STATES, type SensorStateName } from '../../../twin-model/sensor-state.ts';
import { ApiError, fetchReadings, fetchSensorDetail, isAbort } from '../backend/api-client.ts';
import { formatClock, formatDateTime, formatDuration, formatUnit, formatValueWithUnit } from '../i18n/format.ts';
import { getLanguage, t, type Language } from '../i18n/language.ts';
import { classificationLabel, kindLabel, kindMetrics, metricLabel, metricUnit, stateLabel } from '../i18n/labels.ts';
import { localizeStateReason } from '../i18n/state-reason.ts';
import type { StringKey } from '../i18n/strings.ts';
import type { Panel } from '../app/panel.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import { HistoryChart } from './history-chart.ts';

/** History windows offered, in ms. */
export const HISTORY_RANGES = [
  { id: '15m', ms: 15 * 60_000, label: 'range.15m' },
  { id: '1h', ms: 60 * 60_000, label: 'range.1h' },
  { id: '6h', ms: 6 * 60 * 60_000, label: 'range.6h' },
  { id: '24h', ms: 24 * 60 * 60_000, label: 'range.24h' },
] as const satisfies ReadonlyArray<{ id: string; ms: number; label: StringKey }>;
export type HistoryRangeId = (typeof HISTORY_RANGES)[number]['id'];

/** How often an open panel refreshes. */
export const PANEL_REFRESH_MS = 5_000;

export interface SensorPanelContext {
  /** The role may read stored history (`sensors.history`); without it the chart is not shown or fetched. */
  canHistory?: boolean;
  /** Server clock now (ms): history windows end at the server's "now". */
  serverNow(): number;
  /** District name from the base map, for sensors whose detail has none. */
  districtName(code: string | null): string | null;
  /** The user closed the panel. */
  onClose(): void;
}

type Load<T> = { status: 'idle' } | { status: 'loading' } | { status: 'ok'; value: T; at: number } | { status: 'error'; error: unknown };

export class SensorPanel implements Panel<unknown> {
  readonly el: HTMLElement;
  private readonly eyebrow = h('div', { class: 'eyebrow' });
  private readonly name = h('h2', { class: 'sensor-name', 'data-testid': 'sensor-name' });
  private readonly idLine = h('div', { class: 'sensor-id mono', 'data-testid': 'sensor-id' });
  private readonly closeButton = h('button', { type: 'button', class: 'icon-button', 'data-testid': 'sensor-panel-close' }, '×');
  private readonly message = h('div', { class: 'panel-message', 'data-testid': 'sensor-panel-message', hidden: true });
  private readonly summary = h('div', { class: 'sensor-summary' });
  private readonly latestHeading = h('h3', {});
  private readonly latest = h('div', { class: 'latest', 'data-testid': 'sensor-latest' });
  private readonly historyHeading = h('h3', {});
  private readonly metricTabs = h('div', { class: 'segmented metric-tabs', role: 'group', 'data-testid': 'metric-tabs' });
  private readonly rangeTabs = h('div', { class: 'segmented range-tabs', role: 'group', 'data-testid': 'range-tabs' });
  private readonly chartMeta = h('div', { class: 'chart-meta muted' });
  private readonly historyError = h('div', { class: 'inline-error', hidden: true, 'data-testid': 'history-error' });
  private readonly detailSection: HTMLElement;
  private readonly historySection: HTMLElement;
  private readonly chart: HistoryChart;

  private sensorId: string | null = null;
  private generation = 0;
  private detail: Load<SensorDetail> = { status: 'idle' };
  private readings: Load<ReadingsResponse> = { status: 'idle' };
  private metric: string | null = null;
  private range: HistoryRangeId = '1h';
  private timer = 0;
  private detailAbort: AbortController | null = null;
  private readingsAbort: AbortController | null = null;

  constructor(private readonly ctx: SensorPanelContext) {
    this.closeButton.addEventListener('click', () => ctx.onClose());
    const historySection = h(
      'section',
      { class: 'panel-section history' },
      this.historyHeading,
      h('div', { class: 'chart-controls' }, this.metricTabs, this.rangeTabs),
      this.historyError,
    );
    this.historySection = historySection;
    this.chart = new HistoryChart(historySection);
    historySection.appendChild(this.chartMeta);
    this.detailSection = h(
      'div',
      { class: 'sensor-detail' },
      this.summary,
      h('section', { class: 'panel-section' }, this.latestHeading, this.latest),
      historySection,
    );
    this.el = h(
      'aside',
      { class: 'panel sensor-panel', 'data-testid': 'sensor-panel', hidden: true, 'aria-labelledby': 'sensor-panel-name' },
      h('header', { class: 'panel-header' }, h('div', { class: 'title-block' }, this.eyebrow, this.name, this.idLine), this.closeButton),
      h('div', { class: 'panel-body' }, this.message, this.detailSection),
    );
    this.name.id = 'sensor-panel-name';
    this.renderRangeTabs();
    this.draw();
  }

  mount(parent: HTMLElement): void {
    parent.appendChild(this.el);
  }

  /** Panel: opened and closed by the selection; the detail and history refresh on their own timer. */
  render(): void {}

  destroy(): void {
    this.close();
    this.el.remove();
  }

  /** The sensor shown, or null when closed. */
  get selectedId(): string | null {
    return this.sensorId;
  }

  /** Opens the panel on a sensor (or reloads it if already open on it). */
  open(id: string): void {
    const same = id === this.sensorId;
    this.sensorId = id;
    this.el.hidden = false;
    this.el.dataset.sensorId = id;
    if (!same) {
      this.generation++;
      this.detail = { status: 'loading' };
      this.readings = { status: 'idle' };
      this.metric = null;
      this.chart.clear();
      setText(this.chartMeta, '');
      this.historyError.hidden = true;
    }
    this.draw();
    this.refresh();
    window.clearInterval(this.timer);
    this.timer = window.setInterval(() => this.refresh(), PANEL_REFRESH_MS);
  }

  close(): void {
    window.clearInterval(this.timer);
    this.timer = 0;
    this.detailAbort?.abort();
    this.readingsAbort?.abort();
    this.generation++;
    this.sensorId = null;
    this.detail = { status: 'idle' };
    this.readings = { status: 'idle' };
    this.chart.clear();
    this.el.hidden = true;
    delete this.el.dataset.sensorId;
  }

  /** Re-renders every string (language change). */
  renderLabels(): void {
    this.renderRangeTabs();
    this.draw();
    this.renderChart();
  }

  /** Fetches detail and history again (skipping a request still in flight). */
  private refresh(): void {
    const id = this.sensorId;
    if (!id) return;
    const gen = this.generation;
    if (!this.detailAbort) {
      const abort = new AbortController();
      this.detailAbort = abort;
      fetchSensorDetail(id, abort.signal)
        .then((value) => {
          if (gen !== this.generation) return;
          this.detail = { status: 'ok', value, at: Date.now() };
          const first = this.metric === null;
          if (first || !this.metrics().includes(this.metric!)) this.metric = this.metrics()[0] ?? null;
          this.draw();
          if (first) this.loadReadings();
        })
        .catch((error: unknown) => {
          if (gen !== this.generation || isAbort(error)) return;
          this.detail = { status: 'error', error };
          this.draw();
        })
        .finally(() => {
          if (this.detailAbort === abort) this.detailAbort = null;
        });
    }
    if (this.metric !== null) this.loadReadings();
  }

  private loadReadings(force = false): void {
    const id = this.sensorId;
    const metric = this.metric;
    if (!id || !metric || this.ctx.canHistory === false) return;
    if (this.readingsAbort) {
      if (!force) return;
      this.readingsAbort.abort();
    }
    const gen = this.generation;
    const range = this.rangeMs();
    const to = this.ctx.serverNow();
    const from = to - range;
    const abort = new AbortController();
    this.readingsAbort = abort;
    if (this.readings.status !== 'ok') this.readings = { status: 'loading' };
    fetchReadings(id, metric, from, to, abort.signal)
      .then((value) => {
        if (gen !== this.generation || metric !== this.metric) return;
        this.readings = { status: 'ok', value, at: to };
        this.renderChart();
      })
      .catch((error: unknown) => {
        if (gen !== this.generation || isAbort(error)) return;
        this.readings = { status: 'error', error };
        this.renderChart();
      })
      .finally(() => {
        if (this.readingsAbort === abort) this.readingsAbort = null;
      });
  }

  /** Metrics to offer: the kind's metrics (headline first), then any others the sensor reports. */
  private metrics(): string[] {
    if (this.detail.status !== 'ok') return [];
    const d = this.detail.value;
    const list: string[] = [...kindMetrics(d.kind)];
    for (const m of Object.keys(d.latest)) if (!list.includes(m)) list.push(m);
    return list;
  }

  private rangeMs(): number {
    return HISTORY_RANGES.find((r) => r.id === this.range)?.ms ?? 3_600_000;
  }

  private draw(): void {
    const lang = getLanguage();
    setText(this.eyebrow, t('panel.title'));
    this.closeButton.title = t('panel.close');
    this.closeButton.setAttribute('aria-label', t('panel.close'));
    setText(this.latestHeading, t('panel.latest'));
    setText(this.historyHeading, t('panel.history'));

    const id = this.sensorId ?? '';
    const d = this.detail;
    this.el.dataset.status = d.status;
    if (d.status === 'ok') {
      const v = d.value;
      const name = sensorName(v, lang);
      setText(this.name, name ?? v.id);
      // The id line repeats nothing: it is shown under a proper name only.
      setText(this.idLine, name ? v.id : '');
    } else {
      setText(this.name, id);
      setText(this.idLine, '');
    }

    // Error or loading message; the last good detail stays visible under a refresh error.
    const hasDetail = d.status === 'ok';
    if (d.status === 'loading') this.showMessage(t('panel.loading'), 'info');
    else if (d.status === 'error') this.showMessage(describeError(d.error, id), isNotFound(d.error) ? 'not-found' : 'error');
    else this.showMessage(null, 'info');
    this.detailSection.hidden = !hasDetail;
    if (d.status !== 'ok') return;

    const v = d.value;
    this.renderSummary(v, lang);
    this.renderLatest(v, lang);
    this.renderMetricTabs(lang);
    // A sensor with no metrics (unknown kind, nothing reported yet) has no history to chart.
    this.historySection.hidden = this.metrics().length === 0 || this.ctx.canHistory === false;
  }

  private showMessage(text: string | null, kind: 'info' | 'error' | 'not-found'): void {
    this.message.hidden = text === null;
    this.message.dataset.kind = kind;
    setText(this.message, text ?? '');
  }

  private renderSummary(v: SensorDetail, lang: Language): void {
    const state: SensorStateName = (SENSOR_STATES as readonly string[]).includes(v.state) ? v.state : 'normal';
    const district =
      (lang === 'en' ? (v.districtNameEn ?? v.districtNameZh) : (v.districtNameZh ?? v.districtNameEn)) ??
      this.ctx.districtName(v.district) ??
      v.district;
    const source = v.source ? `${lang === 'en' ? v.source.nameEn : v.source.nameZh}` : null;
    const classification = v.source?.classification ?? v.classification;
    const position = v.lng !== null && v.lat !== null ? `${v.lng.toFixed(5)}, ${v.lat.toFixed(5)}` : t('field.noPosition');

    const rows: Array<[StringKey, Node | string]> = [
      ['field.kind', kindLabel(v.kind, lang)],
      ['field.district', district ?? t('field.none')],
      ['field.source', source ? h('span', {}, source, h('span', { class: 'muted mono' }, ` ${v.source!.id}`)) : t('field.none')],
      [
        'field.classification',
        classification
          ? h('span', { class: `classification cls-${classification}` }, classificationLabel(classification))
          : t('field.none'),
      ],
      ['field.position', h('span', { class: 'mono' }, position)],
    ];
    replaceChildren(
      this.summary,
      h(
        'div',
        { class: `state-line state-${state}`, 'data-testid': 'sensor-state', 'data-state': state },
        h('span', { class: `state-badge state-${state}` }, stateLabel(state)),
        v.stateReason
          ? h(
              'span',
              { class: 'state-reason', title: `${t('field.reason')}: ${v.stateReason}`, 'data-testid': 'sensor-state-reason' },
              localizeStateReason(v.stateReason, lang),
            )
          : null,
      ),
      h('dl', { class: 'fields' }, ...rows.flatMap(([key, value]) => [h('dt', {}, t(key)), h('dd', {}, value)])),
    );
  }

  private renderLatest(v: SensorDetail, lang: Language): void {
    const now = this.ctx.serverNow();
    const entries = Object.entries(v.latest);
    const order = this.metrics();
    entries.sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
    if (entries.length === 0) {
      replaceChildren(this.latest, h('div', { class: 'muted' }, t('panel.noReadings')));
      return;
    }
    replaceChildren(
      this.latest,
      h(
        'table',
        { class: 'latest-table' },
        h(
          'tbody',
          {},
          ...entries.map(([metric, r]) =>
            h(
              'tr',
              { 'data-metric': metric },
              h('th', { scope: 'row' }, metricLabel(metric, lang)),
              h('td', { class: 'latest-value' }, formatValueWithUnit(r.value, r.unit || metricUnit(metric), lang)),
              h(
                'td',
                { class: 'latest-time muted', title: formatDateTime(r.ts) },
                formatClock(r.ts),
                h('span', { class: 'age' }, ` · ${t('time.ago', { age: formatDuration(now - r.ts, lang) })}`),
              ),
            ),
          ),
        ),
      ),
    );
  }

  private renderMetricTabs(lang: Language): void {
    const metrics = this.metrics();
    this.metricTabs.setAttribute('aria-label', t('panel.metric'));
    this.metricTabs.hidden = metrics.length <= 1;
    const existing = [...this.metricTabs.querySelectorAll<HTMLButtonElement>('button')];
    if (existing.length === metrics.length && existing.every((b, k) => b.dataset.metric === metrics[k])) {
      for (const b of existing) {
        setText(b, metricLabel(b.dataset.metric!, lang));
        b.setAttribute('aria-pressed', String(b.dataset.metric === this.metric));
      }
      return;
    }
    replaceChildren(
      this.metricTabs,
      ...metrics.map((m) => {
        const b = h('button', { type: 'button', 'data-metric': m, 'aria-pressed': String(m === this.metric) }, metricLabel(m, lang));
        b.addEventListener('click', () => {
          if (this.metric === m) return;
          this.metric = m;
          this.readings = { status: 'loading' };
          this.draw();
          this.loadReadings(true);
        });
        return b;
      }),
    );
  }

  private renderRangeTabs(): void {
    this.rangeTabs.setAttribute('aria-label', t('panel.range'));
    replaceChildren(
      this.rangeTabs,
      ...HISTORY_RANGES.map((r) => {
        const b = h('button', { type: 'button', 'data-range': r.id, 'aria-pressed': String(r.id === this.range) }, t(r.label));
        b.addEventListener('click', () => {
          if (this.range === r.id) return;
          this.range = r.id;
          this.renderRangeTabs();
          this.readings = { status: 'loading' };
          this.loadReadings(true);
        });
        return b;
      }),
    );
  }

  private renderChart(): void {
    const lang = getLanguage();
    const r = this.readings;
    this.historyError.hidden = r.status !== 'error';
    if (r.status === 'error') setText(this.historyError, t('panel.historyError', { reason: describeError(r.error, this.sensorId ?? '') }));
    if (r.status !== 'ok' || !this.metric) {
      setText(this.chartMeta, r.status === 'loading' ? t('panel.loading') : '');
      return;
    }
    const res = r.value;
    const to = r.at;
    // The server's unit (the vocabulary's, else the one the readings came in), else the latest value's, else the vocabulary's here.
    const latestUnit = this.detail.status === 'ok' ? this.detail.value.latest[res.metric]?.unit : undefined;
    const rawUnit = res.unit || latestUnit || metricUnit(res.metric) || null;
    this.chart.set({
      points: res.points,
      from: to - this.rangeMs(),
      to,
      unit: rawUnit,
      lang,
      emptyText: t('panel.noData'),
    });
    const resolution = res.resolution === 'raw' ? t('panel.resolutionRaw') : res.resolution;
    const unit = formatUnit(rawUnit, lang);
    setText(
      this.chartMeta,
      [
        unit ? `${metricLabel(res.metric, lang)} (${unit})` : metricLabel(res.metric, lang),
        t('panel.resolution', { resolution }),
        t('panel.updated', { time: formatClock(to) }),
      ].join(' · '),
    );
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.failure.kind === 'not-found';
}

function describeError(err: unknown, id: string): string {
  if (err instanceof ApiError) {
    switch (err.failure.kind) {
      case 'not-found':
        return t('panel.notFound', { id });
      case 'http':
        return t('panel.loadError', { reason: t('error.http', { status: err.failure.status }) });
      case 'network':
        return t('panel.loadError', { reason: t('error.network') });
      case 'bad-response':
        return t('panel.loadError', { reason: t('error.badResponse') });
    }
  }
  return t('panel.loadError', { reason: err instanceof Error ? err.message : String(err) });
}
