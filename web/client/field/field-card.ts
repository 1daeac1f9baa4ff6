/** The assignment: the incident's type, severity and place, the dispatch time and by whom, the ETA and the route's length. */
import type { Panel } from '../app/panel.ts';
import { formatCityDateTime, formatClock } from '../i18n/format.ts';
import { incidentTypeLabel } from '../i18n/incident-labels.ts';
import { pick } from '../i18n/language.ts';
import { h, replaceChildren } from '../ui/dom.ts';
import type { FieldAssignmentResponse } from '../../shared/field-protocol.ts';
import { ft } from './field-strings.ts';
import type { FieldState } from './field-state.ts';

type Assignment = NonNullable<FieldAssignmentResponse['assignment']>;

const row = (label: string, value: string, testid: string) =>
  h('div', { class: 'field-row' }, h('dt', {}, label), h('dd', { 'data-testid': testid }, value));

export class FieldCard implements Panel<FieldState> {
  private readonly el = h('section', { class: 'field-card', 'data-testid': 'field-assignment', 'aria-live': 'polite' });

  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  render(view: FieldState): void {
    const state = view.assignment;
    const a = state?.assignment ?? null;
    if (!state?.unit) {
      replaceChildren(this.el);
      return;
    }
    if (!a) {
      replaceChildren(
        this.el,
        h('div', { class: 'field-empty', 'data-testid': 'field-no-assignment' }, ft('noAssignment')),
        h('p', { class: 'field-hint' }, ft('noAssignmentHint', { s: Math.round(state.pollMs / 1000) })),
      );
      return;
    }
    const i = a.incident;
    replaceChildren(
      this.el,
      i
        ? h(
            'div',
            { class: 'field-incident' },
            h('span', { class: `field-severity sev-${i.severity}`, 'data-testid': 'field-severity' }, ft('severity', { n: i.severity })),
            h('span', { class: 'field-incident-type', 'data-testid': 'field-incident-type' }, incidentTypeLabel(i.type)),
          )
        : h('div', { class: 'field-incident' }, h('span', { class: 'field-incident-type' }, ft('homeLeg'))),
      h('dl', { class: 'field-rows' }, ...assignmentRows(a, state.serverTime ?? Date.now())),
    );
  }

  /** Worded again by the page's render (the card is drawn from the state each time). */
  renderLabels(): void {}

  destroy(): void {
    this.el.remove();
  }
}

/** The rows of the assignment; the ETA counted from the server's clock `now`. */
function assignmentRows(a: Assignment, now: number): HTMLElement[] {
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
    const left = Math.round((r.etaAt - now) / 60_000);
    const time = formatClock(r.etaAt).slice(0, 5);
    rows.push(row(ft('eta'), left >= 0 ? ft('etaIn', { time, min: left }) : ft('etaPast', { time }), 'field-eta'));
    rows.push(row(ft('route'), ft('routeLength', { km: (r.lengthM / 1000).toFixed(1) }), 'field-route-length'));
  }
  return rows;
}
