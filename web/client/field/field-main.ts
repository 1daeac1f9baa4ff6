/**
 * The field page (`field.html`, docs/dispatch.md "The field page"): a dispatched crew on a phone.
 * Its unit, its assignment — the incident's type, severity and place, the dispatch time, the
 * route on a small map and the ETA — and big buttons for the statuses the dispatch rules allow
 * now (出发 / 到达现场 / 返回 / 待命可用). zh-CN by default, English on the toggle; times on the
 * city's clock. Signs in through the one sign-in path (app/sign-in.ts); asks
 * `GET /api/field/assignment` every `pollMs` (5 s) and sets the status with `POST /api/field/status`
 * (the server takes the unit the account is bound to; a refusal is worded from its code).
 */
import '../styles/console.css';
import './field.css';
import { startPage } from '../app/sign-in.ts';
import { loadCityInfo } from '../backend/city-info.ts';
import { jsonCall, logout, type Me } from '../backend/session.ts';
import { cityOffsetLabel, formatCityDateTime, formatClock, shownTimeZone, showTimesIn } from '../i18n/format.ts';
import { incidentTypeLabel } from '../i18n/incident-labels.ts';
import { unitKindLabel, unitStatusLabel } from '../i18n/labels.ts';
import { getLanguage, onLanguageChange, pick, setLanguage } from '../i18n/language.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import { FIELD_STATUSES, type FieldAssignmentResponse, type FieldStatus, type FieldStatusResponse } from '../../shared/field-protocol.ts';
import { fieldRefusal, ft } from './field-strings.ts';
import type { FieldMap } from './field-map.ts';

export interface FieldTestHooks {
  ready: boolean;
  status: () => string | null;
  next: () => string[];
  hasAssignment: () => boolean;
  /** The map has drawn the latest assignment (maplibre went idle after it). */
  mapDrawn: () => boolean;
  language: () => string;
  setLanguage: (l: 'zh' | 'en') => void;
  refresh: () => Promise<void>;
}

declare global {
  interface Window {
    __field?: FieldTestHooks;
  }
}

function start(me: Me): void {
  const app = document.getElementById('field-app')!;
  let state: FieldAssignmentResponse | null = null;
  let loadError: string | null = null;
  let notice: { ok: boolean; text: string } | null = null;
  let busy = false;
  let ready = false;
  let map: FieldMap | null = null;

  const title = h('h1', { class: 'field-title', 'data-testid': 'field-title' });
  const unitName = h('div', { class: 'field-unit-name', 'data-testid': 'field-unit' });
  const unitStatus = h('div', { class: 'field-unit-status', 'data-testid': 'field-unit-status' });
  const lang = h('button', { type: 'button', class: 'field-small-button', 'data-testid': 'language-toggle' });
  lang.addEventListener('click', () => setLanguage(getLanguage() === 'zh' ? 'en' : 'zh'));
  const signOut = h('button', { type: 'button', class: 'field-small-button', 'data-testid': 'sign-out' });
  signOut.addEventListener('click', () => void logout().then(() => window.location.reload()));
  app.append(
    h(
      'header',
      { class: 'field-header' },
      h('div', { class: 'field-header-text' }, title, unitName, unitStatus),
      h('div', { class: 'field-header-buttons' }, lang, signOut),
    ),
  );

  const message = h('p', { class: 'field-message', role: 'status', 'data-testid': 'field-message' });
  if (!me.permissions.includes('field.unit')) {
    app.append(message);
    const renderDenied = () => {
      setText(title, ft('title'));
      setText(lang, ft('lang'));
      setText(signOut, ft('signOut'));
      setText(message, ft('denied'));
    };
    onLanguageChange(renderDenied);
    renderDenied();
    installHooks();
    ready = true;
    document.body.dataset.ready = 'true';
    return;
  }

  const card = h('section', { class: 'field-card', 'data-testid': 'field-assignment', 'aria-live': 'polite' });
  const mapBox = h('div', { class: 'field-map', 'data-testid': 'field-map', role: 'img' });
  const buttons = new Map<FieldStatus, HTMLButtonElement>();
  for (const s of FIELD_STATUSES) {
    const b = h('button', { type: 'button', class: 'field-status-button', 'data-status': s, 'data-testid': `status-${s}` });
    b.addEventListener('click', () => void setStatus(s));
    buttons.set(s, b);
  }
  const statusHead = h('h2', { class: 'field-section-title' });
  const feedback = h('p', { class: 'field-feedback', role: 'alert', 'data-testid': 'field-feedback' });
  const footer = h('footer', { class: 'field-footer' });
  const zone = h('span', { 'data-testid': 'field-timezone' });
  const updated = h('span', { 'data-testid': 'field-updated' });
  footer.append(zone, updated);
  app.append(
    h(
      'main',
      { class: 'field-main' },
      h(
        'div',
        { class: 'field-side' },
        message,
        card,
        h('section', { class: 'field-actions' }, statusHead, h('div', { class: 'field-buttons' }, ...buttons.values()), feedback),
      ),
      mapBox,
    ),
    footer,
  );

  const row = (label: string, value: string, testid: string) =>
    h('div', { class: 'field-row' }, h('dt', {}, label), h('dd', { 'data-testid': testid }, value));

  function renderCard(): void {
    const a = state?.assignment ?? null;
    if (!state?.unit) {
      replaceChildren(card);
      return;
    }
    if (!a) {
      replaceChildren(
        card,
        h('div', { class: 'field-empty', 'data-testid': 'field-no-assignment' }, ft('noAssignment')),
        h('p', { class: 'field-hint' }, ft('noAssignmentHint', { s: Math.round(state.pollMs / 1000) })),
      );
      return;
    }
    const rows: HTMLElement[] = [];
    const i = a.incident;
    if (i) {
      const place = [
        pick({ zh: i.place.assetZh ?? '', en: i.place.assetEn ?? '' }),
        pick({ zh: i.place.districtZh ?? '', en: i.place.districtEn ?? '' }),
      ]
        .filter(Boolean)
        .join(' · ');
      rows.push(row(ft('place'), place || `${i.place.lat.toFixed(3)}, ${i.place.lng.toFixed(3)}`, 'field-place'));
      if (i.place.coarse) rows.push(h('p', { class: 'field-hint', 'data-testid': 'field-place-coarse' }, ft('placeCoarse')));
    }
    if (a.dispatchedAt !== null) rows.push(row(ft('dispatchedAt'), formatCityDateTime(a.dispatchedAt).slice(5, 16), 'field-dispatched-at'));
    if (a.dispatchedBy) rows.push(row(ft('dispatchedBy'), a.dispatchedBy, 'field-dispatched-by'));
    const r = a.route;
    if (r) {
      const left = Math.round((r.etaAt - (state.serverTime ?? Date.now())) / 60_000);
      const time = formatClock(r.etaAt).slice(0, 5);
      rows.push(row(ft('eta'), left >= 0 ? ft('etaIn', { time, min: left }) : ft('etaPast', { time }), 'field-eta'));
      rows.push(row(ft('route'), ft('routeLength', { km: (r.lengthM / 1000).toFixed(1) }), 'field-route-length'));
    }
    replaceChildren(
      card,
      i
        ? h(
            'div',
            { class: 'field-incident' },
            h('span', { class: `field-severity sev-${i.severity}`, 'data-testid': 'field-severity' }, ft('severity', { n: i.severity })),
            h('span', { class: 'field-incident-type', 'data-testid': 'field-incident-type' }, incidentTypeLabel(i.type)),
          )
        : h('div', { class: 'field-incident' }, h('span', { class: 'field-incident-type' }, ft('homeLeg'))),
      h('dl', { class: 'field-rows' }, ...rows),
    );
  }

  function render(): void {
    document.documentElement.lang = getLanguage() === 'zh' ? 'zh-CN' : 'en';
    document.title = `CityTwin · ${ft('title')}`;
    setText(title, ft('title'));
    setText(lang, ft('lang'));
    setText(signOut, ft('signOut'));
    setText(statusHead, ft('setStatus'));
    mapBox.setAttribute('aria-label', ft('mapLabel'));
    const unit = state?.unit ?? null;
    const name = unit ? pick({ zh: unit.nameZh, en: unit.nameEn }) : '';
    const kind = unit ? unitKindLabel(unit.kind) : '';
    // Unbound: the account's name, for the administrator who binds it.
    setText(unitName, !unit ? (state ? me.username : '') : name.toLowerCase().includes(kind.toLowerCase()) ? name : `${name} · ${kind}`);
    setText(unitStatus, unit ? `${ft('unitStatus')}：${unitStatusLabel(unit.status)}` : '');
    unitStatus.dataset.status = unit?.status ?? '';
    setText(message, loadError ? ft('error', { reason: loadError }) : !state ? ft('loading') : !unit ? ft('unbound') : '');
    message.hidden = message.textContent === '';
    for (const [s, b] of buttons) {
      setText(b, ft(`status.${s}`));
      const allowed = Boolean(state?.next.includes(s));
      b.disabled = busy || !allowed;
      b.classList.toggle('is-current', unit?.status === s);
      b.setAttribute('aria-pressed', String(unit?.status === s));
    }
    for (const b of buttons.values()) b.hidden = !unit;
    statusHead.hidden = !unit;
    mapBox.hidden = !unit;
    setText(feedback, notice?.text ?? '');
    feedback.classList.toggle('is-error', notice ? !notice.ok : false);
    const z = shownTimeZone();
    setText(zone, z ? ft('zone', { zone: z, offset: cityOffsetLabel(Date.now(), z) }) : '');
    setText(updated, state ? ft('updated', { time: formatClock(state.serverTime) }) : '');
    renderCard();
  }

  async function refresh(): Promise<void> {
    const r = await jsonCall<FieldAssignmentResponse>('GET', '/api/field/assignment');
    if (r.ok) {
      state = r.value;
      loadError = null;
    } else loadError = r.error;
    // Laid out first: the map is made in a visible box (a hidden one has no size to draw in).
    render();
    if (state?.unit && !map) {
      const { FieldMap } = await import('./field-map.ts');
      map ??= new FieldMap(mapBox, getLanguage());
    }
    if (state) map?.show(state);
  }

  async function setStatus(to: FieldStatus): Promise<void> {
    if (busy) return;
    busy = true;
    notice = null;
    render();
    const r = await jsonCall<FieldStatusResponse>('POST', '/api/field/status', { status: to });
    busy = false;
    notice = r.ok
      ? { ok: true, text: ft('done', { status: unitStatusLabel(r.value.status) }) }
      : { ok: false, text: fieldRefusal(r.details?.code, { to: ft(`status.${to}`) }, r.error) };
    await refresh();
  }

  function installHooks(): void {
    window.__field = {
      get ready() {
        return ready;
      },
      status: () => state?.unit?.status ?? null,
      next: () => [...(state?.next ?? [])],
      hasAssignment: () => Boolean(state?.assignment),
      mapDrawn: () => map?.drawn ?? false,
      language: () => getLanguage(),
      setLanguage: (l) => setLanguage(l),
      refresh,
    };
  }

  onLanguageChange((l) => {
    map?.setLanguage(l);
    render();
  });
  installHooks();
  render();
  void refresh().then(() => {
    ready = true;
    document.body.dataset.ready = 'true';
    let timer = setTimeout(function tick() {
      void refresh().finally(() => {
        timer = setTimeout(tick, state?.pollMs ?? 5000);
      });
    }, state?.pollMs ?? 5000);
    window.addEventListener('pagehide', () => clearTimeout(timer));
  });
}

// Times on the city's clock (GET /api/city), whatever the phone's zone.
startPage(
  (me) =>
    void loadCityInfo().then((city) => {
      showTimesIn(city?.timezone ?? null);
      start(me);
    }),
);
