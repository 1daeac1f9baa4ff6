/**
 * The audit record's filters: actor, kind (stream), action code, from and to (in the city's time
 * zone). The form holds what the user typed or chose (actions by their words); `query()` reads it.
 */
import type { Panel } from '../app/panel.ts';
import { formatCityDateTime, parseCityDateTime } from '../i18n/format.ts';
import { getLanguage, t } from '../i18n/language.ts';
import { STRINGS } from '../i18n/strings.ts';
import { h, setAttr, setText } from '../ui/dom.ts';
import { INCIDENT_CHANGE_KINDS } from '../../../twin-model/incidents/incident-schemas.ts';
import { AUDIT_STREAM_NAMES } from '../../shared/audit-protocol.ts';
import { auditActionLabel, auditStreamLabel } from './audit-labels.ts';
import type { AuditState } from './audit-state.ts';

/** Every action the message table words (`audit.action.<stream>.<action>`), and the incident history's steps. */
function knownActions(): Array<{ stream: string; action: string }> {
  const out: Array<{ stream: string; action: string }> = INCIDENT_CHANGE_KINDS.map((action) => ({ stream: 'incident', action }));
  for (const key of Object.keys(STRINGS.zh)) {
    const m = /^audit\.action\.([a-z]+)\.([a-z_]+)$/.exec(key);
    if (m) out.push({ stream: m[1]!, action: m[2]! });
  }
  return out;
}

/** Entries fetched per page. */
const PAGE = 200;

/** How often the examples are checked against the city's date while the page stays open. */
const EXAMPLE_CHECK_MS = 60_000;

/**
 * The examples of the from and to fields at `now`: the city's date of that moment (in `zone`),
 * from its first minute to its last — a fixed date would read as a filter already set.
 */
export function auditTimeExamples(now: number, zone: string): { from: string; to: string } {
  const today = formatCityDateTime(now, zone).slice(0, 10);
  return { from: `${today} 00:00`, to: `${today} 23:59` };
}

export class AuditFilters implements Panel<AuditState> {
  private readonly actor = h('input', { type: 'text', maxlength: '64', 'data-testid': 'audit-filter-actor', autocomplete: 'off' });
  private readonly streamOptions = ['', ...AUDIT_STREAM_NAMES].map((s) => h('option', { value: s }));
  private readonly stream = h('select', { 'data-testid': 'audit-filter-stream' }, ...this.streamOptions);
  /** Actions by their words (grouped by kind), the code as the value the server filters on. */
  private readonly actionOptions = [{ stream: '', action: '' }, ...knownActions()].map((a) =>
    h('option', { value: a.action, 'data-stream': a.stream }),
  );
  private readonly action = h('select', { 'data-testid': 'audit-filter-action' }, ...this.actionOptions);
  // Their examples are today's city date (auditTimeExamples), kept to the date: when shown, when
  // focused and checked every minute, so that a page left open past midnight shows the new day.
  private readonly from = h('input', { type: 'text', maxlength: '19', 'data-testid': 'audit-filter-from' });
  private readonly to = h('input', { type: 'text', maxlength: '19', 'data-testid': 'audit-filter-to' });
  private readonly apply = h('button', { type: 'submit', class: 'audit-button', 'data-testid': 'audit-filter-apply' });
  private readonly reset = h('button', { type: 'button', class: 'audit-button secondary', 'data-testid': 'audit-filter-reset' });
  private readonly error = h('div', { class: 'audit-filter-error', role: 'alert', hidden: true, 'data-testid': 'audit-filter-error' });
  private readonly labels = { actor: h('span', {}), stream: h('span', {}), action: h('span', {}), from: h('span', {}), to: h('span', {}) };
  private readonly el = h(
    'form',
    { class: 'audit-filters', 'data-testid': 'audit-filters' },
    h('label', {}, this.labels.actor, this.actor),
    h('label', {}, this.labels.stream, this.stream),
    h('label', {}, this.labels.action, this.action),
    h('label', {}, this.labels.from, this.from),
    h('label', {}, this.labels.to, this.to),
    h('div', { class: 'audit-filter-buttons' }, this.apply, this.reset),
    this.error,
  );

  private readonly exampleTimer: ReturnType<typeof setInterval>;

  /**
   * `onApply()`: the user applied the filters (or reset them). `zone`: the city's, for from and to.
   * `now`: the clock of the examples.
   */
  constructor(
    private readonly zone: string,
    onApply: () => void,
    private readonly now: () => number = Date.now,
  ) {
    this.el.addEventListener('submit', (e) => {
      e.preventDefault();
      onApply();
    });
    this.reset.addEventListener('click', () => {
      for (const input of [this.actor, this.stream, this.action, this.from, this.to]) input.value = '';
      this.error.hidden = true;
      onApply();
    });
    for (const input of [this.from, this.to]) input.addEventListener('focus', () => this.showExamples());
    this.exampleTimer = setInterval(() => this.showExamples(), EXAMPLE_CHECK_MS);
  }

  /** The from and to examples of the city's date now. */
  private showExamples(): void {
    const ex = auditTimeExamples(this.now(), this.zone);
    setAttr(this.from, 'placeholder', ex.from);
    setAttr(this.to, 'placeholder', ex.to);
  }

  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  render(): void {}

  renderLabels(): void {
    setText(this.labels.actor, t('audit.filter.actor'));
    setText(this.labels.stream, t('audit.filter.stream'));
    setText(this.labels.action, t('audit.filter.action'));
    setText(this.labels.from, t('audit.filter.from'));
    setText(this.labels.to, t('audit.filter.to'));
    this.showExamples();
    setText(this.apply, t('audit.filter.apply'));
    setText(this.reset, t('audit.filter.reset'));
    for (const o of this.streamOptions) setText(o, o.value ? auditStreamLabel(o.value, getLanguage()) : t('audit.stream.all'));
    for (const o of this.actionOptions) {
      const stream = o.dataset.stream ?? '';
      setText(
        o,
        o.value
          ? `${auditStreamLabel(stream, getLanguage())} · ${auditActionLabel(stream, o.value, getLanguage())}`
          : t('audit.filter.anyAction'),
      );
    }
    if (!this.error.hidden) setText(this.error, t('audit.filter.badTime'));
  }

  destroy(): void {
    clearInterval(this.exampleTimer);
    this.el.remove();
  }

  /** The query of the filters, or null (with the reason shown) when a time is not one. */
  query(): URLSearchParams | null {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (this.actor.value.trim()) q.set('actor', this.actor.value.trim());
    if (this.stream.value) q.set('stream', this.stream.value);
    if (this.action.value) q.set('action', this.action.value);
    for (const [input, name] of [
      [this.from, 'from'],
      [this.to, 'to'],
    ] as const) {
      if (!input.value.trim()) continue;
      const ms = parseCityDateTime(input.value, this.zone);
      if (ms === null) {
        this.error.hidden = false;
        setText(this.error, t('audit.filter.badTime'));
        input.focus();
        return null;
      }
      // "To 18:00" includes the whole minute.
      q.set(name, String(name === 'to' && !/:\d{2}:\d{2}$/.test(input.value.trim()) ? ms + 59_999 : ms));
    }
    this.error.hidden = true;
    return q;
  }
}
