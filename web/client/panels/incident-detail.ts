/**
 * One incident's detail, under the queue: what it is and where, then — in the order an operator
 * works — the evidence (each sensor alarm opens its sensor, each report is found on the map),
 * the actions (for `incidents.act`), the units to dispatch, and the history (who, when, what)
 * from `GET /api/incidents/{id}`. Actions go to `POST /api/incidents/{id}/actions`.
 */
import type { IncidentDetail, IncidentView } from '../../shared/protocol.ts';
import { fetchSensorDetail } from '../backend/api-client.ts';
import { jsonCall } from '../backend/session.ts';
import { formatClock } from '../i18n/format.ts';
import {
  eventCategoryLabel,
  evidenceTypeLabel,
  historyDetailLabel,
  incidentStatusLabel,
  incidentStepLabel,
  incidentTypeLabel,
  sourceFamilyLabel,
  whyLabel,
} from '../i18n/incident-labels.ts';
import { getLanguage, t } from '../i18n/language.ts';
import { kindLabel } from '../i18n/labels.ts';
import { escalationBadge } from './escalation-badge.ts';
import { evidenceReference } from './incident-place.ts';
import { isAreaEvidence, SensorNames } from './sensor-names.ts';
import type { IncidentQueue } from '../stream/incident-queue.ts';
import { h, replaceChildren } from '../ui/dom.ts';

export interface IncidentDetailContext {
  queue: IncidentQueue;
  /** The role holds `incidents.act`: the action buttons are shown. */
  canAct: boolean;
  /** Where an incident is, worded (district, asset, or coordinates). */
  placeOf(i: IncidentView): string;
  /** A data source's name in the page's language, or null while it is not known. */
  sourceName?(id: string): string | null;
  /** A district's name in the page's language (an evidence row's "same district"), or null. */
  districtName?(code: string): string | null;
  /** A section drawn after the actions (dispatch: units for the incident), or null. */
  detailSection?(inc: IncidentView): HTMLElement | null;
  /** Opens a sensor's panel and flies the map to it (an evidence row's link). */
  openSensor(id: string): void;
  /** Flies the map to a place (a report's evidence row). */
  locate(lng: number, lat: number): void;
  /** The × was pressed. */
  onClose(): void;
}

type Action = 'acknowledge' | 'set_severity' | 'merge' | 'split' | 'false_alarm' | 'resolve' | 'close' | 'reopen';

export class IncidentDetailView {
  readonly el = h('div', { class: 'incident-detail', hidden: true, 'data-testid': 'incident-detail' });
  private selected: string | null = null;
  private data: IncidentDetail | null = null;
  private error: string | null = null;
  /** The last action's outcome, worded when drawn (so in the language of the moment). */
  private actionMessage: { text: () => string; error: boolean } | null = null;
  private loadSeq = 0;
  private refreshTimer = 0;
  /** A redraw put off while the user had a menu of it open or was typing. */
  private dirty = false;
  /** Merge candidates the detail was drawn with (same type, other ids). */
  private mergeKey = '';
  /** Evidence ids ticked for a split. */
  private readonly splitPick = new Set<string>();
  private splitButton: HTMLButtonElement | null = null;
  /** The reason typed for the next action (kept across redraws of the same incident). */
  private reason = '';
  /** The evidence's sensors' names (the registry's, per language), drawn again as they arrive. */
  private readonly sensorNames = new SensorNames(fetchSensorDetail, () => this.render(false));

  constructor(private readonly ctx: IncidentDetailContext) {}

  get selectedId(): string | null {
    return this.selected;
  }

  /** Shows `id` (loading its history), or hides the detail with null. */
  show(id: string | null): void {
    if (id === this.selected) return;
    this.selected = id;
    this.data = null;
    this.error = null;
    this.actionMessage = null;
    this.splitPick.clear();
    this.reason = '';
    this.dirty = false;
    if (id) void this.load(id);
    this.render(true);
  }

  /** An incident changed on the socket: reload the open one soon (coalesced). */
  changed(id: string): void {
    if (id !== this.selected || this.refreshTimer) return;
    this.refreshTimer = window.setTimeout(() => {
      this.refreshTimer = 0;
      if (this.selected) void this.load(this.selected);
    }, 300);
  }

  /** Redraws when it must: forced, put off before, still loading, or its merge candidates changed. */
  refresh(force = false): void {
    if (force || this.dirty || (this.selected && !this.data) || (this.selected && this.mergeCandidates() !== this.mergeKey))
      this.render(force);
  }

  private async load(id: string): Promise<void> {
    const seq = ++this.loadSeq;
    const r = await jsonCall<IncidentDetail>('GET', `/api/incidents/${encodeURIComponent(id)}`);
    if (seq !== this.loadSeq || id !== this.selected) return;
    if (r.ok) {
      this.data = r.value;
      this.error = null;
    } else this.error = r.error;
    this.render(false);
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
    if (r.ok) {
      const what = r.value.changes[0]?.what ?? action;
      this.actionMessage = { text: () => t('incident.act.done', { what: incidentStepLabel(what) }), error: false };
    } else {
      const reason = r.error;
      this.actionMessage = { text: () => t('incident.act.failed', { reason }), error: true };
    }
    if (this.selected === id) await this.load(id);
  }

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
    const inc = id ? (this.data ?? this.ctx.queue.get(id)) : null;
    if (!inc) return '';
    return this.ctx.queue
      .list()
      .filter((o) => o.id !== inc.id && o.type === inc.type)
      .map((o) => o.id)
      .join(',');
  }

  private render(force: boolean): void {
    const id = this.selected;
    document.body.classList.toggle('incident-open', id !== null);
    this.el.hidden = id === null;
    if (!id) {
      replaceChildren(this.el);
      return;
    }
    // Redrawing would close a menu the user has open (severity, merge target) or drop the focus
    // of the reason being typed: later (a change of incident redraws at once).
    const focused = document.activeElement;
    if (
      !force &&
      (focused instanceof HTMLSelectElement || (focused instanceof HTMLInputElement && focused.type === 'text')) &&
      this.el.contains(focused)
    ) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    const d = this.data;
    const inc: IncidentView | null = d ?? this.ctx.queue.get(id) ?? null;
    const parts: Array<Node | string> = [this.head(id, inc)];
    if (!inc) {
      parts.push(
        h('div', { class: 'panel-message' }, this.error ? t('incident.loadFailed', { reason: this.error }) : t('incident.loading')),
      );
      replaceChildren(this.el, ...parts);
      return;
    }
    parts.push(this.facts(inc));
    parts.push(...this.evidence(inc));
    if (this.ctx.canAct) parts.push(this.actions(inc));
    if (this.actionMessage)
      parts.push(
        h(
          'div',
          { class: `incident-action-message${this.actionMessage.error ? ' error' : ''}`, 'data-testid': 'incident-action-message' },
          this.actionMessage.text(),
        ),
      );
    const section = this.ctx.detailSection?.(inc);
    if (section) parts.push(section);
    if (d) parts.push(...this.history(d));
    // Keep the scroll position across refreshes.
    const scroll = this.el.scrollTop;
    replaceChildren(this.el, ...parts);
    this.el.scrollTop = scroll;
  }

  private head(id: string, inc: IncidentView | null): HTMLElement {
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
    close.addEventListener('click', () => this.ctx.onClose());
    return h(
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
  }

  private facts(inc: IncidentView): HTMLElement {
    return h(
      'dl',
      { class: 'incident-facts' },
      h('dt', {}, t('incident.place')),
      h('dd', {}, this.ctx.placeOf(inc)),
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
    );
  }

  /** The evidence first: each sensor alarm links to its sensor, each report to its place. */
  private evidence(inc: IncidentView): Array<Node> {
    const parts: Node[] = [h('h3', {}, t('incident.evidence', { n: inc.evidence.length }))];
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
            if (pick.checked) this.splitPick.add(e.id);
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
            this.evidenceLink(e),
            h('div', { class: 'evidence-why' }, whyLabel(e.why, getLanguage(), this.ctx.districtName)),
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
      this.splitButton = split;
      this.updateSplitButton(inc.evidence.length);
      parts.push(h('div', { class: 'action-row split-row' }, h('span', { class: 'muted small' }, t('incident.act.splitHint')), split));
    } else this.splitButton = null;
    return parts;
  }

  /** A sensor alarm's sensor (its panel, the map on it), or a report's place on the map. */
  private evidenceLink(e: IncidentView['evidence'][number]): HTMLElement {
    if (e.kind === 'sensor_alarm' && isAreaEvidence(e)) return this.areaLink(e);
    if (e.kind === 'sensor_alarm' && e.sensorId) {
      const sensorId = e.sensorId;
      // Named by the registry's name in the page's language, the id beside it; a sensor the
      // registry does not know (any more) by its id alone.
      const name = this.sensorNames.name(sensorId, getLanguage());
      const b = h(
        'button',
        {
          type: 'button',
          class: name ? 'evidence-link' : 'evidence-link mono',
          'data-testid': 'evidence-open-sensor',
          'data-sensor-id': sensorId,
          title: t('incident.ev.openSensor'),
        },
        ...(name
          ? [
              h('span', { class: 'evidence-sensor-name', 'data-testid': 'evidence-sensor-name' }, name),
              ' ',
              h('span', { class: 'evidence-sensor-id mono' }, sensorId),
            ]
          : [sensorId]),
        h('span', { class: 'evidence-link-hint' }, ` · ${t('incident.ev.openSensor')} →`),
      );
      b.addEventListener('click', () => this.ctx.openSensor(sensorId));
      return b;
    }
    const ref = evidenceReference(
      e,
      (id) => this.ctx.sourceName?.(id) ?? null,
      formatClock,
      (type) => sourceFamilyLabel(type),
    );
    if (!Number.isFinite(e.lng) || !Number.isFinite(e.lat))
      return h('div', { class: 'mono muted evidence-id', title: ref.title }, ref.text);
    const b = h(
      'button',
      { type: 'button', class: 'evidence-link mono', 'data-testid': 'evidence-locate', title: `${t('incident.ev.locate')} · ${ref.title}` },
      ref.text,
      h('span', { class: 'evidence-link-hint' }, ` · ${t('incident.ev.locate')}`),
    );
    b.addEventListener('click', () => this.ctx.locate(e.lng, e.lat));
    return b;
  }

  /**
   * A district-wide alarm's evidence: the share of the district's sensors of its kind in alarm, not
   * a registry sensor (it has no sensor panel). Worded, never its id; a press shows where the
   * alarming sensors are (their centre) on the map.
   */
  private areaLink(e: IncidentView['evidence'][number]): HTMLElement {
    const text = t('incident.ev.area', { pct: Math.round((e.areaShare ?? 0) * 100) });
    if (!Number.isFinite(e.lng) || !Number.isFinite(e.lat))
      return h('div', { class: 'muted evidence-id', 'data-testid': 'evidence-area' }, text);
    const b = h(
      'button',
      { type: 'button', class: 'evidence-link', 'data-testid': 'evidence-area', title: t('incident.ev.locate') },
      text,
      h('span', { class: 'evidence-link-hint' }, ` · ${t('incident.ev.locate')}`),
    );
    b.addEventListener('click', () => this.ctx.locate(e.lng, e.lat));
    return b;
  }

  private history(d: IncidentDetail): Node[] {
    return [
      h('h3', {}, t('incident.history')),
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
    ];
  }

  private actions(inc: IncidentView): HTMLElement {
    const button = (
      action: Action,
      label: string,
      testid: string,
      extra: () => Record<string, unknown> | null = () => ({}),
    ): HTMLButtonElement => {
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
    for (const o of others) merge.append(h('option', { value: o.id }, `${o.id} · ${this.ctx.placeOf(o)}`));
    merge.disabled = others.length === 0;
    const reason = h('input', {
      type: 'text',
      class: 'action-reason',
      maxlength: '500',
      'data-testid': 'incident-reason',
      placeholder: t('incident.act.reasonHint'),
      'aria-label': t('incident.act.reasonHint'),
      value: this.reason,
    });
    reason.addEventListener('input', () => (this.reason = reason.value));
    const rows = [h('div', { class: 'action-row' }, reason), h('div', { class: 'action-row' }, ...row1)];
    if (active) {
      rows.push(
        h(
          'div',
          { class: 'action-row' },
          severity,
          button('set_severity', t('incident.act.setSeverity'), 'incident-action-severity', () => ({ severity: Number(severity.value) })),
        ),
      );
      const mergeButton = button('merge', t('incident.act.merge'), 'incident-action-merge', () =>
        merge.value ? { otherId: merge.value } : null,
      );
      mergeButton.disabled = others.length === 0;
      rows.push(h('div', { class: 'action-row' }, merge, mergeButton));
    }
    return h('div', { class: 'incident-actions', 'data-testid': 'incident-actions' }, h('h3', {}, t('incident.actions')), ...rows);
  }
}
