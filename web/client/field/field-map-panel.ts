/**
 * The box of the field page's map. The map itself (field-map.ts, maplibre) is loaded with
 * `import()` once the account has a unit, and made in a visible box (a hidden one has no size to
 * draw in).
 */
import type { Panel } from '../app/panel.ts';
import { getLanguage, type Language } from '../i18n/language.ts';
import { h } from '../ui/dom.ts';
import type { FieldMap } from './field-map.ts';
import { ft } from './field-strings.ts';
import type { FieldState } from './field-state.ts';

export class FieldMapPanel implements Panel<FieldState> {
  private readonly el = h('div', { class: 'field-map', 'data-testid': 'field-map', role: 'img' });
  private map: FieldMap | null = null;

  /** The map has drawn the latest assignment (maplibre went idle after it). */
  get drawn(): boolean {
    return this.map?.drawn ?? false;
  }

  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  render(view: FieldState): void {
    this.el.setAttribute('aria-label', ft('mapLabel'));
    this.el.hidden = !view.assignment?.unit;
  }

  /** Draws the assignment, making the map first when the unit needs one; call after `render` laid the box out. */
  async show(view: FieldState): Promise<void> {
    if (view.assignment?.unit && !this.map) {
      const { FieldMap } = await import('./field-map.ts');
      this.map ??= new FieldMap(this.el, getLanguage());
    }
    if (view.assignment) this.map?.show(view.assignment);
  }

  setLanguage(l: Language): void {
    this.map?.setLanguage(l);
  }

  /** Worded again by the page's render. */
  renderLabels(): void {}

  destroy(): void {
    this.el.remove();
  }
}
