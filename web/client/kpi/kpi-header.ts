/**
 * The KPI screen's title band: the health badge and the as-of time on the left, the city's name
 * and the screen's title centred, the clock in the city's time zone (labelled with the city and
 * its UTC offset) on the right, with the way back and the language; and the line that says a
 * read failed.
 */
import type { Panel } from '../app/panel.ts';
import { cityOffsetLabel, formatCityDateTime, shownTimeZone } from '../i18n/format.ts';
import { getLanguage, pick } from '../i18n/language.ts';
import { h, setText } from '../ui/dom.ts';
import { languageToggle } from '../ui/language-toggle.ts';
import { healthOf } from './kpi-health.ts';
import { isStale } from './kpi-layout.ts';
import { kt, type KpiStringKey } from './kpi-strings.ts';
import type { KpiState } from './kpi-state.ts';

export class KpiHeader implements Panel<KpiState> {
  private readonly title = h('h1', { class: 'kpi-title', 'data-testid': 'kpi-title' });
  private readonly asOf = h('div', { class: 'kpi-asof', 'data-testid': 'kpi-asof', role: 'status' });
  private readonly healthLevel = h('span', { class: 'kpi-health-level' });
  private readonly healthReason = h('span', { class: 'kpi-health-reason', 'data-testid': 'kpi-health-reason' });
  private readonly health = h(
    'button',
    { type: 'button', class: 'kpi-health', 'data-testid': 'kpi-health' },
    h('span', { class: 'kpi-health-dot' }),
    this.healthLevel,
    this.healthReason,
  );
  private readonly clockTime = h('span', { class: 'kpi-clock-time', 'data-testid': 'kpi-clock-time' });
  private readonly clockLabel = h('span', { class: 'kpi-clock-label', 'data-testid': 'kpi-clock-label' });
  private readonly langButton = languageToggle('kpi-lang');
  private readonly back = h('a', { class: 'kpi-back', href: './', 'data-testid': 'kpi-back' });
  private readonly message = h('div', { class: 'kpi-message', 'data-testid': 'kpi-message', hidden: true });
  private readonly el = h(
    'header',
    { class: 'kpi-header', 'data-testid': 'kpi-header' },
    h('div', { class: 'kpi-header-left' }, this.health, this.asOf),
    h('div', { class: 'kpi-title-band' }, this.title),
    h(
      'div',
      { class: 'kpi-header-right' },
      h('div', { class: 'kpi-clock', role: 'timer' }, this.clockTime, this.clockLabel),
      h('div', { class: 'kpi-controls' }, this.back, this.langButton),
    ),
  );
  private last: KpiState | null = null;

  /** `openHealth`: the rows behind the badge (the data rejected in the last hour). */
  constructor(openHealth: () => void) {
    this.health.addEventListener('click', openHealth);
  }

  mount(parent: HTMLElement): void {
    parent.append(this.el, this.message);
  }

  /** The clock, the as-of time (stale after 25 s without a summary), the badge; drawn every second. */
  render(view: KpiState): void {
    this.last = view;
    const { summary } = view;
    const now = Date.now();
    const stale = isStale(view.receivedAt, now);
    this.asOf.dataset.stale = String(stale);
    this.asOf.classList.toggle('stale', stale);
    const time = summary ? formatCityDateTime(summary.at, shownTimeZone() ?? summary.timeZone).slice(11) : '—';
    setText(
      this.asOf,
      stale && summary ? `${kt('asOf', { time })} · ${kt('stale')}` : summary ? kt('asOf', { time }) : view.forbidden ? '—' : kt('loading'),
    );
    this.renderHealth(view, stale);
    this.renderClock(view, now);
    this.message.hidden = view.loadError === null;
    // Refused (403): the screen is not this account's, said in the page's language, not the server's words.
    if (view.loadError !== null) setText(this.message, view.forbidden ? kt('forbidden') : kt('error', { reason: view.loadError }));
  }

  private renderHealth(view: KpiState, stale: boolean): void {
    const health = healthOf(view.summary, stale, view.loadError !== null);
    this.health.dataset.level = health.level;
    setText(this.healthLevel, kt(`health${health.level}` as KpiStringKey));
    const reasons = health.reasons.slice(0, 2).map((r) => kt(`health_${r}` as KpiStringKey));
    setText(this.healthReason, reasons.length > 0 ? reasons.join(getLanguage() === 'en' ? '; ' : '；') : kt('healthAllGood'));
  }

  private renderClock(view: KpiState, now: number): void {
    const zone = shownTimeZone() ?? view.summary?.timeZone ?? null;
    const city = view.city ? pick(view.city.name) : '';
    // No zone known yet (neither the city nor a summary answered): no time rather than the browser's.
    if (zone === null) {
      setText(this.clockTime, '—');
      setText(this.clockLabel, kt('cityTime', { city, offset: '' }).trim());
      return;
    }
    setText(this.clockTime, formatCityDateTime(now, zone).slice(11));
    const date = formatCityDateTime(now, zone).slice(0, 10);
    setText(this.clockLabel, `${kt('cityTime', { city, offset: cityOffsetLabel(now, zone) }).trim()} · ${date}`);
  }

  renderLabels(): void {
    const city = this.last?.city ?? null;
    const heading = city ? `${pick(city.name)} · ${kt('title')}` : kt('title');
    document.title = `CityTwin · ${heading}`;
    setText(this.title, heading);
    // A long city name may shorten the title on screen (kpi.css): the whole of it on hover.
    this.title.title = heading;
    setText(this.back, kt('toConsole'));
    if (this.last) this.render(this.last);
  }

  destroy(): void {
    this.el.remove();
    this.message.remove();
  }
}
