/** The field page's footer: the city's time zone and when the assignment was last read (server clock). */
import type { Panel } from '../app/panel.ts';
import { cityOffsetLabel, formatClock, shownTimeZone } from '../i18n/format.ts';
import { h, setText } from '../ui/dom.ts';
import { ft } from './field-strings.ts';
import type { FieldState } from './field-state.ts';

export class FieldFooter implements Panel<FieldState> {
  private readonly zone = h('span', { 'data-testid': 'field-timezone' });
  private readonly updated = h('span', { 'data-testid': 'field-updated' });
  private readonly el = h('footer', { class: 'field-footer' }, this.zone, this.updated);

  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  render(view: FieldState): void {
    const z = shownTimeZone();
    setText(this.zone, z ? ft('zone', { zone: z, offset: cityOffsetLabel(Date.now(), z) }) : '');
    setText(this.updated, view.assignment ? ft('updated', { time: formatClock(view.assignment.serverTime) }) : '');
  }

  /** Worded again by the page's render. */
  renderLabels(): void {}

  destroy(): void {
    this.el.remove();
  }
}
