/** The replay page's side list: the operators' actions of the range, those done at the playhead greyed as past. */
import type { Panel } from '../app/panel.ts';
import { formatDateTime } from '../i18n/format.ts';
import { actionActorLabel, actionDetailLabel, actionWhatLabel } from '../i18n/action-labels.ts';
import { getLanguage, t } from '../i18n/language.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import type { RangeEvents } from './replay-api.ts';
import type { ReplayState } from './replay-state.ts';

export class ReplayActionList implements Panel<ReplayState> {
  private readonly title = h('h2', { class: 'rp-side-title' });
  private readonly list = h('ol', { class: 'rp-action-list', 'data-testid': 'replay-action-list' });
  private readonly el = h('aside', { class: 'rp-side' }, this.title, this.list);
  private drawnEvents: RangeEvents | null = null;
  private last: ReplayState | null = null;

  /** `onSeek(at)`: an action was clicked (seek to the grid point at or after it). */
  constructor(private readonly onSeek: (at: number) => void) {}

  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  destroy(): void {
    this.el.remove();
  }

  renderLabels(): void {
    setText(this.title, t('replay.actions'));
    this.drawnEvents = null;
    if (this.last) this.render(this.last);
  }

  render(state: ReplayState): void {
    this.last = state;
    if (state.events !== this.drawnEvents) {
      this.drawnEvents = state.events;
      this.draw(state.events);
    }
    for (const li of this.list.querySelectorAll<HTMLElement>('li[data-at]'))
      li.classList.toggle('rp-past', Number(li.dataset.at) <= state.playhead);
  }

  private draw(events: RangeEvents | null): void {
    if (!events) return;
    const people = events.actions.filter((a) => !a.automatic);
    const names = new Map(events.units.map((u) => [u.id, getLanguage() === 'en' ? u.nameEn : u.nameZh]));
    const unitName = (id: string): string | null => names.get(id) || null;
    if (people.length === 0) {
      replaceChildren(this.list, h('li', { class: 'rp-muted' }, t('replay.noActions')));
      return;
    }
    replaceChildren(
      this.list,
      ...people.map((a) => {
        const item = h(
          'li',
          { class: 'rp-action', 'data-at': String(a.at), 'data-testid': 'replay-action-item' },
          h('span', { class: 'mono rp-action-time' }, formatDateTime(a.at).slice(-8)),
          h('span', { class: 'rp-action-actor' }, actionActorLabel(a.actor, unitName)),
          h(
            'span',
            { class: 'rp-action-what' },
            `${actionWhatLabel(a.source, a.what)}${a.incidentId ? ` · ${a.incidentId}` : ''}${a.unitId ? ` · ${unitName(a.unitId) ?? a.unitId}` : ''}`,
          ),
          a.detail
            ? h('span', { class: 'rp-muted rp-action-detail' }, actionDetailLabel(a.source, a.what, a.detail, getLanguage(), unitName))
            : '',
        );
        item.addEventListener('click', () => this.onSeek(a.at));
        return item;
      }),
    );
  }
}
