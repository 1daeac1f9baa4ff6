/** The case list: the city's time zone, how many match, the table of cases and why it is empty. */
import type { Panel } from '../app/panel.ts';
import { cityOffsetLabel, formatCityDateTime, shownTimeZone } from '../i18n/format.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import type { CaseListItem } from '../../shared/case-protocol.ts';
import { categoryText, ct, departmentText, statusText, zoneText, type CaseStringKey } from './case-strings.ts';
import type { CasesState } from './cases-state.ts';

export class CaseList implements Panel<CasesState> {
  readonly zone = h('div', { class: 'cases-zone', 'data-testid': 'cases-timezone' });
  readonly count = h('div', { class: 'cases-count', 'data-testid': 'cases-count' });
  private readonly heads = ['colId', 'colCategory', 'colStatus', 'colDepartment', 'colReceived', 'colDue'].map((k) =>
    h('th', { scope: 'col', 'data-col': k }),
  );
  private readonly rows = h('tbody', { 'data-testid': 'cases-rows' });
  private readonly message = h('div', { class: 'cases-message', 'data-testid': 'cases-list-message' });
  private readonly el = h(
    'div',
    { class: 'cases-list' },
    h('table', { class: 'cases-table phone-cards', 'data-testid': 'cases-table' }, h('thead', {}, h('tr', {}, ...this.heads)), this.rows),
    // Why the table is empty (or failed) reads under its header, where the rows would be.
    this.message,
  );
  private last: CasesState | null = null;

  /** `onOpen(id)`: the user opened a case; `city`'s names say whose clock the times are on. */
  constructor(
    private readonly onOpen: (id: string) => void,
    private readonly city: { zh: string; en: string } | null = null,
  ) {}

  /** Mounts the list; the zone and the count go above it, where the page puts them. */
  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  render(view: CasesState): void {
    this.last = view;
    const zone = shownTimeZone() ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    setText(this.zone, zoneText(this.city, zone, cityOffsetLabel(Date.now(), zone)));
    for (const th of this.heads) setText(th, ct(th.dataset.col as CaseStringKey));
    replaceChildren(this.rows, ...view.cases.map((c) => this.row(c, view.selectedId)));
    setText(this.count, ct('count', { n: view.total }));
    // With every filter at 全部 / All an empty list means there are no cases yet, not that none matches.
    const filtered = Object.values(view.filter).some((v) => v !== '');
    const empty = filtered ? ct('empty') : ct('emptyNone');
    setText(this.message, view.listError ? ct('error', { reason: view.listError }) : view.cases.length === 0 ? empty : '');
    this.message.hidden = !view.listError && view.cases.length > 0;
  }

  renderLabels(): void {
    if (this.last) this.render(this.last);
  }

  destroy(): void {
    this.el.remove();
    this.zone.remove();
    this.count.remove();
  }

  private row(c: CaseListItem, selectedId: string | null): HTMLTableRowElement {
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
      h('td', { class: 'mono', 'data-label': ct('colId') }, c.id),
      h('td', { 'data-label': ct('colCategory') }, categoryText(c.category)),
      h(
        'td',
        { 'data-label': ct('colStatus') },
        h('span', { class: 'case-status', 'data-status': c.status }, statusText(c.status)),
        c.overdue ? h('span', { class: 'case-overdue', 'data-testid': 'case-overdue-badge' }, ct('overdue')) : null,
      ),
      h(
        'td',
        { 'data-testid': 'case-row-department', 'data-label': ct('colDepartment') },
        c.department ? departmentText(c.department) : '—',
      ),
      h('td', { class: 'mono', 'data-label': ct('colReceived') }, formatCityDateTime(c.receivedAt)),
      h('td', { class: 'mono', 'data-label': ct('colDue') }, formatCityDateTime(c.sla.replyBy)),
    );
    const open = () => this.onOpen(c.id);
    tr.addEventListener('click', open);
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') open();
    });
    return tr;
  }
}
