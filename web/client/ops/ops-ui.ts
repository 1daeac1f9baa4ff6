/**
 * Small parts the operations page's tabs share: a titled card, a table, a message line, the
 * city time, an API refusal in words (with the issues the server listed).
 */
import type { AuthResult } from '../backend/session.ts';
import { formatCityDateTime } from '../i18n/format.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';

type Child = Node | string | number | null | undefined | false;

/** One tab of the page: drawn once, redrawn on a language change, refreshed when shown again. */
export interface OpsTab {
  readonly el: HTMLElement;
  /** Loads what the tab shows (the first time it is opened, and on "refresh"). */
  load(): Promise<void>;
  /** Rewrites every label in the current language. */
  render(): void;
}

/** A card with a heading. */
export function card(testid: string, heading: HTMLElement, ...children: Child[]): HTMLElement {
  return h('section', { class: 'ops-card', 'data-testid': testid }, heading, ...children);
}

/**
 * A table with a header row; rows are `tr` elements. With `phoneCards`, each row is a card of
 * labelled lines on a phone (styles/phone-cards.css; the page imports that sheet).
 */
export function table(
  testid: string,
  heads: readonly string[],
  rows: readonly HTMLElement[],
  options: { phoneCards?: boolean } = {},
): HTMLElement {
  // Each cell carries its column's name, for a page that shows a row as a card of labelled lines on a phone.
  for (const row of rows) {
    [...row.children].forEach((cell, i) => {
      if (cell.tagName === 'TD' && heads[i] && !cell.hasAttribute('data-label')) cell.setAttribute('data-label', heads[i]);
    });
  }
  return h(
    'div',
    { class: 'ops-table-wrap' },
    h(
      'table',
      { class: options.phoneCards ? 'ops-table phone-cards' : 'ops-table', 'data-testid': testid },
      h('thead', {}, h('tr', {}, ...heads.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, ...rows),
    ),
  );
}

/** A line saying how something went: `ok`, `error`, or `info`; empty hides it. */
export function say(el: HTMLElement, text: string, kind: 'ok' | 'error' | 'info' = 'info'): void {
  el.hidden = text === '';
  el.dataset.kind = kind;
  el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  setText(el, text);
}

/** An empty message line (hidden until `say`). */
export function messageLine(testid: string): HTMLElement {
  return h('div', { class: 'ops-message', hidden: true, 'data-testid': testid });
}

/** A time in the city's time zone, 24-hour ("2026-12-04 19:35:16"); `—` for none. */
export function cityTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : formatCityDateTime(ms);
}

/** A problem the server listed with a refusal (`issues`: path, the value found, what is allowed). */
export interface ApiIssue {
  path: string;
  value?: string;
  message: string;
}

/** The issues of a refusal, when the server sent them. */
export function issuesOf(r: AuthResult<unknown>): ApiIssue[] {
  if (r.ok) return [];
  const list = r.details?.issues;
  if (!Array.isArray(list)) return [];
  return list
    .filter((i): i is ApiIssue => typeof i === 'object' && i !== null && typeof (i as ApiIssue).path === 'string')
    .map((i) => ({ path: i.path, message: String(i.message ?? ''), ...(i.value !== undefined ? { value: String(i.value) } : {}) }));
}

/** `path = value: what is allowed`, as the server words an issue. */
export function issueText(i: ApiIssue): string {
  return `${i.path || '(root)'}${i.value !== undefined ? ` = ${i.value}` : ''}: ${i.message}`;
}

/** A labelled control. */
export function field(label: HTMLElement, control: HTMLElement, ...more: Child[]): HTMLElement {
  return h('label', { class: 'ops-field' }, label, control, ...more);
}

/** A button. */
export function button(testid: string, kind: 'primary' | 'secondary' | 'danger' = 'primary'): HTMLButtonElement {
  return h('button', { type: 'button', class: `ops-button ${kind}`, 'data-testid': testid });
}

/** Replaces a container's content. */
export function fill(el: Element, ...children: Child[]): void {
  replaceChildren(el, ...children);
}

/** A JSON value on one line, cut to `max` characters. */
export function oneLine(value: unknown, max = 160): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
