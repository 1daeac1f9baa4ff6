/**
 * Overrides per asset and per sensor as a form (docs/rules.md "Precedence"), on the rules tab:
 * the target (an asset or a sensor) and its id, the sensor kind and the rule; every number of the
 * rule with its unit (the metric's, or ms), prefilled with what is in force for that target; on or
 * off. "Put into the draft" writes only the fields that differ from the kind's rule into the
 * draft's `assets` or `sensors`; the tab's apply (with its reason) saves it, and the server's
 * problems are shown at the field their path names. Also the draft's changes against the rules in
 * force, listed before saving (`draftChanges`).
 */
import { kindLabel, metricLabel, metricUnit } from '../i18n/labels.ts';
import { getLanguage, type Language } from '../i18n/language.ts';
import { h, setText } from '../ui/dom.ts';
import { fieldLabel, ot } from './ops-strings.ts';
import { durationUnit, fieldToMs, msToField } from './rule-durations.ts';
import { button, field, fill, oneLine, say, messageLine, type ApiIssue } from './ops-ui.ts';

type Json = Record<string, unknown>;
type Target = 'sensors' | 'assets';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export interface DraftChange {
  path: string;
  change: 'added' | 'removed' | 'changed';
  old?: unknown;
  new?: unknown;
}

/** The items of an array that all carry a distinct string `id` (an incident rule's signals), by id; otherwise null. */
function byId(v: unknown): Map<string, unknown> | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  const out = new Map<string, unknown>();
  for (const item of v) {
    if (!isObject(item) || typeof item.id !== 'string' || out.has(item.id)) return null;
    out.set(item.id, item);
  }
  return out;
}

/**
 * Every path where `after` differs from `before`: objects key by key, arrays of items with an `id`
 * item by item (as the server's diff: a signal added or removed is one line), anything else as one value.
 */
export function draftChanges(before: unknown, after: unknown, path = ''): DraftChange[] {
  if (isObject(before) && isObject(after)) {
    const out: DraftChange[] = [];
    for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const p = path ? `${path}.${k}` : k;
      if (!(k in after)) out.push({ path: p, change: 'removed', old: before[k] });
      else if (!(k in before)) out.push({ path: p, change: 'added', new: after[k] });
      else out.push(...draftChanges(before[k], after[k], p));
    }
    return out;
  }
  const a = byId(before);
  const b = byId(after);
  if (a && b) {
    const out: DraftChange[] = [];
    for (const [id, item] of a)
      out.push(
        ...(b.has(id)
          ? draftChanges(item, b.get(id), `${path}.${id}`)
          : [{ path: `${path}.${id}`, change: 'removed' as const, old: item }]),
      );
    for (const [id, item] of b) if (!a.has(id)) out.push({ path: `${path}.${id}`, change: 'added', new: item });
    return out;
  }
  return same(before, after) ? [] : [{ path, change: 'changed', old: before, new: after }];
}

/** The object at `key` of `o`, made when it is missing. */
function objectAt(o: Json, key: string): Json {
  const v = o[key];
  if (isObject(v)) return v;
  const made: Json = {};
  o[key] = made;
  return made;
}

/** The unit a rule field is given in: the metric's for values and changes, none for durations. */
export function unitOf(key: string, metric: string): string {
  // A duration's label names its unit (minutes or seconds, rule-durations.ts).
  if (durationUnit(key)) return '';
  if (['enter', 'exit', 'delta', 'exitDelta', 'epsilon'].includes(key.split('.').at(-1)!)) return metricUnit(metric) ?? '';
  return '';
}

/** A unit after a field's name: `（cm）` in Chinese, ` (cm)` in English. */
export function unitSuffix(unit: string, lang: Language = getLanguage()): string {
  return lang === 'zh' ? `（${unit}）` : ` (${unit})`;
}

export interface OverridesHost {
  canEdit: boolean;
  draft(): Json | null;
  /** The server's problems at `path` or below it. */
  issuesAt(path: string): ApiIssue[];
  /** The draft changed here: redraw what depends on it. */
  changed(): void;
}

export class OverridesForm {
  readonly el: HTMLElement;
  private target: Target = 'sensors';
  private id = '';
  private kind = '';
  private rule = '';
  /** The rule as edited: the fields of the kind's rule with this target's override applied. */
  private fields: Json = {};
  private readonly heading = h('h3', {});
  private readonly targetSelect = h('select', { 'data-testid': 'override-target' });
  private readonly idInput = h('input', { type: 'text', maxlength: 128, 'data-testid': 'override-id' });
  private readonly kindSelect = h('select', { 'data-testid': 'override-kind' });
  private readonly ruleSelect = h('select', { 'data-testid': 'override-rule' });
  private readonly labels = { target: h('span', {}), id: h('span', {}), kind: h('span', {}), rule: h('span', {}) };
  private readonly idError = h('div', { class: 'ops-field-error', role: 'alert', hidden: true, 'data-testid': 'override-id-error' });
  private readonly body = h('div', { class: 'rules-fields', 'data-testid': 'override-fields' });
  private readonly put = button('override-put', 'secondary');
  private readonly remove = button('override-remove', 'secondary');
  private readonly message = messageLine('override-message');

  constructor(private readonly host: OverridesHost) {
    for (const t of ['sensors', 'assets'] as const) this.targetSelect.append(h('option', { value: t }));
    this.targetSelect.addEventListener('change', () => this.select({ target: this.targetSelect.value as Target }));
    this.idInput.addEventListener('change', () => this.select({ id: this.idInput.value.trim() }));
    this.kindSelect.addEventListener('change', () => this.select({ kind: this.kindSelect.value, rule: '' }));
    this.ruleSelect.addEventListener('change', () => this.select({ rule: this.ruleSelect.value }));
    this.put.addEventListener('click', () => this.putIntoDraft());
    this.remove.addEventListener('click', () => this.removeFromDraft());
    for (const c of [this.targetSelect, this.idInput, this.kindSelect, this.ruleSelect, this.put, this.remove]) c.disabled = !host.canEdit;
    this.el = h(
      'section',
      { class: 'rules-overrides', 'data-testid': 'rules-overrides' },
      this.heading,
      h(
        'div',
        { class: 'ops-toolbar' },
        field(this.labels.target, this.targetSelect),
        field(this.labels.id, this.idInput, this.idError),
        field(this.labels.kind, this.kindSelect),
        field(this.labels.rule, this.ruleSelect),
      ),
      this.body,
      h('div', { class: 'ops-buttons' }, this.put, this.remove),
      this.message,
    );
  }

  private kinds(): Json {
    const k = this.host.draft()?.kinds;
    return isObject(k) ? k : {};
  }

  private kindRule(): Json | null {
    const rules = (this.kinds()[this.kind] as Json | undefined)?.rules;
    const r = isObject(rules) ? rules[this.rule] : undefined;
    return isObject(r) ? r : null;
  }

  /** The path of this target's override of the rule in the draft. */
  private path(): string {
    return `${this.target}.${this.id}.${this.kind}.rules.${this.rule}`;
  }

  private override(): Json | null {
    const o = this.path()
      .split('.')
      .reduce<unknown>((at, k) => (isObject(at) ? at[k] : undefined), this.host.draft());
    return isObject(o) ? o : null;
  }

  private select(change: Partial<{ target: Target; id: string; kind: string; rule: string }>): void {
    Object.assign(this, change);
    this.reload();
    this.draw();
  }

  /** The fields as in force for this target: the kind's rule, then the target's override. */
  private reload(): void {
    const base = this.kindRule();
    this.fields = base ? { ...clone(base), ...clone(this.override() ?? {}) } : {};
  }

  draw(): void {
    setText(this.heading, ot('overrides.heading'));
    setText(this.labels.target, ot('overrides.target'));
    setText(this.labels.id, ot('overrides.id'));
    setText(this.labels.kind, ot('rules.kind'));
    setText(this.labels.rule, ot('overrides.rule'));
    for (const o of this.targetSelect.options) setText(o, ot(`overrides.target.${o.value as Target}`));
    this.targetSelect.value = this.target;
    setText(this.put, ot('overrides.put'));
    setText(this.remove, ot('overrides.remove'));
    const kinds = Object.keys(this.kinds());
    if (!kinds.includes(this.kind)) this.kind = kinds.includes('water_level') ? 'water_level' : (kinds[0] ?? '');
    fill(this.kindSelect, ...kinds.map((k) => h('option', { value: k }, kindLabel(k))));
    this.kindSelect.value = this.kind;
    const rules = Object.keys(((this.kinds()[this.kind] as Json | undefined)?.rules as Json | undefined) ?? {});
    if (!rules.includes(this.rule)) {
      this.rule = rules[0] ?? '';
      this.reload();
    }
    fill(this.ruleSelect, ...rules.map((r) => h('option', { value: r }, metricLabel(r))));
    this.ruleSelect.value = this.rule;
    this.drawFields();
  }

  private drawFields(): void {
    const base = this.kindRule();
    if (!base || !this.id) {
      fill(this.body, h('p', { class: 'ops-muted' }, ot('overrides.pick')));
      return;
    }
    const metric = String(base.metric ?? '');
    const inputs: HTMLElement[] = [];
    for (const [key, value] of Object.entries(this.fields)) {
      if (key === 'type' || key === 'metric' || key === 'enabled') continue;
      if (typeof value === 'number') inputs.push(this.numberField(key, value, metric));
      else if (isObject(value)) for (const [sub, v] of Object.entries(value)) inputs.push(this.numberField(`${key}.${sub}`, v, metric));
    }
    const enabled = h('input', { type: 'checkbox', 'data-testid': 'override-enabled', disabled: !this.host.canEdit });
    enabled.checked = this.fields.enabled !== false;
    enabled.addEventListener('change', () => {
      this.fields.enabled = enabled.checked;
    });
    inputs.push(h('label', { class: 'ops-check' }, enabled, h('span', {}, ot('rules.field.enabled'))));
    const whole = this.host.issuesAt(this.path()).filter((i) => i.path === this.path());
    fill(this.body, ...inputs, ...whole.map((i) => this.errorLine(i)));
  }

  private errorLine(i: ApiIssue): HTMLElement {
    return h(
      'div',
      { class: 'ops-field-error', role: 'alert', 'data-testid': 'override-field-error', 'data-path': i.path },
      `${i.value !== undefined ? `${i.value}: ` : ''}${i.message}`,
    );
  }

  private numberField(key: string, value: unknown, metric: string): HTMLElement {
    const path = `${this.path()}.${key}`;
    const issues = this.host.issuesAt(path).filter((i) => i.path === path || (!key.includes('.') && i.path.startsWith(`${path}.`)));
    const duration = durationUnit(key);
    const input = h('input', {
      type: 'number',
      step: 'any',
      value: duration ? msToField(value, duration) : typeof value === 'number' ? value : '',
      'data-path': path,
      'data-testid': 'override-input',
      disabled: !this.host.canEdit,
      'aria-invalid': issues.length > 0 ? 'true' : false,
    });
    input.addEventListener('input', () => {
      const n = input.value.trim() === '' ? null : Number(input.value);
      const v = duration ? fieldToMs(input.value, duration) : n !== null && Number.isFinite(n) ? n : input.value;
      const [top, sub] = key.split('.') as [string, string | undefined];
      if (sub) this.fields[top] = { ...(this.fields[top] as Json), [sub]: v };
      else this.fields[top] = v;
    });
    const unit = unitOf(key, metric);
    const name = fieldLabel('field', key);
    // The JSON key (what the server's errors name) stays on the label as data, not as words.
    const label = h(
      'span',
      { 'data-key': key },
      name ?? key,
      unit ? h('span', { class: 'ops-unit', 'data-testid': 'override-unit' }, unitSuffix(unit)) : null,
    );
    return field(label, input, ...issues.map((i) => this.errorLine(i)));
  }

  /** The fields that differ from the kind's rule, into the draft (an override with none is removed). */
  private putIntoDraft(): void {
    const draft = this.host.draft();
    const base = this.kindRule();
    if (!draft || !base) return;
    if (!ID.test(this.id)) {
      this.idError.hidden = false;
      setText(this.idError, ot('overrides.badId', { id: JSON.stringify(this.id) }));
      return;
    }
    this.idError.hidden = true;
    const changed: Json = {};
    for (const [k, v] of Object.entries(this.fields)) if (k !== 'type' && k !== 'metric' && !same(v, base[k])) changed[k] = v;
    if (this.fields.enabled === false && base.enabled !== false) changed.enabled = false;
    if (Object.keys(changed).length === 0) {
      this.removeFromDraft();
      return;
    }
    const rules = objectAt(objectAt(objectAt(objectAt(draft, this.target), this.id), this.kind), 'rules');
    rules[this.rule] = changed;
    say(this.message, ot('overrides.put.done', { path: this.path(), fields: oneLine(changed) }), 'ok');
    this.host.changed();
  }

  private removeFromDraft(): void {
    const draft = this.host.draft();
    const byId = draft?.[this.target];
    const rules = isObject(byId) ? ((byId[this.id] as Json | undefined)?.[this.kind] as Json | undefined)?.rules : undefined;
    if (isObject(rules)) delete rules[this.rule];
    // Empty containers go too, so the draft says no more than it changes.
    if (isObject(byId) && isObject(byId[this.id])) {
      const kinds = byId[this.id] as Json;
      const entry = kinds[this.kind] as Json | undefined;
      if (isObject(entry) && isObject(entry.rules) && Object.keys(entry.rules).length === 0) delete entry.rules;
      if (isObject(entry) && Object.keys(entry).length === 0) delete kinds[this.kind];
      if (Object.keys(kinds).length === 0) delete byId[this.id];
      if (Object.keys(byId).length === 0 && draft) delete draft[this.target];
    }
    this.reload();
    say(this.message, ot('overrides.removed', { path: this.path() }), 'info');
    this.host.changed();
  }
}
