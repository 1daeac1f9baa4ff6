/**
 * The notifications tab (docs/notifications.md), admins: the escalations in progress; the
 * configuration documents — channels (secrets never shown: the server answers `***`, and a
 * webhook's secret is typed in a password field cleared once saved), contacts, subscriptions,
 * escalation policies (and, on the on-call tab, the rosters) — each a worded list, edited as JSON
 * by admins (notify-doc-section.ts); the delivery log with filters, and "send again" for dead
 * letters.
 */
import { jsonCall } from '../backend/session.ts';
import { formatCountdown } from '../i18n/format.ts';
import { h, setText } from '../ui/dom.ts';
import { ot } from './ops-strings.ts';
import { DocSection } from './notify-doc-section.ts';
import { nlWord } from './notify-list-strings.ts';
import { button, card, cityTime, field, fill, messageLine, say, table, type OpsTab } from './ops-ui.ts';

interface Delivery {
  key: string;
  eventKind: string;
  incidentId: string;
  channelId: string;
  recipient: string;
  status: 'queued' | 'sent' | 'retrying' | 'failed' | 'dead';
  attempts: number;
  lastError: string;
  reason: string | null;
  updatedAt: number;
}

interface Escalation {
  incidentId: string;
  policyId: string;
  tier: number;
  nextTier: number | null;
  nextEscalationAt: number | null;
}

const STATUSES = ['queued', 'sent', 'retrying', 'failed', 'dead'] as const;

export class NotifyTab implements OpsTab {
  readonly el: HTMLElement;
  private readonly sections: DocSection[];
  private readonly channels: DocSection;
  private deliveries: Delivery[] = [];
  private escalations: { serverTime: number; escalations: Escalation[] } | null = null;
  private problems: string[] = [];
  private districtsLoaded = false;

  private readonly hookId = h('input', { type: 'text', maxlength: 64, autocomplete: 'off', 'data-testid': 'webhook-id' });
  private readonly hookUrl = h('input', { type: 'url', autocomplete: 'off', 'data-testid': 'webhook-url' });
  private readonly hookSecret = h('input', { type: 'password', autocomplete: 'new-password', 'data-testid': 'webhook-secret' });
  private readonly hookLanguage = h(
    'select',
    { 'data-testid': 'webhook-language' },
    h('option', { value: 'zh-CN' }, '中文'),
    h('option', { value: 'en' }, 'English'),
  );
  private readonly hookAdd = button('webhook-add');
  private readonly hookLabels = {
    heading: h('h3', {}),
    id: h('span', {}),
    url: h('span', {}),
    secret: h('span', {}),
    language: h('span', {}),
  };

  private readonly problemsBox = h('div', { class: 'ops-issues', hidden: true, role: 'alert', 'data-testid': 'notify-problems' });
  private readonly escHeading = h('h2', {});
  private readonly escBox = h('div', { 'data-testid': 'notify-escalations' });
  private readonly logHeading = h('h2', {});
  private readonly status = h('select', { 'data-testid': 'deliveries-status' });
  private readonly channel = h('input', { type: 'text', maxlength: 64, 'data-testid': 'deliveries-channel', autocomplete: 'off' });
  private readonly incident = h('input', {
    type: 'text',
    maxlength: 64,
    'data-testid': 'deliveries-incident',
    autocomplete: 'off',
    placeholder: 'inc-000012',
  });
  private readonly filter = button('deliveries-apply');
  private readonly logLabels = { status: h('span', {}), channel: h('span', {}), incident: h('span', {}) };
  private readonly logBox = h('div', { 'data-testid': 'deliveries' });
  private readonly logMessage = messageLine('deliveries-message');

  constructor() {
    const hookForm = h(
      'form',
      { class: 'ops-inline-form', 'data-testid': 'webhook-form' },
      this.hookLabels.heading,
      h(
        'div',
        { class: 'ops-toolbar' },
        field(this.hookLabels.id, this.hookId),
        field(this.hookLabels.url, this.hookUrl),
        field(this.hookLabels.secret, this.hookSecret),
        field(this.hookLabels.language, this.hookLanguage),
        this.hookAdd,
      ),
    );
    this.hookAdd.type = 'submit';
    hookForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.addWebhook();
    });
    const reloadLists = () => void this.loadAll();
    this.channels = new DocSection('channels', reloadLists, hookForm);
    this.sections = [
      this.channels,
      new DocSection('contacts', reloadLists),
      new DocSection('subscriptions', reloadLists),
      new DocSection('policies', reloadLists),
    ];
    for (const s of ['', ...STATUSES]) this.status.append(h('option', { value: s }));
    this.filter.addEventListener('click', () => void this.loadDeliveries());
    this.el = h(
      'div',
      { class: 'ops-grid notify-tab', 'data-testid': 'notify-tab' },
      this.problemsBox,
      card('notify-escalations-card', this.escHeading, this.escBox),
      ...this.sections.map((s) => s.el),
      card(
        'notify-deliveries',
        this.logHeading,
        h(
          'div',
          { class: 'ops-toolbar' },
          field(this.logLabels.status, this.status),
          field(this.logLabels.channel, this.channel),
          field(this.logLabels.incident, this.incident),
          this.filter,
        ),
        this.logMessage,
        this.logBox,
      ),
    );
  }

  async load(): Promise<void> {
    await Promise.all([this.loadDistricts(), this.loadAll(), this.loadDeliveries()]);
  }

  /** The city's district names, for the subscriptions' districts (once). */
  private async loadDistricts(): Promise<void> {
    if (this.districtsLoaded) return;
    const r = await jsonCall<{ code: string; nameZh: string; nameEn: string }[]>('GET', '/api/city/districts');
    if (!r.ok) return;
    this.districtsLoaded = true;
    const names = new Map(r.value.map((d) => [d.code, { zh: d.nameZh, en: d.nameEn }]));
    for (const s of this.sections) s.setDistricts(names);
    this.render();
  }

  private async loadAll(): Promise<void> {
    const [config, esc] = await Promise.all([
      jsonCall<{ problems: string[] }>('GET', '/api/notifications/config'),
      jsonCall<{ serverTime: number; escalations: Escalation[] }>('GET', '/api/notifications/escalations'),
      ...this.sections.map((s) => s.load()),
    ]);
    this.problems = config.ok ? config.value.problems : [];
    this.escalations = esc.ok ? esc.value : null;
    this.render();
  }

  private async loadDeliveries(): Promise<void> {
    const q = new URLSearchParams({ limit: '200' });
    if (this.status.value) q.set('status', this.status.value);
    if (this.channel.value.trim()) q.set('channel', this.channel.value.trim());
    if (this.incident.value.trim()) q.set('incident', this.incident.value.trim());
    const r = await jsonCall<Delivery[]>('GET', `/api/notifications/deliveries?${q}`);
    if (r.ok) {
      this.deliveries = r.value;
      say(this.logMessage, '');
    } else {
      this.deliveries = [];
      say(this.logMessage, ot('loadFailed', { reason: r.error }), 'error');
    }
    this.drawDeliveries();
  }

  private async addWebhook(): Promise<void> {
    const saved = await this.channels.saveDoc({
      id: this.hookId.value.trim(),
      kind: 'webhook',
      url: this.hookUrl.value.trim(),
      secret: this.hookSecret.value,
      language: this.hookLanguage.value,
    });
    // The secret leaves the page once it is saved; a refused one stays for correcting.
    if (saved) {
      this.hookSecret.value = '';
      this.hookId.value = '';
      this.hookUrl.value = '';
    }
  }

  render(): void {
    setText(this.hookLabels.heading, ot('notify.newWebhook'));
    setText(this.hookLabels.id, ot('notify.webhook.id'));
    setText(this.hookLabels.url, ot('notify.webhook.url'));
    setText(this.hookLabels.secret, ot('notify.webhook.secret'));
    setText(this.hookLabels.language, ot('notify.webhook.language'));
    setText(this.hookAdd, ot('add'));
    for (const s of this.sections) s.render();
    this.problemsBox.hidden = this.problems.length === 0;
    fill(this.problemsBox, h('div', {}, ot('notify.problems')), h('ul', {}, ...this.problems.map((p) => h('li', {}, p))));
    setText(this.escHeading, ot('notify.escalations'));
    const esc = this.escalations?.escalations ?? [];
    const offset = this.escalations ? this.escalations.serverTime - Date.now() : 0;
    fill(
      this.escBox,
      esc.length === 0
        ? h('p', { class: 'ops-muted' }, ot('notify.noEscalations'))
        : table(
            'notify-escalations-table',
            [ot('notify.col.incident'), ot('notify.col.tier'), ot('notify.col.next')],
            esc.map((e) =>
              h(
                'tr',
                { 'data-testid': 'notify-escalation', 'data-incident-id': e.incidentId },
                h('td', { class: 'mono' }, e.incidentId, h('span', { class: 'ops-muted' }, ` · ${e.policyId}`)),
                h('td', {}, String(e.tier)),
                h(
                  'td',
                  { class: 'mono' },
                  e.nextEscalationAt === null
                    ? '—'
                    : `${ot('rosters.tier', { n: e.nextTier ?? '—' })} · ${cityTime(e.nextEscalationAt)} (${formatCountdown(e.nextEscalationAt - (Date.now() + offset))})`,
                ),
              ),
            ),
          ),
    );
    setText(this.logHeading, ot('notify.deliveries'));
    setText(this.logLabels.status, ot('notify.filter.status'));
    setText(this.logLabels.channel, ot('notify.filter.channel'));
    setText(this.logLabels.incident, ot('notify.filter.incident'));
    setText(this.filter, ot('notify.filter.apply'));
    for (const o of this.status.options)
      setText(o, o.value ? ot(`notify.status.${o.value as Delivery['status']}`) : ot('notify.filter.all'));
    this.drawDeliveries();
  }

  private drawDeliveries(): void {
    if (this.deliveries.length === 0) {
      fill(this.logBox, h('p', { class: 'ops-muted' }, ot('notify.noDeliveries')));
      return;
    }
    fill(
      this.logBox,
      table(
        'deliveries-table',
        [
          ot('notify.col.time'),
          ot('notify.col.incident'),
          ot('notify.col.event'),
          ot('notify.col.channel'),
          ot('notify.col.recipient'),
          ot('notify.col.status'),
          ot('notify.col.attempts'),
          ot('notify.col.error'),
          '',
        ],
        this.deliveries.map((d) => {
          // A test message is tried once and not kept to be sent again.
          const dead = (d.status === 'failed' || d.status === 'dead') && d.eventKind !== 'test';
          const again = dead ? button('deliveries-redeliver', 'secondary') : null;
          if (again) {
            setText(again, ot('notify.redeliver'));
            again.addEventListener('click', () => void this.redeliver(d.key, again));
          }
          return h(
            'tr',
            { 'data-testid': 'delivery', 'data-status': d.status, 'data-key': d.key },
            h('td', { class: 'mono nowrap' }, cityTime(d.updatedAt)),
            h('td', { class: 'mono nowrap' }, d.incidentId),
            h('td', {}, nlWord('event', d.eventKind)),
            h('td', { class: 'mono' }, d.channelId),
            h('td', { class: 'mono' }, d.recipient),
            h('td', { class: `delivery-status ${d.status}` }, ot(`notify.status.${d.status}`)),
            h('td', {}, String(d.attempts)),
            h('td', { class: 'ops-wrap' }, [d.reason ? nlWord('reason', d.reason) : '', d.lastError].filter(Boolean).join(' · ')),
            h('td', {}, again),
          );
        }),
      ),
    );
  }

  private async redeliver(key: string, trigger: HTMLButtonElement): Promise<void> {
    trigger.disabled = true;
    const r = await jsonCall<{ redelivered: string[]; missing: string[] }>('POST', '/api/notifications/redeliver', { keys: [key] });
    if (r.ok) say(this.logMessage, ot('notify.redelivered', { n: r.value.redelivered.length, missing: r.value.missing.length }), 'ok');
    else say(this.logMessage, ot('notify.redeliverFailed', { reason: r.error }), 'error');
    await this.loadDeliveries();
  }
}
