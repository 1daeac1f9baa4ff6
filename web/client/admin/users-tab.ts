/**
 * The accounts tab of the administration page: every account with its roles, its department or
 * unit binding, whether it is disabled and when it last signed in (its newest sign-in session,
 * from `GET /api/auth/tokens?all=1`); a form to create one; and, for the account chosen, its
 * roles, disabling and enabling, a password reset shown once, and the binding of a department
 * handler to its department and of a field crew to its unit. Refusals are shown at the field
 * the server names.
 */
import { jsonCall } from '../backend/session.ts';
import { button, card, cityTime, fill, messageLine, say, table, type OpsTab } from '../ops/ops-ui.ts';
import { getLanguage } from '../i18n/language.ts';
import { h, setText } from '../ui/dom.ts';
import {
  copyText,
  FieldErrors,
  listDepartments,
  listTokens,
  listUnitBindings,
  listUnits,
  listUsers,
  randomPassword,
  refusalField,
  refusalText,
  type UserInfo,
} from './admin-api.ts';
import { ROLES } from '../../shared/roles.ts';
import { type AdminStringKey, at, roleName } from './admin-strings.ts';
import { formatList } from '../i18n/format.ts';

/** A text that follows the language: its element and the key it shows. */
type Labels = Array<() => void>;

function label<K extends keyof HTMLElementTagNameMap>(list: Labels, tag: K, key: AdminStringKey, attrs = {}): HTMLElementTagNameMap[K] {
  const el = h(tag, attrs);
  list.push(() => setText(el, at(key)));
  return el;
}

/** Role check boxes; `checked()` lists the ticked ones in the server's order. */
function roleBoxes(labels: Labels, testid: string, ticked: readonly string[] = []) {
  const boxes = ROLES.map((r) => {
    const input = h('input', { type: 'checkbox', value: r, 'data-role': r, checked: ticked.includes(r) });
    const text = h('span', {});
    labels.push(() => setText(text, roleName(r)));
    return { input, el: h('label', { class: 'ops-check' }, input, text) };
  });
  const el = h('div', { class: 'admin-roles', 'data-testid': testid }, ...boxes.map((b) => b.el));
  return { el, checked: () => boxes.filter((b) => b.input.checked).map((b) => b.input.value), first: boxes[0]!.input };
}

export class UsersTab implements OpsTab {
  readonly el: HTMLElement;
  private users: UserInfo[] | null = null;
  private lastSignIn = new Map<string, number>();
  private departments: string[] | null = null;
  private departmentOf = new Map<string, string>();
  private departmentNamesEn = new Map<string, string>();
  private units: Array<{ id: string; nameZh: string; nameEn: string }> | null = null;
  private unitOf = new Map<string, string>();
  private bindingProblems: string[] = [];
  private selected: string | null = null;
  private readonly labels: Labels = [];
  private editorLabels: Labels = [];
  private readonly listHeading = h('h2', {});
  private readonly listBox = h('div', { 'data-testid': 'users-list' });
  private readonly listMessage = messageLine('users-message');
  private readonly editor = h('section', { class: 'ops-card', hidden: true, 'data-testid': 'user-editor' });
  /** The chosen account's message line and its one-time password box (redrawn with the editor). */
  private editorMessage: HTMLElement | null = null;
  private editorOnce: HTMLElement | null = null;
  private readonly form = this.createForm();

  constructor() {
    const refresh = button('users-refresh', 'secondary');
    this.labels.push(() => setText(refresh, at('refresh')));
    refresh.addEventListener('click', () => void this.load());
    this.el = h(
      'div',
      { class: 'ops-grid admin-users', 'data-testid': 'users-tab' },
      card('users-card', h('div', { class: 'admin-card-head' }, this.listHeading, refresh), this.listMessage, this.listBox),
      h('div', { class: 'admin-side' }, this.editor, this.form),
    );
  }

  async load(): Promise<void> {
    const [users, tokens, departments, unitBindings, units] = await Promise.all([
      listUsers(),
      listTokens(),
      listDepartments(),
      listUnitBindings(),
      listUnits(),
    ]);
    if (!users.ok) {
      say(this.listMessage, at('loadFailed', { reason: users.error }), 'error');
      return;
    }
    say(this.listMessage, '');
    this.users = users.value;
    this.lastSignIn.clear();
    if (tokens.ok)
      for (const t of tokens.value)
        if (t.kind === 'session' && t.createdAt > (this.lastSignIn.get(t.owner) ?? 0)) this.lastSignIn.set(t.owner, t.createdAt);
    this.bindingProblems = [];
    if (departments.ok) {
      this.departments = departments.value.departments;
      this.departmentOf = new Map((departments.value.bindings ?? []).map((b) => [b.username, b.department]));
      this.departmentNamesEn = new Map((departments.value.namesEn ?? []).map((n) => [n.department, n.nameEn]));
    } else this.bindingProblems.push(at('users.noDepartments', { reason: departments.error }));
    if (unitBindings.ok && units.ok) {
      this.units = units.value.map((u) => ({ id: u.id, nameZh: u.nameZh, nameEn: u.nameEn }));
      this.unitOf = new Map(unitBindings.value.bindings.map((b) => [b.username, b.unitId]));
    } else this.bindingProblems.push(at('users.noUnits', { reason: unitBindings.ok ? (units.ok ? '' : units.error) : unitBindings.error }));
    if (this.selected) this.openEditor(this.selected);
    this.render();
  }

  render(): void {
    for (const l of this.labels) l();
    for (const l of this.editorLabels) l();
    setText(this.listHeading, at('users.list', { n: this.users?.length ?? 0 }));
    if (!this.users) {
      fill(this.listBox, h('p', { class: 'ops-muted' }, at('loading')));
      return;
    }
    fill(
      this.listBox,
      table(
        'users-table',
        [
          at('users.col.user'),
          at('users.col.roles'),
          at('users.col.binding'),
          at('users.col.state'),
          at('users.col.lastSignIn'),
          at('users.col.actions'),
        ],
        this.users.map((u) => this.row(u)),
        { phoneCards: true },
      ),
    );
  }

  private row(u: UserInfo): HTMLElement {
    const manage = button(`user-manage-${u.username}`, 'secondary');
    setText(manage, at('users.edit'));
    const open = () => {
      this.openEditor(u.username);
      this.render();
      this.editor.scrollIntoView({ block: 'nearest' });
    };
    manage.addEventListener('click', open);
    // The name opens the account too: on a phone the actions column is off to the side.
    const name = h('button', { type: 'button', class: 'admin-user-link mono', 'data-testid': `user-open-${u.username}` }, u.username);
    name.addEventListener('click', open);
    const department = this.departmentOf.get(u.username);
    const unitId = this.unitOf.get(u.username);
    const binding = [department && this.departmentName(department), unitId && this.unitName(unitId)].filter(Boolean).join(' · ');
    const last = this.lastSignIn.get(u.username);
    return h(
      'tr',
      {
        'data-testid': 'user-row',
        'data-user': u.username,
        'data-disabled': String(u.disabled),
        'aria-selected': String(u.username === this.selected),
      },
      h('td', {}, name, u.displayName !== u.username ? h('div', { class: 'ops-muted' }, u.displayName) : null),
      h('td', { 'data-testid': 'user-roles' }, formatList(u.roles.map(roleName), getLanguage())),
      h('td', { 'data-testid': 'user-binding', 'data-unit': unitId ?? '', title: unitId ?? '' }, binding || '—'),
      h('td', { class: u.disabled ? 'ops-bad' : '' }, u.disabled ? at('users.disabled') : at('users.enabled')),
      h('td', { class: 'mono' }, last ? cityTime(last) : at('users.never')),
      h('td', {}, manage),
    );
  }

  /** The form that creates an account. */
  private createForm(): HTMLElement {
    const L = this.labels;
    const username = h('input', { type: 'text', name: 'username', autocomplete: 'off', maxlength: '32', 'data-testid': 'new-username' });
    const displayName = h('input', { type: 'text', name: 'displayName', maxlength: '100', 'data-testid': 'new-display-name' });
    const password = h('input', {
      type: 'text',
      name: 'password',
      autocomplete: 'new-password',
      maxlength: '256',
      'data-testid': 'new-password',
    });
    const roles = roleBoxes(L, 'new-roles');
    const general = messageLine('new-user-message');
    const errors = new FieldErrors(general);
    const generate = button('new-password-generate', 'secondary');
    L.push(() => setText(generate, at('users.generate')));
    generate.addEventListener('click', () => {
      password.value = randomPassword();
    });
    const submit = h('button', { type: 'submit', class: 'ops-button primary', 'data-testid': 'new-user-submit' });
    L.push(() => setText(submit, at('users.create')));
    const form = h(
      'form',
      { class: 'ops-card admin-form', 'data-testid': 'new-user-form', novalidate: true },
      label(L, 'h2', 'users.create'),
      h(
        'label',
        { class: 'ops-field' },
        label(L, 'span', 'users.username'),
        username,
        label(L, 'small', 'users.usernameHint', { class: 'ops-muted' }),
        errors.line('username', username),
      ),
      h('label', { class: 'ops-field' }, label(L, 'span', 'users.displayName'), displayName, errors.line('displayName', displayName)),
      h('div', { class: 'ops-field' }, label(L, 'span', 'users.roles'), roles.el, errors.line('roles', roles.el)),
      h(
        'label',
        { class: 'ops-field' },
        label(L, 'span', 'users.password'),
        h('div', { class: 'admin-inline' }, password, generate),
        label(L, 'small', 'users.passwordHint', { class: 'ops-muted' }),
        errors.line('password', password),
      ),
      h('div', { class: 'ops-buttons' }, submit),
      general,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      errors.clear();
      const chosen = roles.checked();
      if (chosen.length === 0) {
        errors.show('roles', at('users.rolesRequired'));
        return;
      }
      submit.disabled = true;
      const body = {
        username: username.value.trim(),
        roles: chosen,
        password: password.value,
        ...(displayName.value.trim() ? { displayName: displayName.value.trim() } : {}),
      };
      void jsonCall<UserInfo>('POST', '/api/users', body)
        .then(async (r) => {
          if (!r.ok) {
            errors.show(refusalField(r), refusalText(r));
            return;
          }
          form.reset();
          say(general, at('users.created', { user: r.value.username }), 'ok');
          this.selected = r.value.username;
          await this.load();
        })
        .finally(() => {
          submit.disabled = false;
        });
    });
    return form;
  }

  /** A department by its name in the page's language (the catalogue's English name, if it has one). */
  private departmentName(department: string): string {
    return getLanguage() === 'en' ? (this.departmentNamesEn.get(department) ?? department) : department;
  }

  /** A response unit by its name in the page's language; its id only when the fleet does not know it. */
  private unitName(unitId: string): string {
    const unit = this.units?.find((u) => u.id === unitId);
    return unit ? (getLanguage() === 'en' ? unit.nameEn : unit.nameZh) : unitId;
  }

  /** The chosen account's controls: roles, enable / disable, password reset, bindings. */
  private openEditor(username: string): void {
    const user = this.users?.find((u) => u.username === username);
    if (!user) return;
    this.selected = username;
    const L: Labels = [];
    this.editorLabels = L;
    const message = messageLine('editor-message');
    const heading = h('h2', {});
    L.push(() => setText(heading, at('users.editing', { user: user.username })));
    const roles = roleBoxes(L, 'edit-roles', user.roles);
    const rolesErrors = new FieldErrors(message);
    const saveRoles = button('edit-save-roles');
    L.push(() => setText(saveRoles, at('users.saveRoles')));
    saveRoles.addEventListener('click', () => {
      const chosen = roles.checked();
      if (chosen.length === 0) return rolesErrors.show('roles', at('users.rolesRequired'));
      void this.change(user.username, { roles: chosen }, rolesErrors, at('users.rolesSaved'));
    });
    const toggle = button('edit-toggle-disabled', user.disabled ? 'primary' : 'danger');
    L.push(() => setText(toggle, user.disabled ? at('users.enable') : at('users.disable')));
    toggle.addEventListener(
      'click',
      () =>
        void this.change(
          user.username,
          { disabled: !user.disabled },
          rolesErrors,
          user.disabled ? at('users.nowEnabled') : at('users.nowDisabled'),
        ),
    );
    const reset = button('edit-reset-password', 'secondary');
    L.push(() => setText(reset, at('users.reset')));
    const once = h('div', { class: 'admin-once', hidden: true, 'data-testid': 'reset-result' });
    reset.addEventListener('click', () => {
      const pw = randomPassword();
      void this.change(user.username, { password: pw }, rolesErrors, '').then((ok) => {
        const box = this.editorOnce;
        if (!ok || !box) return;
        fill(box, ...secretBox(this.editorLabels, 'users.resetDone', pw, 'reset-password-value'));
        box.hidden = false;
        for (const l of this.editorLabels) l();
      });
    });
    fill(
      this.editor,
      heading,
      h('div', { class: 'ops-field' }, label(L, 'span', 'users.roles'), roles.el, rolesErrors.line('roles', roles.el)),
      h('div', { class: 'ops-buttons' }, saveRoles),
      this.bindingControls(L, user, message),
      h('h3', {}, label(L, 'span', 'users.reset')),
      label(L, 'p', 'users.resetNote', { class: 'ops-muted' }),
      h('div', { class: 'ops-buttons' }, reset),
      once,
      h('h3', {}, label(L, 'span', user.disabled ? 'users.enable' : 'users.disable')),
      user.disabled ? null : label(L, 'p', 'users.disableNote', { class: 'ops-muted' }),
      h('div', { class: 'ops-buttons' }, toggle),
      message,
    );
    this.editorMessage = message;
    this.editorOnce = once;
    this.editor.dataset.user = username;
    this.editor.hidden = false;
    for (const l of L) l();
  }

  /** The department select (department handlers) and the unit select (field crews), each saved on its own. */
  private bindingControls(L: Labels, user: UserInfo, message: HTMLElement): HTMLElement | null {
    const parts: HTMLElement[] = [];
    const bindOne = (
      testid: string,
      key: AdminStringKey,
      options: Array<{ value: string; text: string }>,
      current: string,
      save: (v: string | null) => Promise<void>,
    ) => {
      const select = h('select', { 'data-testid': testid });
      const none = h('option', { value: '' });
      L.push(() => setText(none, at('users.unbound')));
      select.append(none, ...options.map((o) => h('option', { value: o.value, selected: o.value === current }, o.text)));
      const errors = new FieldErrors(message);
      const go = button(`${testid}-save`, 'secondary');
      L.push(() => setText(go, at('users.bind')));
      go.addEventListener('click', () => {
        errors.clear();
        void save(select.value || null).catch((err: Error) => errors.show(testid, err.message));
      });
      parts.push(
        h(
          'div',
          { class: 'ops-field' },
          label(L, 'span', key),
          h('div', { class: 'admin-inline' }, select, go),
          errors.line(testid, select),
        ),
      );
    };
    const bind = async (path: string, body: object) => {
      const r = await jsonCall('POST', path, body);
      if (!r.ok) throw new Error(refusalText(r));
      await this.load();
      if (this.editorMessage) say(this.editorMessage, at('users.bound'), 'ok');
    };
    if (user.roles.includes('department') && this.departments)
      bindOne(
        'bind-department',
        'users.department',
        this.departments.map((d) => ({ value: d, text: this.departmentName(d) })),
        this.departmentOf.get(user.username) ?? '',
        (v) => bind(`/api/case-departments/${encodeURIComponent(user.username)}`, { department: v }),
      );
    if (user.roles.includes('field') && this.units)
      bindOne(
        'bind-unit',
        'users.unit',
        this.units.map((u) => ({ value: u.id, text: this.unitName(u.id) })),
        this.unitOf.get(user.username) ?? '',
        (v) => bind(`/api/field-units/${encodeURIComponent(user.username)}`, { unitId: v }),
      );
    if (this.bindingProblems.length && (user.roles.includes('department') || user.roles.includes('field')))
      parts.push(h('p', { class: 'ops-warn' }, this.bindingProblems.join(' ')));
    return parts.length ? h('div', { class: 'admin-bindings' }, ...parts) : null;
  }

  /** One change of an account through `POST /api/users/{name}`; true when the server took it. */
  private async change(username: string, body: object, errors: FieldErrors, done: string): Promise<boolean> {
    errors.clear();
    const r = await jsonCall<UserInfo>('POST', `/api/users/${encodeURIComponent(username)}`, body);
    if (!r.ok) {
      errors.show(refusalField(r), refusalText(r));
      return false;
    }
    await this.load();
    if (done && this.editorMessage) say(this.editorMessage, done, 'ok');
    return true;
  }
}

/** A secret shown once: the words, the value in a read-only box, a copy button. */
export function secretBox(L: Labels, key: AdminStringKey, value: string, testid: string): HTMLElement[] {
  const input = h('input', { type: 'text', readonly: true, value, class: 'mono admin-secret', 'data-testid': testid, 'aria-label': value });
  const copy = button(`${testid}-copy`, 'secondary');
  const state = h('span', { class: 'ops-muted', role: 'status' });
  L.push(() => setText(copy, at('copy')));
  copy.addEventListener('click', () => void copyText(value, input).then((ok) => setText(state, ok ? at('copied') : at('copyFailed'))));
  return [label(L, 'p', key), h('div', { class: 'admin-inline' }, input, copy), state];
}
