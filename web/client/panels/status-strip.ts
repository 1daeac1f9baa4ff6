/**
 * The status strip along the bottom: ingest and storage figures from the server's `stats`, and
 * the freshness of the data on screen, computed here on every tick so it keeps counting up when
 * the stream stops. On a wall (kiosk mode) the figures give way to one health badge
 * (system-health.ts) and the sensor count; the badge is hidden on the desk (console.css).
 */
import type { StatsMessage } from '../../shared/protocol.ts';
import { formatCount, formatDuration, formatLatency, formatRate } from '../i18n/format.ts';
import { getLanguage, t } from '../i18n/language.ts';
import type { StringKey } from '../i18n/strings.ts';
import type { Freshness } from '../stream/freshness.ts';
import type { Panel } from '../app/panel.ts';
import { h, setAttr, setText } from '../ui/dom.ts';
import { healthText, LAG_BAD_MS, LAG_WARN_MS, systemHealth } from './system-health.ts';

type ItemId = 'msgs' | 'stored' | 'rejected' | 'pending' | 'lag' | 'clients' | 'storage' | 'broker' | 'sensors' | 'freshness';

interface Item {
  el: HTMLElement;
  label: HTMLElement;
  value: HTMLElement;
  labelKey: StringKey;
}

const ITEMS: ReadonlyArray<[ItemId, StringKey]> = [
  ['freshness', 'stat.freshness'],
  ['msgs', 'stat.msgs'],
  ['stored', 'stat.stored'],
  ['rejected', 'stat.rejected'],
  ['pending', 'stat.pending'],
  ['lag', 'stat.lag'],
  ['storage', 'stat.storage'],
  ['broker', 'stat.broker'],
  ['clients', 'stat.clients'],
  ['sensors', 'stat.sensors'],
];

/** What the strip shows; everything it needs, read each tick. */
export interface StatusView {
  stats: StatsMessage | null;
  freshness: Freshness;
  /** Sensors in the table on screen (used until stats arrive). */
  sensorsOnScreen: number;
}

export class StatusStrip implements Panel<StatusView> {
  readonly el: HTMLElement;
  /** Redrawn when the stats, the freshness shown or the table's size change (console-view.ts). */
  readonly reads = ['stats', 'freshness', 'table'] as const;
  private readonly items = new Map<ItemId, Item>();
  private readonly healthBadge = h('div', { class: 'stat stat-health', role: 'status', 'data-testid': 'health-badge' });

  constructor() {
    this.el = h('footer', { class: 'status-strip', 'data-testid': 'status-strip' }, this.healthBadge);
    for (const [id, labelKey] of ITEMS) {
      const label = h('span', { class: 'stat-label' });
      const value = h('span', { class: 'stat-value' });
      const el = h('div', { class: `stat stat-${id}`, 'data-testid': id === 'freshness' ? 'data-freshness' : `stat-${id}` }, label, value);
      this.items.set(id, { el, label, value, labelKey });
      this.el.appendChild(el);
    }
    this.renderLabels();
  }

  mount(parent: HTMLElement): void {
    parent.appendChild(this.el);
  }

  destroy(): void {
    this.el.remove();
  }

  renderLabels(): void {
    for (const item of this.items.values()) setText(item.label, t(item.labelKey));
    this.item('freshness').el.title = t('stat.freshnessTitle');
  }

  render(view: StatusView): void {
    const lang = getLanguage();
    const s = view.stats;
    const f = view.freshness;

    const fresh = this.item('freshness');
    setText(fresh.value, f.dataAgeMs === null ? '—' : formatDuration(f.dataAgeMs, lang));
    setLevel(fresh.el, f.level);
    setAttr(fresh.el, 'data-stopped', String(f.stopped));
    // Whole seconds, as shown: the attribute changes when the text does.
    setAttr(fresh.el, 'data-age-ms', f.dataAgeMs === null ? '' : String(Math.floor(f.dataAgeMs / 1000) * 1000));

    setText(this.item('msgs').value, formatRate(s?.messagesPerSec, lang));
    setText(this.item('stored').value, formatCount(s?.storedTotal, lang));
    const rejected = this.item('rejected');
    setText(rejected.value, formatCount(s?.rejectedTotal, lang));
    setLevel(rejected.el, s && s.rejectedTotal > 0 ? 'warn' : null);
    const pending = this.item('pending');
    setText(pending.value, formatCount(s?.pendingReadings, lang));
    const lag = this.item('lag');
    setText(lag.value, formatLatency(s?.ingestLagMs, lang));
    setLevel(lag.el, !s ? null : s.ingestLagMs > LAG_BAD_MS ? 'bad' : s.ingestLagMs > LAG_WARN_MS ? 'warn' : 'ok');
    this.health('storage', s?.storage);
    this.health('broker', s?.broker);
    setText(this.item('clients').value, formatCount(s?.connectedClients, lang));
    setText(this.item('sensors').value, formatCount(s ? s.sensorsTotal : view.sensorsOnScreen, lang));
    // A wall whose staleness watermark is up (kiosk-mode.ts, its own `stale=` seconds) is not healthy either.
    const health = systemHealth(s, document.body.classList.contains('kiosk-stale') ? { ...f, stopped: true, level: 'bad' } : f);
    setText(this.healthBadge, healthText(health));
    setLevel(this.healthBadge, health.level);
  }

  private health(id: 'storage' | 'broker', state: 'ok' | 'degraded' | 'down' | undefined): void {
    const item = this.item(id);
    setText(item.value, state ? t(`health.${state}`) : '—');
    setLevel(item.el, state === 'ok' ? 'ok' : state === 'degraded' ? 'warn' : state === 'down' ? 'bad' : null);
  }

  private item(id: ItemId): Item {
    return this.items.get(id)!;
  }
}

function setLevel(el: HTMLElement, level: 'ok' | 'warn' | 'bad' | null): void {
  if (level === null) {
    if (el.hasAttribute('data-level')) el.removeAttribute('data-level');
  } else if (el.dataset.level !== level) el.dataset.level = level;
}
