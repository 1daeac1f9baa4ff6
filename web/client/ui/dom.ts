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
 * Makes `parent`'s children equal to `next` while touching only what differs: a child already
 * in place that equals its newly built counterpart (same markup, same form state) stays, with
 * its listeners; one that differs is replaced; surplus children go. A list redrawn on every
 * change therefore costs DOM work only for the rows whose content changed.
 */
export function patchChildren(parent: Element, next: readonly Node[]): void {
  next.forEach((node, i) => {
    const current = parent.childNodes[i];
    if (!current) parent.appendChild(node);
    else if (!sameNode(current, node)) parent.replaceChild(node, current);
  });
  while (parent.childNodes.length > next.length) parent.lastChild!.remove();
}

/** Same markup and the same live state of the form fields in it (a ticked box, a typed value). */
function sameNode(a: Node, b: Node): boolean {
  if (!a.isEqualNode(b)) return false;
  if (!(a instanceof Element) || !(b instanceof Element)) return true;
  const fieldsA = a.querySelectorAll('input, select, textarea');
  if (fieldsA.length === 0) return true;
  const fieldsB = b.querySelectorAll('input, select, textarea');
  for (let k = 0; k < fieldsA.length; k++) {
    const x = fieldsA[k] as HTMLInputElement;
    const y = fieldsB[k] as HTMLInputElement;
    if (x.value !== y.value || x.checked !== y.checked || x.disabled !== y.disabled) return false;
  }
  return true;
}

/** Shows or hides `el`, touching the DOM only on a change. */
export function setHidden(el: HTMLElement, hidden: boolean): void {
  if (el.hidden !== hidden) el.hidden = hidden;
}

/** Enables or disables a control, touching the DOM only on a change. */
export function setDisabled(el: HTMLButtonElement | HTMLInputElement | HTMLSelectElement, disabled: boolean): void {
  if (el.disabled !== disabled) el.disabled = disabled;
}
