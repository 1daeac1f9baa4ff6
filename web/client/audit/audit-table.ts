/** The audit entries: the city's time zone, how many are shown, the table, "empty", "more" and why the list failed. */
import type { Panel } from '../app/panel.ts';
import { cityOffsetLabel, formatCityDateTime } from '../i18n/format.ts';
import { getLanguage, pick, t } from '../i18n/language.ts';
import { recordActorLabel, recordDetailLabel } from '../i18n/record-details.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import type { AuditEntryView } from '../../shared/audit-protocol.ts';
import { auditActionLabel, auditStreamLabel } from './audit-labels.ts';
import type { AuditState } from './audit-state.ts';

export class AuditTable implements Panel<AuditState> {
  private readonly zoneNote = h('div', { class: 'audit-zone', 'data-testid': 'audit-timezone' });
  private readonly count = h('div', { class: 'audit-count', 'data-testid': 'audit-count' });
  private readonly heads = ['time', 'actor', 'action', 'object', 'detail'].map((k) => h('th', { scope: 'col', 'data-col': k }));
  private readonly body = h('tbody', { 'data-testid': 'audit-rows' });
  private readonly empty = h('div', { class: 'audit-empty', hidden: true, 'data-testid': 'audit-empty' });
  private readonly more = h('button', { type: 'button', class: 'audit-button secondary', hidden: true, 'data-testid': 'audit-more' });
  private readonly message = h('div', { class: 'audit-filter-error', role: 'alert', hidden: true, 'data-testid': 'audit-list-error' });
  private readonly els: HTMLElement[] = [
    h('div', { class: 'audit-meta' }, this.zoneNote, this.count),
    this.message,
    h(
      'div',
      { class: 'audit-table-wrap' },
      h('table', { class: 'audit-table phone-cards', 'data-testid': 'audit-table' }, h('thead', {}, h('tr', {}, ...this.heads)), this.body),
    ),
    this.empty,
    this.more,
  ];
  private last: AuditState | null = null;

  /** `place`: the city and its zone (the times are shown in it); `onMore()`: the user asked for the next page. */
  constructor(
    private readonly place: Pick<AuditState, 'city' | 'zone'>,
    onMore: () => void,
  ) {
    this.more.addEventListener('click', onMore);
  }

  /** The entries shown now. */
  get rowCount(): number {
    return this.body.children.length;
  }

  mount(parent: HTMLElement): void {
    parent.append(...this.els);
  }

  render(view: AuditState): void {
    this.last = view;
    replaceChildren(this.body, ...view.entries.map((e) => row(e, view)));
    this.empty.hidden = view.entries.length > 0 || view.listError !== null;
    this.more.hidden = view.next === null;
    this.message.hidden = view.listError === null;
    setText(this.message, view.listError ? t('audit.error', { reason: view.listError }) : '');
    setText(this.count, t('audit.count', { n: view.entries.length }));
  }

  renderLabels(): void {
    for (const th of this.heads) setText(th, t(`audit.col.${th.dataset.col}` as Parameters<typeof t>[0]));
    const { city, zone } = this.place;
    setText(this.zoneNote, t('audit.timezone', { city: city ? pick(city.name) : zone, zone, offset: cityOffsetLabel(Date.now(), zone) }));
    setText(this.empty, t('audit.empty'));
    setText(this.more, t('audit.more'));
    if (this.last) this.render(this.last);
  }

  destroy(): void {
    for (const el of this.els) el.remove();
  }
}

function row(e: AuditEntryView, view: AuditState): HTMLTableRowElement {
  const l = getLanguage();
  const zone = view.zone;
  // Each cell names its column: on a phone the row is a card of labelled lines (audit.css).
  const label = (col: 'time' | 'actor' | 'action' | 'object' | 'detail') => t(`audit.col.${col}`);
  return h(
    'tr',
    { 'data-testid': 'audit-row', 'data-seq': e.seq, 'data-stream': e.stream, 'data-action': e.action, 'data-actor': e.actor },
    h(
      'td',
      { class: 'mono', 'data-col': 'time', 'data-label': label('time'), title: `${zone} ${cityOffsetLabel(e.at, zone)}` },
      formatCityDateTime(e.at, zone),
    ),
    h('td', { 'data-col': 'actor', 'data-label': label('actor') }, e.actor ? recordActorLabel(e.actor, l) : '—'),
    h(
      'td',
      { 'data-col': 'action', 'data-label': label('action') },
      h('span', { class: 'audit-stream', 'data-stream': e.stream }, auditStreamLabel(e.stream, l)),
      ' ',
      auditActionLabel(e.stream, e.action, l),
    ),
    h('td', { 'data-col': 'object', 'data-label': label('object'), class: 'mono' }, e.object || '—'),
    h('td', { 'data-col': 'detail', 'data-label': label('detail') }, detailText(e, view, l)),
  );
}

/**
 * The detail in words; a field account's unit by its name in the page's language, a case account's
 * department in English when the department register has its English name (what is recorded is
 * the unit's id, the department's Chinese name).
 */
function detailText(e: AuditEntryView, view: AuditState, l: 'zh' | 'en'): string {
  const unit = e.action === 'field_unit' ? view.unitNames.get(e.detail) : undefined;
  if (unit) return unit[l];
  const departmentEn = e.action === 'case_department' && l === 'en' ? view.departmentNamesEn.get(e.detail) : undefined;
  return departmentEn ?? recordDetailLabel(e.stream, e.action, e.detail, l);
}
