/**
 * A piece of a page's UI. Every page (console, replay) builds its panels, mounts them, and on
 * each tick hands all of them the same view of its ONE state object; a panel reads the part of
 * the view it needs (`Panel<Pick<View, 'freshness'>>` takes any view that has `freshness`).
 * Panels keep no copy of page state; what they hold is their own DOM and what the user is
 * doing inside them (a form being filled in).
 */
export interface Panel<V> {
  /** Puts the panel's element into `parent` (once, before the first render). */
  mount(parent: HTMLElement): void;
  /** Draws what `view` says; called every tick and after changes, so cheap when nothing changed. */
  render(view: V): void;
  /** Words every visible text again after a language change. */
  renderLabels(): void;
  /** Takes the panel's elements out of the page. */
  destroy(): void;
}

/** Panels of one page, mounted, rendered and worded together. */
export class PanelSet<V> {
  private readonly panels: Panel<V>[] = [];

  /** Mounts `panel` into `parent` and keeps it; returns it for the caller's own use. */
  add<P extends Panel<V>>(panel: P, parent: HTMLElement): P {
    panel.mount(parent);
    this.panels.push(panel);
    return panel;
  }

  render(view: V): void {
    for (const p of this.panels) p.render(view);
  }

  renderLabels(): void {
    for (const p of this.panels) p.renderLabels();
  }

  destroy(): void {
    for (const p of this.panels.splice(0)) p.destroy();
  }
}
