/**
 * What the tabbed administration pages (`ops.html`, `admin.html`) share: their header (title, subtitle, time zone, the way back, the
 * language switch), the row of tab buttons, and the switch between tabs — each tab drawn once,
 * redrawn on a language change, loaded when shown, its name kept in the address (`#rules`) — and
 * the address followed: a `#tab` typed or reached with back/forward shows that tab without a reload.
 */
import type { OpsTab } from '../ops/ops-ui.ts';
import { h } from '../ui/dom.ts';
import { languageToggle } from '../ui/language-toggle.ts';

/** A page's header; its parts carry the test ids `<page>-title`, `<page>-timezone`, `<page>-back`. */
export function tabPageHeader(page: string) {
  const title = h('h1', { class: 'ops-title', 'data-testid': `${page}-title` });
  const subtitle = h('p', { class: 'ops-subtitle' });
  const zone = h('span', { class: 'ops-zone', 'data-testid': `${page}-timezone` });
  const back = h('a', { class: 'ops-back', href: './', 'data-testid': `${page}-back` });
  const el = h(
    'header',
    { class: 'ops-header' },
    h('div', {}, title, subtitle, zone),
    h('div', { class: 'ops-header-right' }, back, languageToggle()),
  );
  return { el, title, subtitle, zone, back };
}

/** The row of tab buttons (`<page>-tabs`, one `<page>-tab-<name>` each); `attrs` adds attributes to a button. */
export function tabButtonRow<N extends string>(
  page: string,
  names: readonly N[],
  onTab: (name: N) => void,
  attrs: (name: N) => Record<string, string> = () => ({}),
) {
  const buttons = new Map<N, HTMLButtonElement>();
  const el = h('nav', { class: 'ops-tabs', role: 'tablist', 'data-testid': `${page}-tabs` });
  for (const name of names) {
    const b = h('button', {
      type: 'button',
      role: 'tab',
      class: 'ops-tab',
      'data-tab': name,
      'data-testid': `${page}-tab-${name}`,
      ...attrs(name),
    });
    b.addEventListener('click', () => onTab(name));
    buttons.set(name, b);
    el.append(b);
  }
  return { el, buttons };
}

export interface TabSwitchOptions<N extends string> {
  readonly panel: HTMLElement;
  readonly buttons: ReadonlyMap<N, HTMLButtonElement>;
  /** The tab shown first, unless the address names another of `names`. */
  readonly names: readonly N[];
  readonly first: N;
  readonly make: (name: N) => OpsTab;
  /** What the panel shows instead of a tab the role may not use (null: the tab). */
  readonly refusal?: (name: N) => HTMLElement | null;
}

/** Switches between the tabs of a page. */
export class TabSwitch<N extends string> {
  private readonly tabs = new Map<N, OpsTab>();
  private readonly loads = new Map<N, Promise<void>>();
  shown: N;

  constructor(private readonly o: TabSwitchOptions<N>) {
    const fromHash = window.location.hash.slice(1) as N;
    this.shown = o.names.includes(fromHash) ? fromHash : o.first;
    window.addEventListener('hashchange', () => {
      const name = window.location.hash.slice(1) as N;
      if (o.names.includes(name) && name !== this.shown) void this.show(name);
    });
  }

  /** Shows the tab `name`, loading what it shows; resolves once loaded. */
  async show(name: N): Promise<void> {
    this.shown = name;
    if (window.location.hash.slice(1) !== name) window.history.replaceState(null, '', `#${name}`);
    for (const [n, b] of this.o.buttons) b.setAttribute('aria-selected', String(n === name));
    this.o.panel.dataset.tab = name;
    const refusal = this.o.refusal?.(name) ?? null;
    if (refusal) {
      this.o.panel.replaceChildren(refusal);
      this.loads.set(name, Promise.resolve());
      return;
    }
    let tab = this.tabs.get(name);
    if (!tab) {
      tab = this.o.make(name);
      this.tabs.set(name, tab);
      tab.render();
    }
    this.o.panel.replaceChildren(tab.el);
    const loading = tab.load();
    this.loads.set(name, loading);
    await loading;
  }

  /** Resolves once the shown tab has loaded what it shows. */
  loaded(): Promise<void> {
    return this.loads.get(this.shown) ?? Promise.resolve();
  }

  /** Rewrites the labels of every tab drawn so far. */
  render(): void {
    for (const t of this.tabs.values()) t.render();
  }
}
