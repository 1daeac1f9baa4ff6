/**
 * The replay page's top bar: the range (from, to on the city's clocks, 24-hour, presets, load),
 * the incident, the after-action report (read in the page, or downloaded) and the export
 * (within the role's permissions), the way back to the console and the language toggle.
 */
import type { Panel } from '../app/panel.ts';
import { shownTimeZone } from '../i18n/format.ts';
import { getLanguage, t } from '../i18n/language.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import { languageToggle } from '../ui/language-toggle.ts';
import { ExportBox } from './replay-export.ts';
import { exportFileName, presetRange, rangeInputValue, rangeZoneLabel, readRangeInputs, type RangePreset } from './replay-range.ts';
import type { ReplayState } from './replay-state.ts';
import { reportUrl } from './report-dialog.ts';

export interface ReplayTopBarActions {
  /** The user asked for another range. */
  load(from: number, to: number): void;
  /** The user asked to read the incident's report in the page. */
  viewReport(incidentId: string): void;
}

const INPUT = {
  type: 'text',
  class: 'rp-time mono',
  inputmode: 'numeric',
  spellcheck: 'false',
  autocomplete: 'off',
  placeholder: 'YYYY-MM-DD HH:mm',
};

export class ReplayTopBar implements Panel<ReplayState> {
  private readonly fromInput = h('input', { ...INPUT, 'data-testid': 'replay-from' });
  private readonly toInput = h('input', { ...INPUT, 'data-testid': 'replay-to' });
  private readonly zoneEl = h('span', { class: 'rp-label', 'data-testid': 'replay-zone' });
  private readonly presetSelect = h('select', { class: 'rp-select', 'data-testid': 'replay-preset' });
  private readonly loadButton = h('button', { type: 'button', class: 'rp-button', 'data-testid': 'replay-load' });
  private readonly langButton = languageToggle();
  private readonly consoleLink = h('a', { href: './', class: 'rp-link' });
  private readonly titleEl = h('span', { class: 'rp-title' });
  private readonly incidentEl = h('span', { class: 'rp-incident mono', 'data-testid': 'replay-incident' });
  private readonly fromLabel = h('span', { class: 'rp-label' });
  private readonly toLabel = h('span', { class: 'rp-label' });
  private readonly reportBox = h('span', { class: 'rp-downloads', 'data-testid': 'replay-report' });
  private readonly exportBox = h('span', { class: 'rp-downloads', 'data-testid': 'replay-export' });
  private readonly errorEl = h('div', { class: 'rp-range-error', role: 'alert', 'data-testid': 'replay-range-error', hidden: '' });
  readonly exports = new ExportBox();
  private readonly el: HTMLElement;
  /** The range whose inputs and links are drawn (redrawn when it changes). */
  private shown: { from: number; to: number } | null = null;
  private last: ReplayState | null = null;
  private resizeWatch: ResizeObserver | null = null;

  /** `cityId` names export files. */
  constructor(
    private readonly actions: ReplayTopBarActions,
    private readonly cityId: string,
  ) {
    this.el = h(
      'header',
      { class: 'rp-top' },
      this.titleEl,
      this.incidentEl,
      this.presetSelect,
      // A label stays on the line of its field when the bar wraps (a phone).
      h('span', { class: 'rp-pair' }, this.fromLabel, this.fromInput),
      h('span', { class: 'rp-pair' }, this.toLabel, this.toInput, this.zoneEl),
      this.loadButton,
      this.reportBox,
      this.exportBox,
      h('span', { class: 'rp-spacer' }),
      this.consoleLink,
      this.langButton,
    );
    this.loadButton.addEventListener('click', () => this.loadTyped());
    for (const input of [this.fromInput, this.toInput])
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') this.loadTyped();
      });
    this.presetSelect.addEventListener('change', () => this.loadPreset());
  }

  mount(parent: HTMLElement): void {
    parent.append(this.el, this.errorEl, this.exports.el);
    // On narrow screens the bar wraps onto more lines: the map and the side list start under it.
    this.resizeWatch = new ResizeObserver(() => {
      document.documentElement.style.setProperty('--rp-top-h', `${this.el.offsetHeight}px`);
    });
    this.resizeWatch.observe(this.el);
  }

  destroy(): void {
    this.resizeWatch?.disconnect();
    this.el.remove();
    this.errorEl.remove();
    this.exports.el.remove();
  }

  render(state: ReplayState): void {
    this.last = state;
    if (state.range === this.shown) return;
    this.shown = state.range;
    if (state.range) {
      this.fromInput.value = rangeInputValue(state.range.from, shownTimeZone());
      this.toInput.value = rangeInputValue(state.range.to, shownTimeZone());
    }
    this.renderLabels();
  }

  renderLabels(): void {
    setText(this.titleEl, t('replay.title'));
    setText(this.fromLabel, t('replay.from'));
    setText(this.toLabel, t('replay.to'));
    setText(this.loadButton, t('replay.load'));
    setText(this.consoleLink, t('replay.toConsole'));
    setText(this.zoneEl, rangeZoneLabel(this.shown?.from ?? Date.now(), shownTimeZone()));
    this.zoneEl.title = t('replay.zone', { offset: rangeZoneLabel(this.shown?.from ?? Date.now(), shownTimeZone()) });
    const incident = this.last?.incidentId;
    setText(this.incidentEl, incident ? t('replay.incident', { id: incident }) : '');
    this.drawPresets();
    if (this.last) this.drawDownloads(this.last);
    this.exports.renderLabels();
  }

  private drawPresets(): void {
    const options: Array<[string, string]> = [
      ['', t('replay.presetCustom')],
      ['hour', t('replay.presetHour')],
      ['day', t('replay.presetDay')],
    ];
    if (this.last?.incidentSpan) options.push(['incident', t('replay.presetIncident')]);
    replaceChildren(this.presetSelect, ...options.map(([value, label]) => h('option', { value }, label)));
    this.presetSelect.value = '';
    this.presetSelect.title = t('replay.preset');
  }

  private loadPreset(): void {
    const preset = this.presetSelect.value as RangePreset | '';
    if (!preset) return;
    const r = presetRange(preset, Date.now(), this.last?.incidentSpan ?? null);
    this.presetSelect.value = '';
    if (r) this.load(r.from, r.to);
  }

  /** Loads the typed range, or says what is wrong with it (quoting the value). */
  private loadTyped(): void {
    const zone = shownTimeZone();
    const r = readRangeInputs(this.fromInput.value, this.toInput.value, zone);
    if (r.ok) {
      this.load(r.from, r.to);
      return;
    }
    const offset = rangeZoneLabel(Date.now(), zone);
    setText(
      this.errorEl,
      r.problem === 'time' ? t('replay.badTime', { value: r.value, offset }) : t('replay.badOrder', { from: r.from, to: r.to }),
    );
    this.errorEl.hidden = false;
  }

  private load(from: number, to: number): void {
    this.errorEl.hidden = true;
    this.actions.load(from, to);
  }

  private drawDownloads(state: ReplayState): void {
    const parts: Node[] = [];
    const incidentId = state.incidentId;
    if (incidentId) {
      const view = h('button', { type: 'button', class: 'rp-button', 'data-testid': 'replay-report-view' }, t('replay.viewReport'));
      view.addEventListener('click', () => this.actions.viewReport(incidentId));
      const lang = getLanguage();
      parts.push(view);
      parts.push(
        h(
          'a',
          { class: 'rp-link', href: reportUrl(incidentId, 'html', lang), download: '', 'data-testid': 'replay-report-html' },
          t('replay.reportHtml'),
        ),
      );
      parts.push(
        h(
          'a',
          { class: 'rp-link', href: reportUrl(incidentId, 'md', lang), download: '', 'data-testid': 'replay-report-md' },
          t('replay.reportMd'),
        ),
      );
    }
    replaceChildren(this.reportBox, ...parts);
    const ex: Node[] = [];
    if (state.range && state.permissions.includes('export.data')) {
      ex.push(h('span', { class: 'rp-label' }, t('replay.export')));
      ex.push(this.exportButton(state, 'public', `${t('replay.exportOpen')} CSV`, 'replay-export-open'));
      ex.push(this.exportButton(state, null, 'CSV', 'replay-export-csv', 'csv'));
      ex.push(this.exportButton(state, null, 'Parquet', 'replay-export-parquet', 'parquet'));
    }
    replaceChildren(this.exportBox, ...ex);
  }

  /** A button exporting the range (`classes`: a classification, or every one cleared). */
  private exportButton(
    state: ReplayState,
    classes: string | null,
    label: string,
    testId: string,
    format: 'csv' | 'parquet' = 'csv',
  ): HTMLElement {
    const b = h('button', { type: 'button', class: 'rp-button rp-export', 'data-testid': testId }, label);
    b.addEventListener('click', () => {
      const range = state.range;
      if (!range) return;
      const q = `from=${range.from}&to=${range.to}${format === 'parquet' ? '&format=parquet' : ''}${classes ? `&classes=${classes}` : ''}`;
      const rows = state.events ? state.events.coverage.counts.reduce((a, n) => a + n, 0) : 0;
      const name = exportFileName(this.cityId, range.from, range.to, shownTimeZone(), format);
      this.exports.request({
        url: `/api/replay/export?${q}`,
        name: classes ? name.replace(/(\.\w+)$/, `-${classes}$1`) : name,
        format,
        rows,
      });
    });
    return b;
  }
}
