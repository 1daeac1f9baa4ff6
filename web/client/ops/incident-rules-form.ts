/**
 * Incident rules as a form (docs/rules.md "The admin page"), on the rules tab: one incident type
 * at a time, every field of its rule (docs/incidents.md) — names, time window, radius, the
 * confidence to open, severity, resolution, and each evidence signal (its kind, sensor kinds or
 * report types and categories, level, share, family, weight, radii, lag, the corroboration it needs to open) — named in the page's
 * language with its unit and its JSON key. Edits go straight into the tab's draft (its changes
 * before saving, its reason and apply); the server's problems are shown at the field their
 * path names (`rules.<type>.<field>`).
 */
import { EVENT_TYPES, SENSOR_KINDS } from '../../../twin-model/vocabulary.ts';
import { kindLabel } from '../i18n/labels.ts';
import { getLanguage } from '../i18n/language.ts';
import { h, setText } from '../ui/dom.ts';
import { incidentLabel, irt } from './incident-rule-strings.ts';
import { button, field, fill, type ApiIssue } from './ops-ui.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

type Unit = 'm' | 's' | 'share' | 'level';

/** One field of a rule or a signal: its key (dotted below the rule or signal), its control and unit. */
interface Spec {
  key: string;
  control: 'number' | 'text' | 'bool' | 'choice' | 'list' | 'set';
  unit?: Unit;
  /** The choices of a `choice` (one) or a `set` (any number, absent from the rule when none). */
  choices?: readonly string[];
  /** Absent from the rule when left empty. */
  optional?: boolean;
}

const EVIDENCE = ['sensor_alarm', 'area_share', 'event'] as const;
const LEVELS = ['warning', 'alarm'] as const;
/** The rule format's evidence families (twin-model/incidents/incident-rules.ts EVIDENCE_FAMILIES, less `warning`: no signal takes it). */
const FAMILIES = ['sensor', 'weather', 'traffic', 'hotline', 'video', 'manual', 'service'] as const;

const RULE_SECTIONS: ReadonlyArray<{ heading: 'general' | 'spatial' | 'open' | 'severity' | 'resolve'; specs: Spec[] }> = [
  {
    heading: 'general',
    specs: [
      { key: 'nameZh', control: 'text' },
      { key: 'nameEn', control: 'text' },
      { key: 'description', control: 'text', optional: true },
      { key: 'windowS', control: 'number', unit: 's' },
      { key: 'repeatGain', control: 'number', unit: 'share', optional: true },
    ],
  },
  {
    heading: 'spatial',
    specs: [
      { key: 'spatial.radiusM', control: 'number', unit: 'm' },
      { key: 'spatial.sameAsset', control: 'bool' },
      { key: 'spatial.sameDistrict', control: 'bool' },
    ],
  },
  { heading: 'open', specs: [{ key: 'open.minConfidence', control: 'number', unit: 'share' }] },
  {
    heading: 'severity',
    specs: [
      { key: 'severity.base', control: 'number', unit: 'level' },
      { key: 'severity.perAlarm', control: 'number' },
      { key: 'severity.max', control: 'number', unit: 'level' },
    ],
  },
  {
    heading: 'resolve',
    specs: [
      { key: 'resolve.quietS', control: 'number', unit: 's' },
      { key: 'resolve.operatorConfirms', control: 'bool' },
    ],
  },
];

const SIGNAL_SPECS: readonly Spec[] = [
  { key: 'id', control: 'text' },
  { key: 'evidence', control: 'choice', choices: EVIDENCE },
  { key: 'sensorKinds', control: 'set', choices: SENSOR_KINDS, optional: true },
  { key: 'minLevel', control: 'choice', choices: LEVELS },
  { key: 'minShare', control: 'number', unit: 'share', optional: true },
  { key: 'countSilent', control: 'bool', optional: true },
  { key: 'eventTypes', control: 'set', choices: EVENT_TYPES, optional: true },
  { key: 'categories', control: 'list', optional: true },
  { key: 'family', control: 'choice', choices: FAMILIES },
  { key: 'weight', control: 'number', unit: 'share' },
  { key: 'canOpen', control: 'bool' },
  { key: 'repeatGain', control: 'number', unit: 'share', optional: true },
  { key: 'radiusM', control: 'number', unit: 'm', optional: true },
  { key: 'joinRadiusM', control: 'number', unit: 'm', optional: true },
  { key: 'placeRadiusM', control: 'number', unit: 'm', optional: true },
  { key: 'maxLagS', control: 'number', unit: 's', optional: true },
  { key: 'corroboration.signals', control: 'list', optional: true },
  { key: 'corroboration.minFamilies', control: 'number', optional: true },
  { key: 'corroboration.withinS', control: 'number', unit: 's', optional: true },
];

export interface IncidentFormHost {
  canEdit: boolean;
  /** The tab's draft: `{"schemaVersion": 1, "rules": {"<type>": rule}}`. */
  draft(): Json | null;
  /** The server's problems at `path` or below it. */
  issuesAt(path: string): ApiIssue[];
  /** The draft changed here: redraw what depends on it. */
  changed(): void;
}

/** A new signal: a sensor alarm of the sensor family, not opening alone; its kinds are still to be picked. */
function newSignal(signals: readonly unknown[]): Json {
  const ids = new Set(signals.map((x) => (isObject(x) ? x.id : undefined)));
  let n = signals.length + 1;
  while (ids.has(`signal_${n}`)) n++;
  return { id: `signal_${n}`, evidence: 'sensor_alarm', minLevel: 'alarm', family: 'sensor', weight: 0.3, canOpen: false };
}

/** The value at a dotted key of `o`. */
function getAt(o: Json, key: string): unknown {
  return key.split('.').reduce<unknown>((at, k) => (isObject(at) ? at[k] : undefined), o);
}

/**
 * Sets (or, `undefined`, removes) the value at a dotted key of `o`, making objects on the way;
 * an object left empty by a removal goes too (a signal's `corroboration` without any field).
 */
function setAt(o: Json, key: string, value: unknown): void {
  const keys = key.split('.');
  const path: Json[] = [o];
  for (const k of keys.slice(0, -1)) {
    const at = path.at(-1)!;
    if (!isObject(at[k])) at[k] = {};
    path.push(at[k] as Json);
  }
  const last = keys.at(-1)!;
  if (value !== undefined) {
    path.at(-1)![last] = value;
    return;
  }
  delete path.at(-1)![last];
  for (let i = path.length - 1; i > 0 && Object.keys(path[i]!).length === 0; i--) delete path[i - 1]![keys[i - 1]!];
}

export class IncidentRulesForm {
  readonly el: HTMLElement;
  private type = '';
  private readonly typeLabel = h('span', {});
  private readonly typeSelect = h('select', { 'data-testid': 'incident-type' });
  private readonly body = h('div', { 'data-testid': 'incident-form' });

  constructor(private readonly host: IncidentFormHost) {
    this.typeSelect.addEventListener('change', () => {
      this.type = this.typeSelect.value;
      this.draw();
    });
    this.el = h(
      'section',
      { class: 'rules-incident' },
      h('div', { class: 'ops-toolbar' }, field(this.typeLabel, this.typeSelect)),
      this.body,
    );
  }

  private rules(): Json {
    const r = this.host.draft()?.rules;
    return isObject(r) ? r : {};
  }

  /** Shows the form in `container` (the tab's editor) and draws it. */
  drawInto(container: HTMLElement): void {
    fill(container, this.el);
    this.draw();
  }

  draw(): void {
    setText(this.typeLabel, irt('type'));
    const types = Object.keys(this.rules());
    if (!types.includes(this.type)) this.type = types.includes('waterlogging') ? 'waterlogging' : (types[0] ?? '');
    fill(
      this.typeSelect,
      ...types.map((t) => {
        const r = this.rules()[t] as Json;
        return h('option', { value: t }, `${String(r[getLanguage() === 'en' ? 'nameEn' : 'nameZh'] ?? t)} · ${t}`);
      }),
    );
    this.typeSelect.value = this.type;
    const rule = this.rules()[this.type];
    if (!isObject(rule)) {
      fill(this.body, h('p', { class: 'ops-muted' }, irt('pick')));
      return;
    }
    const base = `rules.${this.type}`;
    const signals = Array.isArray(rule.signals) ? rule.signals : [];
    fill(
      this.body,
      ...RULE_SECTIONS.map((s) =>
        h(
          'fieldset',
          { class: 'rules-rule', 'data-testid': 'incident-section', 'data-section': s.heading },
          h('legend', {}, h('strong', {}, irt(s.heading))),
          h('div', { class: 'rules-fields' }, ...s.specs.map((spec) => this.control(rule, base, spec))),
        ),
      ),
      h('h3', {}, irt('signals')),
      ...signals.map((signal, i) => (isObject(signal) ? this.signal(signals, signal, `${base}.signals.${i}`, i) : null)),
      this.addSignalButton(rule),
      this.errors(`${base}.signals`, true),
      this.errors(base, true),
    );
  }

  /** One evidence signal: its fields and a button removing it (not the last one: a rule needs a signal). */
  private signal(signals: unknown[], signal: Json, path: string, i: number): HTMLElement {
    const remove = button('incident-signal-remove', 'danger');
    remove.textContent = irt('removeSignal');
    remove.disabled = !this.host.canEdit || signals.length < 2;
    if (signals.length < 2) remove.title = irt('lastSignal');
    remove.addEventListener('click', () => {
      signals.splice(i, 1);
      this.host.changed();
      this.draw();
    });
    return h(
      'fieldset',
      { class: 'rules-rule', 'data-testid': 'incident-signal', 'data-signal-id': String(signal.id ?? i) },
      h('legend', {}, h('strong', { class: 'mono' }, irt('signal', { id: String(signal.id ?? i) }))),
      h('div', { class: 'rules-fields' }, ...SIGNAL_SPECS.map((spec) => this.control(signal, path, spec))),
      h('div', { class: 'ops-toolbar' }, remove),
      this.errors(path, true),
    );
  }

  private addSignalButton(rule: Json): HTMLElement {
    const add = button('incident-signal-add', 'secondary');
    add.textContent = irt('addSignal');
    add.disabled = !this.host.canEdit;
    add.addEventListener('click', () => {
      if (!Array.isArray(rule.signals)) rule.signals = [];
      const signals = rule.signals as unknown[];
      signals.push(newSignal(signals));
      this.host.changed();
      this.draw();
    });
    return h('div', { class: 'ops-toolbar' }, add);
  }

  /** A set of choices as check boxes (sensor kinds, report types); none checked leaves the key out. */
  private choiceSet(target: Json, path: string, spec: Spec, common: Record<string, unknown>): HTMLElement {
    const value = getAt(target, spec.key);
    const chosen = new Set(Array.isArray(value) ? value.map(String) : []);
    const choices = [...(spec.choices ?? []), ...[...chosen].filter((c) => !spec.choices?.includes(c))];
    const label = (c: string) => (spec.key === 'sensorKinds' ? kindLabel(c) : (incidentLabel('choice', c) ?? c));
    const boxes = choices.map((c) => {
      const box = h('input', { type: 'checkbox', ...common, 'data-testid': 'incident-choice', 'data-choice': c });
      box.checked = chosen.has(c);
      box.addEventListener('change', () => {
        if (box.checked) chosen.add(c);
        else chosen.delete(c);
        const list = choices.filter((x) => chosen.has(x));
        setAt(target, spec.key, list.length > 0 ? list : undefined);
        this.host.changed();
      });
      return h('label', { class: 'ops-check' }, box, h('span', {}, label(c), h('span', { class: 'ops-key mono' }, ` ${c}`)));
    });
    return h(
      'fieldset',
      { class: 'ops-choice-set', 'data-path': path, 'data-testid': 'incident-set' },
      h('legend', {}, this.label(spec)),
      ...boxes,
      this.errors(path, false),
    );
  }

  /** The server's problems exactly at `path` (or at and below it), under the field. */
  private errors(path: string, exact: boolean): HTMLElement | null {
    const list = this.host.issuesAt(path).filter((i) => !exact || i.path === path);
    if (list.length === 0) return null;
    return h(
      'div',
      { class: 'ops-field-error', role: 'alert', 'data-testid': 'incident-field-error', 'data-path': path },
      list.map((i) => `${i.value !== undefined ? `${i.value}: ` : ''}${i.message}`).join('；'),
    );
  }

  private label(spec: Spec): HTMLElement {
    const name = incidentLabel('field', spec.key);
    const unit = spec.unit ? incidentLabel('unit', spec.unit) : null;
    // The JSON key (what the server's errors name) stays on the label as data, not as words.
    return h(
      'span',
      { 'data-key': spec.key },
      name ?? spec.key,
      unit ? h('span', { class: 'ops-unit', 'data-testid': 'incident-unit' }, `（${unit}）`) : null,
    );
  }

  /** One field of `target` (the rule or a signal) at `base.key`, written into the draft as it is edited. */
  private control(target: Json, base: string, spec: Spec): HTMLElement {
    const path = `${base}.${spec.key}`;
    const value = getAt(target, spec.key);
    const invalid = this.host.issuesAt(path).length > 0 ? 'true' : false;
    const common = { 'data-path': path, 'data-testid': 'incident-input', disabled: !this.host.canEdit, 'aria-invalid': invalid };
    const write = (v: unknown) => {
      setAt(target, spec.key, v);
      this.host.changed();
    };
    if (spec.control === 'set') return this.choiceSet(target, path, spec, common);
    if (spec.control === 'bool') {
      const box = h('input', { type: 'checkbox', ...common });
      box.checked = value === true;
      box.addEventListener('change', () => write(box.checked));
      return h('label', { class: 'ops-check' }, box, this.label(spec), this.errors(path, false));
    }
    if (spec.control === 'choice') {
      const select = h('select', common);
      const choices = [...(spec.choices ?? [])];
      if (typeof value === 'string' && !choices.includes(value)) choices.push(value);
      for (const c of choices)
        select.append(h('option', { value: c, ...(c === value ? { selected: true } : {}) }, incidentLabel('choice', c) ?? c));
      select.addEventListener('change', () => write(select.value));
      return field(this.label(spec), select, this.errors(path, false));
    }
    const input = h('input', {
      type: spec.control === 'number' ? 'number' : 'text',
      ...(spec.control === 'number' ? { step: 'any' } : {}),
      value: Array.isArray(value) ? value.join(', ') : typeof value === 'number' || typeof value === 'string' ? value : '',
      ...(spec.control === 'list' ? { placeholder: irt('listHint') } : spec.optional ? { placeholder: irt('choice.none') } : {}),
      ...common,
    });
    input.addEventListener('input', () => {
      const text = input.value.trim();
      if (text === '') return write(spec.optional ? undefined : spec.control === 'number' ? null : '');
      if (spec.control === 'list') return write(text.split(/[,，\s]+/).filter(Boolean));
      if (spec.control === 'number') {
        const n = Number(text);
        return write(Number.isFinite(n) ? n : text);
      }
      write(input.value);
    });
    return field(this.label(spec), input, this.errors(path, false));
  }
}
