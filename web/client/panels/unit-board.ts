/**
 * The unit status board: a compact panel (collapsible like the legend) with the response units
 * counted by kind × status, and on request the list of units — status, incident, ETA and
 * warnings (silent, off road). Roles with `dispatch.act` change a unit's status from the list
 * (`POST /api/units/{id}/status`); going out of service or cancelling an assignment asks for a
 * reason first. Clicking a kind filters the list; a click on a unit on the map opens it here.
 */
import { UNIT_KINDS, UNIT_STATUSES, type UnitStatus } from '../../../twin-model/dispatch/unit-types.ts';
import { isAllowedTransition, needsReason } from '../../../twin-model/dispatch/unit-state.ts';
import type { UnitView } from '../../shared/protocol.ts';
import { jsonCall } from '../backend/session.ts';
import { formatCount } from '../i18n/format.ts';
import { getLanguage, t } from '../i18n/language.ts';
import { unitKindLabel, unitStatusLabel, unitWarningLabel } from '../i18n/labels.ts';
import { remainingTripS, type UnitStore } from '../stream/unit-store.ts';
import type { Panel } from '../app/panel.ts';
import { unitSymbol } from '../map/unit-icons.ts';
import { h, patchChildren, patchKeyed, replaceChildren, type KeyedRow, setHidden, setText } from '../ui/dom.ts';
import { unitName } from './dispatch-section.ts';

export interface UnitBoardContext {
  units: UnitStore;
  /** The role holds `dispatch.act`: a status menu per unit. */
  canAct: boolean;
  serverNow(): number;
  /** A unit was opened in the list (the map rings it), or null. */
  onSelect(id: string | null): void;
}

/** Statuses a dispatcher may set by hand (dispatched comes from an assignment). */
const MANUAL: readonly UnitStatus[] = ['en_route', 'on_scene', 'returning', 'available', 'out_of_service'];
/** Matrix columns, from free to engaged. */
const COLUMNS: readonly UnitStatus[] = UNIT_STATUSES;

export class UnitBoard implements Panel<unknown> {
  readonly el: HTMLElement;
  private readonly title = h('h2', { class: 'panel-title' });
  private readonly summary = h('span', { class: 'unit-board-summary muted', 'data-testid': 'unit-board-summary' });
  private readonly listToggle = h('button', {
    type: 'button',
    class: 'link-button',
    'data-testid': 'unit-board-list-toggle',
    'aria-expanded': 'false',
  });
  private readonly collapse = h(
    'button',
    { type: 'button', class: 'icon-button legend-collapse', 'aria-expanded': 'true', 'data-testid': 'unit-board-collapse' },
    '−',
  );
  private readonly matrix = h('table', { class: 'unit-matrix', 'data-testid': 'unit-matrix' });
  private readonly listHead = h('div', { class: 'unit-list-head muted small' });
  private readonly list = h('ul', { class: 'unit-list', 'data-testid': 'unit-list' });
  private readonly listBox = h('div', { class: 'unit-list-box', hidden: true }, this.listHead, this.list);
  private readonly message = h('div', { class: 'unit-board-message', role: 'status', hidden: true, 'data-testid': 'unit-board-message' });
  private readonly key = h('div', { class: 'unit-ring-key muted small' });
  private renderedVersion = -1;
  private kindFilter: string | null = null;
  private selected: string | null = null;
  /** A status change waiting for its reason. */
  private pending: { unitId: string; to: UnitStatus; reason: string } | null = null;
  /** Moves on with every relabelling (a language): every row is worded again. */
  private labels = 0;
  private dirty = false;
  private etasAt = 0;
  /** The outcome of the last status change, worded when drawn. */
  private outcome: { text: () => string; error: boolean } | null = null;

  constructor(private readonly ctx: UnitBoardContext) {
    this.el = h(
      'section',
      { class: 'panel unit-board', 'data-testid': 'unit-board' },
      h(
        'header',
        { class: 'panel-header' },
        h('div', { class: 'unit-board-heading' }, this.title, this.summary),
        h('div', { class: 'unit-board-tools' }, this.listToggle, this.collapse),
      ),
      h('div', { class: 'unit-board-body' }, this.matrix, this.key, this.message, this.listBox),
    );
    this.collapse.addEventListener('click', () => {
      const collapsed = this.el.classList.toggle('collapsed');
      this.collapse.setAttribute('aria-expanded', String(!collapsed));
      this.collapse.textContent = collapsed ? '+' : '−';
      this.renderLabels();
    });
    this.listToggle.addEventListener('click', () => this.showList(this.listBox.hidden));
    this.renderLabels();
  }

  get selectedId(): string | null {
    return this.selected;
  }

  /** Opens the list on a unit (a click on its marker), or clears the selection. */
  select(id: string | null): void {
    this.selected = id;
    this.ctx.onSelect(id);
    if (id) {
      const u = this.ctx.units.get(id);
      if (u && this.kindFilter && this.kindFilter !== u.kind) this.kindFilter = null;
      this.el.classList.remove('collapsed');
      this.showList(true);
      this.list.querySelector(`[data-unit-id="${CSS.escape(id)}"]`)?.scrollIntoView({ block: 'nearest' });
    } else this.redraw(true);
  }

  renderLabels(): void {
    this.labels++;
    setText(this.title, t('board.title'));
    const collapsed = this.el.classList.contains('collapsed');
    this.collapse.title = t(collapsed ? 'board.expand' : 'board.collapse');
    this.collapse.setAttribute('aria-label', this.collapse.title);
    setText(this.listToggle, this.listBox.hidden ? t('board.showList') : t('board.hideList'));
    this.listToggle.hidden = collapsed;
    setText(this.key, t('board.ringKey'));
    this.redraw(true);
  }

  /** Redraws when the units changed (or, with the list open, every 5 s as ETAs move on). */
  render(): void {
    this.redraw();
  }

  mount(parent: HTMLElement): void {
    parent.appendChild(this.el);
  }

  destroy(): void {
    this.el.remove();
  }

  redraw(force = false): void {
    const now = Date.now();
    const etas = !this.listBox.hidden && now - this.etasAt > 5_000;
    if (!force && !etas && this.renderedVersion === this.ctx.units.version && !this.dirty) return;
    const focused = document.activeElement;
    if ((focused instanceof HTMLSelectElement || focused instanceof HTMLInputElement) && this.el.contains(focused)) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    this.etasAt = now;
    this.renderedVersion = this.ctx.units.version;
    const counts = this.ctx.units.counts();
    const lang = getLanguage();
    setText(
      this.summary,
      t('board.summary', { busy: formatCount(counts.busy, lang), total: formatCount(counts.total, lang) }) +
        (counts.warned ? ` · ${t('board.warned', { n: counts.warned })}` : ''),
    );
    this.renderMatrix(counts.byKind);
    setHidden(this.message, !this.outcome);
    this.message.classList.toggle('error', this.outcome?.error ?? false);
    setText(this.message, this.outcome?.text() ?? '');
    if (!this.listBox.hidden) this.renderList();
  }

  private showList(open: boolean): void {
    this.listBox.hidden = !open;
    this.el.classList.toggle('list-open', open);
    this.listToggle.setAttribute('aria-expanded', String(open));
    setText(this.listToggle, open ? t('board.hideList') : t('board.showList'));
    this.redraw(true);
  }

  private renderMatrix(byKind: Map<string, Map<UnitStatus, number>>): void {
    const lang = getLanguage();
    const head = h(
      'tr',
      {},
      h('th', { class: 'unit-matrix-kind' }, t('board.kind')),
      ...COLUMNS.map((s) => h('th', { title: unitStatusLabel(s), 'data-status': s }, unitStatusLabel(s, true))),
    );
    const rows = UNIT_KINDS.map((kind) => {
      const row = byKind.get(kind);
      const name = h(
        'button',
        { type: 'button', class: 'unit-kind-button', 'data-testid': `unit-kind-${kind}`, 'aria-pressed': String(this.kindFilter === kind) },
        unitSymbol(kind),
        h('span', { class: 'unit-kind-name' }, unitKindLabel(kind)),
      );
      name.addEventListener('click', () => {
        this.kindFilter = this.kindFilter === kind ? null : kind;
        this.showList(true);
      });
      return h(
        'tr',
        { 'data-kind': kind },
        h('th', { class: 'unit-matrix-kind', scope: 'row' }, name),
        ...COLUMNS.map((s) => {
          const n = row?.get(s) ?? 0;
          return h(
            'td',
            {
              'data-testid': `unit-count-${kind}-${s}`,
              'data-status': s,
              'data-count': String(n),
              class: n === 0 ? 'zero' : null,
              title: `${unitKindLabel(kind)} · ${unitStatusLabel(s)}`,
            },
            n === 0 ? '·' : formatCount(n, lang),
          );
        }),
      );
    });
    // Redrawn whenever a unit moved: the DOM changes only when a count did.
    patchChildren(this.matrix, [h('thead', {}, head), h('tbody', {}, ...rows)]);
  }

  private renderList(): void {
    const units = this.ctx.units.list().filter((u) => !this.kindFilter || u.kind === this.kindFilter);
    setText(this.listHead, this.kindFilter ? t('board.filtered', { kind: unitKindLabel(this.kindFilter) }) : t('board.allKinds'));
    const now = this.ctx.serverNow();
    if (units.length === 0) {
      patchChildren(this.list, [h('li', { class: 'muted small' }, t('board.empty'))]);
      return;
    }
    const scroll = this.list.scrollTop;
    // Units move on every report: only rows whose status, ETA or warnings changed are replaced.
    patchKeyed(
      this.list,
      units.map((u) => this.keyedRow(u, now)),
    );
    this.list.scrollTop = scroll;
  }

  /** A unit's row with everything it shows: built again only when one of them changed. */
  private keyedRow(u: UnitView, now: number): KeyedRow {
    const left = u.trip && u.status !== 'on_scene' ? remainingTripS(u, now) : null;
    const eta =
      left === null
        ? ''
        : u.trip?.leg === 'home'
          ? `${t('unit.home')} · ${t('unit.etaMin', { min: (left / 60).toFixed(1) })}`
          : t('unit.etaMin', { min: (left / 60).toFixed(1) });
    const pending = this.pending?.unitId === u.id ? this.pending : null;
    return { key: u.id, shows: [u, eta, u.id === this.selected, pending, this.labels], build: () => this.row(u, eta) };
  }

  private row(u: UnitView, eta: string): HTMLElement {
    const meta = u.incidentId || eta || u.warnings.length > 0;
    const li = h(
      'li',
      {
        class: 'unit-row',
        'data-testid': 'unit-row',
        'data-unit-id': u.id,
        'data-status': u.status,
        'aria-selected': String(u.id === this.selected),
      },
      h(
        'div',
        { class: 'unit-row-main' },
        unitSymbol(u.kind),
        h('span', { class: 'unit-row-name', title: unitName(u) }, unitName(u)),
        h('span', { class: 'unit-status', 'data-status': u.status, 'data-testid': 'unit-row-status' }, unitStatusLabel(u.status)),
        this.ctx.canAct ? this.statusMenu(u) : null,
      ),
      meta
        ? h(
            'div',
            { class: 'unit-row-meta muted' },
            u.incidentId ? h('span', { class: 'mono' }, u.incidentId) : null,
            eta ? h('span', {}, eta) : null,
            ...u.warnings.map((w) =>
              h('span', { class: 'unit-warning', title: unitWarningLabel(w, true), 'data-warning': w }, unitWarningLabel(w)),
            ),
          )
        : null,
    );
    if (this.pending?.unitId === u.id && this.ctx.canAct) li.append(this.reasonForm(u));
    li.addEventListener('click', (e) => {
      if ((e.target as Element).closest('select, input, button')) return;
      this.selected = this.selected === u.id ? null : u.id;
      this.ctx.onSelect(this.selected);
      this.redraw(true);
    });
    return li;
  }

  private statusMenu(u: UnitView): HTMLElement | null {
    const choices = MANUAL.filter((s) => isAllowedTransition(u.status, s));
    if (choices.length === 0) return null;
    const select = h(
      'select',
      { class: 'action-select unit-status-select', 'data-testid': 'unit-status-select', 'aria-label': t('board.setStatus') },
      h('option', { value: '' }, t('board.setStatus')),
      ...choices.map((s) => h('option', { value: s }, unitStatusLabel(s))),
    ) as HTMLSelectElement;
    select.addEventListener('change', () => {
      const to = select.value as UnitStatus;
      if (!to) return;
      select.blur();
      if (needsReason(u.status, to)) {
        this.pending = { unitId: u.id, to, reason: '' };
        this.redraw(true);
        this.list.querySelector<HTMLInputElement>('[data-testid="unit-status-reason"]')?.focus();
      } else void this.setStatus(u, to);
    });
    return select;
  }

  private reasonForm(u: UnitView): HTMLElement {
    const p = this.pending!;
    const input = h('input', {
      type: 'text',
      class: 'action-reason',
      maxlength: '500',
      'data-testid': 'unit-status-reason',
      placeholder: t('board.reasonHint'),
      'aria-label': t('board.reasonHint'),
      value: p.reason,
    }) as HTMLInputElement;
    const apply = h(
      'button',
      { type: 'button', class: 'action-button', 'data-testid': 'unit-status-apply' },
      `${t('board.apply')} · ${unitStatusLabel(p.to)}`,
    ) as HTMLButtonElement;
    const cancel = h('button', { type: 'button', class: 'action-button' }, t('dispatch.cancel'));
    apply.disabled = !p.reason.trim();
    input.addEventListener('input', () => {
      p.reason = input.value;
      apply.disabled = !p.reason.trim();
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && p.reason.trim()) apply.click();
    });
    apply.addEventListener('click', () => {
      input.blur();
      void this.setStatus(u, p.to, p.reason.trim());
    });
    cancel.addEventListener('click', () => {
      this.pending = null;
      input.blur();
      this.redraw(true);
    });
    return h('div', { class: 'unit-reason-form' }, input, h('div', { class: 'action-row' }, apply, cancel));
  }

  private async setStatus(u: UnitView, to: UnitStatus, reason?: string): Promise<void> {
    const r = await jsonCall<{ changes: unknown[] }>('POST', `/api/units/${encodeURIComponent(u.id)}/status`, {
      status: to,
      ...(reason ? { reason } : {}),
    });
    if (r.ok) this.pending = null;
    const error = r.ok ? '' : r.error;
    this.outcome = {
      text: () => (error ? t('board.failed', { reason: error }) : t('board.changed', { name: unitName(u), status: unitStatusLabel(to) })),
      error: !r.ok,
    };
    this.redraw(true);
  }
}

/** The tooltip of a unit on the map: name, kind, status, incident, ETA and warnings. */
export class UnitTooltip {
  readonly el = h('div', { class: 'sensor-tooltip unit-tooltip', role: 'tooltip', 'data-testid': 'unit-tooltip', hidden: true });

  constructor(
    private readonly container: HTMLElement,
    private readonly ctx: { serverNow(): number },
  ) {
    container.appendChild(this.el);
  }

  show(u: UnitView | null, x: number, y: number): void {
    if (!u) {
      this.el.hidden = true;
      return;
    }
    const left = u.trip && u.status !== 'on_scene' ? remainingTripS(u, this.ctx.serverNow()) : null;
    replaceChildren(
      this.el,
      h('div', { class: 'tt-id' }, unitName(u)),
      h('div', { class: 'tt-kind' }, `${unitKindLabel(u.kind)} · ${u.id}`),
      h(
        'div',
        { class: 'tt-state' },
        h('span', { class: 'unit-status', 'data-status': u.status }, unitStatusLabel(u.status)),
        u.incidentId ? h('span', { class: 'muted' }, ` · ${t('unit.incident')} ${u.incidentId}`) : null,
      ),
      left !== null
        ? h(
            'div',
            { class: 'tt-value' },
            `${u.trip?.leg === 'home' ? t('unit.home') : t('unit.eta')} · ${t('unit.etaMin', { min: (left / 60).toFixed(1) })}`,
          )
        : null,
      ...u.warnings.map((w) => h('div', { class: 'unit-warning' }, `⚠ ${unitWarningLabel(w, true)}`)),
    );
    this.el.hidden = false;
    const pad = 14;
    const { clientWidth: cw, clientHeight: ch } = this.container;
    let l = x + pad;
    let top = y + pad;
    if (l + this.el.offsetWidth > cw - 8) l = x - this.el.offsetWidth - pad;
    if (top + this.el.offsetHeight > ch - 8) top = y - this.el.offsetHeight - pad;
    this.el.style.transform = `translate(${Math.max(8, l)}px, ${Math.max(8, top)}px)`;
  }
}
