/**
 * The "数据流中断 / STREAM STOPPED" banner. Shown whenever the socket is down or no update
 * was applied for more than 10 s, so a frozen map never looks live; while it shows, the page
 * carries `stream-stopped`, which greys out the sensor layer (console.css).
 */
import { formatDuration } from '../i18n/format.ts';
import { getLanguage, t } from '../i18n/language.ts';
import type { Freshness } from '../stream/freshness.ts';
import type { Panel } from '../app/panel.ts';
import { h, setHidden, setText } from '../ui/dom.ts';

export class StreamBanner implements Panel<{ freshness: Freshness }> {
  readonly el: HTMLElement;
  /** Redrawn when the freshness shown changes (console-view.ts). */
  readonly reads = ['freshness'] as const;
  private readonly title = h('strong', { class: 'banner-title' });
  private readonly detail = h('span', { class: 'banner-detail' });
  private last: Freshness | null = null;

  constructor() {
    this.el = h(
      'div',
      { class: 'stream-banner', role: 'alert', 'aria-live': 'assertive', 'data-testid': 'stream-banner', hidden: true },
      h('span', { class: 'banner-icon', 'aria-hidden': 'true' }, '!'),
      this.title,
      this.detail,
    );
  }

  mount(parent: HTMLElement): void {
    parent.appendChild(this.el);
  }

  destroy(): void {
    this.el.remove();
  }

  render(view: { freshness: Freshness }): void {
    const f = view.freshness;
    this.last = f;
    const waiting = f.condition === 'waiting';
    setHidden(this.el, !f.stopped && !waiting);
    this.el.classList.toggle('waiting', waiting);
    document.body.classList.toggle('stream-stopped', f.stopped);
    if (this.el.hidden) return;
    if (waiting) {
      setText(this.title, t('banner.waiting'));
      setText(this.detail, '');
      return;
    }
    setText(this.title, t('banner.stopped'));
    setText(
      this.detail,
      f.condition === 'disconnected'
        ? t('banner.disconnected')
        : t('banner.noDelta', { age: formatDuration(f.sinceUpdateMs ?? 0, getLanguage()) }),
    );
  }

  renderLabels(): void {
    if (this.last) this.render({ freshness: this.last });
  }
}
