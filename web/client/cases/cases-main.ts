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
import { startPage } from '../app/sign-in.ts';
import { loadCityInfo } from '../backend/city-info.ts';
import { showTimesIn } from '../i18n/format.ts';
import { jsonCall, type Me } from '../backend/session.ts';
import { formatCityDateTime } from '../i18n/format.ts';
import { getLanguage, onLanguageChange, pick, setLanguage } from '../i18n/language.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import { CASE_CATEGORIES, CASE_CATEGORY_LABELS, CASE_STATUSES, type CaseView } from '../../../twin-model/cases/index.ts';
import type {
  CaseCommandResponse,
  CaseDepartmentsResponse,
  CaseDetailResponse,
  CaseListItem,
  CaseListResponse,
  CaseUpdateMessage,
} from '../../shared/case-protocol.ts';
import { caseKey, ct, refusalText, statusText, type CaseStringKey } from './case-strings.ts';
import { followCaseDesk, type CaseLive } from './case-live.ts';
import { mergeCaseUpdate } from './case-list-merge.ts';

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

type Command = 'assign' | 'override' | 'accept' | 'return' | 'reply' | 'close' | 'feedback' | 'reopen' | 'link_incident';

const categoryText = (c: string) => (c in CASE_CATEGORY_LABELS ? pick(CASE_CATEGORY_LABELS[c as keyof typeof CASE_CATEGORY_LABELS]) : c);
const wordOf = (key: string, fallback: string) => {
  const k = caseKey(key);
  return k ? ct(k) : fallback;
};

function start(me: Me): void {
  const app = document.getElementById('cases-app')!;
  const isDesk = me.roles.includes('admin') || me.roles.includes('dispatcher');
  const canAct = me.permissions.includes('cases.act');
  let cases: CaseListItem[] = [];
  let total = 0;
  let listError: string | null = null;
  let departments: CaseDepartmentsResponse | null = null;
  let selectedId: string | null = null;
  let detail: CaseDetailResponse | null = null;
  let notice: { ok: boolean; text: string } | null = null;
  let ready = false;
  let live: CaseLive | null = null;

  const title = h('h1', { class: 'cases-title', 'data-testid': 'cases-title' });
  const subtitle = h('p', { class: 'cases-subtitle' });
  const mine = h('p', { class: 'cases-mine', 'data-testid': 'cases-mine' });
  const back = h('a', { class: 'cases-back', href: './' });
  const lang = h('button', { type: 'button', class: 'lang-toggle', 'data-testid': 'language-toggle' });
  lang.addEventListener('click', () => setLanguage(getLanguage() === 'zh' ? 'en' : 'zh'));
  app.append(
    h('header', { class: 'cases-header' }, h('div', {}, title, subtitle, mine), h('div', { class: 'cases-header-right' }, back, lang)),
  );

  if (!me.permissions.includes('cases.read')) {
    const denied = h('p', { class: 'cases-denied', role: 'alert', 'data-testid': 'cases-denied' });
    app.append(denied);
    const renderDenied = () => {
      renderHeader();
      setText(denied, ct('denied'));
    };
    onLanguageChange(renderDenied);
    renderDenied();
    ready = true;
    installHooks();
    return;
  }

  // --- filters ---
  const status = h('select', { 'data-testid': 'cases-filter-status' });
  const category = h('select', { 'data-testid': 'cases-filter-category' });
  const overdue = h('select', { 'data-testid': 'cases-filter-overdue' });
  const labels = { status: h('span', {}), category: h('span', {}), overdue: h('span', {}) };
  const filters = h(
    'form',
    { class: 'cases-filters', 'data-testid': 'cases-filters' },
    h('label', {}, labels.status, status),
    h('label', {}, labels.category, category),
    h('label', {}, labels.overdue, overdue),
  );
  for (const select of [status, category, overdue]) select.addEventListener('change', () => void loadList());
  filters.addEventListener('submit', (e) => e.preventDefault());

  // --- list and detail ---
  const zone = h('div', { class: 'cases-zone', 'data-testid': 'cases-timezone' });
  const count = h('div', { class: 'cases-count', 'data-testid': 'cases-count' });
  const heads = ['colId', 'colCategory', 'colStatus', 'colDepartment', 'colReceived', 'colDue'].map((k) =>
    h('th', { scope: 'col', 'data-col': k }),
  );
  const rows = h('tbody', { 'data-testid': 'cases-rows' });
  const table = h('table', { class: 'cases-table', 'data-testid': 'cases-table' }, h('thead', {}, h('tr', {}, ...heads)), rows);
  const listMessage = h('div', { class: 'cases-message', 'data-testid': 'cases-list-message' });
  const detailPane = h('section', { class: 'cases-detail', 'data-testid': 'case-detail', 'aria-live': 'polite' });
  app.append(
    filters,
    h('div', { class: 'cases-meta' }, zone, count),
    h('div', { class: 'cases-main' }, h('div', { class: 'cases-list' }, listMessage, table), detailPane),
  );

  function renderHeader(): void {
    document.title = `CityTwin · ${ct('title')}`;
    setText(title, ct('title'));
    setText(subtitle, ct('subtitle'));
    setText(back, ct('back'));
    setText(lang, ct('lang'));
    const own = departments?.mine ?? null;
    const unbound = me.roles.includes('department') && departments !== null && own === null && !isDesk;
    setText(mine, own ? ct('mine', { department: own }) : unbound ? ct('unbound') : '');
    mine.hidden = !own && !unbound;
  }

  function renderFilters(): void {
    setText(labels.status, ct('filterStatus'));
    setText(labels.category, ct('filterCategory'));
    setText(labels.overdue, ct('filterOverdue'));
    const fill = (select: HTMLSelectElement, options: Array<[string, string]>) => {
      const value = select.value;
      replaceChildren(select, ...options.map(([v, text]) => h('option', { value: v }, text)));
      select.value = value;
    };
    fill(status, [['', ct('all')], ...CASE_STATUSES.map((s): [string, string] => [s, statusText(s)])]);
    fill(category, [['', ct('all')], ...CASE_CATEGORIES.map((c): [string, string] => [c, categoryText(c)])]);
    fill(overdue, [
      ['', ct('all')],
      ['yes', ct('overdueYes')],
      ['no', ct('overdueNo')],
    ]);
  }

  function row(c: CaseListItem): HTMLTableRowElement {
    const tr = h(
      'tr',
      {
        'data-testid': 'case-row',
        'data-case': c.id,
        'data-status': c.status,
        'data-overdue': String(c.overdue),
        class: c.id === selectedId ? 'selected' : null,
        tabindex: 0,
      },
      h('td', { class: 'mono' }, c.id),
      h('td', {}, categoryText(c.category)),
      h(
        'td',
        {},
        h('span', { class: 'case-status', 'data-status': c.status }, statusText(c.status)),
        c.overdue ? h('span', { class: 'case-overdue', 'data-testid': 'case-overdue-badge' }, ct('overdue')) : null,
      ),
      h('td', {}, c.department ?? '—'),
      h('td', { class: 'mono' }, formatCityDateTime(c.receivedAt)),
      h('td', { class: 'mono' }, formatCityDateTime(c.sla.replyBy)),
    );
    const open = () => void select(c.id);
    tr.addEventListener('click', open);
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') open();
    });
    return tr;
  }

  function renderList(): void {
    setText(zone, ct('timezone'));
    for (const th of heads) setText(th, ct(th.dataset.col as CaseStringKey));
    replaceChildren(rows, ...cases.map(row));
    setText(count, ct('count', { n: total }));
    setText(listMessage, listError ? ct('error', { reason: listError }) : cases.length === 0 ? ct('empty') : '');
    listMessage.hidden = !listError && cases.length > 0;
  }

  function field(labelKey: CaseStringKey, value: string | null | undefined, testId: string): HTMLElement | null {
    if (value === undefined || value === null || value === '') return null;
    return h('div', { class: 'case-field', 'data-testid': testId }, h('span', { class: 'case-label' }, ct(labelKey)), h('span', {}, value));
  }

  function historyLine(entry: CaseView['history'][number]): HTMLElement {
    const what = wordOf(`what.${entry.what}`, entry.what);
    const p = entry.params;
    const extra: string[] = [];
    if (entry.what === 'assigned' && typeof p.department === 'string') extra.push(`→ ${p.department}`);
    if (entry.what === 'overdue' && typeof p.stage === 'string') extra.push(wordOf(`stage.${p.stage}`, p.stage));
    if (entry.what === 'feedback' && typeof p.satisfaction === 'number') extra.push(ct('satisfaction', { n: p.satisfaction }));
    if (entry.what === 'incident_linked' && typeof p.incidentId === 'string') extra.push(p.incidentId);
    const who = entry.actor.department ? `${entry.actor.user}（${entry.actor.department}）` : entry.actor.user;
    return h(
      'li',
      { 'data-testid': 'case-step', 'data-what': entry.what },
      h('span', { class: 'mono case-step-time' }, formatCityDateTime(entry.at)),
      h('span', { class: 'case-step-what' }, what),
      h('span', { class: 'case-step-who' }, who),
      extra.length ? h('span', { class: 'case-step-extra' }, extra.join(' ')) : null,
      entry.reason
        ? h('span', { class: 'case-step-reason' }, entry.reason)
        : entry.reasonGiven
          ? h('span', { class: 'case-step-reason' }, ct('reasonGiven'))
          : null,
    );
  }

  /** The commands the status allows for this seat (the server decides in the end). */
  function commandsFor(c: CaseView): Command[] {
    if (!canAct) return [];
    const own = departments?.mine ?? null;
    const ownCase = own !== null && c.department === own;
    const out: Command[] = [];
    if (ownCase && c.status === 'assigned') out.push('accept');
    if (ownCase && c.status === 'accepted') out.push('reply');
    if (ownCase && (c.status === 'assigned' || c.status === 'accepted')) out.push('return');
    if (isDesk && ['received', 'returned', 'reopened', 'assigned', 'accepted'].includes(c.status)) out.push('assign', 'override');
    if ((isDesk || ownCase) && c.status === 'replied') out.push('close');
    if (isDesk && c.status === 'closed' && c.satisfaction === null) out.push('feedback');
    if (isDesk && c.status === 'closed') out.push('reopen');
    if (
      (isDesk || me.roles.includes('operator')) &&
      detail?.proposal?.kind === 'join' &&
      c.incident?.incidentId !== detail.proposal.incidentId
    )
      out.push('link_incident');
    return out;
  }

  function actionPanel(c: CaseView): HTMLElement {
    const commands = commandsFor(c);
    const panel = h('div', { class: 'case-actions', 'data-testid': 'case-actions' }, h('h3', {}, ct('actions')));
    if (commands.length === 0) {
      panel.append(h('p', { class: 'cases-muted' }, ct('noActions')));
      return panel;
    }
    const departmentSelect = h('select', { 'data-testid': 'case-input-department' });
    for (const d of departments?.departments ?? []) departmentSelect.append(h('option', { value: d }, d));
    const reason = h('textarea', { rows: 2, maxlength: 500, 'data-testid': 'case-input-reason' });
    const replyText = h('textarea', { rows: 4, maxlength: 2000, 'data-testid': 'case-input-reply' });
    const comment = h('input', { type: 'text', maxlength: 500, 'data-testid': 'case-input-comment' });
    const needs = new Set(commands);
    if (needs.has('assign') || needs.has('override'))
      panel.append(h('label', { class: 'case-input' }, h('span', {}, ct('department')), departmentSelect));
    if (needs.has('reply')) panel.append(h('label', { class: 'case-input' }, h('span', {}, ct('replyLabel')), replyText));
    if (needs.has('return') || needs.has('override') || needs.has('reopen') || needs.has('assign'))
      panel.append(h('label', { class: 'case-input' }, h('span', {}, ct('reasonLabel')), reason));
    if (needs.has('feedback')) panel.append(h('label', { class: 'case-input' }, h('span', {}, ct('commentLabel')), comment));
    const buttons = h('div', { class: 'case-buttons' });
    for (const command of commands) {
      if (command === 'feedback') {
        for (let n = 1; n <= 5; n++) {
          const b = h(
            'button',
            { type: 'button', class: 'case-button', 'data-testid': `case-cmd-feedback-${n}` },
            `${ct('cmd.feedback')} ${n}★`,
          );
          b.addEventListener(
            'click',
            () => void run({ command: 'feedback', satisfaction: n, ...(comment.value.trim() ? { comment: comment.value } : {}) }),
          );
          buttons.append(b);
        }
        continue;
      }
      const b = h('button', { type: 'button', class: 'case-button', 'data-testid': `case-cmd-${command}` }, ct(`cmd.${command}`));
      b.addEventListener('click', () => {
        const r = reason.value.trim();
        switch (command) {
          case 'assign':
            return void run({ command, department: departmentSelect.value, ...(r ? { reason: r } : {}) });
          case 'override':
            return void run({ command, department: departmentSelect.value, reason: reason.value });
          case 'return':
          case 'reopen':
            return void run({ command, reason: reason.value });
          case 'reply':
            return void run({ command, text: replyText.value });
          case 'link_incident':
            return detail?.proposal?.kind === 'join' ? void run({ command, incidentId: detail.proposal.incidentId }) : undefined;
          default:
            return void run({ command });
        }
      });
      buttons.append(b);
    }
    panel.append(buttons);
    return panel;
  }

  /** Redraws the detail keeping what the user was typing (a live update may redraw it meanwhile). */
  function renderDetail(): void {
    const typed = new Map<string, string>();
    for (const el of detailPane.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(
      '[data-testid^="case-input-"]',
    ))
      typed.set(el.dataset.testid!, el.value);
    drawDetail();
    for (const el of detailPane.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(
      '[data-testid^="case-input-"]',
    )) {
      const value = typed.get(el.dataset.testid!);
      if (value !== undefined) el.value = value;
    }
  }

  function drawDetail(): void {
    if (!detail) {
      replaceChildren(detailPane, h('p', { class: 'cases-muted' }, ct('select')));
      return;
    }
    const c = detail.case;
    const proposal = detail.proposal;
    replaceChildren(
      detailPane,
      h(
        'header',
        { class: 'case-head' },
        h('h2', { class: 'mono', 'data-testid': 'case-id' }, c.id),
        h('span', { class: 'case-status', 'data-status': c.status, 'data-testid': 'case-status' }, statusText(c.status)),
        detail.overdue ? h('span', { class: 'case-overdue' }, ct('overdue')) : null,
        h('span', { class: 'case-category' }, categoryText(c.category)),
        c.round > 1 ? h('span', { class: 'cases-muted' }, ct('round', { n: c.round })) : null,
      ),
      notice
        ? h('p', { class: notice.ok ? 'case-notice ok' : 'case-notice bad', role: 'status', 'data-testid': 'case-notice' }, notice.text)
        : null,
      h(
        'div',
        { class: 'case-fields' },
        field('text', c.text, 'case-text'),
        field('address', c.address, 'case-address'),
        c.caller ? field('caller', [c.caller.name, c.caller.phone].filter(Boolean).join(' · '), 'case-caller') : null,
        field('place', `${c.lng.toFixed(5)}, ${c.lat.toFixed(5)}${c.placeExact ? '' : ` (${ct('placeCoarse')})`}`, 'case-place'),
        field('department', c.department, 'case-department'),
        field('received', formatCityDateTime(c.receivedAt), 'case-received'),
        c.sla.acceptBy !== null ? field('acceptBy', formatCityDateTime(c.sla.acceptBy), 'case-accept-by') : null,
        field('replyBy', formatCityDateTime(c.sla.replyBy), 'case-reply-by'),
        field('reply', c.replyText, 'case-reply'),
        c.satisfaction !== null ? field('satisfaction', ct('satisfaction', { n: c.satisfaction }), 'case-satisfaction') : null,
        c.repeatCount > 0 ? field('text', ct('repeat', { n: c.repeatCount }), 'case-repeat') : null,
        c.incident ? field('text', ct('incident', { id: c.incident.incidentId }), 'case-incident') : null,
        proposal?.kind === 'join' ? field('text', ct('proposalJoin', { id: proposal.incidentId }), 'case-proposal') : null,
        proposal?.kind === 'open' ? field('text', ct('proposalOpen', { type: proposal.incidentType }), 'case-proposal') : null,
      ),
      actionPanel(c),
      h('h3', {}, ct('timeline')),
      h('ol', { class: 'case-timeline', 'data-testid': 'case-timeline' }, ...c.history.map(historyLine)),
    );
  }

  function renderAll(): void {
    renderHeader();
    renderFilters();
    renderList();
    renderDetail();
  }

  async function loadList(): Promise<void> {
    const q = new URLSearchParams({ limit: '500' });
    if (status.value) q.set('status', status.value);
    if (category.value) q.set('category', category.value);
    if (overdue.value) q.set('overdue', overdue.value);
    const r = await jsonCall<CaseListResponse>('GET', `/api/cases?${q}`);
    if (r.ok) {
      cases = r.value.cases;
      total = r.value.total;
      listError = null;
    } else {
      cases = [];
      total = 0;
      listError = r.error;
    }
    renderList();
  }

  /** A `case` event: the list merged, the open case read again (with its history). */
  function onCase(msg: CaseUpdateMessage): void {
    ({ cases, total } = mergeCaseUpdate(cases, total, msg, { status: status.value, category: category.value, overdue: overdue.value }));
    renderList();
    if (msg.caseId === selectedId) void reloadDetail(msg.caseId);
  }

  async function reloadDetail(id: string): Promise<void> {
    const r = await jsonCall<CaseDetailResponse>('GET', `/api/cases/${encodeURIComponent(id)}`);
    if (selectedId !== id) return;
    detail = r.ok ? r.value : null;
    if (!r.ok) notice = { ok: false, text: ct('error', { reason: r.error }) };
    renderDetail();
  }

  async function select(id: string): Promise<void> {
    selectedId = id;
    notice = null;
    const r = await jsonCall<CaseDetailResponse>('GET', `/api/cases/${encodeURIComponent(id)}`);
    detail = r.ok ? r.value : null;
    if (!r.ok) notice = { ok: false, text: ct('error', { reason: r.error }) };
    renderList();
    renderDetail();
  }

  async function run(body: Record<string, unknown>): Promise<void> {
    if (!selectedId) return;
    const id = selectedId;
    const r = await jsonCall<CaseCommandResponse>('POST', `/api/cases/${encodeURIComponent(id)}/commands`, body);
    await loadList();
    await select(id);
    notice = r.ok
      ? { ok: true, text: ct('done', { what: r.value.happened.map((w) => wordOf(`what.${w.replace(/^case_/, '')}`, w)).join('、') }) }
      : {
          ok: false,
          text: ct('refused', {
            reason: refusalText(
              typeof r.details?.code === 'string' ? r.details.code : undefined,
              (r.details?.params as Record<string, unknown> | undefined) ?? undefined,
              r.error,
            ),
          }),
        };
    renderDetail();
  }

  function installHooks(): void {
    window.__cases = {
      get ready() {
        return ready;
      },
      rowCount: () => document.querySelectorAll('[data-testid="case-row"]').length,
      selected: () => selectedId,
      language: () => getLanguage(),
      setLanguage: (l) => setLanguage(l),
      refresh: () => loadList(),
      live: () => live?.connected() ?? false,
    };
  }

  onLanguageChange(renderAll);
  renderAll();
  installHooks();
  void (async () => {
    const d = await jsonCall<CaseDepartmentsResponse>('GET', '/api/case-departments');
    departments = d.ok ? d.value : null;
    renderHeader();
    await loadList();
    ready = true;
    document.body.dataset.ready = 'true';
    live = followCaseDesk({ onCase, reload: () => void loadList() });
  })();
  window.addEventListener('pagehide', () => live?.close());
}

// Times on the city's clock (GET /api/city), whatever the browser's zone.
startPage(
  (me) =>
    void loadCityInfo().then((city) => {
      showTimesIn(city?.timezone ?? null);
      start(me);
    }),
);
