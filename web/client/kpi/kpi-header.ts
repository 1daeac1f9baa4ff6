/** The KPI screen's header (title, as-of time and staleness, the way back, the language) and the line that says a read failed. */
import type { Panel } from '../app/panel.ts';
import { formatClock } from '../i18n/format.ts';
import { getLanguage, pick, setLanguage } from '../i18n/language.ts';
import { h, setText } from '../ui/dom.ts';
import { isStale } from './kpi-layout.ts';
import { kt } from './kpi-strings.ts';
import type { KpiState } from './kpi-state.ts';

export class KpiHeader implements Panel<KpiState> {
  private readonly title = h('h1', { class: 'kpi-title', 'data-testid': 'kpi-title' });
  private readonly asOf = h('div', { class: 'kpi-asof', 'data-testid': 'kpi-asof', role: 'status' });
  private readonly langButton = h('button', { type: 'button', class: 'kpi-lang', 'data-testid': 'language-toggle' });
  private readonly back = h('a', { class: 'kpi-back', href: './', 'data-testid': 'kpi-back' });
  private readonly message = h('div', { class: 'kpi-message', 'data-testid': 'kpi-message', hidden: true });
  private readonly el = h(
    'header',
    { class: 'kpi-header' },
    this.title,
    h('div', { class: 'kpi-header-right' }, this.asOf, this.back, this.langButton),
  );
  private last: KpiState | null = null;

  constructor() {
    this.langButton.addEventListener('click', () => setLanguage(getLanguage() === 'zh' ? 'en' : 'zh'));
  }

  mount(parent: HTMLElement): void {
    parent.append(this.el, this.message);
  }

  /** The as-of time (stale after 25 s without a summary; drawn every second) and the failure of the last read. */
  render(view: KpiState): void {
    this.last = view;
    const { summary } = view;
    const stale = isStale(view.receivedAt, Date.now());
    this.asOf.dataset.stale = String(stale);
    this.asOf.classList.toggle('stale', stale);
    const time = summary ? formatClock(summary.at) : '—';
    setText(this.asOf, stale && summary ? `${kt('asOf', { time })} · ${kt('stale')}` : summary ? kt('asOf', { time }) : kt('loading'));
    this.message.hidden = view.loadError === null;
    if (view.loadError !== null) setText(this.message, kt('error', { reason: view.loadError }));
  }

  renderLabels(): void {
    const city = this.last?.city ?? null;
    const heading = city ? `${pick(city.name)} · ${kt('title')}` : kt('title');
    document.title = `CityTwin · ${heading}`;
    setText(this.title, heading);
    setText(this.langButton, kt('lang'));
    setText(this.back, kt('toConsole'));
    if (this.last) this.render(this.last);
  }

  destroy(): void {
    this.el.remove();
    this.message.remove();
  }
}
