/** The open case: its head, the notice of the last command, its fields, its actions and its history on a timeline. */
import type { Panel } from '../app/panel.ts';
import { incidentTypeLabel } from '../i18n/incident-labels.ts';
import { formatCityDateTime } from '../i18n/format.ts';
import { h, replaceChildren } from '../ui/dom.ts';
import type { CaseView } from '../../../twin-model/cases/index.ts';
import { actionPanel, type CommandBody } from './case-actions.ts';
import { actorText, categoryText, ct, departmentText, statusText, wordOf, type CaseStringKey } from './case-strings.ts';
import type { CasesState } from './cases-state.ts';

type Input = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
const INPUTS = '[data-testid^="case-input-"]';

export class CaseDetail implements Panel<CasesState> {
  private readonly el = h('section', { class: 'cases-detail', 'data-testid': 'case-detail', 'aria-live': 'polite' });
  private last: CasesState | null = null;

  /** `run(body)`: the user sent a command on the open case. */
  constructor(private readonly run: (body: CommandBody) => void) {}

  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  /** Redraws the detail keeping what the user was typing (a live update may redraw it meanwhile). */
  render(view: CasesState): void {
    this.last = view;
    const typed = new Map<string, string>();
    for (const el of this.el.querySelectorAll<Input>(INPUTS)) typed.set(el.dataset.testid!, el.value);
    this.draw(view);
    for (const el of this.el.querySelectorAll<Input>(INPUTS)) {
      const value = typed.get(el.dataset.testid!);
      if (value !== undefined) el.value = value;
    }
  }

  renderLabels(): void {
    if (this.last) this.render(this.last);
  }

  destroy(): void {
    this.el.remove();
  }

  private draw(view: CasesState): void {
    const { detail, notice } = view;
    if (!detail) {
      replaceChildren(this.el, h('p', { class: 'cases-muted' }, ct('select')));
      return;
    }
    const c = detail.case;
    replaceChildren(
      this.el,
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
      h('div', { class: 'case-fields' }, ...caseFields(c, detail.proposal)),
      actionPanel(view, c, this.run),
      h('h3', {}, ct('timeline')),
      h('ol', { class: 'case-timeline', 'data-testid': 'case-timeline' }, ...c.history.map(historyLine)),
    );
  }
}

function field(labelKey: CaseStringKey, value: string | null | undefined, testId: string): HTMLElement | null {
  if (value === undefined || value === null || value === '') return null;
  return h('div', { class: 'case-field', 'data-testid': testId }, h('span', { class: 'case-label' }, ct(labelKey)), h('span', {}, value));
}

function caseFields(c: CaseView, proposal: NonNullable<CasesState['detail']>['proposal']): Array<HTMLElement | null> {
  return [
    field('text', c.text, 'case-text'),
    field('address', c.address, 'case-address'),
    c.caller ? field('caller', [c.caller.name, c.caller.phone].filter(Boolean).join(' · '), 'case-caller') : null,
    field('place', `${c.lng.toFixed(5)}, ${c.lat.toFixed(5)}${c.placeExact ? '' : ` (${ct('placeCoarse')})`}`, 'case-place'),
    field('department', c.department ? departmentText(c.department) : null, 'case-department'),
    field('received', formatCityDateTime(c.receivedAt), 'case-received'),
    c.sla.acceptBy !== null ? field('acceptBy', formatCityDateTime(c.sla.acceptBy), 'case-accept-by') : null,
    field('replyBy', formatCityDateTime(c.sla.replyBy), 'case-reply-by'),
    field('reply', c.replyText, 'case-reply'),
    c.satisfaction !== null ? field('satisfaction', ct('satisfaction', { n: c.satisfaction }), 'case-satisfaction') : null,
    c.repeatCount > 0 ? field('repeatLabel', ct('repeat', { n: c.repeatCount }), 'case-repeat') : null,
    c.incident ? field('incidentLabel', ct('incident', { id: c.incident.incidentId }), 'case-incident') : null,
    proposal?.kind === 'join' ? field('proposalLabel', ct('proposalJoin', { id: proposal.incidentId }), 'case-proposal') : null,
    proposal?.kind === 'open'
      ? field('proposalLabel', ct('proposalOpen', { type: incidentTypeLabel(proposal.incidentType) }), 'case-proposal')
      : null,
  ];
}

function historyLine(entry: CaseView['history'][number]): HTMLElement {
  const what = wordOf(`what.${entry.what}`, entry.what);
  const p = entry.params;
  const extra: string[] = [];
  if (entry.what === 'assigned' && typeof p.department === 'string') extra.push(`→ ${departmentText(p.department)}`);
  if (entry.what === 'overdue' && typeof p.stage === 'string') extra.push(wordOf(`stage.${p.stage}`, p.stage));
  if (entry.what === 'feedback' && typeof p.satisfaction === 'number') extra.push(ct('satisfaction', { n: p.satisfaction }));
  if (entry.what === 'incident_linked' && typeof p.incidentId === 'string') extra.push(p.incidentId);
  const who = actorText(entry.actor);
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
