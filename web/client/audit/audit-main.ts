/**
 * The audit viewer (`audit.html`, admins): the tamper-evident record of every action — time in
 * the city's time zone, actor, action, object, detail — with filters by actor, kind, action and
 * time, and the verification of the record (chain, signed checkpoints, the rows it binds to)
 * with every problem found. Data from `GET /api/audit/entries` and `GET /api/audit/verify`
 * (docs/security.md, "Audit").
 */
import '../styles/console.css';
import './audit.css';
import { jsonCall, type Me } from '../backend/session.ts';
import { loadCityInfo } from '../backend/city-info.ts';
import { startPage } from '../app/sign-in.ts';
import { cityOffsetLabel, formatCityDateTime, parseCityDateTime } from '../i18n/format.ts';
import { getLanguage, onLanguageChange, pick, setLanguage, t } from '../i18n/language.ts';
import type { CityInfo } from '../../shared/protocol.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import {
  AUDIT_STREAM_NAMES,
  type AuditEntriesResponse,
  type AuditEntryView,
  type AuditVerificationView,
} from '../../shared/audit-protocol.ts';
import { auditActionLabel, auditProblemLabel, auditStreamLabel } from './audit-labels.ts';

/** Entries fetched per page. */
const PAGE = 200;

export type AuditStatus = 'checking' | 'ok' | 'failed' | 'error' | 'denied';

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

function start(me: Me, city: CityInfo | null): void {
  const app = document.getElementById('audit-app')!;
  const zone = city?.timezone ?? 'UTC';
  const cityName = (): string => (city ? pick(city.name) : zone);
  let status: AuditStatus = 'checking';
  let verification: AuditVerificationView | null = null;
  let verifyError: string | null = null;
  let entries: AuditEntryView[] = [];
  let next: string | null = null;
  let listError: string | null = null;
  let ready = false;

  const title = h('h1', { class: 'audit-title', 'data-testid': 'audit-title' });
  const subtitle = h('p', { class: 'audit-subtitle' });
  const back = h('a', { class: 'audit-back', href: './', 'data-testid': 'audit-back' });
  const lang = h('button', { type: 'button', class: 'lang-toggle', 'data-testid': 'language-toggle' });
  for (const [l, text] of [
    ['zh', '中文'],
    ['en', 'EN'],
  ] as const) {
    lang.appendChild(h('span', { class: 'lang-mark', 'data-lang': l, lang: l === 'zh' ? 'zh-CN' : 'en' }, text));
  }
  lang.addEventListener('click', () => setLanguage(getLanguage() === 'zh' ? 'en' : 'zh'));
  const header = h(
    'header',
    { class: 'audit-header' },
    h('div', {}, title, subtitle),
    h('div', { class: 'audit-header-right' }, back, lang),
  );
  app.append(header);

  const allowed = me.permissions.includes('audit.read');
  const denied = h('p', { class: 'audit-denied', role: 'alert', 'data-testid': 'audit-denied' });
  if (!allowed) {
    // The server refuses the routes anyway (403); the page says why instead of failing.
    status = 'denied';
    app.append(denied);
    const renderDenied = () => {
      document.title = `CityTwin · ${t('audit.title')}`;
      setText(title, t('audit.title'));
      setText(subtitle, t('audit.subtitle'));
      setText(back, t('audit.back'));
      setText(denied, t('audit.denied'));
    };
    renderDenied();
    onLanguageChange(renderDenied);
    ready = true;
    document.body.dataset.ready = 'true';
    installHooks();
    return;
  }

  // --- verification status ---
  const statusBox = h('section', { class: 'audit-status', 'data-testid': 'audit-status', role: 'status', 'data-state': 'checking' });
  const statusLine = h('div', { class: 'audit-status-line', 'data-testid': 'audit-status-line' });
  const statusDetail = h('div', { class: 'audit-status-detail', 'data-testid': 'audit-status-detail' });
  const problems = h('ul', { class: 'audit-problems', 'data-testid': 'audit-problems' });
  const verifyButton = h('button', { type: 'button', class: 'audit-button', 'data-testid': 'audit-verify' });
  statusBox.append(h('div', { class: 'audit-status-head' }, statusLine, verifyButton), statusDetail, problems);

  // --- filters ---
  const actor = h('input', { type: 'text', maxlength: '64', 'data-testid': 'audit-filter-actor', autocomplete: 'off' });
  const stream = h('select', { 'data-testid': 'audit-filter-stream' });
  const streamOptions = ['', ...AUDIT_STREAM_NAMES].map((s) => h('option', { value: s }));
  stream.append(...streamOptions);
  const action = h('input', {
    type: 'text',
    maxlength: '40',
    'data-testid': 'audit-filter-action',
    autocomplete: 'off',
    placeholder: 'login_failed',
  });
  const from = h('input', { type: 'text', maxlength: '19', 'data-testid': 'audit-filter-from', placeholder: '2026-12-04 08:00' });
  const to = h('input', { type: 'text', maxlength: '19', 'data-testid': 'audit-filter-to', placeholder: '2026-12-04 18:00' });
  const apply = h('button', { type: 'submit', class: 'audit-button', 'data-testid': 'audit-filter-apply' });
  const reset = h('button', { type: 'button', class: 'audit-button secondary', 'data-testid': 'audit-filter-reset' });
  const filterError = h('div', { class: 'audit-filter-error', role: 'alert', hidden: true, 'data-testid': 'audit-filter-error' });
  const labels = {
    actor: h('span', {}),
    stream: h('span', {}),
    action: h('span', {}),
    from: h('span', {}),
    to: h('span', {}),
  };
  const form = h(
    'form',
    { class: 'audit-filters', 'data-testid': 'audit-filters' },
    h('label', {}, labels.actor, actor),
    h('label', {}, labels.stream, stream),
    h('label', {}, labels.action, action),
    h('label', {}, labels.from, from),
    h('label', {}, labels.to, to),
    h('div', { class: 'audit-filter-buttons' }, apply, reset),
    filterError,
  );

  // --- the table ---
  const zoneNote = h('div', { class: 'audit-zone', 'data-testid': 'audit-timezone' });
  const count = h('div', { class: 'audit-count', 'data-testid': 'audit-count' });
  const heads = ['time', 'actor', 'action', 'object', 'detail'].map((k) => h('th', { scope: 'col', 'data-col': k }));
  const body = h('tbody', { 'data-testid': 'audit-rows' });
  const table = h('table', { class: 'audit-table', 'data-testid': 'audit-table' }, h('thead', {}, h('tr', {}, ...heads)), body);
  const empty = h('div', { class: 'audit-empty', hidden: true, 'data-testid': 'audit-empty' });
  const more = h('button', { type: 'button', class: 'audit-button secondary', hidden: true, 'data-testid': 'audit-more' });
  const listMessage = h('div', { class: 'audit-filter-error', role: 'alert', hidden: true, 'data-testid': 'audit-list-error' });
  app.append(
    statusBox,
    form,
    h('div', { class: 'audit-meta' }, zoneNote, count),
    listMessage,
    h('div', { class: 'audit-table-wrap' }, table),
    empty,
    more,
  );

  function renderStatus(): void {
    statusBox.dataset.state = status;
    verifyButton.disabled = status === 'checking';
    setText(verifyButton, status === 'checking' ? t('audit.verifying') : t('audit.verify'));
    replaceChildren(problems);
    if (status === 'checking') {
      setText(statusLine, t('audit.verifying'));
      setText(statusDetail, '');
      return;
    }
    if (status === 'error' || !verification) {
      setText(statusLine, t('audit.error', { reason: verifyError ?? '' }));
      setText(statusDetail, '');
      return;
    }
    const v = verification;
    const own = v.chains.find((c) => c.chain === v.chain);
    const last = v.checkpoints.last;
    setText(statusLine, v.ok ? t('audit.ok') : t('audit.failed', { n: v.problems.length }));
    setText(
      statusDetail,
      last
        ? t('audit.okDetail', {
            chain: v.chain ?? '?',
            entries: own?.checked ?? 0,
            dispatch: v.dispatch.checked,
            seq: last.seq,
            time: `${formatCityDateTime(last.at, zone)} (${cityOffsetLabel(last.at, zone)})`,
          })
        : `${t('audit.okDetail', { chain: v.chain ?? '?', entries: own?.checked ?? 0, dispatch: v.dispatch.checked, seq: '—', time: '—' })} · ${t('audit.noCheckpoint')}`,
    );
    for (const p of v.problems) {
      problems.append(
        h(
          'li',
          { 'data-testid': 'audit-problem', 'data-stream': p.stream, 'data-kind': p.kind },
          h('span', { class: 'audit-problem-kind' }, auditProblemLabel(p.stream, p.kind, getLanguage())),
          p.seq !== null ? h('span', { class: 'audit-problem-seq mono' }, `#${p.seq}`) : null,
          h('span', { class: 'audit-problem-detail' }, p.detail),
        ),
      );
    }
  }

  function row(e: AuditEntryView): HTMLTableRowElement {
    const l = getLanguage();
    return h(
      'tr',
      { 'data-testid': 'audit-row', 'data-seq': e.seq, 'data-stream': e.stream, 'data-action': e.action, 'data-actor': e.actor },
      h('td', { class: 'mono', 'data-col': 'time', title: new Date(e.at).toISOString() }, formatCityDateTime(e.at, zone)),
      h('td', { 'data-col': 'actor' }, e.actor || '—'),
      h(
        'td',
        { 'data-col': 'action' },
        h('span', { class: 'audit-stream', 'data-stream': e.stream }, auditStreamLabel(e.stream, l)),
        ' ',
        auditActionLabel(e.stream, e.action, l),
      ),
      h('td', { 'data-col': 'object', class: 'mono' }, e.object || '—'),
      h('td', { 'data-col': 'detail' }, e.detail),
    );
  }

  function renderTable(): void {
    replaceChildren(body, ...entries.map(row));
    empty.hidden = entries.length > 0 || listError !== null;
    more.hidden = next === null;
    listMessage.hidden = listError === null;
    setText(listMessage, listError ? t('audit.error', { reason: listError }) : '');
    setText(count, t('audit.count', { n: entries.length }));
  }

  function renderLabels(): void {
    document.title = `CityTwin · ${t('audit.title')}`;
    setText(title, t('audit.title'));
    setText(subtitle, t('audit.subtitle'));
    setText(back, t('audit.back'));
    setText(labels.actor, t('audit.filter.actor'));
    setText(labels.stream, t('audit.filter.stream'));
    setText(labels.action, t('audit.filter.action'));
    setText(labels.from, t('audit.filter.from'));
    setText(labels.to, t('audit.filter.to'));
    setText(apply, t('audit.filter.apply'));
    setText(reset, t('audit.filter.reset'));
    for (const o of streamOptions) setText(o, o.value ? auditStreamLabel(o.value, getLanguage()) : t('audit.stream.all'));
    for (const th of heads) setText(th, t(`audit.col.${th.dataset.col}` as Parameters<typeof t>[0]));
    setText(zoneNote, t('audit.timezone', { city: cityName(), zone, offset: cityOffsetLabel(Date.now(), zone) }));
    setText(empty, t('audit.empty'));
    setText(more, t('audit.more'));
    if (!filterError.hidden) setText(filterError, t('audit.filter.badTime'));
    renderStatus();
    renderTable();
  }

  /** The query of the filters, or null (with the reason shown) when a time is not one. */
  function query(): URLSearchParams | null {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (actor.value.trim()) q.set('actor', actor.value.trim());
    if (stream.value) q.set('stream', stream.value);
    if (action.value.trim()) q.set('action', action.value.trim());
    for (const [input, name] of [
      [from, 'from'],
      [to, 'to'],
    ] as const) {
      if (!input.value.trim()) continue;
      const ms = parseCityDateTime(input.value, zone);
      if (ms === null) {
        filterError.hidden = false;
        setText(filterError, t('audit.filter.badTime'));
        input.focus();
        return null;
      }
      // "To 18:00" includes the whole minute.
      q.set(name, String(name === 'to' && !/:\d{2}:\d{2}$/.test(input.value.trim()) ? ms + 59_999 : ms));
    }
    filterError.hidden = true;
    return q;
  }

  let listSeq = 0;
  async function load(append: boolean): Promise<void> {
    const q = query();
    if (!q) return;
    if (append && next) q.set('before', next);
    const mine = ++listSeq;
    const r = await jsonCall<AuditEntriesResponse>('GET', `/api/audit/entries?${q}`);
    if (mine !== listSeq) return;
    if (r.ok) {
      entries = append ? [...entries, ...r.value.entries] : r.value.entries;
      next = r.value.next;
      listError = null;
    } else {
      if (!append) entries = [];
      next = null;
      listError = r.error;
    }
    renderTable();
  }

  async function verify(): Promise<void> {
    status = 'checking';
    renderStatus();
    const r = await jsonCall<AuditVerificationView>('GET', '/api/audit/verify');
    if (r.ok) {
      verification = r.value;
      verifyError = null;
      status = r.value.ok ? 'ok' : 'failed';
    } else {
      verifyError = r.error;
      status = 'error';
    }
    renderStatus();
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void load(false);
  });
  reset.addEventListener('click', () => {
    actor.value = '';
    stream.value = '';
    action.value = '';
    from.value = '';
    to.value = '';
    filterError.hidden = true;
    void load(false);
  });
  more.addEventListener('click', () => void load(true));
  verifyButton.addEventListener('click', () => void verify());
  onLanguageChange(renderLabels);
  renderLabels();
  installHooks();
  void Promise.all([verify(), load(false)]).then(() => {
    ready = true;
    document.body.dataset.ready = 'true';
  });

  function installHooks(): void {
    window.__audit = {
      get ready() {
        return ready;
      },
      status: () => status,
      rowCount: () => body.children.length,
      language: () => getLanguage(),
      setLanguage: (l) => setLanguage(l),
    };
  }
}

// Times are the city's: its zone comes with the city (GET /api/city).
startPage((me) => void loadCityInfo().then((city) => start(me, city)));
