/** The case desk's header (title, the user's department, the way back, the language) and the refusal for roles without `cases.read`. */
import type { Panel } from '../app/panel.ts';
import { type SignOutOutcome, signOut } from '../app/sign-out.ts';
import { t } from '../i18n/language.ts';
import { h, setHidden, setText } from '../ui/dom.ts';
import { languageToggle } from '../ui/language-toggle.ts';
import { ct, departmentText } from './case-strings.ts';
import type { CasesState } from './cases-state.ts';

export class CasesHeader implements Panel<CasesState> {
  private readonly title = h('h1', { class: 'cases-title', 'data-testid': 'cases-title' });
  private readonly subtitle = h('p', { class: 'cases-subtitle' });
  private readonly mine = h('p', { class: 'cases-mine', 'data-testid': 'cases-mine' });
  private readonly back = h('a', { class: 'cases-back', href: './' });
  /** For an account without the live map (a department's handler) the console is this page: it signs out instead. */
  private readonly signOut = h('button', { type: 'button', class: 'cases-sign-out', 'data-testid': 'cases-sign-out', hidden: true });
  /** Why the sign-out did not happen (app/sign-out.ts): the session lives on. */
  private readonly signOutError = h('p', {
    class: 'cases-sign-out-error',
    role: 'alert',
    hidden: true,
    'data-testid': 'cases-sign-out-error',
  });
  private readonly lang = languageToggle();
  private readonly el = h(
    'header',
    { class: 'cases-header' },
    h('div', {}, this.title, this.subtitle, this.mine, this.signOutError),
    h('div', { class: 'cases-header-right' }, this.back, this.signOut, this.lang),
  );
  private last: CasesState | null = null;
  /** Why the last sign-out did not happen, or null. */
  private signOutFailed: Extract<SignOutOutcome, { signedOut: false }>['reason'] | null = null;

  constructor() {
    this.signOut.addEventListener('click', () => {
      this.signOut.disabled = true;
      void signOut().then((outcome) => {
        this.signOut.disabled = false;
        this.signOutFailed = outcome.signedOut ? null : outcome.reason;
        this.showSignOutError();
      });
    });
  }

  private showSignOutError(): void {
    setText(this.signOutError, this.signOutFailed ? t(this.signOutFailed) : '');
    setHidden(this.signOutError, this.signOutFailed === null);
  }

  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  render(view: CasesState): void {
    this.last = view;
    document.title = `CityTwin · ${ct('title')}`;
    setText(this.title, ct('title'));
    setText(this.subtitle, ct('subtitle'));
    setText(this.back, ct('back'));
    setText(this.signOut, ct('signOut'));
    // "Back to the console" would bring such an account straight back here (console-boot.ts).
    const hasConsole = view.me.permissions.includes('live.read');
    setHidden(this.back, !hasConsole);
    setHidden(this.signOut, hasConsole);
    const own = view.departments?.mine ?? null;
    const unbound = view.me.roles.includes('department') && view.departments !== null && own === null && !view.isDesk;
    setText(this.mine, own ? ct('mine', { department: departmentText(own) }) : unbound ? ct('unbound') : '');
    this.mine.hidden = !own && !unbound;
    this.showSignOutError();
  }

  renderLabels(): void {
    if (this.last) this.render(this.last);
  }

  destroy(): void {
    this.el.remove();
  }
}

/** What a role without `cases.read` sees instead of the desk. */
export class CasesDenied implements Panel<CasesState> {
  private readonly el = h('p', { class: 'cases-denied', role: 'alert', 'data-testid': 'cases-denied' });

  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  render(): void {
    this.renderLabels();
  }

  renderLabels(): void {
    setText(this.el, ct('denied'));
  }

  destroy(): void {
    this.el.remove();
  }
}
