/**
 * Texts that move on by themselves (an incident's age in a long queue) written only into the
 * elements that are in view. A queue of hundreds of incidents rewrote every row's age every
 * second, and the page laid out and shaped the text of every row each time, most of them
 * scrolled out of sight; now an element out of view keeps its text until it comes into view,
 * when it gets the latest one (an IntersectionObserver tells which are in view: the list's own
 * scrolling counts).
 */
import { rewriteText } from './dom.ts';

export class InViewTexts {
  /** The latest text of each element written through here. */
  private readonly latest = new WeakMap<Element, string>();
  private readonly inView = new WeakSet<Element>();
  private readonly watched = new Set<Element>();
  private readonly observer: IntersectionObserver | null =
    typeof IntersectionObserver === 'function' ? new IntersectionObserver((entries) => this.seen(entries)) : null;

  /** Writes `text` into `el` now when it is in view (or nothing can tell), else when it comes into view. */
  write(el: Element, text: string): void {
    this.latest.set(el, text);
    if (!this.observer) {
      rewriteText(el, text);
      return;
    }
    if (!this.watched.has(el)) {
      // The observer's first report says whether it is in view, and writes the text then.
      this.watched.add(el);
      this.observer.observe(el);
      return;
    }
    if (this.inView.has(el)) rewriteText(el, text);
  }

  /** Stops watching the elements that left the page. */
  prune(): void {
    for (const el of this.watched) {
      if (el.isConnected) continue;
      this.observer?.unobserve(el);
      this.watched.delete(el);
      this.inView.delete(el);
    }
  }

  private seen(entries: readonly IntersectionObserverEntry[]): void {
    for (const e of entries) {
      if (!e.isIntersecting) {
        this.inView.delete(e.target);
        continue;
      }
      this.inView.add(e.target);
      const text = this.latest.get(e.target);
      if (text !== undefined) rewriteText(e.target, text);
    }
  }
}
