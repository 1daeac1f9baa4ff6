/**
 * One kind of notification configuration document on the operations page (docs/notifications.md,
 * "The operations page"): the worded list (notify-lists.ts), and the administrators' advanced
 * view — the document as JSON from an example of its kind, saved with the server's refusal shown
 * as it words it, deleted; a channel's "send a test message". Secrets never reach the page: the
 * server answers `***`.
 */
import { jsonCall } from '../backend/session.ts';
import { h, setText } from '../ui/dom.ts';
import { nlt } from './notify-list-strings.ts';
import { listCells, listHeads, type LastTest, type ListContext } from './notify-lists.ts';
import { ot, type OpsStringKey } from './ops-strings.ts';
import { button, card, fill, messageLine, say, table } from './ops-ui.ts';

export type NotifyKind = 'channels' | 'contacts' | 'subscriptions' | 'policies' | 'rosters';

/** Each kind's section heading (a key per kind, so a new kind cannot go without one). */
export const NOTIFY_HEADINGS: Readonly<Record<NotifyKind, OpsStringKey>> = {
  channels: 'notify.channels',
  contacts: 'notify.contacts',
  subscriptions: 'notify.subscriptions',
  policies: 'notify.policies',
  rosters: 'notify.rosters',
};
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

const NO_CONTEXT: ListContext = { districts: new Map(), lastTests: new Map() };

/** The newest test message of each of `ids`, from the delivery log (its newest 200 rows per channel). */
async function lastTests(ids: readonly string[]): Promise<Map<string, LastTest>> {
  const found = new Map<string, LastTest>();
  const answers = await Promise.all(
    ids.map((id) =>
      jsonCall<(LastTest & { eventKind: string })[]>('GET', `/api/notifications/deliveries?channel=${encodeURIComponent(id)}&limit=200`),
    ),
  );
  answers.forEach((r, i) => {
    const test = r.ok ? r.value.find((d) => d.eventKind === 'test') : undefined;
    if (test) found.set(ids[i]!, { status: test.status, updatedAt: test.updatedAt, lastError: test.lastError });
  });
  return found;
}

/** One kind of document: the list, a JSON editor for one, save and delete. */
export class DocSection {
  readonly el: HTMLElement;
  private docs: Doc[] = [];
  private editing: { id: string | null; text: string } | null = null;
  private context: ListContext = NO_CONTEXT;
  private readonly heading = h('h2', {});
  private readonly list = h('div', { class: 'notify-doc-list' });
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
    if (this.kind === 'channels') this.context = { ...this.context, lastTests: await lastTests(this.docs.map((d) => docId(this.kind, d))) };
    this.render();
  }

  render(): void {
    setText(this.heading, ot(NOTIFY_HEADINGS[this.kind]));
    setText(this.addButton, ot('notify.doc.new'));
    if (this.docs.length === 0) fill(this.list, h('p', { class: 'ops-muted' }, ot('notify.empty')));
    else
      fill(
        this.list,
        table(
          `notify-${this.kind}-table`,
          [ot('notify.col.id'), ...listHeads(this.kind), ''],
          this.docs.map((d) => this.row(d)),
          { phoneCards: true },
        ),
      );
    this.drawEditor();
  }

  /** District names for the subscriptions' districts (the city's, `GET /api/city/districts`). */
  setDistricts(districts: ListContext['districts']): void {
    this.context = { ...this.context, districts };
  }

  /** One document worded: its id (and name), its columns, its buttons (test, the JSON editor, delete). */
  private row(d: Doc): HTMLElement {
    const id = docId(this.kind, d);
    const edit = button('notify-doc-edit', 'secondary');
    setText(edit, nlt('editJson'));
    edit.title = nlt('advanced');
    edit.addEventListener('click', () => {
      this.editing = { id, text: JSON.stringify(d, null, 2) };
      say(this.message, '');
      this.drawEditor();
    });
    const del = button('notify-doc-delete', 'danger');
    setText(del, ot('delete'));
    del.addEventListener('click', () => void this.remove(id));
    const test = this.kind === 'channels' ? button('notify-channel-test', 'secondary') : null;
    if (test) {
      setText(test, ot('notify.test'));
      test.addEventListener('click', () => void this.sendTest(id, test));
    }
    const name = this.kind !== 'contacts' && this.kind !== 'rosters' && typeof d.name === 'string' ? d.name : null;
    const heads = listHeads(this.kind);
    return h(
      'tr',
      { 'data-testid': 'notify-doc', 'data-id': id },
      h(
        'td',
        { class: 'nowrap', 'data-col': 'id' },
        h('span', { class: 'mono' }, id),
        name ? h('div', { class: 'ops-muted' }, name) : null,
      ),
      ...listCells(this.kind, d, this.context).map((c, i) =>
        h('td', { class: 'ops-wrap', 'data-col': String(i + 1), 'data-label': heads[i] }, c),
      ),
      h('td', {}, h('div', { class: 'notify-actions' }, test, edit, del)),
    );
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
