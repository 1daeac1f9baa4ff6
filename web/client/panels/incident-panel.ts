/**
 * The incident queue: the active incidents, most severe first, each with its type, place,
 * severity, confidence, status and age. A new incident flashes in the list and announces itself
 * in a toast. Clicking one opens its detail below the list: the evidence with why each item was
 * linked, the history (who, when, what) from `GET /api/incidents/{id}`, and — for roles with
 * `incidents.act` — the actions, sent to `POST /api/incidents/{id}/actions`.
 */
import type { IncidentDetail, IncidentView } from '../../shared/protocol.ts';
import { jsonCall } from '../backend/session.ts';
import { formatClock, formatDuration } from '../i18n/format.ts';
import {
  eventCategoryLabel,
  evidenceTypeLabel,
  incidentStatusLabel,
  incidentStepLabel,
  incidentTypeLabel,
  historyDetailLabel,
  whyLabel,
} from '../i18n/incident-labels.ts';
import { getLanguage, t } from '../i18n/language.ts';
import { kindLabel } from '../i18n/labels.ts';
import { escalationBadge } from './escalation-badge.ts';
import type { IncidentQueue } from '../stream/incident-queue.ts';
import type { Panel } from '../app/panel.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';

export interface IncidentPanelContext {
  queue: IncidentQueue;
  /** The role holds `incidents.act`: the action buttons are shown. */
  canAct: boolean;
  serverNow(): number;
  districtName(code: string | null): string | null;
  /** The selection changed (the map rings the selected incident and draws its evidence). */
  onSelect(id: string | null): void;
  /** A section drawn in the detail after the actions (dispatch: units for the incident), or null. */
  detailSection?(inc: IncidentView): HTMLElement | null;
}

/** How long a new incident stays highlighted and its toast stays up. */
const ANNOUNCE_MS = 6_000;

type Action = 'acknowledge' | 'set_severity' | 'merge' | 'split' | 'false_alarm' | 'resolve' | 'close' | 'reopen';

export class IncidentPanel implements Panel<unknown> {
  readonly el: HTMLElement;
  readonly toast = h('div', {
    class: 'incident-toast',
    role: 'status',
    'aria-live': 'polite',
    hidden: true,
    'data-testid': 'incident-toast',
  });
  private readonly title = h('h2', { class: 'panel-title' });
  private readonly count = h('span', { class: 'incident-count', 'data-testid': 'incident-count' });
  private readonly list = h('ol', { class: 'incident-list', 'data-testid': 'incident-list' });
  private readonly empty = h('div', { class: 'incident-empty muted', 'data-testid': 'incident-empty' });
  private readonly detail = h('div', { class: 'incident-detail', hidden: true, 'data-testid': 'incident-detail' });
  private selected: string | null = null;
  private detailData: IncidentDetail | null = null;
  private detailError: string | null = null;
  private actionMessage: { text: string; error: boolean } | null = null;
  private loadSeq = 0;
  private refreshTimer = 0;
  private toastTimer = 0;
  /** Incident id → when its highlight ends. */
  private readonly flashing = new Map<string, number>();
  private renderedVersion = -1;
  /** When the ages in the list were last redrawn. */
  private agesAt = 0;
  /** The detail needs a redraw that was put off while the user had a menu of it open. */
  private detailDirty = false;
  /** Merge candidates the open detail was drawn with (same type, other ids). */
  private mergeKey = '';
  /** Evidence ids ticked for a split, of the open incident. */
  private readonly splitPick = new Set<string>();
  /** The reason typed for the next action (kept across redraws of the same incident). */
  private reason = '';

  constructor(private readonly ctx: IncidentPanelContext) {
    const header = h('div', { class: 'panel-header' }, h('div', { class: 'incident-heading' }, this.title, this.count));
    this.el = h(
      'section',
      { class: 'panel incident-panel', 'data-testid': 'incident-panel' },
      header,
      h('div', { class: 'incident-scroll' }, this.empty, this.list),
      this.detail,
    );
    this.toast.addEventListener('click', () => {
      const id = this.toast.dataset.incidentId;
      if (id) this.select(id);
    });
  }

  get selectedId(): string | null {
    return this.selected;
  }

  /** New incidents arrived: highlight them and show a toast for the most severe. */
  announce(ids: readonly string[]): void {
    const incidents = ids.map((id) => this.ctx.queue.get(id)).filter((i): i is IncidentView => i !== undefined);
    if (incidents.length === 0) return;
    const until = Date.now() + ANNOUNCE_MS;
    for (const i of incidents) this.flashing.set(i.id, until);
    const top = incidents.sort((a, b) => b.severity - a.severity)[0]!;
    this.toast.dataset.incidentId = top.id;
    this.toast.dataset.severity = String(top.severity);
    replaceChildren(
      this.toast,
      h('strong', {}, t('incident.new')),
      ' ',
      `${incidentTypeLabel(top.type)} · ${this.placeOf(top)} · ${t('incident.severityShort', { n: top.severity })}`,
    );
    this.toast.hidden = false;
    window.clearTimeout(this.toastTimer);
    this.toastTimer = window.setTimeout(() => (this.toast.hidden = true), ANNOUNCE_MS);
    this.renderedVersion = -1;
  }

  /** Opens the detail of `id` (or closes it with null). */
  select(id: string | null): void {
    if (id === this.selected) return;
    this.selected = id;
    this.detailData = null;
    this.detailError = null;
    this.actionMessage = null;
    this.splitPick.clear();
    this.reason = '';
    this.ctx.onSelect(id);
    this.renderedVersion = -1;
    if (id) void this.load(id);
    this.redraw();
  }

  /** An incident changed on the socket: refresh the open detail soon (coalesced). */
  changed(id: string): void {
    if (id !== this.selected || this.refreshTimer) return;
    this.refreshTimer = window.setTimeout(() => {
      this.refreshTimer = 0;
      if (this.selected) void this.load(this.selected);
    }, 300);
  }

  /** Re-renders when the queue changed or ages moved on (called on the console's tick). */
  /** Panel: the queue and the detail follow the incident queue (redrawn when it changed). */
  render(): void {
    this.redraw();
  }

  mount(parent: HTMLElement): void {
    parent.append(this.el, this.toast);
  }

  destroy(): void {
    this.el.remove();
    this.toast.remove();
  }

  redraw(force = false): void {
    const now = Date.now();
    for (const [id, until] of this.flashing) if (until < now) this.flashing.delete(id);
    // Ages move on: redraw every 10 s even when nothing changed.
    const stale = now - this.agesAt > 10_000;
    if (!force && !stale && this.renderedVersion === this.ctx.queue.version && this.flashing.size === 0) {
      if (this.detailDirty) this.renderDetail();
      return;
    }
    this.agesAt = now;
    this.renderedVersion = this.ctx.queue.version;
    const items = this.ctx.queue.list();
    setText(this.count, t('incident.count', { n: items.length }));
    this.empty.hidden = items.length > 0;
    setText(this.empty, t('incident.empty'));
    replaceChildren(this.list, ...items.map((i) => this.row(i)));
    // The detail redraws when its data arrives (load), not on every queue change — except when
    // the incidents it could be merged with changed (a new one arrived, one closed).
    if (force || this.detailDirty || (this.selected && !this.detailData) || (this.selected && this.mergeCandidates() !== this.mergeKey))
      this.renderDetail();
  }

  renderLabels(): void {
    setText(this.title, t('incident.queue'));
    this.redraw(true);
  }

  private placeOf(i: IncidentView): string {
    const district = this.ctx.districtName(i.district) ?? i.district ?? '';
    return [district, i.assetId].filter(Boolean).join(' · ') || `${i.lng.toFixed(3)}, ${i.lat.toFixed(3)}`;
  }

  private row(i: IncidentView): HTMLElement {
    const age = formatDuration(Math.max(0, this.ctx.serverNow() - i.openedAt), getLanguage());
    const button = h(
      'button',
      {
        type: 'button',
        class: 'incident-row',
        'data-testid': 'incident-row',
        'data-incident-id': i.id,
        'data-severity': String(i.severity),
        'data-status': i.status,
        'aria-pressed': String(i.id === this.selected),
      },
      h('span', { class: 'severity-badge', 'data-severity': String(i.severity), title: t('incident.severity') }, String(i.severity)),
      h(
        'span',
        { class: 'incident-main' },
        h('span', { class: 'incident-type' }, incidentTypeLabel(i.type)),
        h('span', { class: 'incident-place muted' }, this.placeOf(i)),
      ),
      h(
        'span',
        { class: 'incident-meta' },
        h('span', { class: 'incident-status', 'data-status': i.status }, incidentStatusLabel(i.status)),
        h(
          'span',
          { class: 'muted', title: t('incident.confidence') },
          `${Math.round(i.confidence * 100)}% · ${t('incident.age', { age })}`,
        ),
        escalationBadge(i.id, 'row'),
      ),
    );
    if (this.flashing.has(i.id)) button.classList.add('flash');
    button.addEventListener('click', () => this.select(i.id === this.selected ? null : i.id));
    return h('li', {}, button);
  }

  private async load(id: string): Promise<void> {
    const seq = ++this.loadSeq;
    const r = await jsonCall<IncidentDetail>('GET', `/api/incidents/${encodeURIComponent(id)}`);
    if (seq !== this.loadSeq || id !== this.selected) return;
    if (r.ok) {
      this.detailData = r.value;
      this.detailError = null;
    } else this.detailError = r.error;
    this.renderDetail();
  }

  private async act(action: Action, extra: Record<string, unknown> = {}): Promise<void> {
    const id = this.selected;
    if (!id) return;
    const reason = this.reason.trim();
    const r = await jsonCall<{ changes: Array<{ what: string }> }>('POST', `/api/incidents/${encodeURIComponent(id)}/actions`, {
      action,
      ...extra,
      ...(reason ? { reason } : {}),
    });
    if (r.ok) {
      this.reason = '';
      if (action === 'split') this.splitPick.clear();
    }
    this.actionMessage = r.ok
      ? { text: t('incident.act.done', { what: incidentStepLabel(r.value.changes[0]?.what ?? action) }), error: false }
      : { text: t('incident.act.failed', { reason: r.error }), error: true };
    if (this.selected === id) await this.load(id);
  }

  private splitButton: HTMLButtonElement | null = null;

  /** The split needs at least one ticked item and must leave one behind. */
  private updateSplitButton(total: number): void {
    if (!this.splitButton) return;
    const n = this.splitPick.size;
    this.splitButton.disabled = n === 0 || n >= total;
    this.splitButton.textContent = n > 0 ? t('incident.act.splitN', { n }) : t('incident.act.split');
  }

  /** Ids of the incidents the selected one could be merged with, as a comparable key. */
  private mergeCandidates(): string {
    const id = this.selected;
    const inc = id ? (this.detailData ?? this.ctx.queue.get(id)) : null;
    if (!inc) return '';
    return this.ctx.queue
      .list()
      .filter((o) => o.id !== inc.id && o.type === inc.type)
      .map((o) => o.id)
      .join(',');
  }

  private renderDetail(): void {
    // Redrawing would close a menu the user has open (severity, merge target) or drop the focus
    // of the reason being typed: later.
    const focused = document.activeElement;
    if (
      (focused instanceof HTMLSelectElement || (focused instanceof HTMLInputElement && focused.type === 'text')) &&
      this.detail.contains(focused)
    ) {
      this.detailDirty = true;
      return;
    }
    this.detailDirty = false;
    const id = this.selected;
    document.body.classList.toggle('incident-open', id !== null);
    this.detail.hidden = id === null;
    if (!id) return;
    const live = this.ctx.queue.get(id);
    const d = this.detailData;
    const inc: IncidentView | null = d ?? live ?? null;
    const close = h(
      'button',
      {
        type: 'button',
        class: 'icon-button',
        title: t('incident.close'),
        'aria-label': t('incident.close'),
        'data-testid': 'incident-detail-close',
      },
      '×',
    );
    close.addEventListener('click', () => this.select(null));
    const head = h(
      'div',
      { class: 'incident-detail-head' },
      h(
        'div',
        { class: 'title-block' },
        h('div', { class: 'eyebrow' }, incidentTypeLabel(inc?.type ?? '')),
        h('div', { class: 'mono', 'data-testid': 'incident-detail-id' }, id),
      ),
      // The flight recorder, with the incident's range proposed (web/client/replay.html).
      h(
        'a',
        {
          class: 'replay-link',
          href: `./replay.html?incident=${encodeURIComponent(id)}`,
          target: '_blank',
          rel: 'noopener',
          'data-testid': 'incident-replay-link',
        },
        t('replay.open'),
      ),
      close,
    );
    const parts: Array<Node | string> = [head];
    if (!inc) {
      parts.push(
        h(
          'div',
          { class: 'panel-message' },
          this.detailError ? t('incident.loadFailed', { reason: this.detailError }) : t('incident.loading'),
        ),
      );
      replaceChildren(this.detail, ...parts);
      return;
    }
    parts.push(
      h(
        'dl',
        { class: 'incident-facts' },
        h('dt', {}, t('incident.place')),
        h('dd', {}, this.placeOf(inc)),
        h('dt', {}, t('incident.severity')),
        h('dd', {}, h('span', { class: 'severity-badge', 'data-severity': String(inc.severity) }, String(inc.severity))),
        h('dt', {}, t('incident.confidence')),
        h('dd', {}, `${Math.round(inc.confidence * 100)}%`),
        h('dt', {}, t('incident.openedAt')),
        h(
          'dd',
          {},
          `${formatClock(inc.openedAt)} · `,
          h(
            'span',
            { 'data-testid': 'incident-detail-status', class: 'incident-status', 'data-status': inc.status },
            incidentStatusLabel(inc.status),
          ),
          ' ',
          escalationBadge(inc.id, 'detail'),
        ),
      ),
    );
    if (this.ctx.canAct) parts.push(this.actions(inc));
    if (this.actionMessage)
      parts.push(
        h(
          'div',
          { class: `incident-action-message${this.actionMessage.error ? ' error' : ''}`, 'data-testid': 'incident-action-message' },
          this.actionMessage.text,
        ),
      );
    const section = this.ctx.detailSection?.(inc);
    if (section) parts.push(section);
    parts.push(h('h3', {}, t('incident.evidence', { n: inc.evidence.length })));
    // Ticking evidence offers a split: the ticked items move to a new incident.
    const canSplit = this.ctx.canAct && (inc.status === 'open' || inc.status === 'acknowledged') && inc.evidence.length > 1;
    for (const id of this.splitPick) if (!inc.evidence.some((e) => e.id === id)) this.splitPick.delete(id);
    parts.push(
      h(
        'ul',
        { class: 'evidence-list', 'data-testid': 'incident-evidence' },
        ...inc.evidence.map((e) => {
          const what =
            e.kind === 'sensor_alarm'
              ? `${t('incident.ev.sensor_alarm')} · ${kindLabel(e.sensorKind ?? 'unknown')}`
              : e.kind === 'official_warning'
                ? `${t('incident.ev.official_warning')} · ${e.source ?? ''}`
                : `${evidenceTypeLabel(e.eventType ?? '')}${e.category ? ` · ${eventCategoryLabel(e.category)}` : ''}`;
          const pick = canSplit
            ? h('input', {
                type: 'checkbox',
                class: 'evidence-pick',
                'data-testid': 'evidence-pick',
                'aria-label': t('incident.act.splitPick'),
                ...(this.splitPick.has(e.id) ? { checked: true } : {}),
              })
            : null;
          pick?.addEventListener('change', () => {
            if ((pick as HTMLInputElement).checked) this.splitPick.add(e.id);
            else this.splitPick.delete(e.id);
            this.updateSplitButton(inc.evidence.length);
          });
          return h(
            'li',
            { 'data-evidence-id': e.id },
            h(
              'div',
              { class: 'evidence-what' },
              h('label', { class: 'evidence-label' }, pick ?? '', h('span', {}, what)),
              e.kind === 'sensor_alarm'
                ? h('span', { class: 'muted' }, e.active ? t('incident.ev.active') : t('incident.ev.inactive'))
                : '',
            ),
            h('div', { class: 'mono muted evidence-id' }, e.sensorId ?? e.id.replace(/^event:/, '')),
            h('div', { class: 'evidence-why' }, whyLabel(e.why)),
          );
        }),
      ),
    );
    if (inc.hiddenEvidence > 0) parts.push(h('div', { class: 'muted small' }, t('incident.hidden', { n: inc.hiddenEvidence })));
    if (inc.coarse) parts.push(h('div', { class: 'muted small', 'data-testid': 'incident-coarse' }, t('incident.coarse')));
    if (canSplit) {
      const split = h(
        'button',
        { type: 'button', class: 'action-button', 'data-testid': 'incident-action-split', 'data-action': 'split' },
        t('incident.act.split'),
      );
      split.addEventListener('click', () => {
        if (this.splitPick.size > 0) void this.act('split', { evidenceIds: [...this.splitPick] });
      });
      this.splitButton = split as HTMLButtonElement;
      this.updateSplitButton(inc.evidence.length);
      parts.push(h('div', { class: 'action-row split-row' }, h('span', { class: 'muted small' }, t('incident.act.splitHint')), split));
    } else this.splitButton = null;
    if (d) {
      parts.push(h('h3', {}, t('incident.history')));
      parts.push(
        h(
          'ol',
          { class: 'history-list', 'data-testid': 'incident-history' },
          ...d.history.map((c) =>
            h(
              'li',
              { 'data-what': c.what },
              h('span', { class: 'mono muted' }, formatClock(c.at)),
              h('span', { class: 'history-what' }, incidentStepLabel(c.what)),
              h('span', { class: 'history-actor' }, c.actor === 'twin' ? t('incident.actor.twin') : c.actor),
              h('div', { class: 'muted history-detail' }, historyDetailLabel(c.what, c.detail)),
            ),
          ),
        ),
      );
    }
    // Keep the scroll position and a focused control across refreshes.
    const scroll = this.detail.scrollTop;
    replaceChildren(this.detail, ...parts);
    this.detail.scrollTop = scroll;
  }

  private actions(inc: IncidentView): HTMLElement {
    const button = (
      action: Action,
      label: string,
      testid: string,
      extra: () => Record<string, unknown> | null = () => ({}),
    ): HTMLElement => {
      const b = h('button', { type: 'button', class: 'action-button', 'data-testid': testid, 'data-action': action }, label);
      b.addEventListener('click', () => {
        const body = extra();
        if (body) void this.act(action, body);
      });
      return b;
    };
    const active = inc.status === 'open' || inc.status === 'acknowledged';
    const row1: HTMLElement[] = [];
    if (inc.status === 'open') row1.push(button('acknowledge', t('incident.act.acknowledge'), 'incident-action-acknowledge'));
    if (active) {
      row1.push(button('false_alarm', t('incident.act.falseAlarm'), 'incident-action-false-alarm'));
      row1.push(button('resolve', t('incident.act.resolve'), 'incident-action-resolve'));
    }
    if (inc.status !== 'closed' && inc.status !== 'false_alarm')
      row1.push(button('close', t('incident.act.close'), 'incident-action-close'));
    if (!active) row1.push(button('reopen', t('incident.act.reopen'), 'incident-action-reopen'));
    const severity = h('select', {
      class: 'action-select',
      'data-testid': 'incident-severity-select',
      'aria-label': t('incident.severity'),
    });
    for (let s = 1; s <= 5; s++)
      severity.append(h('option', { value: String(s), ...(s === inc.severity ? { selected: true } : {}) }, String(s)));
    const others = this.ctx.queue.list().filter((o) => o.id !== inc.id && o.type === inc.type);
    this.mergeKey = this.mergeCandidates();
    const merge = h('select', {
      class: 'action-select',
      'data-testid': 'incident-merge-select',
      'aria-label': t('incident.act.mergePick'),
    });
    if (others.length === 0) merge.append(h('option', { value: '' }, t('incident.act.mergeNone')));
    for (const o of others) merge.append(h('option', { value: o.id }, `${o.id} · ${this.placeOf(o)}`));
    (merge as HTMLSelectElement).disabled = others.length === 0;
    const reason = h('input', {
      type: 'text',
      class: 'action-reason',
      maxlength: '500',
      'data-testid': 'incident-reason',
      placeholder: t('incident.act.reasonHint'),
      'aria-label': t('incident.act.reasonHint'),
      value: this.reason,
    });
    reason.addEventListener('input', () => (this.reason = (reason as HTMLInputElement).value));
    const rows = [h('div', { class: 'action-row' }, reason), h('div', { class: 'action-row' }, ...row1)];
    if (active) {
      rows.push(
        h(
          'div',
          { class: 'action-row' },
          severity,
          button('set_severity', t('incident.act.setSeverity'), 'incident-action-severity', () => ({
            severity: Number((severity as HTMLSelectElement).value),
          })),
        ),
      );
      const mergeButton = button('merge', t('incident.act.merge'), 'incident-action-merge', () =>
        (merge as HTMLSelectElement).value ? { otherId: (merge as HTMLSelectElement).value } : null,
      );
      (mergeButton as HTMLButtonElement).disabled = others.length === 0;
      rows.push(h('div', { class: 'action-row' }, merge, mergeButton));
    }
    return h('div', { class: 'incident-actions', 'data-testid': 'incident-actions' }, h('h3', {}, t('incident.actions')), ...rows);
  }
}
