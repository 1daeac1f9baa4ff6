/**
 * The audit viewer (`audit.html`, admins): the tamper-evident record of every action — time in
 * the city's time zone, actor, action, object, detail — with filters by actor, kind, action and
 * time, and the verification of the record (chain, signed checkpoints, the rows it binds to)
 * with every problem found. Data from `GET /api/audit/entries` and `GET /api/audit/verify`
 * (docs/security.md, "Audit").
 */
import '../styles/console.css';
import './audit.css';
import '../styles/phone-cards.css';
import { PanelSet } from '../app/panel.ts';
import { startPage } from '../app/sign-in.ts';
import { loadCityInfo } from '../backend/city-info.ts';
import { jsonCall, type Me } from '../backend/session.ts';
import { getLanguage, onLanguageChange, setLanguage } from '../i18n/language.ts';
import type { CityInfo } from '../../shared/protocol.ts';
import type { AuditEntriesResponse, AuditVerificationView } from '../../shared/audit-protocol.ts';
import { AuditFilters } from './audit-filters.ts';
import { AuditDenied, AuditHeader } from './audit-header.ts';
import { createAuditState, type AuditState, type AuditStatus } from './audit-state.ts';
import { AuditStatusPanel } from './audit-status.ts';
import { AuditTable } from './audit-table.ts';

export type { AuditStatus } from './audit-state.ts';

export interface AuditTestHooks {
  ready: boolean;
  status: () => AuditStatus;
  rowCount: () => number;
  language: () => string;
  setLanguage: (l: 'zh' | 'en') => void;
}

declare global {
  interface Window {
    __audit?: AuditTestHooks;
  }
}

function installHooks(state: AuditState, rowCount: () => number): void {
  window.__audit = {
    get ready() {
      return state.ready;
    },
    status: () => state.status,
    rowCount,
    language: () => getLanguage(),
    setLanguage: (l) => setLanguage(l),
  };
}

/** Reads the entries of the filters (the next page with `append`); only the last read's answer is shown. */
async function loadEntries(state: AuditState, filters: AuditFilters, table: AuditTable, append: boolean): Promise<void> {
  const q = filters.query();
  if (!q) return;
  if (append && state.next) q.set('before', state.next);
  const mine = ++state.listSeq;
  const r = await jsonCall<AuditEntriesResponse>('GET', `/api/audit/entries?${q}`);
  if (mine !== state.listSeq) return;
  if (r.ok) {
    state.entries = append ? [...state.entries, ...r.value.entries] : r.value.entries;
    state.next = r.value.next;
    state.listError = null;
  } else {
    if (!append) state.entries = [];
    state.next = null;
    state.listError = r.error;
  }
  table.render(state);
}

/** The fleet's unit names, for the field-unit bindings recorded by id; none without `units.read`. */
async function loadUnitNames(state: AuditState): Promise<void> {
  if (!state.me.permissions.includes('units.read')) return;
  const r = await jsonCall<Array<{ id: string; nameZh: string; nameEn: string }>>('GET', '/api/units');
  if (r.ok) state.unitNames = new Map(r.value.map((u) => [u.id, { zh: u.nameZh, en: u.nameEn }]));
}

/** The department register's English names (GET /api/case-departments), for a case account's binding. */
async function loadDepartmentNames(state: AuditState): Promise<void> {
  if (!state.me.permissions.includes('cases.read')) return;
  const r = await jsonCall<{ namesEn?: Array<{ department: string; nameEn: string }> }>('GET', '/api/case-departments');
  if (r.ok) state.departmentNamesEn = new Map((r.value.namesEn ?? []).map((n) => [n.department, n.nameEn]));
}

/** Verifies the record (chain, signed checkpoints, the rows it binds to). */
async function verify(state: AuditState, panel: AuditStatusPanel): Promise<void> {
  state.status = 'checking';
  panel.render(state);
  const r = await jsonCall<AuditVerificationView>('GET', '/api/audit/verify');
  if (r.ok) {
    state.verification = r.value;
    state.verifyError = null;
    state.status = r.value.ok ? 'ok' : 'failed';
  } else {
    state.verifyError = r.error;
    state.status = 'error';
  }
  panel.render(state);
}

function start(me: Me, city: CityInfo | null): void {
  const app = document.getElementById('audit-app')!;
  const state = createAuditState(me, city);
  const panels = new PanelSet<AuditState>();
  panels.add(new AuditHeader(), app);
  onLanguageChange(() => panels.renderLabels());
  if (!me.permissions.includes('audit.read')) {
    state.status = 'denied';
    panels.add(new AuditDenied(), app);
    panels.renderLabels();
    state.ready = true;
    document.body.dataset.ready = 'true';
    installHooks(state, () => 0);
    return;
  }

  const status = panels.add(new AuditStatusPanel(() => void verify(state, status)), app);
  const filters = panels.add(new AuditFilters(state.zone, () => void loadEntries(state, filters, table, false)), app);
  const table = panels.add(new AuditTable(state, () => void loadEntries(state, filters, table, true)), app);
  panels.render(state);
  panels.renderLabels();
  installHooks(state, () => table.rowCount);
  void Promise.all([
    verify(state, status),
    loadEntries(state, filters, table, false),
    loadUnitNames(state),
    loadDepartmentNames(state),
  ]).then(() => {
    table.render(state);
    state.ready = true;
    document.body.dataset.ready = 'true';
  });
}

// Times are the city's: its zone comes with the city (GET /api/city).
startPage((me) => void loadCityInfo().then((city) => start(me, city)));
