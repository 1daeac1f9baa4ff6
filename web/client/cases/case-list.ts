/** The case list: the city's time zone, how many match, the table of cases and why it is empty. */
import type { Panel } from '../app/panel.ts';
import type { Language } from '../i18n/language.ts';
import { cityOffsetLabel, formatCityDateTime, shownTimeZone } from '../i18n/format.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import type { CaseListItem } from '../../shared/case-protocol.ts';
import { categoryText, ct, statusText, type CaseStringKey } from './case-strings.ts';
import type { CasesState } from './cases-state.ts';

/** The note above the list: the zone the times are in, e.g. "Asia/Kolkata, UTC+5:30" (the city's, from GET /api/city). */
export function casesZoneNote(zone: string, atMs: number, lang?: Language): string {
  return ct('timezone', { zone: `${zone}, ${cityOffsetLabel(atMs, zone)}` }, lang);
}

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
    h('table', { class: 'cases-table', 'data-testid': 'cases-table' }, h('thead', {}, h('tr', {}, ...this.heads)), this.rows),
    // Why the table is empty (or failed) reads under its header, where the rows would be.
    this.message,
  );
  private last: CasesState | null = null;

  /** `onOpen(id)`: the user opened a case (click or Enter on its row). */
  constructor(private readonly onOpen: (id: string) => void) {}

  /** Mounts the list; the zone and the count go above it, where the page puts them. */
  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  render(view: CasesState): void {
    this.last = view;
    setText(this.zone, casesZoneNote(shownTimeZone() ?? Intl.DateTimeFormat().resolvedOptions().timeZone, Date.now()));
    for (const th of this.heads) setText(th, ct(th.dataset.col as CaseStringKey));
    replaceChildren(this.rows, ...view.cases.map((c) => this.row(c, view.selectedId)));
    setText(this.count, ct('count', { n: view.total }));
    setText(this.message, view.listError ? ct('error', { reason: view.listError }) : view.cases.length === 0 ? ct('empty') : '');
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
    const open = () => this.onOpen(c.id);
    tr.addEventListener('click', open);
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') open();
    });
    return tr;
  }
}
