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
import '../styles/phone-cards.css';
import { startCityPage } from '../app/city-page.ts';
import { TabSwitch, tabButtonRow, tabPageHeader } from '../app/tab-page.ts';
import type { Me } from '../backend/session.ts';
import { cityOffsetLabel, shownTimeZone } from '../i18n/format.ts';
import { onLanguageChange, setLanguage } from '../i18n/language.ts';
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

function start(me: Me): void {
  const app = document.getElementById('admin-app')!;
  const allowed = me.permissions.includes('users.manage') && me.via !== 'display';
  const { el: header, title, subtitle, zone, back } = tabPageHeader('admin');
  app.append(header);

  const denied = h('p', { class: 'ops-denied', role: 'alert', 'data-testid': 'admin-denied' });
  const panel = h('main', { class: 'ops-panel', role: 'tabpanel', 'data-testid': 'admin-panel' });
  const row = tabButtonRow('admin', TABS, (name) => void tabs.show(name));
  if (allowed) app.append(row.el, panel);
  else app.append(denied);
  const tabs = new TabSwitch<AdminTabName>({
    panel,
    buttons: allowed ? row.buttons : new Map(),
    names: TABS,
    first: 'users',
    make: (name) => (name === 'users' ? new UsersTab() : name === 'tokens' ? new TokensTab(me) : new EventsTab()),
  });

  function renderLabels(): void {
    for (const m of app.querySelectorAll<HTMLElement>('.ops-message')) m.hidden = true;
    document.title = `CityTwin · ${at('title')}`;
    setText(title, at('title'));
    setText(subtitle, at('subtitle'));
    setText(zone, at('timezone', { zone: zoneLabel() }));
    setText(back, at('back'));
    setText(denied, at('denied'));
    for (const [n, b] of row.buttons) setText(b, at(`tab.${n}` as AdminStringKey));
    tabs.render();
  }

  onLanguageChange(renderLabels);
  renderLabels();
  let ready = false;
  window.__admin = {
    get ready() {
      return ready;
    },
    allowed,
    tab: () => tabs.shown,
    loaded: () => tabs.loaded(),
    setLanguage: (l) => setLanguage(l),
  };
  const first = allowed ? tabs.show(tabs.shown) : Promise.resolve();
  void first.then(() => {
    ready = true;
    document.body.dataset.ready = 'true';
  });
}

startCityPage((me) => start(me));
