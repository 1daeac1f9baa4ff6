/**
 * The title bar: product and city, connection state, the server clock and the language toggle.
 */
import { formatClock } from '../i18n/format.ts';
import { getLanguage, pick, t } from '../i18n/language.ts';
import type { Panel } from '../app/panel.ts';
import { h, setAttr, setText } from '../ui/dom.ts';
import { languageToggle } from '../ui/language-toggle.ts';

/** `stalled`: connected, but no update for longer than the stop threshold. */
export type ConnectionState = 'connecting' | 'live' | 'stalled' | 'disconnected' | 'resyncing';

/** What the top bar shows of the console's view. */
export interface TopBarView {
  connection: ConnectionState;
  /** The server's time (estimated), or null before the clock is synchronised. */
  serverTime: number | null;
}

export class TopBar implements Panel<TopBarView> {
  readonly el: HTMLElement;
  /** Redrawn when the connection or the clock's second changes (console-view.ts). */
  readonly reads = ['connection', 'clock'] as const;
  private readonly subtitle = h('span', { class: 'brand-subtitle' });
  private readonly city = h('span', { class: 'brand-city' });
  private readonly conn = h('span', { class: 'conn', 'data-testid': 'connection-state' });
  private readonly connText = h('span', {});
  private readonly clock = h('span', { class: 'clock mono', 'data-testid': 'server-clock' });
  private readonly toggle: HTMLButtonElement;
  private state: ConnectionState = 'connecting';
  /** The middle of the bar, for the search box. */
  readonly middle = h('div', { class: 'top-middle' });
  /** The city's names (GET /api/city); a generic word until known. */
  private cityName: { zh: string; en: string } | null = null;

  constructor() {
    this.conn.append(h('span', { class: 'conn-dot', 'aria-hidden': 'true' }), this.connText);
    // The language switch every page shows (both names, the current one highlighted).
    this.toggle = languageToggle();
    this.el = h(
      'header',
      { class: 'top-bar' },
      h('div', { class: 'brand' }, h('span', { class: 'brand-mark' }, 'CityTwin'), this.subtitle, this.city),
      this.middle,
      h('div', { class: 'top-right' }, this.conn, this.clock, this.toggle),
    );
    this.renderLabels();
  }

  mount(parent: HTMLElement): void {
    parent.appendChild(this.el);
  }

  render(view: TopBarView): void {
    this.setConnection(view.connection);
    this.setClock(view.serverTime);
  }

  destroy(): void {
    this.el.remove();
  }

  private setConnection(state: ConnectionState): void {
    this.state = state;
    setAttr(this.conn, 'data-state', state);
    setText(this.connText, t(`conn.${state}`));
  }

  /** Names the city the console shows. */
  setCity(name: { zh: string; en: string } | null): void {
    this.cityName = name;
    this.renderLabels();
  }

  /** Shows the server's time (estimated), once a second. */
  private setClock(serverNow: number | null): void {
    setText(this.clock, serverNow === null ? '--:--:--' : formatClock(serverNow));
  }

  renderLabels(): void {
    setText(this.subtitle, t('app.subtitle'));
    setText(this.city, this.cityName ? pick(this.cityName) : t('app.city'));
    this.toggle.title = t('lang.toggle');
    this.toggle.setAttribute('aria-label', t('lang.toggle'));
    this.toggle.dataset.lang = getLanguage();
    this.setConnection(this.state);
  }
}
