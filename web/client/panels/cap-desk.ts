/**
 * The public-warning desk in the console (docs/cap.md): a top-bar button "预警审批 / Warnings"
 * with the number of drafts awaiting approval, opening the desk — drafts awaiting a second
 * person's approval (approve, or reject with a reason), approved alerts to publish, rejected ones
 * to edit, published ones to update or cancel — and the "发布预警 / Draft public warning" button
 * of an incident's detail. Controls appear only for the permissions that use them (`cap.draft`,
 * `cap.approve`); an author of a draft sees why they cannot approve it. All through the desk's
 * routes (`/api/cap/alerts…`, `/api/incidents/{id}/cap`).
 */
import type { CapRecordView } from '../../shared/cap-protocol.ts';
import type { IncidentView } from '../../shared/protocol.ts';
import type { Panel } from '../app/panel.ts';
import { jsonCall, type Me } from '../backend/session.ts';
import { formatDateTime } from '../i18n/format.ts';
import { t } from '../i18n/language.ts';
import type { StringKey } from '../i18n/strings.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import {
  capRefusalText,
  headlineOf,
  openCapCancelDialog,
  openCapDraftDialog,
  openCapEditDialog,
  openCapModal,
  openCapUpdateDialog,
  showCapError,
  showCapResult,
  type CapModal,
} from './cap-dialog.ts';
import { isCapAuthor } from './cap-form.ts';

/** How often the number of drafts awaiting approval is read again while the console is open. */
const PENDING_REFRESH_MS = 30_000;
const SECTIONS = ['draft', 'approved', 'rejected', 'published'] as const;

/** Whether the user has a use for the desk (reads it and drafts or approves). */
export function usesCapDesk(me: Me): boolean {
  return me.permissions.includes('cap.read') && (me.permissions.includes('cap.draft') || me.permissions.includes('cap.approve'));
}

export class CapDesk implements Panel<unknown> {
  readonly el = h('button', { type: 'button', class: 'cap-desk-button', 'data-testid': 'cap-desk-button' });
  private readonly canDraft: boolean;
  private readonly canApprove: boolean;
  private pending = 0;
  private timer = 0;
  private modal: CapModal | null = null;
  private list: HTMLElement | null = null;

  constructor(private readonly me: Me) {
    this.canDraft = me.permissions.includes('cap.draft');
    this.canApprove = me.permissions.includes('cap.approve');
    this.el.addEventListener('click', () => this.open());
    this.renderLabels();
    void this.refresh();
    this.timer = window.setInterval(() => void this.refresh(), PENDING_REFRESH_MS);
  }

  mount(parent: HTMLElement): void {
    parent.appendChild(this.el);
  }

  /** Panel: the desk reads its own data. */
  render(): void {}

  renderLabels(): void {
    setText(this.el, this.pending > 0 ? `${t('cap.deskButton')} · ${this.pending}` : t('cap.deskButton'));
    this.el.dataset.pending = String(this.pending);
  }

  destroy(): void {
    window.clearInterval(this.timer);
    this.modal?.close();
    this.el.remove();
  }

  /** The "发布预警" button of an incident's detail, for those who draft; null otherwise. */
  incidentSection(inc: IncidentView): HTMLElement | null {
    if (!this.canDraft) return null;
    const button = h(
      'button',
      { type: 'button', class: 'action-button cap-draft-button', 'data-testid': 'cap-draft-button' },
      t('cap.draftButton'),
    );
    button.addEventListener('click', () => openCapDraftDialog(inc, () => void this.refresh()));
    return h('div', { class: 'cap-incident' }, button);
  }

  /** Opens the desk. */
  open(): void {
    if (this.modal) return;
    this.list = h('div', { class: 'cap-desk-list', 'data-testid': 'cap-desk' });
    this.modal = openCapModal(t('cap.deskTitle'), 'cap-desk-dialog', () => {
      this.modal = null;
      this.list = null;
    });
    this.modal.card.classList.add('cap-desk-card');
    this.modal.card.append(this.list);
    void this.refresh();
  }

  /** Reads the desk: the pending count, and the open desk's lists. */
  private async refresh(): Promise<void> {
    const r = await jsonCall<CapRecordView[]>('GET', '/api/cap/alerts');
    if (!r.ok) {
      if (this.modal) showCapResult(this.modal.status, r, '');
      return;
    }
    this.pending = r.value.filter((x) => x.state === 'draft').length;
    this.renderLabels();
    if (this.list) this.drawList(r.value);
  }

  private drawList(records: CapRecordView[]): void {
    if (!this.list) return;
    const sections = SECTIONS.map((state) => {
      const rows = records.filter((x) => x.state === state).sort((a, b) => b.draftedAt - a.draftedAt);
      return h(
        'section',
        { class: 'cap-section', 'data-testid': `cap-section-${state}` },
        h('h3', {}, `${t(`cap.section.${state}` as StringKey)} (${rows.length})`),
        rows.length === 0 ? h('p', { class: 'muted' }, t('cap.empty')) : h('ul', { class: 'cap-records' }, ...rows.map((x) => this.row(x))),
      );
    });
    replaceChildren(this.list, ...sections);
  }

  private row(r: CapRecordView): HTMLElement {
    const lines = [
      `${t(`cap.msgType.${r.msgType}` as StringKey)} · ${t(`cap.status.${r.status}` as StringKey)} · ${t(`cap.severity.${r.severity}` as StringKey)} · ${r.areaDesc}`,
      t('cap.draftedBy', { who: r.draftedBy, time: formatDateTime(r.draftedAt) }),
      r.approvedBy && r.approvedAt !== null ? t('cap.approvedBy', { who: r.approvedBy, time: formatDateTime(r.approvedAt) }) : null,
      r.rejectedBy ? t('cap.rejectedBy', { who: r.rejectedBy, reason: r.rejectReason ?? '' }) : null,
      r.publishedBy && r.publishedAt !== null ? t('cap.publishedBy', { who: r.publishedBy, time: formatDateTime(r.publishedAt) }) : null,
      r.expires ? t('cap.expires', { time: formatDateTime(Date.parse(r.expires)) }) : null,
      r.incidentId ? t('cap.incident', { id: r.incidentId }) : null,
    ].filter((x): x is string => x !== null);
    const actions = h('div', { class: 'cap-actions' }, ...this.actionsFor(r));
    return h(
      'li',
      { class: 'cap-record', 'data-testid': 'cap-record', 'data-identifier': r.identifier, 'data-state': r.state },
      h('strong', { class: 'cap-headline' }, headlineOf(r)),
      ...lines.map((l) => h('div', { class: 'cap-line muted' }, l)),
      actions,
    );
  }

  private actionsFor(r: CapRecordView): HTMLElement[] {
    const out: HTMLElement[] = [];
    const refresh = () => void this.refresh();
    const author = isCapAuthor(r, this.me.username);
    if ((r.state === 'draft' || r.state === 'approved') && this.canApprove) {
      if (r.state === 'draft') {
        const approve = this.button('approve', t('cap.approve'), () => this.act(r, 'approve', {}, t('cap.done.approved')));
        // The two-person rule: an author sees why, and the server refuses it anyway (403 self_approval).
        approve.disabled = author;
        out.push(approve);
        if (author) out.push(h('span', { class: 'cap-own muted', 'data-testid': 'cap-own-draft' }, t('cap.ownDraft')));
      }
      out.push(this.rejectControls(r));
    }
    if (this.canDraft) {
      if (r.state === 'approved')
        out.push(this.button('publish', t('cap.publish'), () => this.act(r, 'publish', {}, t('cap.done.published'))));
      if (r.state === 'draft' || r.state === 'rejected') out.push(this.button('edit', t('cap.edit'), () => openCapEditDialog(r, refresh)));
      if (r.state === 'published' && r.msgType !== 'Cancel') {
        out.push(this.button('update', t('cap.update'), () => openCapUpdateDialog(r, refresh)));
        out.push(this.button('cancel', t('cap.cancel'), () => openCapCancelDialog(r, refresh)));
      }
    }
    return out;
  }

  private rejectControls(r: CapRecordView): HTMLElement {
    const reason = h('input', { type: 'text', maxlength: '500', placeholder: t('cap.reason'), 'data-testid': 'cap-reject-reason' });
    const reject = this.button('reject', t('cap.reject'), () => {
      if (reason.value.trim() === '') {
        if (this.modal) showCapError(this.modal.status, t('cap.reasonRequired'));
        return;
      }
      this.act(r, 'reject', { reason: reason.value.trim() }, t('cap.done.rejected'));
    });
    return h('span', { class: 'cap-reject' }, reason, reject);
  }

  private button(action: string, label: string, onClick: () => void): HTMLButtonElement {
    const b = h('button', { type: 'button', class: 'action-button', 'data-testid': `cap-${action}` }, label);
    b.addEventListener('click', onClick);
    return b;
  }

  private act(r: CapRecordView, action: 'approve' | 'reject' | 'publish', body: Record<string, string>, done: string): void {
    void jsonCall<CapRecordView>('POST', `/api/cap/alerts/${encodeURIComponent(r.identifier)}/${action}`, body).then((res) => {
      if (this.modal) {
        this.modal.status.hidden = false;
        this.modal.status.classList.toggle('ok', res.ok);
        setText(this.modal.status, res.ok ? done : capRefusalText(res));
      }
      void this.refresh();
    });
  }
}
