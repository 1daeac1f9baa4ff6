/**
 * A tiny DOM builder: enough to keep panels declarative without a UI framework.
 */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined>;

/**
 * Creates an element. Attributes set to `false`, `null` or `undefined` are left out; `true`
 * sets an empty attribute; `class` and `data-*` are ordinary attributes.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** Appends children, skipping empty ones; strings become text nodes (never parsed as HTML). */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces all children of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** Sets text only when it changed, so frequent refreshes do not churn the DOM. */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** Like {@link setText}, but an element holding one text node keeps it: only its text is rewritten. */
export function rewriteText(el: Element, text: string): void {
  const only = el.firstChild;
  if (only && only === el.lastChild && only.nodeType === Node.TEXT_NODE) {
    if (only.nodeValue !== text) only.nodeValue = text;
  } else setText(el, text);
}

/** Finds a required element by selector, or throws naming the selector. */
export function requireElement<T extends Element = HTMLElement>(root: ParentNode, selector: string): T {
  const el = root.querySelector<T>(selector);
  if (!el) throw new Error(`console markup is missing the element "${selector}" (see web/client/index.html)`);
  return el;
}

/** Sets an attribute only when its value changes (setting the same value still counts as a DOM change). */
export function setAttr(el: Element, name: string, value: string): void {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

/**
 * Makes `parent`'s children equal to `next` while touching only what differs: a child in place
 * that matches its newly built counterpart (same tag and attributes, same form state) stays,
 * with its listeners, and is patched the same way inside — a changed text is rewritten where it
 * is; a child that differs is replaced; surplus children go. A list redrawn on every change
 * therefore costs DOM work only where its content changed (a row's age, a count).
 */
export function patchChildren(parent: Node, next: readonly Node[]): void {
  next.forEach((node, i) => {
    const current = parent.childNodes[i];
    if (current === node) return;
    if (!current) parent.appendChild(node);
    else if (!patchNode(current, node)) parent.replaceChild(node, current);
  });
  while (parent.childNodes.length > next.length) parent.lastChild!.remove();
}

/**
 * One row of a keyed list ({@link patchKeyed}): a key that names it across renders, what it
 * shows (`shows`, compared item by item with `Object.is`: the data object, the selection, the
 * age text, the language…) and how to build it.
 */
export interface KeyedRow {
  key: string;
  shows: readonly unknown[];
  build(): Node;
  /** Writes what moves on by itself (an age) into the row's node, kept or new, in place. */
  refresh?(node: Node): void;
}

/** Per keyed list: each row's node and what it showed when built. */
const keyedLists = new WeakMap<Node, Map<string, { shows: readonly unknown[]; node: Node }>>();

/**
 * Makes `parent`'s children the rows of `rows`, in order, building a row only when what it
 * shows changed: an unchanged row keeps its node (no element created, nothing set); a changed
 * row is built and patched into its node in place when it can be (as {@link patchChildren}
 * does), else replaced; rows that left are removed and rows that moved are moved. `parent`
 * holds nothing but the list's rows.
 */
export function patchKeyed(parent: Node, rows: readonly KeyedRow[]): void {
  const before = keyedLists.get(parent);
  const now = new Map<string, { shows: readonly unknown[]; node: Node }>();
  let cursor = parent.firstChild;
  for (const row of rows) {
    const had = before?.get(row.key);
    let node: Node;
    if (had && had.node.parentNode === parent && sameShows(had.shows, row.shows)) node = had.node;
    else {
      const built = row.build();
      node = had && had.node.parentNode === parent && patchNode(had.node, built) ? had.node : built;
      if (had && node !== had.node && had.node.parentNode === parent) {
        if (cursor === had.node) cursor = had.node.nextSibling;
        parent.removeChild(had.node);
      }
    }
    now.set(row.key, { shows: row.shows, node });
    row.refresh?.(node);
    if (node === cursor) cursor = cursor.nextSibling;
    else parent.insertBefore(node, cursor);
  }
  // Whatever is left after the last row is rows that left the list.
  while (cursor) {
    const next = cursor.nextSibling;
    parent.removeChild(cursor);
    cursor = next;
  }
  keyedLists.set(parent, now);
}

function sameShows(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Brings `current` to what `next` shows in place; false when it cannot (other tag, attributes or form state). */
function patchNode(current: Node, next: Node): boolean {
  if (current.nodeType === Node.TEXT_NODE && next.nodeType === Node.TEXT_NODE) {
    if (current.nodeValue !== next.nodeValue) current.nodeValue = next.nodeValue;
    return true;
  }
  if (!(current instanceof Element) || !(next instanceof Element)) return current.isEqualNode(next);
  if (current.tagName !== next.tagName || !sameAttributes(current, next) || !sameFormState(current, next)) return false;
  patchChildren(current, [...next.childNodes]);
  return true;
}

function sameAttributes(a: Element, b: Element): boolean {
  if (a.attributes.length !== b.attributes.length) return false;
  for (const attr of b.attributes) if (a.getAttribute(attr.name) !== attr.value) return false;
  return true;
}

/** The live state of a form field (a ticked box, a typed value) that attributes do not show. */
function sameFormState(a: Element, b: Element): boolean {
  if (!(a instanceof HTMLInputElement || a instanceof HTMLSelectElement || a instanceof HTMLTextAreaElement)) return true;
  const x = a as HTMLInputElement;
  const y = b as HTMLInputElement;
  return x.value === y.value && x.checked === y.checked && x.disabled === y.disabled;
}

/** Shows or hides `el`, touching the DOM only on a change. */
export function setHidden(el: HTMLElement, hidden: boolean): void {
  if (el.hidden !== hidden) el.hidden = hidden;
}

/** Enables or disables a control, touching the DOM only on a change. */
export function setDisabled(el: HTMLButtonElement | HTMLInputElement | HTMLSelectElement, disabled: boolean): void {
  if (el.disabled !== disabled) el.disabled = disabled;
}
