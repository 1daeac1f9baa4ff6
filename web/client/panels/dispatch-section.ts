/**
 * The dispatch section of the incident detail: the units already working for the incident (status,
 * ETA, warnings) and, for an open or acknowledged incident, the recommended units from
 * `/api/incidents/{id}/recommendations` (POST for roles that dispatch, which records the ranking
 * shown; GET for the others) — name, kind, ETA, distance and every reason worded
 * in the console language, the coverage gap a departure leaves highlighted. Pointing at a
 * recommendation draws its route on the map (a click pins it). Roles with `dispatch.act` get a
 * 派遣 / Dispatch button per unit, sent with the unit's version (a unit another dispatcher took
 * meanwhile is refused with 409 and the list refreshes); choosing a unit that is not the first of
 * its kind asks for a reason in the panel and sends it as `overrideReason`.
 */
import type { IncidentView, RecommendationView, UnitView } from '../../shared/protocol.ts';
import type { ReasonPart } from '../../../twin-model/dispatch/unit-types.ts';
import { jsonCall } from '../backend/session.ts';
import { getLanguage, t, translate, type Language } from '../i18n/language.ts';
import { capabilityLabel, unitKindLabel, unitStatusLabel, unitWarningLabel } from '../i18n/labels.ts';
import type { StringKey } from '../i18n/strings.ts';
import { STRINGS } from '../i18n/strings.ts';
import { remainingTripS, type UnitStore } from '../stream/unit-store.ts';
import { unitSymbol } from '../map/unit-icons.ts';
import { h, replaceChildren } from '../ui/dom.ts';

export interface DispatchSectionContext {
  units: UnitStore;
  /** The role holds `dispatch.act`: dispatch buttons are shown. */
  canAct: boolean;
  serverNow(): number;
  districtName(code: string | null): string | null;
  /** The route to draw on the map (the recommendation pointed at or pinned), or null. */
  onPreview(path: [number, number][] | null): void;
}

/** Recommendations asked for at a time. */
const LIMIT = 8;
/** Unit changes refresh the recommendations at most this often (a changed ranking shown to a dispatcher is logged). */
const REFRESH_MS = 1_500;

/** Words a recommendation reason (a code with parameters) in the current language. */
export function reasonText(r: ReasonPart, districtName: (code: string | null) => string | null, lang: Language = getLanguage()): string {
  const key = `dispatch.reason.${r.code}` as StringKey;
  if (!(key in STRINGS.zh)) return r.code;
  const p: Record<string, string | number> = { ...(r.params ?? {}) };
  for (const name of ['caps', 'cap', 'missing']) if (typeof p[name] === 'string') p[name] = capabilityLabel(String(p[name]), lang);
  if (p.district !== undefined) p.district = districtName(String(p.district)) ?? String(p.district);
  // In an English sentence a kind is a common noun: "no pump team left".
  if (p.kind !== undefined)
    p.kind = lang === 'en' ? unitKindLabel(String(p.kind), lang).toLowerCase() : unitKindLabel(String(p.kind), lang);
  return translate(lang, key, p);
}

export function unitName(u: { nameZh: string; nameEn: string }): string {
  return getLanguage() === 'en' ? u.nameEn : u.nameZh;
}

/** Minutes with one decimal ("7.5"). */
function minutes(s: number): string {
  return (Math.round(s / 6) / 10).toFixed(1);
}

export class DispatchSection {
  readonly el = h('section', { class: 'dispatch-section', 'data-testid': 'dispatch-section' });
  private readonly assignedEl = h('div', { class: 'dispatch-assigned', 'data-testid': 'dispatch-assigned' });
  private readonly recsEl = h('div', { class: 'dispatch-recs' });
  private incident: IncidentView | null = null;
  private recs: RecommendationView[] | null = null;
  private loadError: string | null = null;
  /** The outcome of the last dispatch, worded when drawn (the language may change). */
  private message: { text: () => string; error: boolean } | null = null;
  private loadSeq = 0;
  private refreshTimer = 0;
  private lastLoadAt = 0;
  /** The unit whose dispatch needs an override reason, and the reason typed so far. */
  private override: { unitId: string; reason: string } | null = null;
  private sending = false;
  private hovered: string | null = null;
  private pinned: string | null = null;
  /** A redraw put off while the override reason has the focus. */
  private dirty = false;

  constructor(private readonly ctx: DispatchSectionContext) {}

  get incidentId(): string | null {
    return this.incident?.id ?? null;
  }

  /** Called by the incident detail on every redraw: follows the incident, returns the section. */
  show(inc: IncidentView): HTMLElement {
    const before = this.incident;
    this.incident = inc;
    const wasActive = before ? before.status === 'open' || before.status === 'acknowledged' : false;
    if (!before || before.id !== inc.id) this.reset();
    if (this.active && (!before || before.id !== inc.id || !wasActive)) void this.load();
    if (!this.active && this.recs) {
      this.recs = null;
      this.setPreview(null, null);
    }
    this.render();
    return this.el;
  }

  /** The incident detail closed or another one opened. */
  setIncident(id: string | null): void {
    if (id === this.incident?.id) return;
    this.incident = null;
    this.reset();
  }

  /** Units changed: redraw the assigned ones; when statuses changed, refresh the ranking (coalesced). */
  unitsChanged(statusChanged: boolean): void {
    if (!this.incident) return;
    this.renderAssigned();
    if (!statusChanged || !this.active || this.refreshTimer) return;
    const wait = Math.max(0, this.lastLoadAt + REFRESH_MS - Date.now());
    this.refreshTimer = window.setTimeout(() => {
      this.refreshTimer = 0;
      void this.load();
    }, wait);
  }

  /** The console's tick: ETAs count down. */
  tick(): void {
    if (this.incident) this.renderAssigned();
  }

  private get active(): boolean {
    const s = this.incident?.status;
    return s === 'open' || s === 'acknowledged';
  }

  private reset(): void {
    this.loadSeq++;
    this.recs = null;
    this.loadError = null;
    this.message = null;
    this.override = null;
    this.sending = false;
    window.clearTimeout(this.refreshTimer);
    this.refreshTimer = 0;
    this.setPreview(null, null);
    this.hovered = null;
  }

  private async load(): Promise<void> {
    const id = this.incident?.id;
    if (!id) return;
    const seq = ++this.loadSeq;
    this.lastLoadAt = Date.now();
    // A dispatcher's console records the ranking shown (POST, docs/dispatch.md); others only read it.
    const path = `/api/incidents/${encodeURIComponent(id)}/recommendations`;
    const r = this.ctx.canAct
      ? await jsonCall<RecommendationView[]>('POST', path, { limit: LIMIT })
      : await jsonCall<RecommendationView[]>('GET', `${path}?limit=${LIMIT}`);
    if (seq !== this.loadSeq || id !== this.incident?.id) return;
    if (r.ok) {
      this.recs = r.value;
      this.loadError = null;
      // A pinned or pointed-at unit that left the list: its route goes too.
      const ids = new Set(r.value.map((x) => x.unitId));
      if (this.pinned && !ids.has(this.pinned)) this.pinned = null;
      if (this.hovered && !ids.has(this.hovered)) this.hovered = null;
      if (this.override && !ids.has(this.override.unitId)) this.override = null;
      this.emitPreview();
    } else this.loadError = r.error;
    this.render();
  }

  private async dispatch(rec: RecommendationView, overrideReason?: string): Promise<void> {
    const id = this.incident?.id;
    if (!id || this.sending) return;
    this.sending = true;
    this.message = null;
    this.render();
    const body = { unitIds: [rec.unitId], expectedVersions: { [rec.unitId]: rec.version }, ...(overrideReason ? { overrideReason } : {}) };
    const r = await jsonCall<{ changes: Array<{ unitId: string; status: string }> }>(
      'POST',
      `/api/incidents/${encodeURIComponent(id)}/dispatch`,
      body,
    );
    if (id !== this.incident?.id) return;
    this.sending = false;
    if (r.ok) {
      this.override = null;
      this.message = { text: () => t('dispatch.sent', { name: unitName(rec) }), error: false };
      if (this.pinned === rec.unitId) this.pinned = null;
      if (this.hovered === rec.unitId) this.hovered = null;
      this.emitPreview();
    } else if (r.status === 422 && !overrideReason) {
      // The ranking moved and this unit is no longer the first of its kind: ask for a reason.
      this.override = { unitId: rec.unitId, reason: '' };
      this.message = null;
    } else if (r.status === 409) {
      this.message = { text: () => t('dispatch.conflict', { name: unitName(rec) }), error: true };
    } else {
      const reason = r.error;
      this.message = { text: () => t('dispatch.failed', { reason }), error: true };
    }
    this.render();
    await this.load();
  }

  private setPreview(hovered: string | null, pinned: string | null): void {
    this.hovered = hovered;
    this.pinned = pinned;
    this.emitPreview();
  }

  private emitPreview(): void {
    const id = this.hovered ?? this.pinned;
    const rec = id ? this.recs?.find((r) => r.unitId === id) : undefined;
    this.ctx.onPreview(rec ? rec.path : null);
  }

  private render(): void {
    const focused = document.activeElement;
    if (focused instanceof HTMLInputElement && this.el.contains(focused)) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    if (!this.incident) {
      replaceChildren(this.el);
      return;
    }
    this.renderAssigned();
    this.renderRecs();
    const parts: Array<Node | string> = [h('h3', {}, t('dispatch.title')), this.assignedEl];
    if (this.message)
      parts.push(
        h(
          'div',
          { class: `dispatch-message${this.message.error ? ' error' : ''}`, role: 'status', 'data-testid': 'dispatch-message' },
          this.message.text(),
        ),
      );
    parts.push(this.recsEl);
    replaceChildren(this.el, ...parts);
  }

  private renderAssigned(): void {
    const id = this.incident?.id;
    if (!id) return;
    const units = this.ctx.units.assignedTo(id);
    const now = this.ctx.serverNow();
    const heading = h(
      'div',
      { class: 'dispatch-subhead' },
      units.length ? t('dispatch.assigned', { n: units.length }) : t('dispatch.noneAssigned'),
    );
    const list = h('ul', { class: 'dispatch-unit-list' }, ...units.map((u) => this.assignedRow(u, now)));
    replaceChildren(this.assignedEl, heading, units.length ? list : null);
  }

  private assignedRow(u: UnitView, now: number): HTMLElement {
    const left = u.status === 'on_scene' ? null : remainingTripS(u, now);
    const eta = u.status === 'on_scene' ? t('unit.arrived') : left === null ? '' : t('unit.etaMin', { min: minutes(left) });
    return h(
      'li',
      { class: 'dispatch-unit', 'data-unit-id': u.id, 'data-status': u.status },
      unitSymbol(u.kind),
      h('span', { class: 'dispatch-unit-name' }, unitName(u)),
      h('span', { class: 'unit-status', 'data-status': u.status }, unitStatusLabel(u.status)),
      h('span', { class: 'dispatch-unit-eta muted' }, eta),
      ...u.warnings.map((w) => h('span', { class: 'unit-warning', title: unitWarningLabel(w, true) }, unitWarningLabel(w))),
    );
  }

  private renderRecs(): void {
    const parts: Array<Node | string> = [];
    if (!this.active) {
      parts.push(h('div', { class: 'muted small' }, t('dispatch.inactive')));
      replaceChildren(this.recsEl, ...parts);
      return;
    }
    const head = h('div', { class: 'dispatch-subhead' }, t('dispatch.recommended'));
    parts.push(head);
    if (!this.recs) {
      parts.push(
        h(
          'div',
          { class: 'muted small', 'data-testid': 'dispatch-status' },
          this.loadError ? t('dispatch.loadFailed', { reason: this.loadError }) : t('dispatch.loading'),
        ),
      );
      replaceChildren(this.recsEl, ...parts);
      return;
    }
    if (this.loadError) parts.push(h('div', { class: 'dispatch-message error' }, t('dispatch.loadFailed', { reason: this.loadError })));
    if (this.recs.length === 0) parts.push(h('div', { class: 'muted small', 'data-testid': 'dispatch-status' }, t('dispatch.none')));
    else parts.push(h('div', { class: 'muted small' }, t('dispatch.routeHint')));
    const firstOfKind = new Map<string, RecommendationView>();
    for (const r of this.recs) if (!firstOfKind.has(r.kind)) firstOfKind.set(r.kind, r);
    const list = h(
      'ol',
      { class: 'dispatch-recs-list', 'data-testid': 'dispatch-recs' },
      ...this.recs.map((r) => this.recRow(r, firstOfKind.get(r.kind)!)),
    );
    list.addEventListener('mouseleave', () => this.setPreview(null, this.pinned));
    parts.push(list);
    replaceChildren(this.recsEl, ...parts);
  }

  private recRow(r: RecommendationView, first: RecommendationView): HTMLElement {
    const isFirst = first.unitId === r.unitId;
    const districtName = (c: string | null) => this.ctx.districtName(c);
    const reasons = r.reasons.filter((x) => x.code !== 'coverage_gap');
    const gap = r.reasons.find((x) => x.code === 'coverage_gap');
    const head = h(
      'div',
      { class: 'rec-head' },
      h('span', { class: 'rec-rank' }, String(r.rank)),
      unitSymbol(r.kind),
      h(
        'span',
        { class: 'rec-name' },
        h('span', { class: 'rec-unit-name' }, unitName(r)),
        h('span', { class: 'rec-kind muted' }, unitKindLabel(r.kind) + (isFirst ? ` · ${t('dispatch.first')}` : '')),
      ),
      h(
        'span',
        { class: 'rec-eta', 'data-testid': 'rec-eta' },
        h('strong', {}, t('dispatch.eta', { min: minutes(r.etaS) })),
        h('span', { class: 'muted' }, t('dispatch.km', { km: (r.distanceM / 1000).toFixed(1) })),
      ),
    );
    if (this.ctx.canAct) {
      const send = h(
        'button',
        { type: 'button', class: 'action-button rec-send', 'data-testid': 'dispatch-send', 'data-unit-id': r.unitId },
        this.sending ? t('dispatch.sending') : t('dispatch.send'),
      );
      (send as HTMLButtonElement).disabled = this.sending || (r.status !== 'available' && r.status !== 'returning');
      send.addEventListener('click', (e) => {
        e.stopPropagation();
        if (isFirst) void this.dispatch(r);
        else {
          this.override = { unitId: r.unitId, reason: this.override?.unitId === r.unitId ? this.override.reason : '' };
          this.message = null;
          this.render();
          this.el.querySelector<HTMLInputElement>('[data-testid="dispatch-override-reason"]')?.focus();
        }
      });
      head.append(send);
    }
    const li = h(
      'li',
      {
        class: 'dispatch-rec',
        'data-testid': 'dispatch-rec',
        'data-unit-id': r.unitId,
        'data-kind': r.kind,
        'data-rank': String(r.rank),
        'aria-selected': String(this.pinned === r.unitId),
      },
      head,
      h(
        'div',
        { class: 'rec-reasons', 'data-testid': 'rec-reasons' },
        reasons.map((x) => reasonText(x, districtName)).join(getLanguage() === 'en' ? '; ' : '；'),
      ),
      gap ? h('div', { class: 'rec-warning', 'data-testid': 'rec-coverage-gap' }, `⚠ ${reasonText(gap, districtName)}`) : null,
    );
    if (this.override?.unitId === r.unitId && this.ctx.canAct) li.append(this.overrideForm(r, first));
    li.addEventListener('mouseenter', () => this.setPreview(r.unitId, this.pinned));
    li.addEventListener('click', (e) => {
      if ((e.target as Element).closest('input, button')) return;
      this.setPreview(this.hovered, this.pinned === r.unitId ? null : r.unitId);
      this.render();
    });
    return li;
  }

  private overrideForm(r: RecommendationView, first: RecommendationView): HTMLElement {
    const o = this.override!;
    const input = h('input', {
      type: 'text',
      class: 'action-reason',
      maxlength: '500',
      'data-testid': 'dispatch-override-reason',
      placeholder: t('dispatch.overrideHint'),
      'aria-label': t('dispatch.overrideHint'),
      value: o.reason,
    }) as HTMLInputElement;
    const confirm = h(
      'button',
      { type: 'button', class: 'action-button primary', 'data-testid': 'dispatch-override-confirm' },
      t('dispatch.overrideConfirm'),
    ) as HTMLButtonElement;
    const cancel = h('button', { type: 'button', class: 'action-button', 'data-testid': 'dispatch-override-cancel' }, t('dispatch.cancel'));
    confirm.disabled = !o.reason.trim() || this.sending;
    input.addEventListener('input', () => {
      o.reason = input.value;
      confirm.disabled = !o.reason.trim() || this.sending;
    });
    input.addEventListener('blur', (e) => {
      // A redraw put off while typing, unless the focus went to this form's buttons (their click comes next).
      if (this.dirty && !(e.relatedTarget instanceof Node && this.el.contains(e.relatedTarget))) this.render();
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && o.reason.trim()) confirm.click();
      if (e.key === 'Escape') {
        e.stopPropagation();
        cancel.click();
      }
    });
    confirm.addEventListener('click', () => {
      const reason = o.reason.trim();
      if (!reason) return;
      input.blur();
      void this.dispatch(r, reason);
    });
    cancel.addEventListener('click', () => {
      this.override = null;
      input.blur();
      this.render();
    });
    return h(
      'div',
      { class: 'override-form', 'data-testid': 'dispatch-override' },
      h(
        'div',
        { class: 'override-question' },
        t('dispatch.override', { name: unitName(r), kind: unitKindLabel(r.kind), best: unitName(first) }),
      ),
      h('div', { class: 'action-row' }, input),
      h('div', { class: 'action-row' }, confirm, cancel),
    );
  }
}
