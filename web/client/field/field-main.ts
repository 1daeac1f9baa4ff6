/**
 * The field page (`field.html`, docs/dispatch.md "The field page"): a dispatched crew on a phone.
 * Its unit, its assignment — the incident's type, severity and place, the dispatch time, the
 * route on a small map and the ETA — and big buttons for the statuses the dispatch rules allow
 * now (出发 / 到达现场 / 返回 / 待命可用). zh-CN by default, English on the toggle; times on the
 * city's clock. Signs in through the one sign-in path (app/sign-in.ts); asks
 * `GET /api/field/assignment` every `pollMs` (5 s) and sets the status with `POST /api/field/status`
 * (the server takes the unit the account is bound to; a refusal is worded from its code).
 */
import '../styles/console.css';
import './field.css';
import { PanelSet } from '../app/panel.ts';
import { startCityPage } from '../app/city-page.ts';
import { jsonCall, type Me } from '../backend/session.ts';
import { unitStatusLabel } from '../i18n/labels.ts';
import { getLanguage, onLanguageChange, setLanguage } from '../i18n/language.ts';
import { h } from '../ui/dom.ts';
import type { FieldAssignmentResponse, FieldStatus, FieldStatusResponse } from '../../shared/field-protocol.ts';
import { FieldActions } from './field-actions.ts';
import { FieldCard } from './field-card.ts';
import { FieldFooter } from './field-footer.ts';
import { FieldHeader, FieldMessage } from './field-header.ts';
import { FieldMapPanel } from './field-map-panel.ts';
import { createFieldState, type FieldState } from './field-state.ts';
import { fieldRefusal, ft } from './field-strings.ts';

export interface FieldTestHooks {
  ready: boolean;
  status: () => string | null;
  next: () => string[];
  hasAssignment: () => boolean;
  /** The map has drawn the latest assignment (maplibre went idle after it). */
  mapDrawn: () => boolean;
  language: () => string;
  setLanguage: (l: 'zh' | 'en') => void;
  refresh: () => Promise<void>;
}

declare global {
  interface Window {
    __field?: FieldTestHooks;
  }
}

/** What the field page does: reads the assignment, changes the unit's status, and redraws. */
class FieldCrew {
  constructor(
    private readonly state: FieldState,
    private readonly panels: PanelSet<FieldState>,
    private readonly map: FieldMapPanel,
  ) {}

  /** Counts status changes begun and answered: a read that overlapped one is dropped. */
  private changes = 0;

  async refresh(): Promise<void> {
    const s = this.state;
    const changes = this.changes;
    const r = await jsonCall<FieldAssignmentResponse>('GET', '/api/field/assignment');
    // A read that overlapped a status change (a poll while the POST was on its way) could show the
    // new status before the change's notice, or the old one after it: the change's own read follows.
    if (s.busy || changes !== this.changes) return;
    if (r.ok) {
      s.assignment = r.value;
      s.loadError = null;
    } else s.loadError = r.error;
    // Laid out first: the map is made in a visible box (a hidden one has no size to draw in).
    this.panels.render(s);
    await this.map.show(s);
  }

  async setStatus(to: FieldStatus): Promise<void> {
    const s = this.state;
    if (s.busy) return;
    s.busy = true;
    this.changes++;
    s.notice = null;
    this.panels.render(s);
    const r = await jsonCall<FieldStatusResponse>('POST', '/api/field/status', { status: to });
    s.busy = false;
    this.changes++;
    s.notice = r.ok
      ? { ok: true, text: ft('done', { status: unitStatusLabel(r.value.status) }) }
      : { ok: false, text: fieldRefusal(r.details?.code, { to: ft(`status.${to}`) }, r.error) };
    // The unit and its next statuses as they are now: the notice shows with them.
    await this.refresh();
  }

  /** Reads the assignment every `pollMs` (5 s unless the server says otherwise) until the page goes. */
  poll(): void {
    const every = (): number => this.state.assignment?.pollMs ?? 5000;
    const tick = (): void => {
      void this.refresh().finally(() => {
        timer = setTimeout(tick, every());
      });
    };
    let timer = setTimeout(tick, every());
    window.addEventListener('pagehide', () => clearTimeout(timer));
  }
}

function installHooks(state: FieldState, crew: FieldCrew | null, map: FieldMapPanel | null): void {
  window.__field = {
    get ready() {
      return state.ready;
    },
    status: () => state.assignment?.unit?.status ?? null,
    next: () => [...(state.assignment?.next ?? [])],
    hasAssignment: () => Boolean(state.assignment?.assignment),
    mapDrawn: () => map?.drawn ?? false,
    language: () => getLanguage(),
    setLanguage: (l) => setLanguage(l),
    refresh: () => crew?.refresh() ?? Promise.resolve(),
  };
}

function start(me: Me): void {
  const app = document.getElementById('field-app')!;
  const state = createFieldState(me);
  const panels = new PanelSet<FieldState>();
  panels.add(new FieldHeader(), app);
  if (!state.allowed) {
    panels.add(new FieldMessage(), app);
    onLanguageChange(() => panels.renderLabels());
    panels.renderLabels();
    installHooks(state, null, null);
    state.ready = true;
    document.body.dataset.ready = 'true';
    return;
  }

  const side = h('div', { class: 'field-side' });
  const main = h('main', { class: 'field-main' }, side);
  app.append(main);
  panels.add(new FieldMessage(), side);
  panels.add(new FieldCard(), side);
  panels.add(new FieldActions((to) => void crew.setStatus(to)), side);
  const map = panels.add(new FieldMapPanel(), main);
  panels.add(new FieldFooter(), app);
  const crew = new FieldCrew(state, panels, map);

  onLanguageChange((l) => {
    map.setLanguage(l);
    panels.render(state);
  });
  installHooks(state, crew, map);
  panels.render(state);
  void crew.refresh().then(() => {
    state.ready = true;
    document.body.dataset.ready = 'true';
    crew.poll();
  });
}

// Times on the city's clock (GET /api/city), whatever the phone's zone.
startCityPage((me) => start(me));
