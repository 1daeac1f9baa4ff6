/**
 * Kiosk mode for wall displays (`?kiosk=1`, usually with `?display=TOKEN`): no chrome in the
 * way, the rotation of views on a wall-clock schedule (wall-plan.ts), this screen's tile of a
 * multi-screen wall, a new critical incident taking the screen for a while, a staleness
 * watermark across the whole screen when the data stops, and a reload when the connection stays
 * lost (socket.io reconnects by itself first).
 */
import type { Map as MaplibreMap } from 'maplibre-gl';
import type { CityBasemap } from '../../../twin-model/city/city-types.ts';
import { formatClock } from '../i18n/format.ts';
import { t } from '../i18n/language.ts';
import type { Freshness } from '../stream/freshness.ts';
import type { IncidentQueue } from '../stream/incident-queue.ts';
import { scaleMapLabels } from '../map/label-scale.ts';
import { h, setText } from '../ui/dom.ts';
import { wallTypeScale } from './wall-scale.ts';
import { pageOf, ringsBounds, stepAt, tileBounds, type Bounds, type WallPlan, type WallView } from './wall-plan.ts';

export interface KioskContext {
  map: MaplibreMap;
  plan: WallPlan;
  ui: HTMLElement;
  /** Wall-clock time (the server's clock through the stream's offset). */
  serverNow(): number;
  freshness(): Freshness;
  /** Client time of the last applied update, or null. */
  lastUpdateAt(): number | null;
  incidents: IncidentQueue;
  selectIncident(id: string | null): void;
  districtName(code: string): string | null;
  /** Padding (px) of the map that panels cover (the incident queue beside it, the bars above and below). */
  freeArea(): { top: number; bottom: number; left: number; right: number };
}

/**
 * While the page would reload, how often it asks whether the server answers: a reload while the
 * server is down would leave the screen on the browser's error page, which nothing reloads.
 */
export const RELOAD_PROBE_EVERY_MS = 5_000;

export interface KioskState {
  view: string;
  step: number;
  focused: string | null;
  watermark: boolean;
  /** The bounds `[w, s, e, n]` the view shown was fitted to, or null. */
  fitted: Bounds | null;
}

/** Navigates to the page of the current rotation step when it is not `here`; true when it did. */
export function followRotation(plan: WallPlan, here: 'console' | 'kpi', nowMs: number, location: Location = window.location): boolean {
  if (!plan.kiosk || plan.steps.length < 2) return false;
  const page = pageOf(stepAt(plan.steps, nowMs).step.view);
  if (page === here) return false;
  // The display token stays in this tab's session storage; the rest of the address goes along.
  location.assign(`${page === 'kpi' ? 'kpi.html' : './'}${location.search}`);
  return true;
}

export class KioskMode {
  private cityBounds: Bounds | null = null;
  private readonly districtBounds = new Map<string, Bounds>();
  private applied = '';
  private fitted: Bounds | null = null;
  private stepIndex = -1;
  private focus: { id: string; until: number } | null = null;
  /** Incidents already on screen when the page loaded or already announced. */
  private readonly known = new Set<string>();
  private primed = false;
  private disconnectedSince: number | null = null;
  private leaving = false;
  private probing = false;
  private nextProbeAt = 0;
  private readonly watermark = h('div', {
    class: 'stale-watermark',
    hidden: true,
    'data-testid': 'stale-watermark',
    'aria-live': 'assertive',
  });
  private readonly watermarkText = h('div', { class: 'stale-watermark-text' });
  private readonly watermarkDetail = h('div', { class: 'stale-watermark-detail' });
  private readonly stepBadge = h('div', { class: 'kiosk-step', 'data-testid': 'kiosk-step' });

  constructor(private readonly ctx: KioskContext) {
    // <html> too: the root size (rem) follows the screen on a wall (styles/wall.css).
    document.documentElement.classList.add('kiosk');
    document.body.classList.add('kiosk');
    // The base map's names at the wall's type scale, as the markers are (map/label-scale.ts).
    scaleMapLabels(ctx.map, wallTypeScale);
    this.watermark.append(this.watermarkText, this.watermarkDetail);
    ctx.ui.append(this.watermark, this.stepBadge);
  }

  setBasemap(basemap: CityBasemap): void {
    if (Array.isArray(basemap.bbox) && basemap.bbox.length === 4) this.cityBounds = basemap.bbox as Bounds;
    for (const f of basemap.districts.features) {
      const code = String(f.properties.code ?? '');
      const g = f.geometry as { type: string; coordinates: unknown };
      const rings =
        g.type === 'Polygon' ? (g.coordinates as number[][][]) : g.type === 'MultiPolygon' ? (g.coordinates as number[][][][]).flat() : [];
      const b = ringsBounds(rings);
      if (code && b) this.districtBounds.set(code, b);
    }
    this.applied = '';
  }

  state(): KioskState {
    return {
      view: this.applied,
      step: this.stepIndex,
      focused: this.focus?.id ?? null,
      watermark: !this.watermark.hidden,
      fitted: this.fitted,
    };
  }

  /**
   * A connection lost for `reload` seconds (a wall screen has no one to press F5) reloads the page,
   * but only once the server answers the page's own address: reloaded while the server is down, the
   * screen would stay on the browser's error page. Until then it asks every {@link RELOAD_PROBE_EVERY_MS}.
   */
  private reloadWhenAnswered(now: number): void {
    if (this.probing || now < this.nextProbeAt) return;
    this.probing = true;
    // Bounded: a proxy that takes the connection and never answers must not stop the asking.
    void fetch(window.location.href, { method: 'HEAD', cache: 'no-store', signal: AbortSignal.timeout(RELOAD_PROBE_EVERY_MS) })
      .then((res) => res.status < 500)
      .catch(() => false)
      .then((answered) => {
        this.probing = false;
        this.nextProbeAt = Date.now() + RELOAD_PROBE_EVERY_MS;
        if (!answered || this.leaving || this.disconnectedSince === null) return;
        this.leaving = true;
        window.location.reload();
      });
  }

  /** About twice a second. */
  tick(): void {
    if (this.leaving) return;
    const now = Date.now();
    const f = this.ctx.freshness();
    this.updateWatermark(f, now);
    if (f.condition === 'disconnected') {
      this.disconnectedSince ??= now;
      if (now - this.disconnectedSince > this.ctx.plan.reloadS * 1000) this.reloadWhenAnswered(now);
    } else this.disconnectedSince = null;

    this.watchIncidents(now);
    if (this.focus) {
      if (now < this.focus.until && this.ctx.incidents.get(this.focus.id)) return;
      this.focus = null;
      this.ctx.selectIncident(null);
      this.applied = '';
    }
    if (followRotation(this.ctx.plan, 'console', this.ctx.serverNow())) {
      this.leaving = true;
      return;
    }
    const { index, step, leftS } = stepAt(this.ctx.plan.steps, this.ctx.serverNow());
    this.stepIndex = index;
    setText(
      this.stepBadge,
      this.ctx.plan.steps.length > 1 ? `${this.viewLabel(step.view)} · ${Math.ceil(leftS)} s` : this.viewLabel(step.view),
    );
    this.show(step.view);
  }

  private viewLabel(view: WallView): string {
    if (view.kind === 'district') return t('kiosk.view.district', { name: this.ctx.districtName(view.code) ?? view.code });
    return t(view.kind === 'kpi' ? 'kiosk.view.kpi' : 'kiosk.view.city');
  }

  private show(view: WallView): void {
    const key = view.kind === 'district' ? `district:${view.code}` : view.kind;
    if (key === this.applied) return;
    const bounds = view.kind === 'district' ? (this.districtBounds.get(view.code) ?? this.cityBounds) : this.cityBounds;
    if (!bounds) return;
    this.applied = key;
    const [w, s, e, n] = tileBounds(bounds, this.ctx.plan.wall);
    this.fitted = [w, s, e, n];
    // Nobody pans a wall: no panning limit, which would keep a wide wall from showing the whole city.
    this.ctx.map.setMaxBounds(null);
    // The city fits the part of the map no panel covers, so names at its edges stay readable.
    const free = this.ctx.freeArea();
    const padding = { top: free.top + 16, bottom: free.bottom + 16, left: free.left + 16, right: free.right + 16 };
    // A tilted wall keeps its tilt on every view (fitBounds would otherwise level the camera).
    this.ctx.map.fitBounds(
      [
        [w, s],
        [e, n],
      ],
      { padding, duration: 1200, ...this.ctx.plan.tilt },
    );
  }

  /** A new incident at or above the focus severity takes the screen for `focusS` seconds. */
  private watchIncidents(now: number): void {
    const list = this.ctx.incidents.list();
    if (!this.primed) {
      // What was already open when the screen loaded is not news.
      if (this.ctx.lastUpdateAt() === null) return;
      for (const i of list) this.known.add(i.id);
      this.primed = true;
      return;
    }
    const fresh = list.filter((i) => !this.known.has(i.id));
    for (const i of fresh) this.known.add(i.id);
    if (this.ctx.plan.focusS === 0) return;
    const critical = fresh.filter((i) => i.severity >= this.ctx.plan.focusSeverity).sort((a, b) => b.severity - a.severity)[0];
    if (!critical) return;
    this.focus = { id: critical.id, until: now + this.ctx.plan.focusS * 1000 };
    this.applied = `focus:${critical.id}`;
    this.ctx.selectIncident(critical.id);
    this.ctx.map.flyTo({
      center: [critical.lng, critical.lat],
      zoom: Math.max(this.ctx.map.getZoom(), 13.5),
      duration: 1500,
      ...this.ctx.plan.tilt,
    });
  }

  private updateWatermark(f: Freshness, now: number): void {
    const since = f.sinceUpdateMs;
    const stale = f.condition === 'disconnected' || f.condition === 'no-updates' || (since !== null && since > this.ctx.plan.staleS * 1000);
    this.watermark.hidden = !stale;
    document.body.classList.toggle('kiosk-stale', stale);
    if (!stale) return;
    const last = this.ctx.lastUpdateAt();
    setText(this.watermarkText, t('kiosk.stale'));
    setText(
      this.watermarkDetail,
      last === null
        ? t('kiosk.staleNever')
        : t('kiosk.staleSince', { time: formatClock(this.ctx.serverNow() - (now - last)), s: Math.round((now - last) / 1000) }),
    );
  }
}
