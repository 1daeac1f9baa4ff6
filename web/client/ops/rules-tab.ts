/**
 * The rules tab (docs/rules.md): the rule set in force per scope; alarm rules one sensor kind at
 * a time as a form (every number, direction, level, on/off), incident rules one type at a time
 * (incident-rules-form.ts), or the whole set as JSON; the "try it" preview of an alarm rule over
 * the last 24 h beside the rule in force; apply with a required reason, the API's problems shown
 * at the fields they name; the versions with who, when, why and the diff of each.
 */
import type { Me } from '../backend/session.ts';
import { jsonCall } from '../backend/session.ts';
import { formatCount } from '../i18n/format.ts';
import { kindLabel, metricLabel } from '../i18n/labels.ts';
import { getLanguage } from '../i18n/language.ts';
import { h, setText } from '../ui/dom.ts';
import { fieldLabel, ot } from './ops-strings.ts';
import { IncidentRulesForm } from './incident-rules-form.ts';
import { durationUnit, fieldToMs, msToField } from './rule-durations.ts';
import { draftChanges, OverridesForm, unitOf, unitSuffix } from './rule-overrides.ts';
import {
  button,
  card,
  cityTime,
  field,
  fill,
  issuesOf,
  issueText,
  messageLine,
  oneLine,
  say,
  table,
  type ApiIssue,
  type OpsTab,
} from './ops-ui.ts';
import type { PreviewResult, RulesInForce, VersionRow } from './rules-types.ts';

type Scope = 'alarms' | 'incidents';
type Json = Record<string, unknown>;

/** Values a string field of a rule may take, by rule type and field. */
const CHOICES: Record<string, Record<string, readonly string[]>> = {
  threshold: { direction: ['above', 'below'] },
  rate: { direction: ['rise', 'fall', 'either'], level: ['warning', 'alarm'] },
  flatline: { level: ['warning', 'alarm'] },
};

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export class RulesTab implements OpsTab {
  readonly el: HTMLElement;
  private scope: Scope = 'alarms';
  private inForce: RulesInForce | null = null;
  private draft: Json | null = null;
  private kind = '';
  private mode: 'form' | 'json' = 'form';
  private issues: ApiIssue[] = [];
  private jsonError: string | null = null;
  private versions: VersionRow[] = [];
  private diffOf: number | null = null;
  private loadError: string | null = null;
  private readonly previews = new Map<string, { draft: PreviewResult; current: PreviewResult | null } | string>();
  private readonly canEdit: boolean;

  private readonly heading = h('h2', {});
  private readonly scopeSelect = h('select', { 'data-testid': 'rules-scope' });
  private readonly scopeLabel = h('span', {});
  private readonly kindSelect = h('select', { 'data-testid': 'rules-kind' });
  private readonly kindLabel = h('span', {});
  private readonly kindField = field(this.kindLabel, this.kindSelect);
  private readonly modeForm = button('rules-mode-form', 'secondary');
  private readonly modeJson = button('rules-mode-json', 'secondary');
  private readonly inForceLine = h('div', { class: 'ops-muted', 'data-testid': 'rules-in-force' });
  private readonly issueBox = h('div', { class: 'ops-issues', hidden: true, role: 'alert', 'data-testid': 'rules-issues' });
  private readonly editor = h('div', { class: 'rules-editor', 'data-testid': 'rules-editor' });
  private readonly reason = h('textarea', { rows: 2, maxlength: 2000, 'data-testid': 'rules-reason' });
  private readonly reasonLabel = h('span', {});
  private readonly apply = button('rules-apply');
  private readonly reset = button('rules-reset', 'secondary');
  private readonly applyMessage = messageLine('rules-apply-message');
  private readonly readOnly = h('p', { class: 'ops-muted', 'data-testid': 'rules-read-only' });
  private readonly versionsHeading = h('h2', {});
  private readonly versionsBox = h('div', { 'data-testid': 'rules-versions' });
  private readonly diffBox = h('div', { class: 'rules-diff', hidden: true, 'data-testid': 'rules-diff' });
  private readonly pending = h('div', { class: 'rules-diff', 'data-testid': 'rules-pending' });
  private readonly overrides: OverridesForm;
  private readonly incidentForm: IncidentRulesForm;

  constructor(me: Me) {
    this.canEdit = me.permissions.includes('rules.edit');
    const host = {
      canEdit: this.canEdit,
      draft: () => this.draft,
      issuesAt: (p: string) => this.issuesAt(p),
      changed: () => this.drawPending(),
    };
    this.overrides = new OverridesForm(host);
    this.incidentForm = new IncidentRulesForm(host);
    for (const s of ['alarms', 'incidents'] as const) this.scopeSelect.append(h('option', { value: s }));
    this.scopeSelect.addEventListener('change', () => {
      this.scope = this.scopeSelect.value as Scope;
      this.mode = 'form';
      void this.load();
    });
    this.kindSelect.addEventListener('change', () => {
      this.kind = this.kindSelect.value;
      this.drawEditor();
    });
    this.modeForm.addEventListener('click', () => this.setMode('form'));
    this.modeJson.addEventListener('click', () => this.setMode('json'));
    this.apply.addEventListener('click', () => void this.applyDraft());
    this.editor.addEventListener('input', () => this.drawPending());
    this.reset.addEventListener('click', () => {
      if (this.inForce) this.draft = clone(this.inForce.ruleSet);
      this.issues = [];
      this.jsonError = null;
      say(this.applyMessage, '');
      this.drawEditor();
    });
    const applyRow = this.canEdit
      ? h(
          'div',
          { class: 'rules-apply' },
          field(this.reasonLabel, this.reason),
          h('div', { class: 'ops-buttons' }, this.apply, this.reset),
          this.applyMessage,
        )
      : this.readOnly;
    this.el = h(
      'div',
      { class: 'ops-grid rules-tab', 'data-testid': 'rules-tab' },
      card(
        'rules-card',
        this.heading,
        h(
          'div',
          { class: 'ops-toolbar' },
          field(this.scopeLabel, this.scopeSelect),
          this.kindField,
          h('div', { class: 'ops-segmented' }, this.modeForm, this.modeJson),
        ),
        this.inForceLine,
        this.issueBox,
        this.editor,
        this.overrides.el,
        this.pending,
        applyRow,
      ),
      card('rules-versions-card', this.versionsHeading, this.versionsBox, this.diffBox),
    );
  }

  async load(): Promise<void> {
    const scope = this.scope;
    const [current, versions] = await Promise.all([
      jsonCall<RulesInForce>('GET', `/api/rules/${scope}`),
      jsonCall<{ versions: VersionRow[] }>('GET', `/api/rules/${scope}/versions`),
    ]);
    if (scope !== this.scope) return;
    this.previews.clear();
    this.issues = [];
    this.jsonError = null;
    if (!current.ok) {
      this.loadError = current.error;
      this.inForce = null;
      this.draft = null;
    } else {
      this.loadError = null;
      this.inForce = current.value;
      this.draft = clone(current.value.ruleSet);
      const kinds = Object.keys(this.kinds());
      if (!kinds.includes(this.kind)) this.kind = kinds.includes('water_level') ? 'water_level' : (kinds[0] ?? '');
    }
    this.versions = versions.ok ? [...versions.value.versions].sort((a, b) => b.version - a.version) : [];
    if (this.diffOf !== null && !this.versions.some((v) => v.version === this.diffOf)) this.diffOf = null;
    this.render();
  }

  render(): void {
    setText(this.heading, ot(`rules.scope.${this.scope}`));
    setText(this.scopeLabel, ot('rules.scope'));
    for (const o of this.scopeSelect.options) setText(o, ot(`rules.scope.${o.value as Scope}`));
    this.scopeSelect.value = this.scope;
    setText(this.kindLabel, ot('rules.kind'));
    setText(this.modeForm, ot('rules.mode.form'));
    setText(this.modeJson, ot('rules.mode.json'));
    setText(this.reasonLabel, ot('rules.reason'));
    setText(this.apply, ot('rules.apply'));
    setText(this.reset, ot('rules.reset'));
    setText(this.readOnly, ot('readOnly'));
    setText(this.versionsHeading, ot('rules.versions'));
    const v = this.inForce?.current ?? 0;
    setText(
      this.inForceLine,
      this.loadError ? ot('loadFailed', { reason: this.loadError }) : v > 0 ? ot('rules.inForce', { v }) : ot('rules.inForceBaseline'),
    );
    this.drawEditor();
    this.drawVersions();
  }

  private kinds(): Json {
    const kinds = this.draft?.kinds;
    return isObject(kinds) ? kinds : {};
  }

  private setMode(mode: 'form' | 'json'): void {
    if (mode === this.mode) return;
    if (this.jsonError) return; // Keep the JSON open until it parses.
    this.mode = mode;
    this.drawEditor();
  }

  /** The value at a dotted path of the draft. */
  private setAt(path: string, value: unknown): void {
    const keys = path.split('.');
    let o: unknown = this.draft;
    for (const k of keys.slice(0, -1)) {
      if (!isObject(o)) return;
      o = o[k];
    }
    if (isObject(o)) o[keys.at(-1)!] = value;
  }

  /** The issues at `path` or below it. */
  private issuesAt(path: string): ApiIssue[] {
    return this.issues.filter((i) => i.path === path || i.path.startsWith(`${path}.`));
  }

  private errorsFor(path: string, exact = true): HTMLElement | null {
    const list = exact ? this.issues.filter((i) => i.path === path) : this.issuesAt(path);
    if (list.length === 0) return null;
    return h(
      'div',
      { class: 'ops-field-error', role: 'alert', 'data-testid': 'rules-field-error', 'data-path': path },
      list.map((i) => `${i.value !== undefined ? `${i.value}: ` : ''}${i.message}`).join('；'),
    );
  }

  /** A number field of the rule at `path`; `metric` gives values and changes their unit. */
  private numberInput(path: string, value: unknown, label: string, metric = ''): HTMLElement {
    const unit = durationUnit(path);
    const input = h('input', {
      type: 'number',
      step: 'any',
      value: unit ? msToField(value, unit) : typeof value === 'number' ? value : '',
      'data-path': path,
      'data-testid': 'rules-input',
      disabled: !this.canEdit,
      'aria-invalid': this.issues.some((i) => i.path === path) ? 'true' : false,
    });
    input.addEventListener('input', () => {
      const n = input.value.trim() === '' ? null : Number(input.value);
      this.setAt(path, unit ? fieldToMs(input.value, unit) : n !== null && Number.isFinite(n) ? n : input.value);
    });
    return field(this.labelOf(label, metric ? unitOf(label, metric) : ''), input, this.errorsFor(path));
  }

  /**
   * A field's name in the current language, with its unit when it has one (a threshold in the
   * metric's unit); its JSON key (what the errors name) as data on it.
   */
  private labelOf(key: string, unit = ''): HTMLElement {
    return h(
      'span',
      { 'data-key': key },
      fieldLabel('field', key) ?? key,
      unit ? h('span', { class: 'ops-unit', 'data-testid': 'rules-unit' }, unitSuffix(unit)) : null,
    );
  }

  private drawEditor(): void {
    const incidents = this.scope === 'incidents';
    this.kindField.hidden = incidents || this.mode === 'json';
    this.overrides.el.hidden = incidents || this.mode === 'json' || !this.draft;
    this.drawPending();
    this.modeForm.setAttribute('aria-pressed', String(this.mode === 'form'));
    this.modeJson.setAttribute('aria-pressed', String(this.mode === 'json'));
    // Every problem, also those the form has no field for (overrides, another kind).
    const shown = this.jsonError ? [] : this.issues;
    this.issueBox.hidden = shown.length === 0;
    fill(
      this.issueBox,
      h('div', {}, ot('rules.issues', { n: shown.length })),
      h('ul', {}, ...shown.map((i) => h('li', { class: 'mono', 'data-path': i.path }, issueText(i)))),
    );
    if (!this.draft) {
      fill(this.editor, h('p', { class: 'ops-muted' }, this.loadError ? '' : ot('loading')));
      return;
    }
    if (this.mode === 'json' || incidents) {
      if (this.mode === 'json') this.drawJson();
      else this.incidentForm.drawInto(this.editor);
      return;
    }
    const kinds = Object.keys(this.kinds());
    fill(this.kindSelect, ...kinds.map((k) => h('option', { value: k }, kindLabel(k))));
    this.kindSelect.value = this.kind;
    const kind = this.kinds()[this.kind];
    if (!isObject(kind)) {
      fill(this.editor);
      return;
    }
    const base = `kinds.${this.kind}`;
    const rules = isObject(kind.rules) ? kind.rules : {};
    fill(
      this.editor,
      h('div', { class: 'rules-kind-head' }, this.numberInput(`${base}.staleAfterMs`, kind.staleAfterMs, ot('rules.staleAfter'))),
      ...Object.entries(rules).map(([id, rule]) => this.ruleFieldset(`${base}.rules.${id}`, id, rule)),
    );
    this.overrides.draw();
  }

  /** What applying the draft would change, before it is saved. */
  private drawPending(): void {
    const changes = this.draft && this.inForce ? draftChanges(this.inForce.ruleSet, this.draft) : [];
    const rows = changes.map((c) =>
      h(
        'li',
        { 'data-testid': 'rules-pending-change', 'data-change': c.change, 'data-path': c.path },
        h('span', { class: `rules-diff-tag ${c.change}` }, ot(`rules.diff.${c.change}`)),
        h('span', { class: 'mono' }, c.path),
        h(
          'span',
          { class: 'mono rules-diff-values' },
          c.change === 'changed' ? `${oneLine(c.old)} → ${oneLine(c.new)}` : oneLine(c.new ?? c.old),
        ),
      ),
    );
    fill(
      this.pending,
      h('h3', {}, changes.length ? ot('rules.pending', { n: changes.length }) : ot('rules.pendingNone')),
      h('ul', { class: 'rules-diff-list' }, ...rows),
    );
  }

  private ruleFieldset(path: string, id: string, rule: unknown): HTMLElement {
    if (!isObject(rule)) return h('div', {});
    const type = String(rule.type ?? '');
    const typeLabel = type === 'threshold' || type === 'rate' || type === 'flatline' ? ot(`rules.type.${type}`) : type;
    // The rule's values are in its metric's unit (a rule is named by its metric unless it says otherwise).
    const metric = typeof rule.metric === 'string' ? rule.metric : id;
    const fields: HTMLElement[] = [];
    for (const [key, value] of Object.entries(rule)) {
      if (key === 'type' || key === 'metric' || key === 'enabled') continue;
      const p = `${path}.${key}`;
      if (typeof value === 'number' || value === null) fields.push(this.numberInput(p, value, key, metric));
      else if (isObject(value))
        for (const [sub, v] of Object.entries(value)) fields.push(this.numberInput(`${p}.${sub}`, v, `${key}.${sub}`, metric));
      else if (typeof value === 'string') {
        const choices = CHOICES[type]?.[key] ?? [value];
        const select = h('select', { 'data-path': p, 'data-testid': 'rules-select', disabled: !this.canEdit });
        for (const c of choices)
          select.append(h('option', { value: c, ...(c === value ? { selected: true } : {}) }, fieldLabel('choice', c) ?? c));
        select.addEventListener('change', () => this.setAt(p, select.value));
        fields.push(field(this.labelOf(key), select, this.errorsFor(p)));
      }
    }
    const enabled = h('input', { type: 'checkbox', 'data-path': `${path}.enabled`, disabled: !this.canEdit });
    enabled.checked = rule.enabled !== false;
    enabled.addEventListener('change', () => this.setAt(`${path}.enabled`, enabled.checked));
    const preview = button('rules-preview', 'secondary');
    setText(preview, ot('rules.preview'));
    preview.addEventListener('click', () => void this.preview(id, preview));
    const result = this.previewBox(id);
    return h(
      'fieldset',
      { class: 'rules-rule', 'data-rule-id': id, 'data-testid': 'rules-rule' },
      h(
        'legend',
        {},
        // Rules are named by their metric unless an operator named them otherwise (then the id is theirs).
        h('strong', {}, metricLabel(id)),
        ` · ${typeLabel}`,
        rule.metric && rule.metric !== id ? h('span', { class: 'ops-muted' }, ` · ${metricLabel(String(rule.metric))}`) : null,
      ),
      h('div', { class: 'rules-fields' }, ...fields, h('label', { class: 'ops-check' }, enabled, h('span', {}, ot('rules.field.enabled')))),
      this.errorsFor(`${path}`, true),
      h('div', { class: 'ops-buttons' }, preview),
      result,
    );
  }

  private previewBox(id: string): HTMLElement {
    const box = h('div', { class: 'rules-preview', 'data-testid': 'rules-preview-result', 'data-rule-id': id });
    const p = this.previews.get(id);
    if (p === undefined) {
      box.hidden = true;
      return box;
    }
    if (typeof p === 'string') {
      box.dataset.kind = 'error';
      box.setAttribute('role', 'alert');
      setText(box, p);
      return box;
    }
    const l = getLanguage();
    const line = (r: PreviewResult) =>
      ot('rules.previewResult', {
        episodes: formatCount(r.episodes, l),
        alarm: formatCount(r.alarmEpisodes, l),
        sensors: formatCount(r.sensorsWithEpisodes, l),
        evaluated: formatCount(r.sensorsEvaluated, l),
        readings: formatCount(r.readings, l),
      });
    box.dataset.episodes = String(p.draft.episodes);
    box.append(h('div', { 'data-testid': 'rules-preview-count' }, line(p.draft)));
    if (p.current)
      box.append(
        h(
          'div',
          { class: 'ops-muted', 'data-testid': 'rules-preview-current' },
          `${ot('rules.previewCurrent', { episodes: formatCount(p.current.episodes, l), alarm: formatCount(p.current.alarmEpisodes, l) })}`,
        ),
      );
    if (p.draft.samples.length > 0)
      box.append(
        h('div', { class: 'ops-muted' }, ot('rules.previewSamples')),
        h(
          'ul',
          { class: 'rules-samples', 'data-testid': 'rules-preview-samples' },
          ...p.draft.samples
            .slice(0, 10)
            .map((s) =>
              h(
                'li',
                {},
                h('span', { class: 'mono' }, s.sensorId),
                ` · ${cityTime(s.startTs)} · `,
                h(
                  'span',
                  { class: s.reachedAlarm ? 'ops-bad' : 'ops-warn' },
                  s.reachedAlarm ? ot('rules.previewAlarm') : ot('rules.previewWarning'),
                ),
              ),
            ),
        ),
      );
    return box;
  }

  private async preview(id: string, trigger: HTMLButtonElement): Promise<void> {
    const rule = (this.kinds()[this.kind] as Json | undefined)?.rules;
    const draftRule = isObject(rule) ? rule[id] : undefined;
    if (!isObject(draftRule)) return;
    const kind = this.kind;
    const inForceRule = ((this.inForce?.ruleSet.kinds as Json | undefined)?.[kind] as Json | undefined)?.rules;
    const currentRule = isObject(inForceRule) ? inForceRule[id] : undefined;
    const changed = JSON.stringify(currentRule) !== JSON.stringify(draftRule);
    trigger.disabled = true;
    setText(trigger, ot('rules.previewing'));
    const ask = (r: unknown) => jsonCall<PreviewResult>('POST', '/api/rules/alarms/preview', { kind, ruleId: id, rule: r });
    const [draft, current] = await Promise.all([ask(draftRule), changed && isObject(currentRule) ? ask(currentRule) : null]);
    if (draft.ok) {
      this.previews.set(id, { draft: draft.value, current: current?.ok ? current.value : null });
      this.issues = this.issues.filter((i) => !i.path.startsWith(`kinds.${kind}.rules.${id}`));
    } else {
      this.previews.set(id, ot('rules.previewFailed', { reason: draft.error }));
      const found = issuesOf(draft);
      if (found.length > 0) this.issues = [...this.issues.filter((i) => !found.some((f) => f.path === i.path)), ...found];
    }
    this.drawEditor();
  }

  private drawJson(): void {
    const area = h('textarea', {
      class: 'rules-json mono',
      rows: 24,
      spellcheck: 'false',
      'data-testid': 'rules-json',
      disabled: !this.canEdit,
    });
    area.value = JSON.stringify(this.draft, null, 2);
    const error = h('div', { class: 'ops-field-error', role: 'alert', hidden: this.jsonError === null, 'data-testid': 'rules-json-error' });
    setText(error, this.jsonError ? ot('rules.jsonInvalid', { reason: this.jsonError }) : '');
    area.addEventListener('input', () => {
      try {
        const parsed: unknown = JSON.parse(area.value);
        if (!isObject(parsed)) throw new Error('{ "schemaVersion": 1, … }');
        this.draft = parsed;
        this.jsonError = null;
      } catch (err) {
        this.jsonError = err instanceof Error ? err.message : String(err);
      }
      error.hidden = this.jsonError === null;
      setText(error, this.jsonError ? ot('rules.jsonInvalid', { reason: this.jsonError }) : '');
    });
    fill(this.editor, area, error);
  }

  private async applyDraft(): Promise<void> {
    if (!this.draft || !this.inForce) return;
    const reason = this.reason.value.trim();
    if (this.jsonError) {
      say(this.applyMessage, ot('rules.jsonInvalid', { reason: this.jsonError }), 'error');
      return;
    }
    if (!reason) {
      say(this.applyMessage, ot('rules.reasonMissing'), 'error');
      this.reason.focus();
      return;
    }
    if (JSON.stringify(this.draft) === JSON.stringify(this.inForce.ruleSet)) {
      say(this.applyMessage, ot('rules.unchanged'), 'info');
      return;
    }
    this.apply.disabled = true;
    say(this.applyMessage, ot('rules.applying'));
    const scope = this.scope;
    const r = await jsonCall<{ version: number }>('POST', `/api/rules/${scope}/apply`, { ruleSet: this.draft, reason });
    this.apply.disabled = false;
    if (r.ok) {
      this.reason.value = '';
      this.diffOf = r.value.version;
      await this.load();
      say(this.applyMessage, ot('rules.applied', { v: r.value.version }), 'ok');
      return;
    }
    this.issues = issuesOf(r);
    say(
      this.applyMessage,
      ot('rules.applyFailed', { reason: this.issues.length > 0 ? ot('rules.issuesAbove', { n: this.issues.length }) : r.error }),
      'error',
    );
    this.drawEditor();
  }

  private drawVersions(): void {
    if (this.versions.length === 0) {
      fill(this.versionsBox, h('p', { class: 'ops-muted' }, ot('rules.noVersions')));
      this.diffBox.hidden = true;
      return;
    }
    const rows = this.versions.map((v) => {
      const show = button('rules-show-diff', 'secondary');
      setText(show, ot('rules.showDiff'));
      show.setAttribute('aria-pressed', String(this.diffOf === v.version));
      show.addEventListener('click', () => {
        this.diffOf = this.diffOf === v.version ? null : v.version;
        this.drawVersions();
      });
      return h(
        'tr',
        { 'data-testid': 'rules-version', 'data-version': v.version },
        h('td', { class: 'mono' }, `v${v.version}`),
        h('td', {}, v.author),
        h('td', { class: 'mono nowrap' }, cityTime(v.at)),
        h('td', { class: 'ops-wrap', 'data-col': 'reason' }, v.reason),
        h('td', {}, ot('rules.changes', { n: v.diff.length }), ' ', show),
      );
    });
    fill(
      this.versionsBox,
      table(
        'rules-versions-table',
        [ot('rules.col.version'), ot('rules.col.author'), ot('rules.col.at'), ot('rules.col.reason'), ot('rules.col.changes')],
        rows,
      ),
    );
    const v = this.versions.find((x) => x.version === this.diffOf);
    this.diffBox.hidden = !v;
    if (!v) return;
    fill(
      this.diffBox,
      h('h3', {}, ot('rules.diff', { v: v.version })),
      h(
        'ul',
        { class: 'rules-diff-list' },
        ...v.diff.map((c) =>
          h(
            'li',
            { 'data-testid': 'rules-diff-change', 'data-change': c.change, 'data-path': c.path },
            h('span', { class: `rules-diff-tag ${c.change}` }, ot(`rules.diff.${c.change}`)),
            h('span', { class: 'mono' }, c.path),
            h(
              'span',
              { class: 'mono rules-diff-values' },
              c.change === 'added' ? oneLine(c.new) : c.change === 'removed' ? oneLine(c.old) : `${oneLine(c.old)} → ${oneLine(c.new)}`,
            ),
          ),
        ),
      ),
    );
  }
}
