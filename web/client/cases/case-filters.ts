/** The case list's filters: status, category, overdue ('' = all). */
import type { Panel } from '../app/panel.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import { CASE_CATEGORIES, CASE_STATUSES } from '../../../twin-model/cases/index.ts';
import { categoryText, ct, statusText } from './case-strings.ts';
import type { CaseFilter, CasesState } from './cases-state.ts';

export class CaseFilters implements Panel<CasesState> {
  private readonly status = h('select', { 'data-testid': 'cases-filter-status' });
  private readonly category = h('select', { 'data-testid': 'cases-filter-category' });
  private readonly overdue = h('select', { 'data-testid': 'cases-filter-overdue' });
  private readonly labels = { status: h('span', {}), category: h('span', {}), overdue: h('span', {}) };
  private readonly el = h(
    'form',
    { class: 'cases-filters', 'data-testid': 'cases-filters' },
    h('label', {}, this.labels.status, this.status),
    h('label', {}, this.labels.category, this.category),
    h('label', {}, this.labels.overdue, this.overdue),
  );

  /** `onChange(filter)`: the user picked another filter. */
  constructor(onChange: (filter: CaseFilter) => void) {
    for (const select of [this.status, this.category, this.overdue]) {
      select.addEventListener('change', () =>
        onChange({ status: this.status.value, category: this.category.value, overdue: this.overdue.value }),
      );
    }
    this.el.addEventListener('submit', (e) => e.preventDefault());
  }

  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  private worded = false;

  /** The options are worded at the first render and on a language change; the selects hold the user's choice. */
  render(): void {
    if (!this.worded) this.renderLabels();
  }

  renderLabels(): void {
    this.worded = true;
    setText(this.labels.status, ct('filterStatus'));
    setText(this.labels.category, ct('filterCategory'));
    setText(this.labels.overdue, ct('filterOverdue'));
    const fill = (select: HTMLSelectElement, options: Array<[string, string]>) => {
      const value = select.value;
      replaceChildren(select, ...options.map(([v, text]) => h('option', { value: v }, text)));
      select.value = value;
    };
    fill(this.status, [['', ct('all')], ...CASE_STATUSES.map((s): [string, string] => [s, statusText(s)])]);
    fill(this.category, [['', ct('all')], ...CASE_CATEGORIES.map((c): [string, string] => [c, categoryText(c)])]);
    fill(this.overdue, [
      ['', ct('all')],
      ['yes', ct('overdueYes')],
      ['no', ct('overdueNo')],
    ]);
  }

  destroy(): void {
    this.el.remove();
  }
}
