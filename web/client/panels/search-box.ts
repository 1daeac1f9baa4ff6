/**
 * The one search box (top bar): finds sensors, incidents, response units, districts, roads and
 * assets by id or by zh-CN / English name as the operator types (`GET /api/search`, what the
 * role may see), keyboard-navigable (↑ ↓ Enter Esc; `/` or Ctrl+K focuses it), and opens what is
 * picked: a sensor, incident or unit in its own panel, a district, road or asset as a card
 * under the box with its outline or position highlighted on the map — the map flies to it.
 */
import type { SearchHit, SearchResponse } from '../../shared/search-protocol.ts';
import type { Panel } from '../app/panel.ts';
import { jsonCall } from '../backend/session.ts';
import { assetKindLabel, kindLabel, unitKindLabel } from '../i18n/labels.ts';
import { getLanguage, t } from '../i18n/language.ts';
import { unitSymbol } from '../map/unit-icons.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';

export interface SearchBoxContext {
  /** A district's name in the current language, or null. */
  districtName(code: string | null): string | null;
  /** Opens what was picked (its panel, or the card) and flies the map to it. */
  open(hit: SearchHit): void;
  /** The card's × : the highlighted place is let go. */
  clearFocus(): void;
}

/** Typing pauses this long before a search is sent. */
const DEBOUNCE_MS = 140;

export class SearchBox implements Panel<unknown> {
  readonly el: HTMLElement;
  private readonly input = h('input', {
    type: 'search',
    class: 'search-input',
    role: 'combobox',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': 'search-results',
    'data-testid': 'search-input',
  });
  private readonly list = h('ul', {
    id: 'search-results',
    class: 'search-results',
    role: 'listbox',
    hidden: true,
    'data-testid': 'search-results',
  });
  private readonly status = h('div', { class: 'search-status muted', role: 'status', hidden: true, 'data-testid': 'search-status' });
  private readonly card = h('div', { class: 'search-card', hidden: true, 'data-testid': 'search-card' });
  /** The drop-down under the box: the status line (none found, more matched, failure) and the hits. */
  private readonly drop = h('div', { class: 'search-drop', hidden: true }, this.status, this.list);
  private hits: SearchHit[] = [];
  private truncated = false;
  private active = -1;
  private timer = 0;
  /** Numbers the requests: an answer to an older query is dropped. */
  private seq = 0;
  private focused: SearchHit | null = null;
  /** The last search's failure, or null. */
  private failure: string | null = null;

  constructor(private readonly ctx: SearchBoxContext) {
    this.el = h('div', { class: 'search', 'data-testid': 'search' }, this.input, this.drop, this.card);
    this.input.addEventListener('input', () => this.schedule());
    this.input.addEventListener('focus', () => {
      if (this.hits.length > 0) this.show(true);
    });
    this.input.addEventListener('blur', () => {
      // Let a click on a result land first.
      window.setTimeout(() => {
        if (!this.el.contains(document.activeElement)) this.show(false);
      }, 150);
    });
    this.input.addEventListener('keydown', (e) => this.onKey(e));
    this.drop.addEventListener('mousedown', (e) => e.preventDefault());
    document.addEventListener('keydown', (e) => {
      const typing = e.target instanceof HTMLElement && (e.target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName));
      if ((e.key === '/' && !typing) || ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k')) {
        e.preventDefault();
        this.input.focus();
        this.input.select();
      }
    });
  }

  mount(parent: HTMLElement): void {
    parent.appendChild(this.el);
  }

  destroy(): void {
    window.clearTimeout(this.timer);
    this.el.remove();
  }

  render(): void {}

  renderLabels(): void {
    this.input.placeholder = t('search.placeholder');
    this.input.setAttribute('aria-label', t('search.label'));
    this.input.title = t('search.hint');
    this.draw();
    this.drawCard();
  }

  /** The place shown in the card (district, road, asset), or null. */
  get focus(): SearchHit | null {
    return this.focused;
  }

  /** Lets go of the card (another selection took over). */
  clearCard(): void {
    this.focused = null;
    this.drawCard();
  }

  private schedule(): void {
    window.clearTimeout(this.timer);
    const q = this.input.value.trim();
    if (!q) {
      this.seq++;
      this.hits = [];
      this.truncated = false;
      this.show(false);
      return;
    }
    this.timer = window.setTimeout(() => void this.run(q), DEBOUNCE_MS);
  }

  private async run(q: string): Promise<void> {
    const seq = ++this.seq;
    const r = await jsonCall<SearchResponse>('GET', `/api/search?${new URLSearchParams({ q })}`);
    if (seq !== this.seq) return;
    this.failure = r.ok ? null : r.error;
    this.hits = r.ok ? r.value.hits : [];
    this.truncated = r.ok && r.value.truncated;
    this.active = this.hits.length > 0 ? 0 : -1;
    this.draw();
    this.show(document.activeElement === this.input);
  }

  private show(open: boolean): void {
    const any = this.input.value.trim() !== '';
    this.list.hidden = !open || this.hits.length === 0;
    // Under the list: a failure, "nothing found", or "refine: more matched".
    this.status.hidden = !open || !any || (this.failure === null && this.hits.length > 0 && !this.truncated);
    this.drop.hidden = this.list.hidden && this.status.hidden;
    this.input.setAttribute('aria-expanded', String(!this.list.hidden));
  }

  private onKey(e: KeyboardEvent): void {
    const n = this.hits.length;
    switch (e.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        if (n === 0) return;
        e.preventDefault();
        this.show(true);
        this.active = (this.active + (e.key === 'ArrowDown' ? 1 : -1) + n) % n;
        this.draw();
        return;
      case 'Enter': {
        const hit = this.hits[this.active] ?? this.hits[0];
        if (!hit) return;
        e.preventDefault();
        this.pick(hit);
        return;
      }
      case 'Escape':
        e.preventDefault();
        // Inside the box Escape closes the list, then empties the box; the console's Escape (close panels) waits.
        e.stopPropagation();
        if (!this.list.hidden) this.show(false);
        else if (this.input.value) {
          this.input.value = '';
          this.schedule();
        } else this.input.blur();
        return;
    }
  }

  private pick(hit: SearchHit): void {
    this.show(false);
    this.input.blur();
    this.focused = hit.kind === 'district' || hit.kind === 'road' || hit.kind === 'asset' ? hit : null;
    this.drawCard();
    this.ctx.open(hit);
  }

  private draw(): void {
    const rows = this.hits.map((hit, k) => {
      const li = h(
        'li',
        {
          id: `search-hit-${k}`,
          class: 'search-hit',
          role: 'option',
          'aria-selected': String(k === this.active),
          'data-testid': 'search-hit',
          'data-kind': hit.kind,
          'data-id': hit.id,
        },
        hit.kind === 'unit' && hit.type
          ? unitSymbol(hit.type)
          : h('span', { class: 'search-kind', 'data-kind': hit.kind }, t(`search.kind.${hit.kind}`)),
        h(
          'span',
          { class: 'search-hit-main' },
          h('span', { class: 'search-hit-name' }, this.nameOf(hit)),
          h('span', { class: 'search-hit-detail muted' }, this.detailOf(hit)),
        ),
      );
      li.addEventListener('click', () => this.pick(hit));
      li.addEventListener('mousemove', () => {
        if (this.active === k) return;
        this.active = k;
        for (const [n, el] of [...this.list.children].entries()) el.setAttribute('aria-selected', String(n === k));
        this.input.setAttribute('aria-activedescendant', `search-hit-${k}`);
      });
      return li;
    });
    replaceChildren(this.list, ...rows);
    if (this.active >= 0) {
      this.input.setAttribute('aria-activedescendant', `search-hit-${this.active}`);
      this.list.children[this.active]?.scrollIntoView({ block: 'nearest' });
    } else this.input.removeAttribute('aria-activedescendant');
    this.status.classList.toggle('error', this.failure !== null);
    setText(
      this.status,
      this.failure !== null
        ? t('search.error', { reason: this.failure })
        : this.hits.length === 0
          ? t('search.none')
          : t('search.more', { n: this.hits.length }),
    );
  }

  private drawCard(): void {
    const hit = this.focused;
    this.card.hidden = !hit;
    if (!hit) return;
    const close = h(
      'button',
      {
        type: 'button',
        class: 'icon-button',
        'aria-label': t('search.clear'),
        title: t('search.clear'),
        'data-testid': 'search-card-close',
      },
      '×',
    );
    close.addEventListener('click', () => {
      this.clearCard();
      this.ctx.clearFocus();
    });
    this.card.dataset.kind = hit.kind;
    this.card.dataset.id = hit.id;
    replaceChildren(
      this.card,
      h('span', { class: 'search-kind', 'data-kind': hit.kind }, t(`search.kind.${hit.kind}`)),
      h(
        'span',
        { class: 'search-hit-main' },
        h('strong', { class: 'search-hit-name' }, this.nameOf(hit)),
        h('span', { class: 'search-hit-detail muted' }, this.detailOf(hit)),
      ),
      close,
    );
  }

  private nameOf(hit: SearchHit): string {
    return getLanguage() === 'en' ? hit.nameEn : hit.nameZh;
  }

  /** What it is, where, and its id. */
  private detailOf(hit: SearchHit): string {
    const type =
      hit.type === null
        ? null
        : hit.kind === 'sensor'
          ? kindLabel(hit.type)
          : hit.kind === 'incident'
            ? null
            : hit.kind === 'unit'
              ? unitKindLabel(hit.type)
              : assetKindLabel(hit.type);
    const place = hit.kind === 'district' ? null : this.ctx.districtName(hit.district);
    return [type, place, hit.id].filter(Boolean).join(' · ');
  }
}
