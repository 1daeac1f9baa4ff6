/** The drill-down of the KPI screen: a dialog with the table of the rows behind a number (`GET /api/kpi/drill/{kpi}`). */
import { jsonCall } from '../backend/session.ts';
import { formatDateTime } from '../i18n/format.ts';
import { eventCategoryLabel, incidentStatusLabel, incidentTypeLabel } from '../i18n/incident-labels.ts';
import { classificationLabel, kindLabel } from '../i18n/labels.ts';
import { h, replaceChildren } from '../ui/dom.ts';
import type { KpiDrill } from '../../shared/kpi-protocol.ts';
import type { DrillRequest } from './kpi-charts.ts';
import { columnLabel, kt, reasonLabel } from './kpi-strings.ts';

/** A district's name in the page's language, from its code. */
export type DistrictNames = (code: string) => string;

/**
 * Opens the rows behind `req` as of the summary's time `at` (null: now), replacing an open
 * drill-down: its table scrolls inside the dialog, which says how many of how many rows it shows.
 */
export async function openDrill(req: DrillRequest, at: number | null, districts: DistrictNames): Promise<void> {
  document.querySelector('.kpi-drill')?.remove();
  const body = h('div', { class: 'kpi-drill-body' }, kt('loadingRows'));
  const close = h('button', { type: 'button', class: 'kpi-drill-close', 'data-testid': 'kpi-drill-close' }, kt('close'));
  const dialog = h(
    'div',
    { class: 'kpi-drill', role: 'dialog', 'data-testid': 'kpi-drill', 'data-kpi': req.kpi },
    h(
      'div',
      { class: 'kpi-drill-card' },
      h('div', { class: 'kpi-drill-head' }, h('h2', {}, kt('drillTitle', { what: req.what })), close),
      body,
    ),
  );
  close.addEventListener('click', () => dialog.remove());
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.remove();
  });
  document.body.appendChild(dialog);
  const query = new URLSearchParams({ ...(req.query ?? {}), ...(at !== null ? { at: String(at) } : {}) });
  const res = await jsonCall<KpiDrill>('GET', `/api/kpi/drill/${req.kpi}?${query}`);
  if (!res.ok) {
    replaceChildren(body, kt('error', { reason: res.error }));
    return;
  }
  const d = res.value;
  dialog.dataset.total = String(d.total);
  dialog.dataset.hidden = String(d.hidden);
  const table = h(
    'table',
    { class: 'kpi-table', 'data-testid': 'kpi-drill-table' },
    h('thead', {}, h('tr', {}, ...d.columns.map((c) => h('th', {}, columnLabel(c))))),
    h('tbody', {}, ...d.rows.map((r) => h('tr', {}, ...d.columns.map((c) => h('td', {}, cell(c, r[c], districts)))))),
  );
  replaceChildren(
    body,
    h(
      'div',
      { class: 'kpi-drill-count', 'data-testid': 'kpi-drill-count' },
      d.rows.length < d.total ? kt('drillShown', { shown: d.rows.length, total: d.total }) : kt('drillRows', { total: d.total }),
    ),
    ...(d.hidden > 0
      ? [h('div', { class: 'kpi-drill-hidden', 'data-testid': 'kpi-drill-hidden' }, kt('drillHidden', { n: d.hidden }))]
      : []),
    h('div', { class: 'kpi-table-wrap', 'data-testid': 'kpi-drill-scroll' }, table),
  );
}

const WORDED: Record<string, (v: string) => string> = {
  type: (v) => incidentTypeLabel(v),
  status: (v) => incidentStatusLabel(v),
  kind: (v) => kindLabel(v),
  category: (v) => eventCategoryLabel(v),
  classification: (v) => classificationLabel(v),
  reason: (v) => reasonLabel(v),
};

/** A cell of the drill-down worded by its column: times on the city's clock, codes (types, statuses, kinds, districts …) named. */
function cell(col: string, v: unknown, districts: DistrictNames): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? kt('yes') : kt('no');
  if (typeof v === 'number' && /At$|^ts$|^at$/.test(col)) return formatDateTime(v);
  if (col === 'district') return districts(String(v));
  const worded = WORDED[col];
  if (worded && typeof v === 'string') return worded(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(1);
  return String(v);
}
