/**
 * The security events tab of the administration page: the newest events of the security log
 * (`GET /api/security/events`: sign-ins, failures, lockouts, refusals, token use), read-only,
 * refusals alone on request; and clearing a sign-in lockout (`POST /api/security/unlock`).
 */
import { auditActionLabel } from '../audit/audit-labels.ts';
import { jsonCall } from '../backend/session.ts';
import { getLanguage } from '../i18n/language.ts';
import { recordDetailLabel } from '../i18n/record-details.ts';
import { button, card, cityTime, fill, messageLine, say, table, type OpsTab } from '../ops/ops-ui.ts';
import { h, setText } from '../ui/dom.ts';
import { FieldErrors, listEvents, refusalField, refusalText, type SecurityEvent } from './admin-api.ts';
import { type AdminStringKey, at, eventClientText } from './admin-strings.ts';

export class EventsTab implements OpsTab {
  readonly el: HTMLElement;
  private events: SecurityEvent[] | null = null;
  private readonly labels: Array<() => void> = [];
  private readonly box = h('div', { 'data-testid': 'events-list' });
  private readonly message = messageLine('events-message');
  private readonly refusedOnly = h('input', { type: 'checkbox', 'data-testid': 'events-refused-only' });

  constructor() {
    const refresh = button('events-refresh', 'secondary');
    this.labels.push(() => setText(refresh, at('refresh')));
    refresh.addEventListener('click', () => void this.load());
    this.refusedOnly.addEventListener('change', () => this.render());
    this.el = h(
      'div',
      { class: 'ops-grid admin-events', 'data-testid': 'events-tab' },
      card(
        'events-card',
        h('div', { class: 'admin-card-head' }, this.label('h2', 'events.list'), refresh),
        h('div', { class: 'ops-toolbar' }, h('label', { class: 'ops-check' }, this.refusedOnly, this.label('span', 'events.refusedOnly'))),
        this.message,
        this.box,
      ),
      this.unlockForm(),
    );
  }

  private label<K extends keyof HTMLElementTagNameMap>(tag: K, key: AdminStringKey, attrs = {}) {
    const el = h(tag, attrs);
    this.labels.push(() => setText(el, at(key)));
    return el;
  }

  async load(): Promise<void> {
    const r = await listEvents();
    if (r.ok) {
      this.events = r.value;
      say(this.message, '');
    } else say(this.message, at('loadFailed', { reason: r.error }), 'error');
    this.render();
  }

  render(): void {
    for (const l of this.labels) l();
    if (!this.events) {
      fill(this.box, h('p', { class: 'ops-muted' }, at('loading')));
      return;
    }
    const shown = this.refusedOnly.checked ? this.events.filter((e) => e.outcome === 'refused') : this.events;
    if (shown.length === 0) {
      fill(this.box, h('p', { class: 'ops-muted' }, at('events.none')));
      return;
    }
    fill(
      this.box,
      table(
        'events-table',
        [
          at('events.col.time'),
          at('events.col.type'),
          at('events.col.outcome'),
          at('events.col.user'),
          at('events.col.client'),
          at('events.col.detail'),
        ],
        shown.map((e) =>
          h(
            'tr',
            { 'data-testid': 'event-row', 'data-type': e.type, 'data-outcome': e.outcome },
            h('td', { class: 'mono' }, cityTime(e.ts)),
            h('td', {}, auditActionLabel('security', e.type, getLanguage())),
            h('td', { class: e.outcome === 'refused' ? 'ops-bad' : '' }, at(e.outcome === 'refused' ? 'events.refused' : 'events.ok')),
            h('td', { class: 'mono' }, e.username || '—'),
            h('td', { class: 'mono' }, eventClientText(e.client)),
            h('td', { class: 'admin-detail' }, recordDetailLabel('security', e.type, e.detail, getLanguage())),
          ),
        ),
        { phoneCards: true },
      ),
    );
  }

  /** Clears sign-in throttling of a user name and/or an address (this web node's records). */
  private unlockForm(): HTMLElement {
    const username = h('input', { type: 'text', maxlength: '64', 'data-testid': 'unlock-username' });
    const address = h('input', { type: 'text', maxlength: '64', 'data-testid': 'unlock-address' });
    const general = messageLine('unlock-message');
    const errors = new FieldErrors(general);
    const submit = h('button', { type: 'submit', class: 'ops-button secondary', 'data-testid': 'unlock-submit' });
    this.labels.push(() => setText(submit, at('events.unlockDo')));
    const form = h(
      'form',
      { class: 'ops-card admin-form', 'data-testid': 'unlock-form', novalidate: true },
      this.label('h2', 'events.unlock'),
      h('label', { class: 'ops-field' }, this.label('span', 'events.unlockUser'), username, errors.line('username', username)),
      h('label', { class: 'ops-field' }, this.label('span', 'events.unlockAddress'), address, errors.line('address', address)),
      h('div', { class: 'ops-buttons' }, submit),
      general,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = {
        ...(username.value.trim() ? { username: username.value.trim() } : {}),
        ...(address.value.trim() ? { address: address.value.trim() } : {}),
      };
      if (Object.keys(body).length === 0) return errors.show(null, at('events.unlockNeeds'));
      void jsonCall<{ cleared: number }>('POST', '/api/security/unlock', body).then(async (r) => {
        if (!r.ok) return errors.show(refusalField(r), refusalText(r));
        errors.clear();
        say(general, at('events.unlocked', { n: r.value.cleared }), 'ok');
        await this.load();
      });
    });
    return form;
  }
}
