/**
 * The operations page (`ops.html`): the operations loop's administration — alarm and incident
 * rules (docs/rules.md), notifications and escalation (docs/notifications.md), who is on call,
 * and the shift log (docs/shifts.md) — one tab each. Every tab is offered; a tab the role may not
 * use says so in words instead of failing (the server refuses its routes anyway). Times are the
 * city's (i18n/format.ts); zh-CN by default, English with the toggle.
 */
import '../styles/console.css';
import './ops.css';
import '../styles/phone-cards.css';
import { startCityPage } from '../app/city-page.ts';
import { TabSwitch, tabButtonRow, tabPageHeader } from '../app/tab-page.ts';
import { cityOffsetLabel, shownTimeZone } from '../i18n/format.ts';
import type { CityInfo } from '../../shared/protocol.ts';
import type { Me } from '../backend/session.ts';
import { getLanguage, onLanguageChange, setLanguage } from '../i18n/language.ts';
import { h, setText } from '../ui/dom.ts';
import { NotifyTab } from './notify-tab.ts';
import { ot, type OpsStringKey } from './ops-strings.ts';
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

function start(me: Me, city: CityInfo | null): void {
  const app = document.getElementById('ops-app')!;
  const allowed = (t: OpsTabName) => me.permissions.includes(NEEDS[t]);
  const { el: header, title, subtitle, zone, back } = tabPageHeader('ops');
  const row = tabButtonRow(
    'ops',
    TABS,
    (name) => void tabs.show(name),
    (name) => ({ 'data-allowed': String(allowed(name)) }),
  );
  const panel = h('main', { class: 'ops-panel', role: 'tabpanel', 'data-testid': 'ops-panel' });
  app.append(header, row.el, panel);

  const denied = h('p', { class: 'ops-denied', role: 'alert', 'data-testid': 'ops-denied' });
  const deniedText = (): string => (TABS.some(allowed) ? ot(`denied.${tabs.shown}` as OpsStringKey) : ot('denied.page'));
  const tabs = new TabSwitch<OpsTabName>({
    panel,
    buttons: row.buttons,
    names: TABS,
    first: TABS.find(allowed) ?? 'rules',
    make: (name) =>
      name === 'registers'
        ? new RegistersTab()
        : name === 'rules'
          ? new RulesTab(me)
          : name === 'notify'
            ? new NotifyTab()
            : name === 'rosters'
              ? new RostersTab(me)
              : new ShiftsTab(me),
    refusal: (name) => {
      if (allowed(name)) return null;
      setText(denied, deniedText());
      return denied;
    },
  });

  function renderLabels(): void {
    // What a step said is not repeated in the other language: the lines go until the next step.
    for (const m of app.querySelectorAll<HTMLElement>('.ops-message')) m.hidden = true;
    document.title = `CityTwin · ${ot('title')}`;
    setText(title, ot('title'));
    setText(subtitle, ot('subtitle'));
    setText(zone, zoneText(city));
    setText(back, ot('back'));
    for (const [n, b] of row.buttons) setText(b, ot(`tab.${n}` as OpsStringKey));
    setText(denied, deniedText());
    tabs.render();
  }

  onLanguageChange(renderLabels);
  renderLabels();
  let ready = false;
  window.__ops = {
    get ready() {
      return ready;
    },
    tab: () => tabs.shown,
    loaded: () => tabs.loaded(),
    language: () => getLanguage(),
    setLanguage: (l) => setLanguage(l),
  };
  void tabs.show(tabs.shown).then(() => {
    ready = true;
    document.body.dataset.ready = 'true';
  });
}

startCityPage(start);
