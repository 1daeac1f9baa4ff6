/** The verification of the record: its outcome, the chain and the last signed checkpoint, every problem found. */
import type { Panel } from '../app/panel.ts';
import { cityOffsetLabel, formatCityDateTime } from '../i18n/format.ts';
import { getLanguage, t } from '../i18n/language.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import type { AuditVerificationView } from '../../shared/audit-protocol.ts';
import { auditProblemLabel } from './audit-labels.ts';
import type { AuditState } from './audit-state.ts';

export class AuditStatusPanel implements Panel<AuditState> {
  private readonly line = h('div', { class: 'audit-status-line', 'data-testid': 'audit-status-line' });
  private readonly detail = h('div', { class: 'audit-status-detail', 'data-testid': 'audit-status-detail' });
  private readonly problems = h('ul', { class: 'audit-problems', 'data-testid': 'audit-problems' });
  private readonly verifyButton = h('button', { type: 'button', class: 'audit-button', 'data-testid': 'audit-verify' });
  private readonly el = h(
    'section',
    { class: 'audit-status', 'data-testid': 'audit-status', role: 'status', 'data-state': 'checking' },
    h('div', { class: 'audit-status-head' }, this.line, this.verifyButton),
    this.detail,
    this.problems,
  );
  private last: AuditState | null = null;

  /** `onVerify()`: the user asked for the record to be verified again. */
  constructor(onVerify: () => void) {
    this.verifyButton.addEventListener('click', onVerify);
  }

  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  render(view: AuditState): void {
    this.last = view;
    const { status } = view;
    this.el.dataset.state = status;
    this.verifyButton.disabled = status === 'checking';
    setText(this.verifyButton, status === 'checking' ? t('audit.verifying') : t('audit.verify'));
    replaceChildren(this.problems);
    if (status === 'checking') {
      setText(this.line, t('audit.verifying'));
      setText(this.detail, '');
      return;
    }
    if (status === 'error' || !view.verification) {
      setText(this.line, t('audit.error', { reason: view.verifyError ?? '' }));
      setText(this.detail, '');
      return;
    }
    const v = view.verification;
    setText(this.line, v.ok ? t('audit.ok') : t('audit.failed', { n: v.problems.length }));
    setText(this.detail, detailText(v, view.zone));
    for (const p of v.problems) {
      this.problems.append(
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

  renderLabels(): void {
    if (this.last) this.render(this.last);
  }

  destroy(): void {
    this.el.remove();
  }
}

/** The chain, how many entries and dispatch rows were checked, and the last signed checkpoint. */
function detailText(v: AuditVerificationView, zone: string): string {
  const own = v.chains.find((c) => c.chain === v.chain);
  const last = v.checkpoints.last;
  return last
    ? t('audit.okDetail', {
        chain: v.chain ?? '?',
        entries: own?.checked ?? 0,
        dispatch: v.dispatch.checked,
        seq: last.seq,
        time: `${formatCityDateTime(last.at, zone)} (${cityOffsetLabel(last.at, zone)})`,
      })
    : `${t('audit.okDetail', { chain: v.chain ?? '?', entries: own?.checked ?? 0, dispatch: v.dispatch.checked, seq: '—', time: '—' })} · ${t('audit.noCheckpoint')}`;
}
