/**
 * The registers tab (docs/city-packages.md, "Registers at run time"; admins): choose a register,
 * pick its file (or paste it), dry run — the added, changed, retired and invalid rows with their
 * reasons — then apply with a reason; the past imports with who, when, why and the result.
 */
import { jsonCall } from '../backend/session.ts';
import { h, setText } from '../ui/dom.ts';
import { rt } from './registers-strings.ts';
import { button, card, cityTime, field, fill, issuesOf, issueText, messageLine, say, table, type OpsTab } from './ops-ui.ts';

const ENTITIES = ['sensor', 'unit', 'source', 'vocabulary'] as const;
type Entity = (typeof ENTITIES)[number];

interface Row {
  id: string;
  kind: string;
  nameZh: string;
  nameEn: string;
  lng: number;
  lat: number;
  changes?: string[];
}
interface Problem {
  severity: 'error' | 'warning';
  file: string;
  line?: number;
  field?: string;
  value?: string;
  message: string;
}
interface ImportResult {
  id: string;
  ok: boolean;
  applied: boolean;
  entries: number;
  problems: Problem[];
  errors: number;
  counts: Record<string, number> | null;
  added: Row[];
  changed: Row[];
  retired: Row[];
  vocabulary: { added: string[]; changed: string[]; removed: string[] } | null;
  live: string[];
  nextStart: string[];
}
interface PastImport {
  id: string;
  at: number;
  actor: string;
  reason: string;
  entity: string;
  ok: boolean;
  applied: boolean;
  superseded: boolean;
  entries: number;
  counts: Record<string, number>;
}

export class RegistersTab implements OpsTab {
  readonly el: HTMLElement;
  private readonly heading = h('h2', {});
  private readonly pastHeading = h('h2', {});
  private readonly entity = h('select', { 'data-testid': 'registers-entity' });
  private readonly entityLabel = h('span', {});
  // The browser's own file control speaks the browser's language ("Choose File"): it stays hidden
  // behind a worded button, with the chosen file's name beside it.
  private readonly file = h('input', {
    type: 'file',
    accept: '.csv,.json,text/csv,application/json',
    hidden: true,
    'data-testid': 'registers-file',
  });
  private readonly fileButton = button('registers-file-button', 'secondary');
  private readonly fileName = h('span', { class: 'ops-muted', 'data-testid': 'registers-file-name' });
  private readonly fileLabel = h('span', {});
  private readonly text = h('textarea', { rows: 8, class: 'ops-json', 'data-testid': 'registers-text', spellcheck: 'false' });
  private readonly textLabel = h('span', {});
  private readonly reason = h('input', { type: 'text', maxlength: 2000, 'data-testid': 'registers-reason' });
  private readonly reasonLabel = h('span', {});
  private readonly dryButton = button('registers-dry-run', 'secondary');
  private readonly applyButton = button('registers-apply');
  private readonly message = messageLine('registers-message');
  private readonly result = h('div', { 'data-testid': 'registers-result' });
  private readonly past = h('div', { 'data-testid': 'registers-past' });
  private last: ImportResult | null = null;
  private imports: PastImport[] = [];

  constructor() {
    for (const e of ENTITIES) this.entity.append(h('option', { value: e }));
    this.file.addEventListener('change', () => void this.readFile());
    this.fileButton.addEventListener('click', () => this.file.click());
    this.dryButton.addEventListener('click', () => void this.run(true));
    this.applyButton.addEventListener('click', () => void this.run(false));
    this.el = h(
      'div',
      { class: 'ops-grid registers-tab', 'data-testid': 'registers-tab' },
      card(
        'registers-card',
        this.heading,
        field(this.entityLabel, this.entity),
        h('div', { class: 'ops-field' }, this.fileLabel, h('div', { class: 'ops-file' }, this.fileButton, this.fileName), this.file),
        field(this.textLabel, this.text),
        field(this.reasonLabel, this.reason),
        h('div', { class: 'ops-actions' }, this.dryButton, this.applyButton),
        this.message,
        this.result,
      ),
      card('registers-past-card', this.pastHeading, this.past),
    );
  }

  async load(): Promise<void> {
    const r = await jsonCall<{ imports: PastImport[] }>('GET', '/api/register/imports');
    if (r.ok) this.imports = r.value.imports;
    this.render();
  }

  private async readFile(): Promise<void> {
    const f = this.file.files?.[0];
    setText(this.fileName, f ? f.name : rt('fileNone'));
    if (f) this.text.value = await f.text();
  }

  private async run(dryRun: boolean): Promise<void> {
    const entity = this.entity.value as Entity;
    const reason = this.reason.value.trim();
    if (!dryRun && reason === '') {
      say(this.message, rt('needReason'), 'error');
      return;
    }
    say(this.message, rt('running'));
    const body = entity === 'vocabulary' ? { entity, vocabulary: this.text.value, reason } : { entity, csv: this.text.value, reason };
    const r = await jsonCall<ImportResult>('POST', `/api/register/imports?dryRun=${dryRun}`, body);
    if (!r.ok) {
      const issues = issuesOf(r);
      say(this.message, rt('refused', { reason: r.error }), 'error');
      fill(
        this.result,
        issues.length > 0
          ? h('ul', { class: 'ops-issues', 'data-testid': 'registers-issues' }, ...issues.map((i) => h('li', {}, issueText(i))))
          : null,
      );
      return;
    }
    this.last = r.value;
    const errors = r.value.errors;
    if (r.value.applied)
      say(this.message, rt('applied', { id: r.value.id, live: r.value.live.join(', '), next: r.value.nextStart.join(', ') }), 'ok');
    else
      say(this.message, r.value.ok ? rt('dryOk', { entries: r.value.entries }) : rt('dryBad', { errors }), r.value.ok ? 'info' : 'error');
    await this.load();
  }

  render(): void {
    setText(this.heading, rt('heading'));
    setText(this.pastHeading, rt('past'));
    setText(this.entityLabel, rt('entity'));
    setText(this.fileLabel, rt('file'));
    setText(this.fileButton, rt('fileButton'));
    setText(this.fileName, this.file.files?.[0]?.name ?? rt('fileNone'));
    setText(this.textLabel, rt('paste'));
    setText(this.reasonLabel, rt('reason'));
    setText(this.dryButton, rt('dryRun'));
    setText(this.applyButton, rt('apply'));
    for (const o of this.entity.options) setText(o, rt(`entity.${o.value as Entity}`));
    this.renderResult();
    this.renderPast();
  }

  private renderResult(): void {
    const r = this.last;
    if (!r) {
      fill(this.result);
      return;
    }
    const rowOf = (what: string, x: Row) =>
      h(
        'tr',
        { 'data-diff': what },
        h('td', {}, rt(`diff.${what}` as 'diff.added')),
        h('td', {}, x.id),
        h('td', {}, x.kind),
        h('td', {}, `${x.nameZh} / ${x.nameEn}`),
        h('td', {}, x.lng || x.lat ? `${x.lng.toFixed(6)}, ${x.lat.toFixed(6)}` : ''),
        h('td', {}, (x.changes ?? []).join(', ')),
      );
    const invalid = r.problems.map((p) =>
      h(
        'tr',
        { 'data-diff': p.severity === 'error' ? 'invalid' : 'warning' },
        h('td', {}, `${p.file}${p.line ? `:${p.line}` : ''}`),
        h('td', {}, p.field ?? ''),
        h('td', {}, p.value ?? ''),
        h('td', {}, p.message),
      ),
    );
    const c = r.counts;
    fill(
      this.result,
      c
        ? h(
            'p',
            { 'data-testid': 'registers-counts' },
            rt('counts', { added: c.added ?? 0, changed: (r.changed ?? []).length, retired: c.retired ?? 0, unchanged: c.unchanged ?? 0 }),
          )
        : null,
      r.vocabulary
        ? h(
            'p',
            { 'data-testid': 'registers-counts' },
            rt('vocab', {
              added: r.vocabulary.added.join(', ') || '—',
              changed: r.vocabulary.changed.join(', ') || '—',
              removed: r.vocabulary.removed.join(', ') || '—',
            }),
          )
        : null,
      r.added.length + r.changed.length + r.retired.length > 0
        ? table(
            'registers-diff',
            [rt('col.change'), rt('col.id'), rt('col.kind'), rt('col.name'), rt('col.position'), rt('col.what')],
            [
              ...r.added.map((x) => rowOf('added', x)),
              ...r.changed.map((x) => rowOf('changed', x)),
              ...r.retired.map((x) => rowOf('retired', x)),
            ],
          )
        : null,
      invalid.length > 0 ? h('h3', {}, rt('diff.invalid')) : null,
      invalid.length > 0 ? table('registers-invalid', [rt('col.line'), rt('col.field'), rt('col.value'), rt('col.reason')], invalid) : null,
    );
  }

  private renderPast(): void {
    const resultOf = (i: PastImport) =>
      i.applied
        ? i.superseded
          ? rt('result.superseded')
          : rt('result.applied')
        : i.reason === '' || i.ok
          ? i.ok
            ? rt('result.dry')
            : rt('result.dryBad')
          : rt('result.refused');
    fill(
      this.past,
      this.imports.length === 0
        ? h('p', { class: 'ops-muted' }, rt('none'))
        : table(
            'registers-imports',
            [rt('col.at'), rt('col.by'), rt('col.entity'), rt('col.result'), rt('col.counts'), rt('col.reason')],
            this.imports.map((i) =>
              h(
                'tr',
                { 'data-import': i.id },
                h('td', {}, cityTime(i.at)),
                h('td', {}, i.actor),
                h('td', {}, rt(`entity.${i.entity as Entity}`)),
                h('td', {}, resultOf(i)),
                h(
                  'td',
                  {},
                  Object.entries(i.counts)
                    .filter(([, n]) => typeof n === 'number' && n > 0)
                    .map(([k, n]) => `${k} ${n}`)
                    .join(', '),
                ),
                h('td', {}, i.reason),
              ),
            ),
          ),
    );
  }
}
