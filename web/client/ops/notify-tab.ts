/**
 * The notifications tab (docs/notifications.md), admins: the escalations in progress; the
 * configuration documents — channels (secrets never shown: the server answers `***`, and a
 * webhook's secret is typed in a password field cleared once saved), contacts, subscriptions,
 * escalation policies (and, on the on-call tab, the rosters) — each listed, edited as JSON with
 * the server's refusal shown as it words it, deleted; the delivery log with filters, and "send
 * again" for dead letters.
 */
import { jsonCall } from '../backend/session.ts';
import { formatCountdown } from '../i18n/format.ts';
import { h, setText } from '../ui/dom.ts';
import { ot, type OpsStringKey } from './ops-strings.ts';
import { button, card, cityTime, field, fill, messageLine, oneLine, say, table, type OpsTab } from './ops-ui.ts';

export type NotifyKind = 'channels' | 'contacts' | 'subscriptions' | 'policies' | 'rosters';
type Doc = Record<string, unknown>;

/** What "new" starts from, per kind (the examples of docs/notifications.md). */
const TEMPLATES: Record<NotifyKind, Doc> = {
  channels: { id: 'mail', kind: 'email', host: 'smtp.example.cn', port: 587, from: 'CityTwin <citytwin@example.cn>' },
  contacts: {
    user: 'wang.fang',
    name: '王芳',
    language: 'zh-CN',
    email: 'wang.fang@example.cn',
    phone: '+8613800138000',
    roles: ['operator'],
  },
  subscriptions: {
    id: 'ops-all',
    events: ['opened', 'escalated', 'resolved'],
    minSeverity: 2,
    target: { role: 'operator' },
    channels: ['mail'],
  },
  policies: {
    id: 'water',
    incidentTypes: ['waterlogging'],
    minSeverity: 1,
    ackDeadlineMin: 10,
    tiers: [{ targets: [{ team: 'drainage' }] }, { targets: [{ team: 'drainage' }] }],
    repeat: { everyMin: 4, times: 3 },
    stopOn: 'acknowledged',
    channels: ['mail'],
  },
  rosters: {
    id: 'drainage',
    shifts: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00', tiers: [['wang.fang']] }],
  },
};

const docId = (kind: NotifyKind, d: Doc): string => String(kind === 'contacts' ? d.user : d.id);

/** What a list row shows of a document: what it says, without its id and a channel's delivery settings. */
function summaryOf(kind: NotifyKind, d: Doc): Doc {
  const { id: _id, user: _user, ...rest } = d;
  if (kind !== 'channels') return rest;
  const { timeoutMs: _t, retry: _r, queue: _q, ...channel } = rest;
  return channel;
}

/** One kind of document: the list, a JSON editor for one, save and delete. */
export class DocSection {
  readonly el: HTMLElement;
  private docs: Doc[] = [];
  private editing: { id: string | null; text: string } | null = null;
  private readonly heading = h('h2', {});
  private readonly list = h('div', {});
  private readonly editorBox: HTMLElement;
  private readonly addButton: HTMLButtonElement;
  private readonly message: HTMLElement;

  constructor(
    private readonly kind: NotifyKind,
    /** Called after a save or a delete (the page reloads what depends on it). */
    private readonly changed: () => void,
    ...extra: HTMLElement[]
  ) {
    this.editorBox = h('div', { class: 'ops-doc-editor', hidden: true, 'data-testid': `notify-${kind}-editor` });
    this.addButton = button(`notify-${kind}-new`, 'secondary');
    this.message = messageLine(`notify-${kind}-message`);
    this.addButton.addEventListener('click', () => {
      this.editing = { id: null, text: JSON.stringify(TEMPLATES[kind], null, 2) };
      say(this.message, '');
      this.drawEditor();
    });
    this.el = card(
      `notify-${kind}`,
      this.heading,
      ...extra,
      this.list,
      h('div', { class: 'ops-buttons' }, this.addButton),
      this.editorBox,
      this.message,
    );
  }

  async load(): Promise<void> {
    const r = await jsonCall<Doc[]>('GET', `/api/notifications/${this.kind}`);
    if (r.ok) this.docs = r.value;
    else say(this.message, ot('loadFailed', { reason: r.error }), 'error');
    this.render();
  }

  render(): void {
    setText(this.heading, ot(`notify.${this.kind}` as OpsStringKey));
    setText(this.addButton, ot('notify.doc.new'));
    if (this.docs.length === 0) fill(this.list, h('p', { class: 'ops-muted' }, ot('notify.empty')));
    else
      fill(
        this.list,
        table(
          `notify-${this.kind}-table`,
          [ot('notify.col.id'), ot('notify.col.summary'), ''],
          this.docs.map((d) => {
            const id = docId(this.kind, d);
            const edit = button('notify-doc-edit', 'secondary');
            setText(edit, ot('edit'));
            edit.addEventListener('click', () => {
              this.editing = { id, text: JSON.stringify(d, null, 2) };
              say(this.message, '');
              this.drawEditor();
            });
            const del = button('notify-doc-delete', 'danger');
            setText(del, ot('delete'));
            del.addEventListener('click', () => void this.remove(id));
            const rest = summaryOf(this.kind, d);
            const test = this.kind === 'channels' ? button('notify-channel-test', 'secondary') : null;
            if (test) {
              setText(test, ot('notify.test'));
              test.addEventListener('click', () => void this.sendTest(id, test));
            }
            return h(
              'tr',
              { 'data-testid': 'notify-doc', 'data-id': id },
              h('td', { class: 'mono nowrap' }, id),
              h('td', { class: 'mono ops-wrap', 'data-col': 'summary' }, oneLine(rest, 220)),
              h('td', { class: 'nowrap' }, test, test ? ' ' : null, edit, ' ', del),
            );
          }),
        ),
      );
    this.drawEditor();
  }

  private drawEditor(): void {
    const e = this.editing;
    this.editorBox.hidden = e === null;
    if (!e) return;
    const area = h('textarea', { class: 'mono', rows: 12, spellcheck: 'false', 'data-testid': `notify-${this.kind}-json` });
    area.value = e.text;
    area.addEventListener('input', () => (e.text = area.value));
    const save = button(`notify-${this.kind}-save`);
    setText(save, ot('save'));
    save.addEventListener('click', () => void this.save(area.value));
    const cancel = button(`notify-${this.kind}-cancel`, 'secondary');
    setText(cancel, ot('cancel'));
    cancel.addEventListener('click', () => {
      this.editing = null;
      this.drawEditor();
    });
    fill(
      this.editorBox,
      h('div', { class: 'ops-muted' }, e.id ? ot('notify.doc.editing', { id: e.id }) : ot('notify.doc.creating')),
      this.kind === 'channels' ? h('div', { class: 'ops-muted' }, ot('notify.secretNote')) : null,
      area,
      h('div', { class: 'ops-buttons' }, save, cancel),
    );
  }

  /** Saves a document; true when the server took it. */
  async saveDoc(doc: Doc): Promise<boolean> {
    const r = await jsonCall<Doc>('POST', `/api/notifications/${this.kind}`, doc);
    if (!r.ok) {
      say(this.message, ot('notify.doc.failed', { reason: r.error }), 'error');
      return false;
    }
    say(this.message, ot('notify.doc.saved', { id: docId(this.kind, r.value) }), 'ok');
    this.editing = null;
    await this.load();
    this.changed();
    return true;
  }

  private async save(text: string): Promise<void> {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      say(this.message, ot('rules.jsonInvalid', { reason: err instanceof Error ? err.message : String(err) }), 'error');
      return;
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      say(this.message, ot('rules.jsonInvalid', { reason: '{ … }' }), 'error');
      return;
    }
    await this.saveDoc(doc as Doc);
  }

  /** A test message through the channel now: delivered, or why not (the delivery log shows it too). */
  private async sendTest(id: string, trigger: HTMLButtonElement): Promise<void> {
    trigger.disabled = true;
    setText(trigger, ot('notify.testing'));
    const r = await jsonCall<{ delivered: boolean; status: string; error: string; recipient: string }>(
      'POST',
      `/api/notifications/channels/${encodeURIComponent(id)}/test`,
      {},
    );
    trigger.disabled = false;
    setText(trigger, ot('notify.test'));
    if (!r.ok) say(this.message, ot('notify.testRefused', { id, reason: r.error }), 'error');
    else if (r.value.delivered) say(this.message, ot('notify.testDelivered', { id, to: r.value.recipient }), 'ok');
    else
      say(
        this.message,
        ot('notify.testFailed', {
          id,
          to: r.value.recipient,
          status: ot(`notify.status.${r.value.status}` as OpsStringKey),
          reason: r.value.error,
        }),
        'error',
      );
    this.changed();
  }

  private async remove(id: string): Promise<void> {
    if (!window.confirm(ot('notify.doc.confirmDelete', { id }))) return;
    const r = await jsonCall('DELETE', `/api/notifications/${this.kind}/${encodeURIComponent(id)}`);
    if (!r.ok) {
      say(this.message, ot('notify.doc.failed', { reason: r.error }), 'error');
      return;
    }
    say(this.message, ot('notify.doc.deleted', { id }), 'ok');
    await this.load();
    this.changed();
  }
}

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
    await Promise.all([this.loadAll(), this.loadDeliveries()]);
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
            h('td', {}, d.eventKind),
            h('td', { class: 'mono' }, d.channelId),
            h('td', { class: 'mono' }, d.recipient),
            h('td', { class: `delivery-status ${d.status}` }, ot(`notify.status.${d.status}`)),
            h('td', {}, String(d.attempts)),
            h('td', { class: 'ops-wrap' }, [d.reason, d.lastError].filter(Boolean).join(' · ')),
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
