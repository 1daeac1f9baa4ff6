/**
 * The signed-in user in the top bar: name and roles, a menu with "change password" and "sign
 * out". A wall display shows a read-only badge instead (it has no password and no menu).
 */
import { changePassword, type Me } from '../backend/session.ts';
import { getLanguage, t } from '../i18n/language.ts';
import { STRINGS, type StringKey } from '../i18n/strings.ts';
import type { Panel } from '../app/panel.ts';
import { type SignOutOutcome, signOut } from '../app/sign-out.ts';
import { h, setText } from '../ui/dom.ts';
import { formatList } from '../i18n/format.ts';

/** A label's colon in the page's language: full width in Chinese. */
const colon = (): string => (getLanguage() === 'zh' ? '：' : ': ');

/** Words a refused password change by its code (policy, wrong current password, throttled). */
export function passwordErrorText(r: { error: string; details?: Record<string, unknown> }): string {
  const code = r.details?.code;
  const key = `password.error.${String(code)}` as StringKey;
  if (typeof code !== 'string' || !(key in STRINGS.zh)) return t('password.failed', { reason: r.error });
  const params: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(r.details ?? {})) if (typeof v === 'number' || typeof v === 'string') params[k] = v;
  return t(key, params);
}

/** Permissions of the operations page's tabs (web/client/ops). */
const OPS_PERMISSIONS = ['rules.read', 'notify.admin', 'oncall.read', 'shiftlog.read'];

export class UserMenu implements Panel<unknown> {
  readonly el: HTMLElement;
  private readonly button = h('button', {
    type: 'button',
    class: 'user-button',
    'data-testid': 'user-menu',
    'aria-haspopup': 'true',
    'aria-expanded': 'false',
  });
  /** The name and roles on the button (a desk); a phone shows the badge and keeps them for the menu. */
  private readonly buttonLabel = h('span', { class: 'user-button-label' });
  /** The user's initial in a round badge: the button on a phone (styles/console.css). */
  private readonly buttonBadge = h('span', { class: 'user-button-badge', 'aria-hidden': 'true' });
  private readonly menu = h('div', { class: 'user-menu', hidden: true, role: 'menu', 'data-testid': 'user-menu-list' });
  /** Who is signed in, whole, at the top of the menu (the button may be only a badge). */
  private readonly nameLine = h('div', { class: 'user-menu-name', 'data-testid': 'user-menu-name' });
  private readonly rolesLine = h('div', { class: 'user-menu-info' });
  private readonly clearanceLine = h('div', { class: 'user-menu-info' });
  private readonly passwordItem = h('button', { type: 'button', role: 'menuitem', 'data-testid': 'change-password' });
  private readonly logoutItem = h('button', { type: 'button', role: 'menuitem', 'data-testid': 'logout' });
  /** Why the sign-out did not happen (app/sign-out.ts): the session lives on, the menu stays open and says so. */
  private readonly logoutError = h('div', {
    class: 'login-error user-menu-error',
    role: 'alert',
    hidden: true,
    'data-testid': 'logout-error',
  });
  /** Why the last sign-out did not happen, or null. */
  private logoutFailed: Extract<SignOutOutcome, { signedOut: false }>['reason'] | null = null;
  private readonly kpiItem = h('a', {
    role: 'menuitem',
    href: './kpi.html',
    target: '_blank',
    rel: 'noopener',
    'data-testid': 'kpi-screen-link',
  });
  private readonly auditItem = h('a', {
    role: 'menuitem',
    href: './audit.html',
    target: '_blank',
    rel: 'noopener',
    'data-testid': 'audit-link',
  });
  private readonly casesItem = h('a', {
    role: 'menuitem',
    href: './cases.html',
    target: '_blank',
    rel: 'noopener',
    'data-testid': 'cases-link',
  });
  private readonly opsItem = h('a', {
    role: 'menuitem',
    href: './ops.html',
    target: '_blank',
    rel: 'noopener',
    'data-testid': 'ops-link',
  });
  /** The administration page (admin.html): accounts, roles, tokens, security events — admins only. */
  private readonly adminItem = h('a', {
    role: 'menuitem',
    href: './admin.html',
    target: '_blank',
    rel: 'noopener',
    'data-testid': 'admin-link',
  });
  /** The public open-data portal (open.html): no sign-in, public data only (docs/open-data.md). */
  private readonly openDataItem = h('a', {
    role: 'menuitem',
    href: './open.html',
    target: '_blank',
    rel: 'noopener',
    'data-testid': 'open-data-link',
  });
  private dialog: HTMLElement | null = null;

  constructor(private readonly me: Me) {
    const display = me.via === 'display';
    this.el = h('div', { class: 'user-area', 'data-testid': 'user-area', 'data-roles': me.roles.join(' ') }, this.button, this.menu);
    this.button.append(this.buttonBadge, this.buttonLabel);
    this.menu.append(this.nameLine, this.rolesLine, this.clearanceLine);
    if (!display && me.permissions.includes('account.manage-own')) this.menu.append(this.passwordItem);
    // The KPI big screen (kpi.html), for the roles that may read it (docs/kpi.md).
    if (me.permissions.includes('kpi.read')) this.menu.append(this.kpiItem);
    // The hotline case desk (cases.html), for those who read cases (docs/cases.md).
    if (me.permissions.includes('cases.read')) this.menu.append(this.casesItem);
    // The audit record (audit.html), for admins (docs/security.md, "Audit").
    if (me.permissions.includes('audit.read')) this.menu.append(this.auditItem);
    // The operations page (ops.html): rules, notifications, on call, the shift log — for the roles that may use one of them.
    if (!display && OPS_PERMISSIONS.some((p) => me.permissions.includes(p))) this.menu.append(this.opsItem);
    // The administration page (admin.html): accounts, roles, display tokens — for users.manage (docs/security.md).
    if (!display && me.permissions.includes('users.manage')) this.menu.append(this.adminItem);
    if (!display) this.menu.append(this.openDataItem);
    if (!display) this.menu.append(this.logoutItem, this.logoutError);
    this.button.disabled = display;
    this.button.addEventListener('click', () => this.toggle());
    this.passwordItem.addEventListener('click', () => {
      this.toggle(false);
      this.openPasswordDialog();
    });
    this.logoutItem.addEventListener('click', () => {
      this.logoutItem.disabled = true;
      void signOut().then((outcome) => {
        this.logoutItem.disabled = false;
        this.logoutFailed = outcome.signedOut ? null : outcome.reason;
        this.renderLabels();
      });
    });
    document.addEventListener('click', (e) => {
      if (!this.el.contains(e.target as Node)) this.toggle(false);
    });
    // Escape closes it, as it closes the console's other panels; the focus goes back to its button.
    document.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape' || this.menu.hidden) return;
      this.toggle(false);
      this.button.focus();
    });
    this.renderLabels();
  }

  mount(parent: HTMLElement): void {
    parent.appendChild(this.el);
  }

  /** Panel: the signed-in user does not change while the page runs. */
  render(): void {}

  destroy(): void {
    this.dialog?.remove();
    this.el.remove();
  }

  private toggle(open = this.menu.hidden): void {
    this.menu.hidden = !open;
    this.button.setAttribute('aria-expanded', String(open));
  }

  private roleNames(): string {
    return formatList(
      this.me.roles.map((r) => t(`role.${r}` as StringKey)),
      getLanguage(),
    );
  }

  renderLabels(): void {
    const display = this.me.via === 'display';
    const label = display ? t('user.display') : `${this.me.username} · ${this.roleNames()}`;
    setText(this.buttonLabel, label);
    setText(this.buttonBadge, display ? '◉' : (Array.from(this.me.username)[0] ?? '?').toUpperCase());
    setText(this.nameLine, this.me.username);
    this.button.setAttribute('aria-label', label);
    setText(this.rolesLine, `${t('user.roles')}${colon()}${this.roleNames()}`);
    setText(
      this.clearanceLine,
      `${t('user.clearance')}${colon()}${formatList(
        this.me.clearance.map((c) => t(`classification.${c}` as StringKey)),
        getLanguage(),
      )}`,
    );
    setText(this.passwordItem, t('user.changePassword'));
    setText(this.logoutItem, t('user.logout'));
    setText(this.logoutError, this.logoutFailed ? t(this.logoutFailed) : '');
    this.logoutError.hidden = this.logoutFailed === null;
    setText(this.kpiItem, t('user.kpiScreen'));
    setText(this.auditItem, t('user.auditLog'));
    setText(this.casesItem, t('user.cases'));
    setText(this.opsItem, t('user.ops'));
    setText(this.adminItem, t('user.admin'));
    setText(this.openDataItem, t('user.openData'));
    this.button.title = t('user.menu');
  }

  private openPasswordDialog(): void {
    if (this.dialog) return;
    const current = h('input', { type: 'password', autocomplete: 'current-password', maxlength: '256', 'data-testid': 'password-current' });
    const next = h('input', { type: 'password', autocomplete: 'new-password', maxlength: '256', 'data-testid': 'password-new' });
    const status = h('div', { class: 'login-error', role: 'status', hidden: true, 'data-testid': 'password-status' });
    const rules = h('p', { class: 'password-rules', 'data-testid': 'password-rules' }, t('password.rules'));
    const save = h('button', { type: 'submit', class: 'login-submit' }, t('password.save'));
    const cancel = h('button', { type: 'button', class: 'dialog-cancel' }, t('password.cancel'));
    const form = h(
      'form',
      { class: 'login-card password-card', 'data-testid': 'password-dialog' },
      h('h2', { class: 'login-title' }, t('password.title')),
      h('label', { class: 'login-field' }, h('span', {}, t('password.current')), current),
      h('label', { class: 'login-field' }, h('span', {}, t('password.new')), next),
      rules,
      status,
      h('div', { class: 'dialog-actions' }, cancel, save),
    );
    const close = () => {
      this.dialog?.remove();
      this.dialog = null;
    };
    cancel.addEventListener('click', close);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void changePassword(current.value, next.value).then((r) => {
        status.hidden = false;
        status.classList.toggle('ok', r.ok);
        setText(status, r.ok ? t('password.saved') : passwordErrorText(r));
        // Every session of the account ended, this one too; the browser now holds the new one.
        if (r.ok) window.setTimeout(() => window.location.reload(), 1200);
      });
    });
    this.dialog = h('div', { class: 'login-view dialog-backdrop' }, form);
    document.body.appendChild(this.dialog);
    current.focus();
  }
}
