/** The status buttons (出发 / 到达现场 / 返回 / 待命可用): enabled for the statuses the dispatch rules allow now; and the outcome of the last change. */
import type { Panel } from '../app/panel.ts';
import { h, setText } from '../ui/dom.ts';
import { FIELD_STATUSES, type FieldStatus } from '../../shared/field-protocol.ts';
import { ft } from './field-strings.ts';
import type { FieldState } from './field-state.ts';

export class FieldActions implements Panel<FieldState> {
  private readonly head = h('h2', { class: 'field-section-title' });
  private readonly buttons = new Map<FieldStatus, HTMLButtonElement>();
  private readonly feedback = h('p', { class: 'field-feedback', role: 'alert', 'data-testid': 'field-feedback' });
  private readonly el: HTMLElement;

  /** `onStatus(to)`: the crew asked for status `to`. */
  constructor(onStatus: (to: FieldStatus) => void) {
    for (const s of FIELD_STATUSES) {
      const b = h('button', { type: 'button', class: 'field-status-button', 'data-status': s, 'data-testid': `status-${s}` });
      b.addEventListener('click', () => onStatus(s));
      this.buttons.set(s, b);
    }
    this.el = h(
      'section',
      { class: 'field-actions' },
      this.head,
      h('div', { class: 'field-buttons' }, ...this.buttons.values()),
      this.feedback,
    );
  }

  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  render(view: FieldState): void {
    setText(this.head, ft('setStatus'));
    const state = view.assignment;
    const unit = state?.unit ?? null;
    for (const [s, b] of this.buttons) {
      setText(b, ft(`status.${s}`));
      const allowed = Boolean(state?.next.includes(s));
      b.disabled = view.busy || !allowed;
      b.classList.toggle('is-current', unit?.status === s);
      b.setAttribute('aria-pressed', String(unit?.status === s));
    }
    for (const b of this.buttons.values()) b.hidden = !unit;
    this.head.hidden = !unit;
    setText(this.feedback, view.notice?.text ?? '');
    this.feedback.classList.toggle('is-error', view.notice ? !view.notice.ok : false);
  }

  /** Worded again by the page's render. */
  renderLabels(): void {}

  destroy(): void {
    this.el.remove();
  }
}
