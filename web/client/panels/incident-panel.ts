/**
 * The incident queue, the full height of its column: the active incidents, most severe first,
 * each with its type, place, severity, confidence, status and age; a time range ("since 1 h /
 * 6 h / 24 h"), filters by district, severity and status, and grouping by any of them (the map
 * shows the incidents the queue shows). While the pointer is on the list the order is held, so
 * no row moves under the mouse; arrivals wait at the end. Operators with `incidents.act` tick
 * several rows and acknowledge them in one go (each recorded as its own action). A new
 * incident flashes in the list and announces itself in a toast. A click opens its detail below
 * the list (incident-detail.ts); a second click, ×, or Escape closes it.
 */
import type { IncidentView } from '../../shared/protocol.ts';
import { jsonCall } from '../backend/session.ts';
import { formatDuration } from '../i18n/format.ts';
import { incidentStatusLabel, incidentTypeLabel } from '../i18n/incident-labels.ts';
import { getLanguage, t } from '../i18n/language.ts';
import { escalationBadge } from './escalation-badge.ts';
import type { IncidentQueue } from '../stream/incident-queue.ts';
import {
  ARRIVED_GROUP,
  arrange,
  filterIncidents,
  holdArrangement,
  holdDiffers,
  holdOf,
  isFiltered,
  NO_DISTRICT,
  parseQueuePrefs,
  serializeQueuePrefs,
  SINCE_HOURS,
  type HeldArrangement,
  type QueueFilter,
  type QueueGroup,
  type SinceHours,
} from '../stream/queue-view.ts';
import type { Panel } from '../app/panel.ts';
import { incidentPlace } from './incident-place.ts';
import { InViewTexts } from '../ui/in-view-text.ts';
import { h, patchKeyed, replaceChildren, type KeyedRow, setAttr, setDisabled, setHidden, setText } from '../ui/dom.ts';
import { IncidentDetailView } from './incident-detail.ts';

export interface IncidentPanelContext {
  queue: IncidentQueue;
  /** The role holds `incidents.act`: the action buttons and bulk acknowledge are shown. */
  canAct: boolean;
  serverNow(): number;
  districtName(code: string | null): string | null;
  /** The name of the asset an incident is at (an underpass, a station …), or null: the queue shows names, not ids. */
  assetName?(id: string | null): string | null;
  /** A data source's name in the page's language, or null while it is not known (evidence references). */
  sourceName?(id: string): string | null;
  /** How many district names are known (they come with the base map, after the first rows): rows are drawn again when it changes. */
  districtsKnown(): number;
  /** The selection changed (the map rings the selected incident and draws its evidence). */
  onSelect(id: string | null): void;
  /** The filter changed: the map shows what the queue shows. */
  onFilterChange(): void;
  /** A section drawn in the detail after the actions (dispatch: units for the incident), or null. */
  detailSection?(inc: IncidentView): HTMLElement | null;
  /** Opens a sensor's panel and flies to it (evidence rows). */
  openSensor(id: string): void;
  /** Flies the map to a place (evidence rows of reports). */
  locate(lng: number, lat: number): void;
}

/** How long a new incident stays highlighted and its toast stays up. */
const ANNOUNCE_MS = 6_000;

/** A pointer resting this long on the list releases the held order. */
const HOLD_IDLE_MS = 20_000;

/** localStorage key of the queue's filter (queue-view.ts, versioned). */
export const QUEUE_PREFS_KEY = 'citytwin.queue';

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
  private readonly sinceLabel = h('span', { class: 'queue-tool-label' });
  private readonly sinceButtons = new Map<SinceHours, HTMLButtonElement>();
  private readonly districtSelect = h('select', { class: 'queue-select', 'data-testid': 'queue-filter-district' });
  private readonly severitySelect = h('select', { class: 'queue-select', 'data-testid': 'queue-filter-severity' });
  private readonly statusSelect = h('select', { class: 'queue-select', 'data-testid': 'queue-filter-status' });
  private readonly groupSelect = h('select', { class: 'queue-select', 'data-testid': 'queue-group' });
  private readonly resetButton = h('button', { type: 'button', class: 'link-button', 'data-testid': 'queue-filter-reset' });
  private readonly selectAll = h('input', { type: 'checkbox', class: 'queue-pick', 'data-testid': 'queue-select-all' });
  private readonly selectAllLabel = h('span', {});
  private readonly bulkButton = h('button', { type: 'button', class: 'action-button', 'data-testid': 'queue-bulk-ack', disabled: true });
  private readonly bulkMessage = h('span', { class: 'queue-bulk-message muted', role: 'status', 'data-testid': 'queue-bulk-message' });
  private readonly bulkBar: HTMLElement;
  private readonly heldNote = h('div', { class: 'queue-held', hidden: true, 'data-testid': 'queue-held' });
  /**
   * Folds the queue to its heading (the count) and unfolds it. Only phones show it (styles/console.css,
   * ≤ 640 px): there the queue starts folded, the map above it, and opening an incident unfolds it.
   */
  private readonly foldButton = h('button', {
    type: 'button',
    class: 'queue-fold',
    'data-testid': 'queue-fold',
    'aria-controls': 'incident-queue-body',
    'aria-expanded': 'false',
  });
  private readonly foldText = h('span', { class: 'queue-fold-text' });
  private folded = true;
  private readonly scroll: HTMLElement;
  private readonly list = h('ol', { class: 'incident-list', 'data-testid': 'incident-list' });
  private readonly empty = h('div', { class: 'incident-empty muted', 'data-testid': 'incident-empty' });
  private readonly detail: IncidentDetailView;
  private filter: QueueFilter;
  /** Bumped on every filter change (the map's layers key on it). */
  filterVersion = 0;
  /** The arrangement held while the pointer is on the list, or null. */
  private held: HeldArrangement | null = null;
  private holdTimer = 0;
  /** Incidents ticked for a bulk action. */
  private readonly picked = new Set<string>();
  private bulkRunning = false;
  /** Moves on with every relabelling (a language, the city's vocabulary): every row is worded again. */
  private labels = 0;
  private toastTimer = 0;
  /** The incident the toast announces (the last announcement's most severe). */
  private toastIncident: IncidentView | null = null;
  /** Incident id → when its highlight ends. */
  private readonly flashing = new Map<string, number>();
  private renderedKey = '';
  /** When the ages in the list were last redrawn. */
  private agesAt = 0;
  /** The rows' ages, written only into the rows in view (a long queue scrolls). */
  private readonly ages = new InViewTexts();
  /** District options last drawn (codes), so the menu is rebuilt only when they change. */
  private districtKey = '';

  constructor(private readonly ctx: IncidentPanelContext) {
    this.filter = loadFilter();
    this.detail = new IncidentDetailView({
      queue: ctx.queue,
      canAct: ctx.canAct,
      placeOf: (i) => this.placeOf(i),
      districtName: (code) => ctx.districtName(code),
      ...(ctx.sourceName ? { sourceName: ctx.sourceName } : {}),
      ...(ctx.detailSection ? { detailSection: ctx.detailSection } : {}),
      openSensor: ctx.openSensor,
      locate: ctx.locate,
      onClose: () => this.select(null),
    });
    const since = h('div', { class: 'segmented queue-since', role: 'group', 'data-testid': 'queue-since' });
    for (const hours of SINCE_HOURS) {
      const b = h('button', { type: 'button', 'data-testid': `queue-since-${hours ?? 'all'}`, 'aria-pressed': 'false' });
      b.addEventListener('click', () => this.setFilter({ sinceH: hours }));
      this.sinceButtons.set(hours, b);
      since.append(b);
    }
    this.districtSelect.addEventListener('change', () => this.setFilter({ district: this.districtSelect.value || null }));
    this.severitySelect.addEventListener('change', () => this.setFilter({ minSeverity: Number(this.severitySelect.value) || 1 }));
    this.statusSelect.addEventListener('change', () => this.setFilter({ status: this.statusSelect.value as QueueFilter['status'] }));
    this.groupSelect.addEventListener('change', () => this.setFilter({ groupBy: this.groupSelect.value as QueueFilter['groupBy'] }));
    this.resetButton.addEventListener('click', () => this.setFilter({ sinceH: null, district: null, minSeverity: 1, status: 'all' }));
    this.selectAll.addEventListener('change', () => this.pickAll(this.selectAll.checked));
    this.bulkButton.addEventListener('click', () => void this.acknowledgePicked());
    this.bulkBar = h(
      'div',
      { class: 'queue-bulk', hidden: !ctx.canAct, 'data-testid': 'queue-bulk' },
      h('label', { class: 'queue-pick-all' }, this.selectAll, this.selectAllLabel),
      this.bulkButton,
      this.bulkMessage,
    );
    this.scroll = h('div', { class: 'incident-scroll', 'data-testid': 'incident-scroll' }, this.empty, this.list);
    // Held order: nothing moves under the pointer; released when it leaves, or when it has
    // rested for a while (a pointer left on a wall's list must not hold it for the whole shift).
    const hold = (): void => {
      window.clearTimeout(this.holdTimer);
      this.holdTimer = window.setTimeout(() => this.release(), HOLD_IDLE_MS);
      if (!this.held) this.held = holdOf(this.arrangement());
    };
    this.scroll.addEventListener('pointerenter', hold);
    this.scroll.addEventListener('pointermove', hold);
    this.scroll.addEventListener('pointerleave', () => this.release());
    this.foldButton.append(this.foldText, h('span', { class: 'queue-fold-mark', 'aria-hidden': 'true' }));
    this.foldButton.addEventListener('click', () => this.setFolded(!this.folded));
    const header = h(
      'div',
      { class: 'panel-header' },
      h('div', { class: 'incident-heading' }, this.title, this.count),
      this.resetButton,
      this.foldButton,
    );
    const tools = h(
      'div',
      { class: 'queue-tools', 'data-testid': 'queue-tools' },
      h('div', { class: 'queue-tool-row' }, this.sinceLabel, since),
      h('div', { class: 'queue-tool-row queue-selects' }, this.districtSelect, this.severitySelect, this.statusSelect, this.groupSelect),
    );
    this.el = h(
      'section',
      { class: 'panel incident-panel', 'data-testid': 'incident-panel' },
      header,
      h(
        'div',
        { class: 'incident-queue-body', id: 'incident-queue-body', 'data-testid': 'incident-queue-body' },
        tools,
        this.bulkBar,
        this.heldNote,
        this.scroll,
        this.detail.el,
      ),
    );
    this.setFolded(true);
    this.toast.addEventListener('click', () => {
      const id = this.toast.dataset.incidentId;
      if (id) this.select(id);
    });
  }

  get selectedId(): string | null {
    return this.detail.selectedId;
  }

  /** The incidents the queue shows now (filtered; the map draws these). */
  visible(): IncidentView[] {
    return filterIncidents(this.ctx.queue.list(), this.filter, this.ctx.serverNow());
  }

  /** The queue's filter (a copy). */
  currentFilter(): QueueFilter {
    return { ...this.filter };
  }

  /** Changes part of the filter, remembers it, and redraws the queue and the map. */
  setFilter(change: Partial<QueueFilter>): void {
    this.filter = { ...this.filter, ...change };
    this.filterVersion++;
    this.held = null;
    try {
      window.localStorage.setItem(QUEUE_PREFS_KEY, serializeQueuePrefs(this.filter));
    } catch {
      // Not remembered; the filter still applies here.
    }
    this.redraw(true);
    this.ctx.onFilterChange();
  }

  /** New incidents arrived: highlight them and show a toast for the most severe. */
  announce(ids: readonly string[]): void {
    const incidents = ids.map((id) => this.ctx.queue.get(id)).filter((i): i is IncidentView => i !== undefined);
    if (incidents.length === 0) return;
    const until = Date.now() + ANNOUNCE_MS;
    for (const i of incidents) this.flashing.set(i.id, until);
    const top = incidents.sort((a, b) => b.severity - a.severity)[0]!;
    this.toastIncident = top;
    this.renderToast();
    this.toast.hidden = false;
    window.clearTimeout(this.toastTimer);
    this.toastTimer = window.setTimeout(() => (this.toast.hidden = true), ANNOUNCE_MS);
    this.renderedKey = '';
  }

  /**
   * Words the toast in the current language (again on a switch, while it is up or not: its
   * words are never left in the language it appeared in).
   */
  private renderToast(): void {
    const top = this.toastIncident;
    if (!top) return;
    this.toast.dataset.incidentId = top.id;
    this.toast.dataset.severity = String(top.severity);
    replaceChildren(
      this.toast,
      h('strong', {}, t('incident.new')),
      ' ',
      `${incidentTypeLabel(top.type)} · ${this.placeOf(top)} · ${t('incident.severityShort', { n: top.severity })}`,
    );
  }

  /** Lets the list take its current order again. */
  private release(): void {
    window.clearTimeout(this.holdTimer);
    if (!this.held) return;
    this.held = null;
    this.redraw(true);
  }

  /** Whether the queue is folded to its heading (phones: styles/console.css; nothing changes on a desk). */
  get isFolded(): boolean {
    return this.folded;
  }

  /** Folds the queue to its heading, or unfolds it (the phone's fold button). */
  setFolded(folded: boolean): void {
    this.folded = folded;
    this.el.dataset.folded = String(folded);
    document.body.classList.toggle('queue-folded', folded);
    setAttr(this.foldButton, 'aria-expanded', String(!folded));
    this.renderFold();
  }

  private renderFold(): void {
    setText(this.foldText, t(this.folded ? 'queue.unfold' : 'queue.fold'));
    const label = t(this.folded ? 'queue.unfoldLabel' : 'queue.foldLabel');
    setAttr(this.foldButton, 'aria-label', label);
    setAttr(this.foldButton, 'title', label);
  }

  /** Opens the detail of `id` (or closes it with null). */
  select(id: string | null): void {
    if (id === this.detail.selectedId) return;
    // An incident opened from the map, the search or a toast shows its detail: the queue unfolds.
    if (id !== null && this.folded) this.setFolded(false);
    this.detail.show(id);
    this.ctx.onSelect(id);
    this.redraw(true);
  }

  /** An incident changed on the socket: refresh the open detail soon (coalesced). */
  changed(id: string): void {
    this.detail.changed(id);
  }

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

  /** Re-renders when the queue changed or ages moved on (called on the console's tick and per socket frame). */
  redraw(force = false): void {
    const now = Date.now();
    for (const [id, until] of this.flashing) if (until < now) this.flashing.delete(id);
    // Ages move on: redraw every 10 s even when nothing changed.
    const stale = now - this.agesAt > 10_000;
    const key = `${this.ctx.queue.version}:${this.filterVersion}:${this.detail.selectedId ?? ''}:${this.held ? 'h' : ''}:${this.ctx.districtsKnown()}`;
    if (!force && !stale && key === this.renderedKey && this.flashing.size === 0) {
      this.detail.refresh();
      return;
    }
    this.agesAt = now;
    this.renderedKey = key;
    const all = this.ctx.queue.size;
    const current = this.arrangement();
    const groups = this.held ? holdArrangement(current, this.held) : current;
    const shown = groups.reduce((n, g) => n + g.items.length, 0);
    setText(this.count, isFiltered(this.filter) ? t('queue.countFiltered', { shown, n: all }) : t('incident.count', { n: all }));
    setHidden(this.resetButton, !isFiltered(this.filter));
    setHidden(this.empty, shown > 0);
    setText(this.empty, all === 0 ? t('incident.empty') : t('queue.noneMatch'));
    setHidden(this.heldNote, !this.held || !holdDiffers(current, groups));
    // Ticks survive only on rows still shown and still open.
    const openShown = new Set<string>();
    for (const g of groups) for (const i of g.items) if (i.status === 'open') openShown.add(i.id);
    for (const id of this.picked) if (!openShown.has(id)) this.picked.delete(id);
    const grouped = this.filter.groupBy !== 'none' || groups.some((g) => g.key === ARRIVED_GROUP);
    const rows: KeyedRow[] = [];
    for (const g of groups) {
      if (grouped)
        rows.push({
          key: `group:${g.key}`,
          shows: [this.labels, this.filter.groupBy, this.ctx.districtsKnown(), g.items.length],
          build: () => this.groupHead(g),
        });
      for (const i of g.items) rows.push(this.keyedRow(i));
    }
    // A row is built only when what it shows changed (ages, flashes and versions redraw often).
    patchKeyed(this.list, rows);
    this.ages.prune();
    this.renderTools();
    this.renderBulk(openShown.size);
    this.detail.refresh(force);
  }

  renderLabels(): void {
    this.labels++;
    setText(this.title, t('incident.queue'));
    setText(this.sinceLabel, t('queue.since'));
    for (const [hours, b] of this.sinceButtons) setText(b, hours === null ? t('queue.sinceAll') : t('queue.sinceH', { n: hours }));
    setText(this.resetButton, t('queue.reset'));
    setText(this.selectAllLabel, t('queue.selectAll'));
    setText(this.heldNote, t('queue.held'));
    this.renderFold();
    this.districtSelect.setAttribute('aria-label', t('queue.district'));
    this.severitySelect.setAttribute('aria-label', t('incident.severity'));
    this.statusSelect.setAttribute('aria-label', t('queue.status'));
    this.groupSelect.setAttribute('aria-label', t('queue.groupBy'));
    fillSelect(this.severitySelect, [
      ['1', t('queue.severityAll')],
      ['2', t('queue.severityMin', { n: 2 })],
      ['3', t('queue.severityMin', { n: 3 })],
      ['4', t('queue.severityMin', { n: 4 })],
      ['5', t('queue.severityOnly', { n: 5 })],
    ]);
    fillSelect(this.statusSelect, [
      ['all', t('queue.statusAll')],
      ['open', incidentStatusLabel('open')],
      ['acknowledged', incidentStatusLabel('acknowledged')],
    ]);
    fillSelect(this.groupSelect, [
      ['none', t('queue.groupNone')],
      ['district', t('queue.groupDistrict')],
      ['severity', t('queue.groupSeverity')],
      ['status', t('queue.groupStatus')],
    ]);
    this.districtKey = '';
    this.renderToast();
    this.redraw(true);
  }

  private arrangement(): QueueGroup[] {
    return arrange(this.visible(), this.filter.groupBy);
  }

  private renderTools(): void {
    const f = this.filter;
    for (const [hours, b] of this.sinceButtons) setAttr(b, 'aria-pressed', String(f.sinceH === hours));
    // District options: the districts of the active incidents (and the one chosen), by name.
    const counts = new Map<string, number>();
    for (const i of this.ctx.queue.list()) if (i.district) counts.set(i.district, (counts.get(i.district) ?? 0) + 1);
    if (f.district && !counts.has(f.district)) counts.set(f.district, 0);
    const codes = [...counts.keys()].sort((a, b) =>
      (this.ctx.districtName(a) ?? a).localeCompare(this.ctx.districtName(b) ?? b, getLanguage() === 'zh' ? 'zh-CN' : 'en'),
    );
    const key = `${getLanguage()}|${this.ctx.districtsKnown()}|${codes.map((c) => `${c}:${counts.get(c)}`).join(',')}`;
    if (key !== this.districtKey && document.activeElement !== this.districtSelect) {
      this.districtKey = key;
      fillSelect(this.districtSelect, [
        ['', t('queue.districtAll')],
        ...codes.map((c): [string, string] => [c, `${this.ctx.districtName(c) ?? c} (${counts.get(c)})`]),
      ]);
    }
    this.districtSelect.value = f.district ?? '';
    this.severitySelect.value = String(f.minSeverity);
    this.statusSelect.value = f.status;
    this.groupSelect.value = f.groupBy;
  }

  private renderBulk(openShown: number): void {
    if (!this.ctx.canAct) return;
    const n = this.picked.size;
    this.selectAll.checked = n > 0 && n === openShown;
    this.selectAll.indeterminate = n > 0 && n < openShown;
    setDisabled(this.selectAll, openShown === 0 || this.bulkRunning);
    setDisabled(this.bulkButton, n === 0 || this.bulkRunning);
    setText(this.bulkButton, t('queue.ackPicked', { n }));
  }

  private pickAll(on: boolean): void {
    this.picked.clear();
    if (on) for (const i of this.visible()) if (i.status === 'open') this.picked.add(i.id);
    this.redraw(true);
  }

  /** One click, one acknowledge per ticked incident (each recorded with who and when). */
  private async acknowledgePicked(): Promise<void> {
    const ids = [...this.picked];
    if (ids.length === 0 || this.bulkRunning) return;
    this.bulkRunning = true;
    setText(this.bulkMessage, t('queue.ackRunning', { n: ids.length }));
    this.redraw(true);
    let ok = 0;
    const failures: string[] = [];
    for (const id of ids) {
      const r = await jsonCall('POST', `/api/incidents/${encodeURIComponent(id)}/actions`, { action: 'acknowledge' });
      if (r.ok) ok++;
      else failures.push(`${id}: ${r.error}`);
    }
    this.bulkRunning = false;
    this.picked.clear();
    this.bulkMessage.classList.toggle('error', failures.length > 0);
    setText(
      this.bulkMessage,
      failures.length === 0
        ? t('queue.ackDone', { n: ok })
        : t('queue.ackPartly', { n: ok, failed: failures.length, reason: failures[0]! }),
    );
    this.redraw(true);
  }

  private groupHead(g: QueueGroup): HTMLElement {
    const label =
      g.key === ARRIVED_GROUP
        ? t('queue.arrived')
        : this.filter.groupBy === 'district'
          ? g.key === NO_DISTRICT
            ? t('queue.noDistrict')
            : (this.ctx.districtName(g.key) ?? g.key)
          : this.filter.groupBy === 'severity'
            ? t('incident.severityShort', { n: g.key })
            : incidentStatusLabel(g.key);
    return h(
      'li',
      { class: 'queue-group-head', 'data-testid': 'queue-group', 'data-key': g.key === ARRIVED_GROUP ? 'arrived' : g.key },
      h('span', {}, label),
      h('span', { class: 'muted' }, String(g.items.length)),
    );
  }

  private placeOf(i: IncidentView): string {
    return incidentPlace(i, this.ctx.districtName, this.ctx.assetName ?? (() => null));
  }

  /** A queue row with everything it shows: built again only when one of them changed. */
  private keyedRow(i: IncidentView): KeyedRow {
    const age = formatDuration(Math.max(0, this.ctx.serverNow() - i.openedAt), getLanguage());
    const selected = i.id === this.detail.selectedId;
    const place = this.placeOf(i);
    const ageText = t('incident.age', { age });
    return {
      key: i.id,
      // The age is not among them: it is written into the row where it is.
      shows: [i, selected, place, this.labels, this.flashing.has(i.id), this.picked.has(i.id), this.bulkRunning],
      build: () => this.row(i, ageText, selected, place),
      refresh: (node) => {
        const el = (node as Element).querySelector('.incident-age');
        if (el) this.ages.write(el, ageText);
      },
    };
  }

  private row(i: IncidentView, ageText: string, selected: boolean, place: string): HTMLElement {
    const button = h(
      'button',
      {
        type: 'button',
        class: 'incident-row',
        'data-testid': 'incident-row',
        'data-incident-id': i.id,
        'data-severity': String(i.severity),
        'data-status': i.status,
        'aria-pressed': String(selected),
      },
      h('span', { class: 'severity-badge', 'data-severity': String(i.severity), title: t('incident.severity') }, String(i.severity)),
      h(
        'span',
        { class: 'incident-main' },
        h('span', { class: 'incident-type' }, incidentTypeLabel(i.type)),
        h('span', { class: 'incident-place muted' }, place),
      ),
      h(
        'span',
        { class: 'incident-meta' },
        h('span', { class: 'incident-status', 'data-status': i.status }, incidentStatusLabel(i.status)),
        h(
          'span',
          { class: 'muted' },
          h('span', { class: 'incident-confidence', title: t('incident.confidence') }, `${Math.round(i.confidence * 100)}% · `),
          h('span', { class: 'incident-age' }, ageText),
        ),
        escalationBadge(i.id, 'row'),
      ),
    );
    if (this.flashing.has(i.id)) button.classList.add('flash');
    button.addEventListener('click', () => this.select(selected ? null : i.id));
    const li = h('li', { class: 'incident-item' });
    if (this.ctx.canAct) {
      const pick = h('input', {
        type: 'checkbox',
        class: 'queue-pick',
        'data-testid': 'incident-pick',
        'data-incident-id': i.id,
        'aria-label': t('queue.pick', { id: i.id }),
        ...(this.picked.has(i.id) ? { checked: true } : {}),
        ...(i.status !== 'open' || this.bulkRunning ? { disabled: true } : {}),
      });
      pick.addEventListener('change', () => {
        if (pick.checked) this.picked.add(i.id);
        else this.picked.delete(i.id);
        this.renderBulk(this.visible().filter((v) => v.status === 'open').length);
      });
      li.append(h('span', { class: 'queue-pick-cell' }, pick));
    }
    li.append(button);
    return li;
  }
}

function loadFilter(): QueueFilter {
  try {
    return parseQueuePrefs(window.localStorage.getItem(QUEUE_PREFS_KEY));
  } catch {
    return parseQueuePrefs(null);
  }
}

function fillSelect(select: HTMLSelectElement, options: ReadonlyArray<readonly [string, string]>): void {
  const value = select.value;
  replaceChildren(select, ...options.map(([v, label]) => h('option', { value: v }, label)));
  if (options.some(([v]) => v === value)) select.value = value;
}
