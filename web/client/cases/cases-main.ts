/**
 * The case desk (`cases.html`, docs/cases.md): hotline cases as the signed-in user may see them —
 * the dispatch desk every case, a department's handler its department's — with filters (status,
 * category, overdue), a case's details and its history on a timeline, and the commands its status
 * allows as big buttons. zh-CN by default, English on the toggle; times in the city's time zone.
 * Data from `GET /api/cases`, `/api/cases/{id}`, `/api/case-departments`; commands by
 * `POST /api/cases/{id}/commands` (the server decides; a refusal is worded from its code). The
 * list and the open case follow the `case` events of the socket (case-live.ts); while the socket
 * is down the list is read every minute.
 */
import '../styles/console.css';
import './cases.css';
import '../styles/phone-cards.css';
import { PanelSet } from '../app/panel.ts';
import { startCityPage } from '../app/city-page.ts';
import type { Me } from '../backend/session.ts';
import { getLanguage, onLanguageChange, setLanguage } from '../i18n/language.ts';
import { h } from '../ui/dom.ts';
import { CaseDesk } from './case-desk.ts';
import { CaseDetail } from './case-detail.ts';
import { CaseFilters } from './case-filters.ts';
import { CaseList } from './case-list.ts';
import { followCaseDesk } from './case-live.ts';
import { CasesDenied, CasesHeader } from './cases-header.ts';
import { createCasesState, type CasesState } from './cases-state.ts';

export interface CasesTestHooks {
  ready: boolean;
  rowCount: () => number;
  selected: () => string | null;
  language: () => string;
  setLanguage: (l: 'zh' | 'en') => void;
  refresh: () => Promise<void>;
  /** Whether the live updates' socket is connected. */
  live: () => boolean;
}

declare global {
  interface Window {
    __cases?: CasesTestHooks;
  }
}

function installHooks(state: CasesState, desk: CaseDesk | null): void {
  window.__cases = {
    get ready() {
      return state.ready;
    },
    rowCount: () => document.querySelectorAll('[data-testid="case-row"]').length,
    selected: () => state.selectedId,
    language: () => getLanguage(),
    setLanguage: (l) => setLanguage(l),
    refresh: () => desk?.loadList() ?? Promise.resolve(),
    live: () => state.live?.connected() ?? false,
  };
}

/** A role without `cases.read`: the header and the refusal. */
function startDenied(app: HTMLElement, state: CasesState, panels: PanelSet<CasesState>): void {
  panels.add(new CasesDenied(), app);
  onLanguageChange(() => panels.renderLabels());
  panels.render(state);
  state.ready = true;
  installHooks(state, null);
}

function start(me: Me, cityName: { zh: string; en: string } | null): void {
  const app = document.getElementById('cases-app')!;
  const state = createCasesState(me);
  const panels = new PanelSet<CasesState>();
  const header = panels.add(new CasesHeader(), app);
  if (!me.permissions.includes('cases.read')) {
    startDenied(app, state, panels);
    return;
  }

  panels.add(
    new CaseFilters((filter) => {
      state.filter = filter;
      void desk.loadList();
    }),
    app,
  );
  const meta = h('div', { class: 'cases-meta' });
  const main = h('div', { class: 'cases-main' });
  app.append(meta, main);
  const list = panels.add(new CaseList((id) => void desk.select(id), cityName), main);
  meta.append(list.zone, list.count);
  const detail = panels.add(new CaseDetail((body) => void desk.run(body)), main);
  const desk = new CaseDesk(state, { header, list, detail });

  onLanguageChange(() => panels.renderLabels());
  panels.render(state);
  installHooks(state, desk);
  void (async () => {
    await desk.loadDepartments();
    await desk.loadList();
    state.ready = true;
    document.body.dataset.ready = 'true';
    state.live = followCaseDesk({ onCase: (msg) => desk.onCase(msg), reload: () => void desk.loadList() });
  })();
  window.addEventListener('pagehide', () => state.live?.close());
}

// Times on the city's clock (GET /api/city), whatever the browser's zone.
startCityPage((me, city) => start(me, city?.name ?? null));
