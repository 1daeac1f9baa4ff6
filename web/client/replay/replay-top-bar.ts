/**
 * The replay page's top bar: the range (from, to, load), the incident, the after-action report
 * and export links (within the role's permissions), the way back to the console and the
 * language toggle.
 */
import type { Panel } from '../app/panel.ts';
import { shownTimeZone } from '../i18n/format.ts';
import { getLanguage, setLanguage, t } from '../i18n/language.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import { fromLocalInput, toLocalInput, type ReplayState } from './replay-state.ts';

export class ReplayTopBar implements Panel<ReplayState> {
  private readonly fromInput = h('input', { type: 'datetime-local', step: '1', 'data-testid': 'replay-from' });
  private readonly toInput = h('input', { type: 'datetime-local', step: '1', 'data-testid': 'replay-to' });
  private readonly loadButton = h('button', { type: 'button', class: 'rp-button', 'data-testid': 'replay-load' });
  private readonly langButton = h('button', { type: 'button', class: 'rp-button', 'data-testid': 'language-toggle' });
  private readonly consoleLink = h('a', { href: './', class: 'rp-link' });
  private readonly titleEl = h('span', { class: 'rp-title' });
  private readonly incidentEl = h('span', { class: 'rp-incident mono', 'data-testid': 'replay-incident' });
  private readonly fromLabel = h('span', { class: 'rp-label' });
  private readonly toLabel = h('span', { class: 'rp-label' });
  private readonly reportBox = h('span', { class: 'rp-downloads', 'data-testid': 'replay-report' });
  private readonly exportBox = h('span', { class: 'rp-downloads', 'data-testid': 'replay-export' });
  private readonly el: HTMLElement;
  /** The range whose inputs and links are drawn (redrawn when it changes). */
  private shown: { from: number; to: number } | null = null;
  private last: ReplayState | null = null;

  /** `onLoad(from, to)`: the user asked for another range. */
  constructor(onLoad: (from: number, to: number) => void) {
    this.el = h(
      'header',
      { class: 'rp-top' },
      this.titleEl,
      this.incidentEl,
      this.fromLabel,
      this.fromInput,
      this.toLabel,
      this.toInput,
      this.loadButton,
      this.reportBox,
      this.exportBox,
      h('span', { class: 'rp-spacer' }),
      this.consoleLink,
      this.langButton,
    );
    this.loadButton.addEventListener('click', () => {
      const from = fromLocalInput(this.fromInput.value, shownTimeZone());
      const to = fromLocalInput(this.toInput.value, shownTimeZone());
      if (from !== null && to !== null && to > from) onLoad(from, to);
    });
    this.langButton.addEventListener('click', () => setLanguage(getLanguage() === 'zh' ? 'en' : 'zh'));
  }

  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  destroy(): void {
    this.el.remove();
  }

  render(state: ReplayState): void {
    this.last = state;
    if (state.range === this.shown) return;
    this.shown = state.range;
    if (state.range) {
      this.fromInput.value = toLocalInput(state.range.from, shownTimeZone());
      this.toInput.value = toLocalInput(state.range.to, shownTimeZone());
    }
    this.drawDownloads(state);
  }

  renderLabels(): void {
    setText(this.titleEl, t('replay.title'));
    setText(this.fromLabel, t('replay.from'));
    setText(this.toLabel, t('replay.to'));
    setText(this.loadButton, t('replay.load'));
    setText(this.langButton, getLanguage() === 'zh' ? 'EN' : '中文');
    setText(this.consoleLink, t('replay.toConsole'));
    const incident = this.last?.incidentId;
    setText(this.incidentEl, incident ? t('replay.incident', { id: incident }) : '');
    if (this.last) this.drawDownloads(this.last);
  }

  private drawDownloads(state: ReplayState): void {
    const parts: Node[] = [];
    if (state.incidentId) {
      const base = `/api/replay/incidents/${encodeURIComponent(state.incidentId)}/report?lang=${getLanguage()}`;
      parts.push(h('span', { class: 'rp-label' }, t('replay.report')));
      parts.push(
        h(
          'a',
          { class: 'rp-link', href: `${base}&format=html`, download: '', 'data-testid': 'replay-report-html' },
          t('replay.reportHtml'),
        ),
      );
      parts.push(
        h('a', { class: 'rp-link', href: `${base}&format=md`, download: '', 'data-testid': 'replay-report-md' }, t('replay.reportMd')),
      );
    }
    replaceChildren(this.reportBox, ...parts);
    const ex: Node[] = [];
    if (state.range && state.permissions.includes('export.data')) {
      const q = `from=${state.range.from}&to=${state.range.to}`;
      ex.push(h('span', { class: 'rp-label' }, t('replay.export')));
      ex.push(
        h(
          'a',
          { class: 'rp-link', href: `/api/replay/export?${q}&classes=public`, download: '', 'data-testid': 'replay-export-open' },
          `${t('replay.exportOpen')} CSV`,
        ),
      );
      ex.push(h('a', { class: 'rp-link', href: `/api/replay/export?${q}`, download: '', 'data-testid': 'replay-export-csv' }, 'CSV'));
      ex.push(
        h(
          'a',
          { class: 'rp-link', href: `/api/replay/export?${q}&format=parquet`, download: '', 'data-testid': 'replay-export-parquet' },
          'Parquet',
        ),
      );
    }
    replaceChildren(this.exportBox, ...ex);
  }
}
