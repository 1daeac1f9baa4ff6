/**
 * The operations page (`ops.html`): the operations loop's administration — alarm and incident
 * rules (docs/rules.md), notifications and escalation (docs/notifications.md), who is on call,
 * and the shift log (docs/shifts.md) — one tab each. Every tab is offered; a tab the role may not
 * use says so in words instead of failing (the server refuses its routes anyway). Times are the
 * city's (i18n/format.ts); zh-CN by default, English with the toggle.
 */
import '../styles/console.css';
import './ops.css';
import { startPage } from '../app/sign-in.ts';
import { loadCityInfo } from '../backend/city-info.ts';
import { cityOffsetLabel, showTimesIn, shownTimeZone } from '../i18n/format.ts';
import type { CityInfo } from '../../shared/protocol.ts';
import type { Me } from '../backend/session.ts';
import { getLanguage, onLanguageChange, setLanguage } from '../i18n/language.ts';
import { h, setText } from '../ui/dom.ts';
import { NotifyTab } from './notify-tab.ts';
import { ot, type OpsStringKey } from './ops-strings.ts';
import type { OpsTab } from './ops-ui.ts';
import { RegistersTab } from './registers-tab.ts';
import { RostersTab } from './rosters-tab.ts';
import { RulesTab } from './rules-tab.ts';
import { ShiftsTab } from './shifts-tab.ts';

export type OpsTabName = 'rules' | 'notify' | 'rosters' | 'shifts' | 'registers';

export interface OpsTestHooks {
  readonly ready: boolean;
  tab(): OpsTabName;
  /** Resolves once the shown tab has loaded what it shows. */
  loaded(): Promise<void>;
  language(): string;
  setLanguage(l: 'zh' | 'en'): void;
}

declare global {
  interface Window {
    __ops?: OpsTestHooks;
  }
}

/** The zone the page's times are in: the city's by its name (GET /api/city), else the browser's. */
function zoneText(city: CityInfo | null): string {
  const zone = shownTimeZone() ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const offset = cityOffsetLabel(Date.now(), zone);
  const name = city ? (getLanguage() === 'en' ? city.name.en : city.name.zh) : '';
  return name ? ot('timezone', { city: name, zone, offset }) : ot('timezoneBrowser', { zone, offset });
}

/** The permission each tab needs; without it the tab says why. */
const NEEDS: Record<OpsTabName, string> = {
  rules: 'rules.read',
  notify: 'notify.admin',
  rosters: 'oncall.read',
  shifts: 'shiftlog.read',
  registers: 'registers.manage',
};
const TABS = Object.keys(NEEDS) as OpsTabName[];

/** The page's header (title, city time zone, back link, language) and its tab buttons, appended to `app`. */
function pageHeader(app: HTMLElement, allowed: (t: OpsTabName) => boolean, onTab: (t: OpsTabName) => void) {
  const title = h('h1', { class: 'ops-title', 'data-testid': 'ops-title' });
  const subtitle = h('p', { class: 'ops-subtitle' });
  const zone = h('span', { class: 'ops-zone', 'data-testid': 'ops-timezone' });
  const back = h('a', { class: 'ops-back', href: './', 'data-testid': 'ops-back' });
  const lang = h('button', { type: 'button', class: 'lang-toggle', 'data-testid': 'language-toggle' });
  for (const [l, text] of [
    ['zh', '中文'],
    ['en', 'EN'],
  ] as const)
    lang.appendChild(h('span', { class: 'lang-mark', 'data-lang': l, lang: l === 'zh' ? 'zh-CN' : 'en' }, text));
  lang.addEventListener('click', () => setLanguage(getLanguage() === 'zh' ? 'en' : 'zh'));
  const tabButtons = new Map<OpsTabName, HTMLButtonElement>();
  const tabList = h('nav', { class: 'ops-tabs', role: 'tablist', 'data-testid': 'ops-tabs' });
  for (const name of TABS) {
    const b = h('button', {
      type: 'button',
      role: 'tab',
      class: 'ops-tab',
      'data-tab': name,
      'data-testid': `ops-tab-${name}`,
      'data-allowed': String(allowed(name)),
    });
    b.addEventListener('click', () => onTab(name));
    tabButtons.set(name, b);
    tabList.append(b);
  }
  app.append(
    h('header', { class: 'ops-header' }, h('div', {}, title, subtitle, zone), h('div', { class: 'ops-header-right' }, back, lang)),
    tabList,
  );
  return { title, subtitle, zone, back, tabButtons };
}

function start(me: Me, city: CityInfo | null): void {
  const app = document.getElementById('ops-app')!;
  const allowed = (t: OpsTabName) => me.permissions.includes(NEEDS[t]);
  const { title, subtitle, zone, back, tabButtons } = pageHeader(app, allowed, (name) => void show(name));
  const panel = h('main', { class: 'ops-panel', role: 'tabpanel', 'data-testid': 'ops-panel' });
  app.append(panel);

  const tabs = new Map<OpsTabName, OpsTab>();
  const loads = new Map<OpsTabName, Promise<void>>();
  const denied = h('p', { class: 'ops-denied', role: 'alert', 'data-testid': 'ops-denied' });
  const make = (name: OpsTabName): OpsTab =>
    name === 'registers'
      ? new RegistersTab()
      : name === 'rules'
        ? new RulesTab(me)
        : name === 'notify'
          ? new NotifyTab()
          : name === 'rosters'
            ? new RostersTab(me)
            : new ShiftsTab(me);
  let shown: OpsTabName = TABS.find(allowed) ?? 'rules';
  const fromHash = window.location.hash.slice(1) as OpsTabName;
  if (TABS.includes(fromHash)) shown = fromHash;

  async function show(name: OpsTabName): Promise<void> {
    shown = name;
    if (window.location.hash.slice(1) !== name) window.history.replaceState(null, '', `#${name}`);
    for (const [n, b] of tabButtons) b.setAttribute('aria-selected', String(n === name));
    panel.dataset.tab = name;
    if (!allowed(name)) {
      panel.replaceChildren(denied);
      renderLabels();
      loads.set(name, Promise.resolve());
      return;
    }
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
    // What a step said is not repeated in the other language: the lines go until the next step.
    for (const m of app.querySelectorAll<HTMLElement>('.ops-message')) m.hidden = true;
    document.title = `CityTwin · ${ot('title')}`;
    setText(title, ot('title'));
    setText(subtitle, ot('subtitle'));
    setText(zone, zoneText(city));
    setText(back, ot('back'));
    for (const [n, b] of tabButtons) setText(b, ot(`tab.${n}` as OpsStringKey));
    setText(denied, TABS.some(allowed) ? ot(`denied.${shown}` as OpsStringKey) : ot('denied.page'));
    for (const t of tabs.values()) t.render();
  }

  onLanguageChange(renderLabels);
  renderLabels();
  let ready = false;
  window.__ops = {
    get ready() {
      return ready;
    },
    tab: () => shown,
    loaded: () => loads.get(shown) ?? Promise.resolve(),
    language: () => getLanguage(),
    setLanguage: (l) => setLanguage(l),
  };
  void show(shown).then(() => {
    ready = true;
    document.body.dataset.ready = 'true';
  });
}

// Times on the city's clock (GET /api/city), whatever the browser's zone.
startPage(
  (me) =>
    void loadCityInfo().then((city) => {
      showTimesIn(city?.timezone ?? null);
      start(me, city);
    }),
);
