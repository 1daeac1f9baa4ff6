/** The field page's header: the title, the crew's unit and its status, the language and sign-out. */
import type { Panel } from '../app/panel.ts';
import { type SignOutOutcome, signOut } from '../app/sign-out.ts';
import { unitKindLabel, unitStatusLabel } from '../i18n/labels.ts';
import { getLanguage, pick, t } from '../i18n/language.ts';
import { h, setText } from '../ui/dom.ts';
import { languageToggle } from '../ui/language-toggle.ts';
import { ft } from './field-strings.ts';
import type { FieldState } from './field-state.ts';

export class FieldHeader implements Panel<FieldState> {
  private readonly title = h('h1', { class: 'field-title', 'data-testid': 'field-title' });
  private readonly unitName = h('div', { class: 'field-unit-name', 'data-testid': 'field-unit' });
  private readonly unitStatus = h('div', { class: 'field-unit-status', 'data-testid': 'field-unit-status' });
  private readonly lang = languageToggle('field-lang');
  private readonly signOut = h('button', { type: 'button', class: 'field-small-button', 'data-testid': 'sign-out' });
  /** Why the sign-out did not happen (app/sign-out.ts): the session lives on, the page stays and says so, the page's width under the header. */
  private readonly signOutError = h('p', { class: 'field-sign-out-error', role: 'alert', hidden: true, 'data-testid': 'sign-out-error' });
  private readonly el = h(
    'header',
    { class: 'field-header' },
    h('div', { class: 'field-header-text' }, this.title, this.unitName, this.unitStatus),
    h('div', { class: 'field-header-buttons' }, this.lang, this.signOut),
  );
  /** Why the last sign-out did not happen, or null. */
  private signOutFailed: Extract<SignOutOutcome, { signedOut: false }>['reason'] | null = null;

  constructor() {
    this.signOut.addEventListener('click', () => {
      this.signOut.disabled = true;
      void signOut().then((outcome) => {
        this.signOut.disabled = false;
        this.signOutFailed = outcome.signedOut ? null : outcome.reason;
        this.renderLabels();
      });
    });
  }

  mount(parent: HTMLElement): void {
    parent.append(this.el, this.signOutError);
  }

  render(view: FieldState): void {
    document.documentElement.lang = getLanguage() === 'zh' ? 'zh-CN' : 'en';
    document.title = `CityTwin · ${ft('title')}`;
    this.renderLabels();
    const unit = view.assignment?.unit ?? null;
    const name = unit ? pick({ zh: unit.nameZh, en: unit.nameEn }) : '';
    const kind = unit ? unitKindLabel(unit.kind) : '';
    // Unbound: the account's name, for the administrator who binds it.
    setText(
      this.unitName,
      !unit ? (view.assignment ? view.me.username : '') : name.toLowerCase().includes(kind.toLowerCase()) ? name : `${name} · ${kind}`,
    );
    setText(this.unitStatus, unit ? `${ft('unitStatus')}：${unitStatusLabel(unit.status)}` : '');
    this.unitStatus.dataset.status = unit?.status ?? '';
  }

  renderLabels(): void {
    setText(this.title, ft('title'));
    setText(this.signOut, ft('signOut'));
    setText(this.signOutError, this.signOutFailed ? t(this.signOutFailed) : '');
    this.signOutError.hidden = this.signOutFailed === null;
  }

  destroy(): void {
    this.el.remove();
    this.signOutError.remove();
  }
}

/** The line above the assignment: loading, a failed read, an unbound account, or — without `field.unit` — why the page shows nothing. */
export class FieldMessage implements Panel<FieldState> {
  private readonly el = h('p', { class: 'field-message', role: 'status', 'data-testid': 'field-message' });

  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  render(view: FieldState): void {
    const { assignment, loadError } = view;
    setText(this.el, loadError ? ft('error', { reason: loadError }) : !assignment ? ft('loading') : !assignment.unit ? ft('unbound') : '');
    this.el.hidden = this.el.textContent === '';
  }

  /** Without `field.unit` the message is only the refusal (render is not called). */
  renderLabels(): void {
    setText(this.el, ft('denied'));
  }

  destroy(): void {
    this.el.remove();
  }
}
