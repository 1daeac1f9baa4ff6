/**
 * The administration page (`admin.html`, admins): accounts and roles with their department and
 * unit bindings, display and API tokens, and the security log — one tab each
 * (docs/security.md, "The administration page"). Someone without `users.manage` is told in words
 * that the page is not theirs and gets no control at all (the server refuses the routes anyway).
 * Times are the city's (i18n/format.ts); zh-CN by default, English with the toggle.
 */
import '../styles/console.css';
import '../ops/ops.css';
import './admin.css';
import { startPage } from '../app/sign-in.ts';
import { loadCityInfo } from '../backend/city-info.ts';
import type { Me } from '../backend/session.ts';
import { cityOffsetLabel, showTimesIn, shownTimeZone } from '../i18n/format.ts';
import { getLanguage, onLanguageChange, setLanguage } from '../i18n/language.ts';
import type { OpsTab } from '../ops/ops-ui.ts';
import { h, setText } from '../ui/dom.ts';
import { type AdminStringKey, at } from './admin-strings.ts';
import { EventsTab } from './events-tab.ts';
import { TokensTab } from './tokens-tab.ts';
import { UsersTab } from './users-tab.ts';

export type AdminTabName = 'users' | 'tokens' | 'events';
const TABS: readonly AdminTabName[] = ['users', 'tokens', 'events'];

export interface AdminTestHooks {
  readonly ready: boolean;
  /** Whether the signed-in account may use the page (`users.manage`). */
  readonly allowed: boolean;
  tab(): AdminTabName;
  /** Resolves once the shown tab has loaded what it shows. */
  loaded(): Promise<void>;
  setLanguage(l: 'zh' | 'en'): void;
}

declare global {
  interface Window {
    __admin?: AdminTestHooks;
  }
}

/** The zone the page's times are in, as people read it: "Asia/Shanghai, UTC+8". */
function zoneLabel(): string {
  const zone = shownTimeZone() ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  return `${zone}, ${cityOffsetLabel(Date.now(), zone)}`;
}

/** The language switch of the page's header (中文 / EN). */
function languageToggle(): HTMLButtonElement {
  const lang = h('button', { type: 'button', class: 'lang-toggle', 'data-testid': 'language-toggle' });
  for (const [l, text] of [
    ['zh', '中文'],
    ['en', 'EN'],
  ] as const)
    lang.appendChild(h('span', { class: 'lang-mark', 'data-lang': l, lang: l === 'zh' ? 'zh-CN' : 'en' }, text));
  lang.addEventListener('click', () => setLanguage(getLanguage() === 'zh' ? 'en' : 'zh'));
  return lang;
}

/** The page's header: title, subtitle, the zone of its times, the way back and the language switch. */
function pageHeader() {
  const title = h('h1', { class: 'ops-title', 'data-testid': 'admin-title' });
  const subtitle = h('p', { class: 'ops-subtitle' });
  const zone = h('span', { class: 'ops-zone', 'data-testid': 'admin-timezone' });
  const back = h('a', { class: 'ops-back', href: './', 'data-testid': 'admin-back' });
  const el = h(
    'header',
    { class: 'ops-header' },
    h('div', {}, title, subtitle, zone),
    h('div', { class: 'ops-header-right' }, back, languageToggle()),
  );
  return { el, title, subtitle, zone, back };
}

function start(me: Me): void {
  const app = document.getElementById('admin-app')!;
  const allowed = me.permissions.includes('users.manage') && me.via !== 'display';
  const { el: header, title, subtitle, zone, back } = pageHeader();
  app.append(header);

  const denied = h('p', { class: 'ops-denied', role: 'alert', 'data-testid': 'admin-denied' });
  const tabButtons = new Map<AdminTabName, HTMLButtonElement>();
  const panel = h('main', { class: 'ops-panel', role: 'tabpanel', 'data-testid': 'admin-panel' });
  const tabs = new Map<AdminTabName, OpsTab>();
  const loads = new Map<AdminTabName, Promise<void>>();
  let shown: AdminTabName = 'users';
  const fromHash = window.location.hash.slice(1) as AdminTabName;
  if (TABS.includes(fromHash)) shown = fromHash;

  if (allowed) {
    const tabList = h('nav', { class: 'ops-tabs', role: 'tablist', 'data-testid': 'admin-tabs' });
    for (const name of TABS) {
      const b = h('button', { type: 'button', role: 'tab', class: 'ops-tab', 'data-tab': name, 'data-testid': `admin-tab-${name}` });
      b.addEventListener('click', () => void show(name));
      tabButtons.set(name, b);
      tabList.append(b);
    }
    app.append(tabList, panel);
  } else app.append(denied);

  const make = (name: AdminTabName): OpsTab =>
    name === 'users' ? new UsersTab() : name === 'tokens' ? new TokensTab(me) : new EventsTab();

  async function show(name: AdminTabName): Promise<void> {
    shown = name;
    if (window.location.hash.slice(1) !== name) window.history.replaceState(null, '', `#${name}`);
    for (const [n, b] of tabButtons) b.setAttribute('aria-selected', String(n === name));
    panel.dataset.tab = name;
    let tab = tabs.get(name);
    if (!tab) {
      tab = make(name);
      tabs.set(name, tab);
      tab.render();
    }
    panel.replaceChildren(tab.el);
    const loading = tab.load();
    loads.set(name, loading);
    await loading;
  }

  function renderLabels(): void {
    for (const m of app.querySelectorAll<HTMLElement>('.ops-message')) m.hidden = true;
    document.title = `CityTwin · ${at('title')}`;
    setText(title, at('title'));
    setText(subtitle, at('subtitle'));
    setText(zone, at('timezone', { zone: zoneLabel() }));
    setText(back, at('back'));
    setText(denied, at('denied'));
    for (const [n, b] of tabButtons) setText(b, at(`tab.${n}` as AdminStringKey));
    for (const t of tabs.values()) t.render();
  }

  onLanguageChange(renderLabels);
  renderLabels();
  let ready = false;
  window.__admin = {
    get ready() {
      return ready;
    },
    allowed,
    tab: () => shown,
    loaded: () => loads.get(shown) ?? Promise.resolve(),
    setLanguage: (l) => setLanguage(l),
  };
  const first = allowed ? show(shown) : Promise.resolve();
  void first.then(() => {
    ready = true;
    document.body.dataset.ready = 'true';
  });
}

// Times on the city's clock (GET /api/city), whatever the browser's zone.
startPage(
  (me) =>
    void loadCityInfo().then((city) => {
      showTimesIn(city?.timezone ?? null);
      start(me);
    }),
);
