/**
 * The title bar: product and city, connection state, the server clock and the language toggle.
 */
import { formatClock } from '../i18n/format.ts';
import { getLanguage, pick, setLanguage, t, type Language } from '../i18n/language.ts';
import type { Panel } from '../app/panel.ts';
import { h, setAttr, setText } from '../ui/dom.ts';

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
  private readonly langMarks = new Map<Language, HTMLSpanElement>();
  private state: ConnectionState = 'connecting';
  /** The middle of the bar, for the search box. */
  readonly middle = h('div', { class: 'top-middle' });
  /** The city's names (GET /api/city); a generic word until known. */
  private cityName: { zh: string; en: string } | null = null;

  constructor() {
    this.conn.append(h('span', { class: 'conn-dot', 'aria-hidden': 'true' }), this.connText);
    // One button that switches to the other language; both names are shown, each in its own
    // language, with the current one highlighted.
    this.toggle = h('button', { type: 'button', class: 'lang-toggle', 'data-testid': 'language-toggle' });
    for (const [lang, text] of [
      ['zh', '中文'],
      ['en', 'EN'],
    ] as const) {
      const mark = h('span', { class: 'lang-mark', lang: lang === 'zh' ? 'zh-CN' : 'en', 'data-lang': lang }, text);
      this.langMarks.set(lang, mark);
      this.toggle.appendChild(mark);
    }
    this.toggle.addEventListener('click', () => setLanguage(getLanguage() === 'zh' ? 'en' : 'zh'));
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
    const lang = getLanguage();
    this.toggle.dataset.lang = lang;
    for (const [l, mark] of this.langMarks) mark.classList.toggle('active', l === lang);
    this.setConnection(this.state);
  }
}
