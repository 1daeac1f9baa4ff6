/**
 * The tokens tab of the administration page: a form that mints a display token for a wall
 * screen (the `display` role only, read-only, public data) or a personal API token (roles the
 * admin holds), with its lifetime; the secret is shown once with a copy button and, for a
 * display token, the wall address it goes into. Below, every token and sign-in session of every
 * account (`GET /api/auth/tokens?all=1`), each revocable; the server closes what used it.
 */
import type { Me } from '../backend/session.ts';
import { jsonCall } from '../backend/session.ts';
import { button, card, cityTime, fill, messageLine, say, table, type OpsTab } from '../ops/ops-ui.ts';
import { h, setText } from '../ui/dom.ts';
import { FieldErrors, listTokens, refusalField, refusalText, type TokenInfo } from './admin-api.ts';
import { type AdminStringKey, at, roleName } from './admin-strings.ts';
import { secretBox } from './users-tab.ts';
import { formatList } from '../i18n/format.ts';
import { getLanguage } from '../i18n/language.ts';

type Labels = Array<() => void>;

/** The address a wall screen opens with a display token (the console beside this page). */
export function wallUrl(token: string, kiosk: boolean, page: string = window.location.href): string {
  return new URL(`./?display=${encodeURIComponent(token)}${kiosk ? '&kiosk=1' : ''}`, page).href;
}

/** The token form's fields, as its submit reads them. */
interface MintForm {
  form: HTMLFormElement;
  kind: HTMLSelectElement;
  name: HTMLInputElement;
  ttl: HTMLInputElement;
  password: HTMLInputElement;
  roleInputs: HTMLInputElement[];
  kiosk: HTMLInputElement;
  submit: HTMLButtonElement;
  errors: FieldErrors;
  sync: () => void;
}

export class TokensTab implements OpsTab {
  readonly el: HTMLElement;
  private tokens: TokenInfo[] | null = null;
  private readonly labels: Labels = [];
  private readonly listBox = h('div', { 'data-testid': 'tokens-list' });
  private readonly listMessage = messageLine('tokens-message');
  private readonly showSessions = h('select', { 'data-testid': 'tokens-show' });
  private readonly showEnded = h('input', { type: 'checkbox', 'data-testid': 'tokens-show-ended' });
  private readonly issued = h('div', { class: 'admin-once', hidden: true, 'data-testid': 'token-issued' });
  private issuedLabels: Labels = [];

  constructor(private readonly me: Me) {
    const L = this.labels;
    for (const [value, key] of [
      ['wall', 'tokens.show.wall'],
      ['sessions', 'tokens.show.sessions'],
    ] as const) {
      const o = h('option', { value });
      L.push(() => setText(o, at(key)));
      this.showSessions.append(o);
    }
    this.showSessions.addEventListener('change', () => this.render());
    this.showEnded.addEventListener('change', () => this.render());
    const refresh = button('tokens-refresh', 'secondary');
    L.push(() => setText(refresh, at('refresh')));
    refresh.addEventListener('click', () => void this.load());
    this.el = h(
      'div',
      { class: 'ops-grid admin-tokens', 'data-testid': 'tokens-tab' },
      card(
        'tokens-card',
        h('div', { class: 'admin-card-head' }, this.label('h2', 'tokens.list'), refresh),
        h(
          'div',
          { class: 'ops-toolbar' },
          h('label', { class: 'ops-field' }, this.label('span', 'tokens.show'), this.showSessions),
          h('label', { class: 'ops-check' }, this.showEnded, this.label('span', 'tokens.showEnded')),
        ),
        this.listMessage,
        this.listBox,
      ),
      h('div', { class: 'admin-side' }, this.issued, this.createForm()),
    );
  }

  private label<K extends keyof HTMLElementTagNameMap>(tag: K, key: AdminStringKey, attrs = {}, list: Labels = this.labels) {
    const el = h(tag, attrs);
    list.push(() => setText(el, at(key)));
    return el;
  }

  async load(): Promise<void> {
    const r = await listTokens();
    if (r.ok) {
      this.tokens = r.value;
      say(this.listMessage, '');
    } else say(this.listMessage, at('loadFailed', { reason: r.error }), 'error');
    this.render();
  }

  render(): void {
    for (const l of this.labels) l();
    for (const l of this.issuedLabels) l();
    if (!this.tokens) {
      fill(this.listBox, h('p', { class: 'ops-muted' }, at('loading')));
      return;
    }
    const now = Date.now();
    const sessions = this.showSessions.value === 'sessions';
    const shown = this.tokens
      .filter((t) => (sessions ? t.kind === 'session' : t.kind !== 'session'))
      .filter((t) => this.showEnded.checked || (!t.revoked && t.expiresAt > now))
      .sort((a, b) => b.createdAt - a.createdAt);
    if (shown.length === 0) {
      fill(this.listBox, h('p', { class: 'ops-muted', 'data-testid': 'tokens-none' }, at('tokens.none')));
      return;
    }
    fill(
      this.listBox,
      table(
        'tokens-table',
        [
          at('tokens.col.name'),
          at('tokens.col.kind'),
          at('tokens.col.owner'),
          at('tokens.col.roles'),
          at('tokens.col.created'),
          at('tokens.col.expires'),
          at('tokens.col.state'),
          at('tokens.col.actions'),
        ],
        shown.map((t) => this.row(t, now)),
        { phoneCards: true },
      ),
    );
  }

  private row(t: TokenInfo, now: number): HTMLElement {
    const state = t.revoked ? 'revoked' : t.expiresAt <= now ? 'expired' : 'active';
    const revoke = state === 'active' ? button(`token-revoke-${t.id}`, 'danger') : null;
    if (revoke) {
      setText(revoke, at('tokens.revoke'));
      revoke.addEventListener('click', () => {
        if (!window.confirm(at('tokens.revokeConfirm', { name: t.name }))) return;
        revoke.disabled = true;
        void jsonCall<TokenInfo>('DELETE', `/api/auth/tokens/${t.id}`).then(async (r) => {
          if (!r.ok) {
            revoke.disabled = false;
            say(this.listMessage, at('failed', { reason: refusalText(r) }), 'error');
            return;
          }
          await this.load();
          say(this.listMessage, at('tokens.revokedDone', { name: t.name }), 'ok');
        });
      });
    }
    return h(
      'tr',
      { 'data-testid': 'token-row', 'data-token': t.id, 'data-kind': t.kind, 'data-state': state },
      h('td', {}, t.name, h('div', { class: 'ops-muted mono' }, t.id)),
      h('td', {}, at(`tokens.type.${t.kind}`)),
      h('td', { class: 'mono' }, t.owner),
      h('td', {}, formatList(t.roles.map(roleName), getLanguage())),
      h('td', { class: 'mono' }, cityTime(t.createdAt)),
      h('td', { class: 'mono' }, cityTime(t.expiresAt)),
      h('td', { class: state === 'active' ? '' : 'ops-muted' }, at(`tokens.${state}`)),
      h('td', {}, revoke),
    );
  }

  /** The form that mints a token; the secret goes to the one-time box above it. */
  private createForm(): HTMLElement {
    const kind = h('select', { name: 'kind', 'data-testid': 'token-kind' });
    for (const k of ['display', 'token'] as const) kind.append(this.label('option', `tokens.kind.${k}`, { value: k }));
    const name = h('input', { type: 'text', name: 'name', maxlength: '100', 'data-testid': 'token-name' });
    const ttl = h('input', { type: 'number', name: 'ttlDays', min: '1', step: '1', inputmode: 'numeric', 'data-testid': 'token-ttl' });
    const kiosk = h('input', { type: 'checkbox', checked: true, 'data-testid': 'token-kiosk' });
    const password = h('input', {
      type: 'password',
      name: 'password',
      autocomplete: 'current-password',
      maxlength: '256',
      'data-testid': 'token-password',
    });
    const roleInputs = this.me.roles.map((r) => h('input', { type: 'checkbox', value: r, checked: true }));
    const roles = h(
      'div',
      { class: 'admin-roles', 'data-testid': 'token-roles' },
      ...roleInputs.map((i) => h('label', { class: 'ops-check' }, i, roleName(i.value))),
    );
    const displayNote = this.label('p', 'tokens.displayRoles', { class: 'ops-muted' });
    const rolesField = h('div', { class: 'ops-field' }, this.label('span', 'tokens.roles'), roles, displayNote);
    const kioskField = h('label', { class: 'ops-check' }, kiosk, this.label('span', 'tokens.kiosk'));
    const general = messageLine('token-message');
    const errors = new FieldErrors(general);
    const sync = () => {
      const display = kind.value === 'display';
      roles.hidden = display;
      displayNote.hidden = !display;
      kioskField.hidden = !display;
    };
    kind.addEventListener('change', sync);
    sync();
    const submit = h('button', { type: 'submit', class: 'ops-button primary', 'data-testid': 'token-submit' });
    this.labels.push(() => setText(submit, at('tokens.create')));
    const form = h(
      'form',
      { class: 'ops-card admin-form', 'data-testid': 'token-form', novalidate: true },
      this.label('h2', 'tokens.create'),
      h('label', { class: 'ops-field' }, this.label('span', 'tokens.kind'), kind),
      h(
        'label',
        { class: 'ops-field' },
        this.label('span', 'tokens.name'),
        name,
        this.label('small', 'tokens.nameHint', { class: 'ops-muted' }),
        errors.line('name', name),
      ),
      rolesField,
      errors.line('roles', roles),
      h(
        'label',
        { class: 'ops-field' },
        this.label('span', 'tokens.ttl'),
        ttl,
        this.label('small', 'tokens.ttlHint', { class: 'ops-muted' }),
        errors.line('ttlDays', ttl),
      ),
      kioskField,
      h('label', { class: 'ops-field' }, this.label('span', 'tokens.password'), password, errors.line('password', password)),
      h('div', { class: 'ops-buttons' }, submit),
      general,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.mint({ form, kind, name, ttl, password, roleInputs, kiosk, submit, errors, sync });
    });
    return form;
  }

  /** Sends the form to `POST /api/auth/tokens`: the secret to the one-time box, a refusal at its field. */
  private async mint(f: MintForm): Promise<void> {
    f.errors.clear();
    const display = f.kind.value === 'display';
    const days = f.ttl.value.trim();
    const body = {
      name: f.name.value.trim(),
      kind: f.kind.value,
      password: f.password.value,
      ...(display ? {} : { roles: f.roleInputs.filter((i) => i.checked).map((i) => i.value) }),
      ...(days ? { ttlDays: Number(days) } : {}),
    };
    f.submit.disabled = true;
    try {
      const r = await jsonCall<{ token: string; info: TokenInfo }>('POST', '/api/auth/tokens', body);
      if (!r.ok) {
        f.errors.show(refusalField(r), refusalText(r));
        return;
      }
      f.form.reset();
      f.sync();
      this.showIssued(r.value.token, r.value.info, display && f.kiosk.checked);
      await this.load();
    } finally {
      f.submit.disabled = false;
    }
  }

  /** The new secret, once, with the wall address for a display token; gone when dismissed or the page is left. */
  private showIssued(token: string, info: TokenInfo, kiosk: boolean): void {
    const L: Labels = [];
    this.issuedLabels = L;
    const dismiss = button('token-issued-dismiss', 'secondary');
    L.push(() => setText(dismiss, at('tokens.dismiss')));
    dismiss.addEventListener('click', () => {
      this.issuedLabels = [];
      fill(this.issued);
      this.issued.hidden = true;
    });
    fill(
      this.issued,
      this.label('h2', 'tokens.issuedTitle', {}, L),
      h('p', { class: 'mono' }, `${info.name} · ${info.id}`),
      ...secretBox(L, 'tokens.issued', token, 'token-secret'),
      ...(info.kind === 'display' ? secretBox(L, 'tokens.wallUrl', wallUrl(token, kiosk), 'token-wall-url') : []),
      h('div', { class: 'ops-buttons' }, dismiss),
    );
    this.issued.hidden = false;
    this.issued.dataset.kind = info.kind;
    for (const l of L) l();
  }
}
