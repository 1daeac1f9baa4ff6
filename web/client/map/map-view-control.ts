/**
 * The map's view buttons beside the zoom buttons: 2D / 3D, and the base map style (dark /
 * light) when the city's PMTiles basemap has both. Wall displays hide them (kiosk mode has no
 * chrome; a wall is tilted through its address, docs/wall-displays.md).
 */
import type { IControl } from 'maplibre-gl';
import { t } from '../i18n/language.ts';
import { h, setText } from '../ui/dom.ts';
import type { BasemapView } from './basemap-view.ts';

export class MapViewControl implements IControl {
  private readonly el: HTMLDivElement;
  private readonly viewButton: HTMLButtonElement;
  private readonly styleButton: HTMLButtonElement;

  constructor(private readonly view: BasemapView) {
    this.viewButton = h('button', { type: 'button', class: 'map-view-button', 'data-testid': 'view-3d-toggle' });
    this.styleButton = h('button', { type: 'button', class: 'map-view-button', 'data-testid': 'basemap-style-toggle', hidden: true });
    this.el = h('div', { class: 'maplibregl-ctrl maplibregl-ctrl-group map-view-control' }, this.viewButton, this.styleButton);
    this.viewButton.addEventListener('click', () => view.set3d(!view.is3d));
    this.styleButton.addEventListener('click', () => {
      const next = view.variants.find((v) => v !== view.variant);
      if (next) void view.setVariant(next).catch((err: unknown) => console.error('[citytwin] base map style:', err));
    });
    view.onChange(() => this.renderLabels());
    this.renderLabels();
  }

  onAdd(): HTMLElement {
    return this.el;
  }

  onRemove(): void {
    this.el.remove();
  }

  /** Button faces say what a press gives; titles and pressed states say what is shown. */
  renderLabels(): void {
    const view = this.view;
    setText(this.viewButton, view.is3d ? '2D' : '3D');
    this.viewButton.title = t(view.is3d ? 'map.view2d' : 'map.view3d');
    this.viewButton.setAttribute('aria-pressed', String(view.is3d));
    this.styleButton.hidden = view.variants.length < 2;
    const next = view.variants.find((v) => v !== view.variant) ?? 'light';
    setText(this.styleButton, t(next === 'light' ? 'map.styleLightShort' : 'map.styleDarkShort'));
    this.styleButton.title = t(next === 'light' ? 'map.styleLight' : 'map.styleDark');
    this.styleButton.dataset.variant = view.variant;
  }
}
