/**
 * The legend: how many sensors are in each state and of each kind, with toggles that hide or
 * show them on the map. Sensors without a position are counted but not drawn. For roles that
 * see the response units, their symbols by kind (map/unit-icons.ts) follow.
 */
import { SENSOR_KINDS } from '../../../twin-model/vocabulary.ts';
import { SENSOR_STATES, SensorStateCode } from '../../../twin-model/sensor-state.ts';
import { formatCount } from '../i18n/format.ts';
import { getLanguage, t } from '../i18n/language.ts';
import { kindLabel, stateLabel, unitKindLabel } from '../i18n/labels.ts';
import { unitSymbol } from '../map/unit-icons.ts';
import { UNIT_KINDS } from '../../../twin-model/dispatch/unit-types.ts';
import type { SensorFilter } from '../map/sensor-buffers.ts';
import { KIND_SLOTS, STATE_COUNT, UNKNOWN_KIND, type SensorCounts } from '../stream/sensor-store.ts';
import type { Panel } from '../app/panel.ts';
import { append, h, setAttr, setText } from '../ui/dom.ts';

interface Row {
  button: HTMLButtonElement;
  label: HTMLSpanElement;
  count: HTMLSpanElement;
}

/** States listed most urgent first. */
const STATE_ORDER = [
  SensorStateCode.alarm,
  SensorStateCode.warning,
  SensorStateCode.normal,
  SensorStateCode.stale,
  SensorStateCode.unregistered,
] as const;

/** The counts the legend shows: all sensors' (or the viewport's cells') and the number drawn. */
export interface LegendView {
  /** Null before the first snapshot. */
  legend: { counts: SensorCounts; drawn: number; cellsMode: boolean } | null;
}

export class Legend implements Panel<LegendView> {
  readonly el: HTMLElement;
  /** Redrawn when the counts, the number drawn or the viewport's cells change (console-view.ts). */
  readonly reads = ['counts', 'drawn', 'scale'] as const;
  readonly filter: SensorFilter = {
    kinds: new Uint8Array(KIND_SLOTS).fill(1),
    states: new Uint8Array(STATE_COUNT).fill(1),
  };

  private readonly stateRows: Row[] = [];
  private readonly kindRows: Row[] = [];
  private readonly title = h('h2', { class: 'panel-title' });
  private readonly statesHeading = h('h3', { class: 'legend-heading' });
  private readonly kindsHeading = h('h3', { class: 'legend-heading' });
  private readonly unitsHeading = h('h3', { class: 'legend-heading' });
  private readonly unitLabels = new Map<string, HTMLElement>();
  private readonly unplacedLabel = h('span', { class: 'legend-label' });
  private readonly unplacedCount = h('span', { class: 'legend-count', 'data-testid': 'legend-unplaced' });
  private readonly drawnLine = h('div', { class: 'legend-drawn muted', 'data-testid': 'legend-drawn' });
  private readonly showAll = h('button', { type: 'button', class: 'link-button', 'data-testid': 'legend-show-all' });
  private readonly collapse = h('button', { type: 'button', class: 'icon-button legend-collapse', 'aria-expanded': 'true' }, '−');
  private readonly body = h('div', { class: 'legend-body' });
  private counts: SensorCounts | null = null;
  private drawn = 0;

  /** `units`: the role sees response units, so their symbols are explained too. */
  constructor(
    private readonly onFilterChange: (filter: SensorFilter) => void,
    options: { units?: boolean } = {},
  ) {
    const stateList = h('ul', { class: 'legend-list' });
    for (const code of STATE_ORDER) {
      const row = this.makeRow(`legend-state-${SENSOR_STATES[code]}`, h('span', { class: `swatch state-${SENSOR_STATES[code]}` }), () =>
        this.toggle(this.filter.states, code),
      );
      this.stateRows[code] = row;
      stateList.appendChild(h('li', {}, row.button));
    }
    const kindList = h('ul', { class: 'legend-list legend-kinds' });
    const slots = [...SENSOR_KINDS.map((_, i) => i), UNKNOWN_KIND];
    for (const slot of slots) {
      const row = this.makeRow(`legend-kind-${SENSOR_KINDS[slot] ?? 'unknown'}`, h('span', { class: 'kind-check' }), () =>
        this.toggle(this.filter.kinds, slot),
      );
      this.kindRows[slot] = row;
      kindList.appendChild(h('li', { class: slot === UNKNOWN_KIND ? 'legend-unknown-kind' : null }, row.button));
    }
    this.showAll.addEventListener('click', () => {
      this.filter.kinds.fill(1);
      this.filter.states.fill(1);
      this.changed();
    });
    this.collapse.addEventListener('click', () => this.fold(!this.el.classList.contains('collapsed')));

    const units: HTMLElement[] = [];
    if (options.units) {
      const unitList = h('ul', { class: 'legend-list legend-units', 'data-testid': 'legend-units' });
      for (const kind of UNIT_KINDS) {
        const label = h('span', { class: 'legend-label' });
        this.unitLabels.set(kind, label);
        unitList.append(h('li', { class: 'legend-unit', 'data-testid': `legend-unit-${kind}` }, unitSymbol(kind), label));
      }
      units.push(this.unitsHeading, unitList);
    }
    append(this.body, [
      this.statesHeading,
      stateList,
      h('div', { class: 'legend-unplaced' }, h('span', { class: 'swatch swatch-none' }), this.unplacedLabel, this.unplacedCount),
      this.kindsHeading,
      kindList,
      ...units,
      h('div', { class: 'legend-footer' }, this.drawnLine, this.showAll),
    ]);
    this.el = h(
      'section',
      { class: 'panel legend', 'data-testid': 'legend' },
      h('header', { class: 'panel-header' }, this.title, this.collapse),
      this.body,
    );
    this.renderLabels();
    // A phone: the legend starts folded to its title (it would cover half the map).
    if (window.matchMedia?.('(max-width: 640px)').matches) this.fold(true);
  }

  /** Folds the legend to its title, or opens it. */
  fold(collapsed: boolean): void {
    this.el.classList.toggle('collapsed', collapsed);
    this.collapse.setAttribute('aria-expanded', String(!collapsed));
    this.collapse.textContent = collapsed ? '+' : '−';
    this.collapse.title = t(collapsed ? 'legend.expand' : 'legend.collapse');
  }

  mount(parent: HTMLElement): void {
    parent.appendChild(this.el);
  }

  destroy(): void {
    this.el.remove();
  }

  /** Whether the counts are the viewport's aggregate cells (states only: kinds unknown). */
  private cellsMode = false;

  /** Shows the counts (all sensors) and the number drawn. */
  render(view: LegendView): void {
    if (!view.legend) return;
    this.counts = view.legend.counts;
    this.drawn = view.legend.drawn;
    this.cellsMode = view.legend.cellsMode;
    this.renderCounts();
  }

  /** Re-renders every string (language change). */
  renderLabels(): void {
    setText(this.title, t('legend.title'));
    setText(this.statesHeading, t('legend.states'));
    setText(this.kindsHeading, t('legend.kinds'));
    setText(this.unitsHeading, t('legend.units'));
    for (const [kind, label] of this.unitLabels) setText(label, unitKindLabel(kind));
    setText(this.unplacedLabel, t('legend.unplaced'));
    setText(this.showAll, t('legend.showAll'));
    this.collapse.title = t(this.el.classList.contains('collapsed') ? 'legend.expand' : 'legend.collapse');
    for (const code of STATE_ORDER) {
      const row = this.stateRows[code]!;
      setText(row.label, stateLabel(SENSOR_STATES[code]!));
      row.button.title = t('legend.toggleHint');
    }
    this.kindRows.forEach((row, slot) => {
      // The last slot holds sensors of kinds the console draws no row for: declared by the city, or unknown.
      const kind = SENSOR_KINDS[slot];
      setText(row.label, kind ? kindLabel(kind) : t('legend.otherKinds'));
      row.button.title = t('legend.toggleHint');
    });
    this.renderCounts();
  }

  private renderCounts(): void {
    const lang = getLanguage();
    const c = this.counts;
    for (const code of STATE_ORDER) {
      const row = this.stateRows[code]!;
      setText(row.count, formatCount(c ? c.byState[code]! : 0, lang));
      setAttr(row.button, 'aria-pressed', String(this.filter.states[code] === 1));
    }
    this.kindRows.forEach((row, slot) => {
      const n = c ? c.byKind[slot]! : 0;
      // Aggregate cells count sensors by state, not by kind.
      setText(row.count, this.cellsMode ? '—' : formatCount(n, lang));
      setAttr(row.button, 'aria-pressed', String(this.filter.kinds[slot] === 1));
      // The "unknown kind" row only appears when there are such sensors.
      if (slot === UNKNOWN_KIND && row.button.parentElement!.hidden !== (n === 0)) row.button.parentElement!.hidden = n === 0;
    });
    setText(this.unplacedCount, formatCount(c ? c.unplaced : 0, lang));
    setText(
      this.drawnLine,
      this.cellsMode
        ? t('legend.inCells', { total: formatCount(c ? c.total : 0, lang) })
        : t('legend.drawn', { drawn: formatCount(this.drawn, lang), total: formatCount(c ? c.total : 0, lang) }),
    );
  }

  private makeRow(testId: string, marker: HTMLElement, onClick: () => void): Row {
    const label = h('span', { class: 'legend-label' });
    const count = h('span', { class: 'legend-count' });
    const button = h(
      'button',
      { type: 'button', class: 'legend-row', 'data-testid': testId, 'aria-pressed': 'true' },
      marker,
      label,
      count,
    );
    button.addEventListener('click', onClick);
    return { button, label, count };
  }

  private toggle(flags: Uint8Array, index: number): void {
    flags[index] = flags[index] === 1 ? 0 : 1;
    this.changed();
  }

  /** Hides the sensor kinds named (the layer panel's remembered choice), shows the others. */
  setHiddenKinds(hidden: readonly string[]): void {
    const set = new Set(hidden);
    SENSOR_KINDS.forEach((kind, slot) => {
      this.filter.kinds[slot] = set.has(kind) ? 0 : 1;
    });
    this.renderCounts();
  }

  /** The sensor kinds hidden now (kind names). */
  hiddenKinds(): string[] {
    return SENSOR_KINDS.filter((_, slot) => this.filter.kinds[slot] === 0);
  }

  private changed(): void {
    this.renderCounts();
    this.onFilterChange(this.filter);
  }
}
