/**
 * The hover card over a sensor: id, kind, state, headline value and its age, district.
 * Positioned next to the pointer and kept inside the map.
 */
import { stateName } from '../../../twin-model/sensor-state.ts';
import { formatDuration, formatValueWithUnit } from '../i18n/format.ts';
import { getLanguage, t } from '../i18n/language.ts';
import { kindLabel, kindMetrics, metricLabel, metricUnit, stateLabel } from '../i18n/labels.ts';
import { kindAt, type SensorStore } from '../stream/sensor-store.ts';
import { h, replaceChildren } from '../ui/dom.ts';

export interface TooltipContext {
  store: SensorStore;
  /** Server clock now (ms), for the age of the value. */
  serverNow(): number;
  districtName(code: string | null): string | null;
}

export class SensorTooltip {
  readonly el: HTMLDivElement;
  private row = -1;
  private x = 0;
  private y = 0;

  constructor(
    private readonly container: HTMLElement,
    private readonly ctx: TooltipContext,
  ) {
    this.el = h('div', { class: 'sensor-tooltip', role: 'tooltip', 'data-testid': 'sensor-tooltip', hidden: true });
    container.appendChild(this.el);
  }

  /** Shows the card for store row `row` at map pixel (x, y), or hides it for -1. */
  show(row: number, x: number, y: number): void {
    this.row = row;
    this.x = x;
    this.y = y;
    this.render();
  }

  /** Re-renders in place (values change while the pointer rests). */
  refresh(): void {
    if (this.row >= 0) this.render();
  }

  private render(): void {
    const { store } = this.ctx;
    const i = this.row;
    if (i < 0 || i >= store.count) {
      this.el.hidden = true;
      return;
    }
    const lang = getLanguage();
    // The kind's own name (a declared kind shares the legend's "other kinds" slot).
    const kind = store.kindName[i] || kindAt(store.kind[i]!);
    const state = stateName(store.state[i]!);
    // A kind's headline metric; for an unknown device, the metric the stream names (the first it sent).
    const metric = kindMetrics(kind)[0] ?? store.metric[i] ?? undefined;
    // The vocabulary's unit, else the unit the device sent it in (the stream's, docs/ingest.md).
    const unit = metric ? (metricUnit(metric) ?? store.unit[i] ?? null) : null;
    const value = store.value[i]!;
    const ts = store.ts[i]!;
    const district = this.ctx.districtName(store.district[i] ?? null);

    replaceChildren(
      this.el,
      h('div', { class: 'tt-id mono' }, store.ids[i] ?? ''),
      h('div', { class: 'tt-kind' }, kindLabel(kind, lang), district ? ` · ${district}` : ''),
      h('div', { class: 'tt-state' }, h('span', { class: `dot state-${state}` }), stateLabel(state)),
      Number.isFinite(value)
        ? h(
            'div',
            { class: 'tt-value' },
            metric ? h('span', { class: 'muted' }, `${metricLabel(metric, lang)} `) : null,
            h('strong', {}, formatValueWithUnit(value, unit, lang)),
            ts > 0 ? h('span', { class: 'muted' }, ` · ${t('time.ago', { age: formatDuration(this.ctx.serverNow() - ts, lang) })}`) : null,
          )
        : h('div', { class: 'tt-value muted' }, t('panel.noReadings')),
    );
    this.el.hidden = false;
    this.place();
  }

  private place(): void {
    const pad = 14;
    const { clientWidth: cw, clientHeight: ch } = this.container;
    const w = this.el.offsetWidth;
    const hgt = this.el.offsetHeight;
    let left = this.x + pad;
    let top = this.y + pad;
    if (left + w > cw - 8) left = this.x - w - pad;
    if (top + hgt > ch - 8) top = this.y - hgt - pad;
    this.el.style.transform = `translate(${Math.max(8, left)}px, ${Math.max(8, top)}px)`;
  }
}
