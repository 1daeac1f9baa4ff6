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
