/**
 * A piece of a page's UI. Every page (console, replay) builds its panels, mounts them, and on
 * each tick hands all of them the same view of its ONE state object; a panel reads the part of
 * the view it needs (`Panel<Pick<View, 'freshness'>>` takes any view that has `freshness`).
 * Panels keep no copy of page state; what they hold is their own DOM and what the user is
 * doing inside them (a form being filled in).
 *
 * Redrawing only what changed: a page may carry in its view a {@link Revisions} record — one
 * number per part of its state (sensor counts, freshness, clock, stats…) that changes whenever
 * what the part shows changes. A panel that names the parts it draws (`reads`) is not called
 * while none of them changed; a panel that draws from its own stores (the incident queue, the
 * unit board) leaves `reads` out, is called every time and compares its stores' versions itself.
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
  /** The parts of the view's `revisions` this panel draws; absent: called on every render. */
  readonly reads?: readonly string[];
}

/** The revision of each part of a page's state, as handed to the panels in the view. */
export type RevisionRecord = Readonly<Record<string, number>>;

/** Counts revisions per part: `note` a part's key each tick, `bump` a part on an event. */
export class Revisions<K extends string> {
  private readonly keys = new Map<K, unknown>();
  private readonly numbers = {} as Record<K, number>;

  constructor(parts: readonly K[]) {
    for (const p of parts) this.numbers[p] = 0;
  }

  /** Moves `part` on when `key` differs from the key noted last (compared with Object.is). */
  note(part: K, key: unknown): void {
    if (this.keys.has(part) && Object.is(this.keys.get(part), key)) return;
    this.keys.set(part, key);
    this.numbers[part]++;
  }

  /** Moves `part` on (something it shows changed). */
  bump(part: K): void {
    this.numbers[part]++;
  }

  /** The current revisions (a copy). */
  snapshot(): Readonly<Record<K, number>> {
    return { ...this.numbers };
  }
}

/** Panels of one page, mounted, rendered and worded together. */
export class PanelSet<V> {
  private readonly panels: Panel<V>[] = [];
  /** Per panel with `reads`: the revisions of its parts when it last drew. */
  private readonly drawnAt = new Map<Panel<V>, string>();

  /** Mounts `panel` into `parent` and keeps it; returns it for the caller's own use. */
  add<P extends Panel<V>>(panel: P, parent: HTMLElement): P {
    panel.mount(parent);
    this.panels.push(panel);
    return panel;
  }

  /** Renders every panel whose parts changed since it last drew (all of them without revisions). */
  render(view: V): void {
    const revisions = (view as { revisions?: RevisionRecord } | null)?.revisions;
    for (const p of this.panels) {
      if (p.reads && revisions) {
        const key = p.reads.map((part) => revisions[part] ?? -1).join(':');
        if (this.drawnAt.get(p) === key) continue;
        this.drawnAt.set(p, key);
      }
      p.render(view);
    }
  }

  /** Words every panel again; the next render draws every panel. */
  renderLabels(): void {
    this.drawnAt.clear();
    for (const p of this.panels) p.renderLabels();
  }

  destroy(): void {
    this.drawnAt.clear();
    for (const p of this.panels.splice(0)) p.destroy();
  }
}
