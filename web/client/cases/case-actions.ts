/**
 * The open case's commands as big buttons, with the inputs they need (department, reason, reply,
 * comment). Which commands show follows the status and the seat; the server decides in the end.
 */
import { h } from '../ui/dom.ts';
import type { CaseView } from '../../../twin-model/cases/index.ts';
import { ct, departmentText } from './case-strings.ts';
import type { CasesState } from './cases-state.ts';

export type Command = 'assign' | 'override' | 'accept' | 'return' | 'reply' | 'close' | 'feedback' | 'reopen' | 'link_incident';

/** A command's body for `POST /api/cases/{id}/commands`. */
export type CommandBody = Record<string, unknown>;

/** The commands the status allows for this seat (the server decides in the end). */
export function commandsFor(view: CasesState, c: CaseView): Command[] {
  if (!view.canAct) return [];
  const { isDesk, detail } = view;
  const own = view.departments?.mine ?? null;
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
    (isDesk || view.me.roles.includes('operator')) &&
    detail?.proposal?.kind === 'join' &&
    c.incident?.incidentId !== detail.proposal.incidentId
  )
    out.push('link_incident');
  return out;
}

interface CommandInputs {
  department: HTMLSelectElement;
  reason: HTMLTextAreaElement;
  reply: HTMLTextAreaElement;
  comment: HTMLInputElement;
}

/** The actions of case `c`; `run(body)` sends a command. */
export function actionPanel(view: CasesState, c: CaseView, run: (body: CommandBody) => void): HTMLElement {
  const commands = commandsFor(view, c);
  const panel = h('div', { class: 'case-actions', 'data-testid': 'case-actions' }, h('h3', {}, ct('actions')));
  if (commands.length === 0) {
    panel.append(h('p', { class: 'cases-muted' }, ct('noActions')));
    return panel;
  }
  const inputs: CommandInputs = {
    department: h('select', { 'data-testid': 'case-input-department' }),
    reason: h('textarea', { rows: 2, maxlength: 500, 'data-testid': 'case-input-reason' }),
    reply: h('textarea', { rows: 4, maxlength: 2000, 'data-testid': 'case-input-reply' }),
    comment: h('input', { type: 'text', maxlength: 500, 'data-testid': 'case-input-comment' }),
  };
  for (const d of view.departments?.departments ?? []) inputs.department.append(h('option', { value: d }, departmentText(d)));
  const needs = new Set(commands);
  const labelled = (key: Parameters<typeof ct>[0], input: HTMLElement) =>
    panel.append(h('label', { class: 'case-input' }, h('span', {}, ct(key)), input));
  if (needs.has('assign') || needs.has('override')) labelled('department', inputs.department);
  if (needs.has('reply')) labelled('replyLabel', inputs.reply);
  if (needs.has('return') || needs.has('override') || needs.has('reopen') || needs.has('assign')) labelled('reasonLabel', inputs.reason);
  if (needs.has('feedback')) labelled('commentLabel', inputs.comment);
  const buttons = h('div', { class: 'case-buttons' });
  for (const command of commands) buttons.append(...commandButtons(view, command, inputs, run));
  panel.append(buttons);
  return panel;
}

/** The button of a command (five for feedback: one per satisfaction score). */
function commandButtons(view: CasesState, command: Command, inputs: CommandInputs, run: (body: CommandBody) => void): HTMLElement[] {
  if (command === 'feedback') {
    return [1, 2, 3, 4, 5].map((n) => {
      const b = h(
        'button',
        { type: 'button', class: 'case-button', 'data-testid': `case-cmd-feedback-${n}` },
        `${ct('cmd.feedback')} ${n}★`,
      );
      const comment = inputs.comment;
      b.addEventListener('click', () =>
        run({ command: 'feedback', satisfaction: n, ...(comment.value.trim() ? { comment: comment.value } : {}) }),
      );
      return b;
    });
  }
  const b = h('button', { type: 'button', class: 'case-button', 'data-testid': `case-cmd-${command}` }, ct(`cmd.${command}`));
  b.addEventListener('click', () => {
    const body = commandBody(view, command, inputs);
    if (body) run(body);
  });
  return [b];
}

/** The body of a command from what the inputs hold now, or null when there is nothing to send. */
function commandBody(view: CasesState, command: Command, inputs: CommandInputs): CommandBody | null {
  const r = inputs.reason.value.trim();
  switch (command) {
    case 'assign':
      return { command, department: inputs.department.value, ...(r ? { reason: r } : {}) };
    case 'override':
      return { command, department: inputs.department.value, reason: inputs.reason.value };
    case 'return':
    case 'reopen':
      return { command, reason: inputs.reason.value };
    case 'reply':
      return { command, text: inputs.reply.value };
    case 'link_incident':
      return view.detail?.proposal?.kind === 'join' ? { command, incidentId: view.detail.proposal.incidentId } : null;
    default:
      return { command };
  }
}
