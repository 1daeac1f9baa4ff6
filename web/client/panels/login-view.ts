/**
 * The login page: a centred card over the dark console background, zh-CN by default with the
 * same 中文/EN toggle as the console. Resolves once the server accepted the credentials (the
 * session cookie is then set). Errors say what the server said: wrong credentials, throttled.
 */
import { onLanguageChange, t } from '../i18n/language.ts';
import { login } from '../backend/session.ts';
import { h, setText } from '../ui/dom.ts';
import { languageToggle } from '../ui/language-toggle.ts';
import { mark, TIMING_MARKS } from '../timing-marks.ts';

/** Words a refused sign-in from the server's status and code (the server's sentence as a fallback). */
export function loginErrorText(result: { status: number; error: string; details?: Record<string, unknown> }): string {
  if (result.status === 401) return t('login.wrong');
  if (result.status === 429) {
    const seconds = Number(result.details?.retryAfterS ?? 0);
    return result.details?.locked === true
      ? t('login.locked', { minutes: Math.max(1, Math.ceil(seconds / 60)) })
      : t('login.throttled', { seconds: Math.max(1, seconds) });
  }
  if (result.status === 403) return t('login.refused', { reason: result.error });
  return t('login.failed', { reason: result.error });
}

export class LoginView {
  readonly el: HTMLElement;
  private readonly title = h('h1', { class: 'login-title' });
  private readonly subtitle = h('p', { class: 'login-subtitle' });
  private readonly userLabel = h('span', {});
  private readonly passLabel = h('span', {});
  private readonly user = h('input', {
    type: 'text',
    name: 'username',
    autocomplete: 'username',
    required: true,
    maxlength: '64',
    'data-testid': 'login-username',
  });
  private readonly pass = h('input', {
    type: 'password',
    name: 'password',
    autocomplete: 'current-password',
    required: true,
    maxlength: '256',
    'data-testid': 'login-password',
  });
  private readonly submit = h('button', { type: 'submit', class: 'login-submit', 'data-testid': 'login-submit' });
  private readonly error = h('div', { class: 'login-error', role: 'alert', hidden: true, 'data-testid': 'login-error' });
  private readonly footer = h('p', { class: 'login-footer' });
  /** The public open-data portal needs no sign-in: shown where someone without an account lands. */
  private readonly openData = h('a', { class: 'login-open-data', href: './open.html', 'data-testid': 'open-data-link' });
  private readonly lang = languageToggle('login-lang');
  private readonly off: () => void;
  private notice: string | null;

  constructor(parent: HTMLElement, notice: string | null = null) {
    this.notice = notice;
    const form = h(
      'form',
      { class: 'login-card', 'data-testid': 'login-form', novalidate: true },
      h('div', { class: 'login-head' }, h('span', { class: 'brand-mark' }, 'CityTwin'), this.lang),
      this.title,
      this.subtitle,
      h('label', { class: 'login-field' }, this.userLabel, this.user),
      h('label', { class: 'login-field' }, this.passLabel, this.pass),
      this.error,
      this.submit,
      this.footer,
      this.openData,
    );
    this.el = h('div', { class: 'login-view', 'data-testid': 'login-view' }, form);
    parent.appendChild(this.el);
    this.off = onLanguageChange(() => this.renderLabels());
    this.renderLabels();
    if (notice) this.showError(notice);
    form.addEventListener('submit', (e) => e.preventDefault());
    this.user.focus();
  }

  /** Calls `listener` once, when the user first types into the form (or a password manager fills it). */
  onFirstInput(listener: () => void): void {
    this.el.querySelector('form')!.addEventListener('input', () => listener(), { once: true });
  }

  /** Waits for a successful sign-in, then removes the view. */
  run(): Promise<void> {
    return new Promise((resolve) => {
      this.el.querySelector('form')!.addEventListener('submit', () => {
        void this.attempt().then((ok) => {
          if (!ok) return;
          this.off();
          this.el.remove();
          resolve();
        });
      });
    });
  }

  private async attempt(): Promise<boolean> {
    const username = this.user.value.trim();
    const password = this.pass.value;
    if (!username || !password) {
      (username ? this.pass : this.user).focus();
      return false;
    }
    this.submit.disabled = true;
    setText(this.submit, t('login.busy'));
    mark(TIMING_MARKS.signIn);
    const result = await login(username, password);
    this.submit.disabled = false;
    setText(this.submit, t('login.submit'));
    if (result.ok) return true;
    this.pass.value = '';
    this.pass.focus();
    this.notice = null;
    this.showError(loginErrorText(result));
    return false;
  }

  private showError(text: string): void {
    this.error.hidden = false;
    setText(this.error, text);
  }

  private renderLabels(): void {
    document.title = `CityTwin · ${t('login.title')}`;
    setText(this.title, t('login.title'));
    setText(this.subtitle, t('login.subtitle'));
    setText(this.userLabel, t('login.username'));
    setText(this.passLabel, t('login.password'));
    setText(this.submit, t('login.submit'));
    setText(this.footer, t('login.footer'));
    setText(this.openData, t('login.openData'));
    this.lang.title = t('lang.toggle');
    if (this.notice) this.showError(this.notice);
  }
}
