/**
 * The open-data portal (`open.html`): no sign-in. The catalogue (`GET /api/open/datasets`), a
 * dataset's description, licence, update frequency and fields, download links in CSV, JSON and
 * GeoJSON, and a preview of its first rows (docs/open-data.md). Readable on a phone: the
 * catalogue stacks above the detail.
 */
import '../styles/console.css';
import './open.css';
import '../styles/phone-cards.css';
import { getLanguage, loadLanguage, onLanguageChange } from '../i18n/language.ts';
import { h, replaceChildren } from '../ui/dom.ts';
import { languageToggle } from '../ui/language-toggle.ts';
import { cellText, columnHead, fieldType, fieldUnit, type OpenField as Field } from './open-cells.ts';
import { ot } from './open-strings.ts';

interface DatasetListing {
  id: string;
  titleZh: string;
  titleEn: string;
  descriptionZh: string;
  descriptionEn: string;
  licence: string;
  updateFrequency: 'hourly' | 'daily';
  fields: Field[];
}
interface Catalogue {
  datasets: DatasetListing[];
  formats: string[];
  timeZone: string;
  /** The city's districts by code, named in both languages (the data itself keeps the codes). */
  districts?: Array<{ code: string; nameZh: string; nameEn: string }>;
}

/** Rows shown in the preview. */
const PREVIEW_ROWS = 10;

export interface OpenTestHooks {
  ready: boolean;
  selected: () => string | null;
  previewRows: () => number;
}

const root = document.getElementById('open-app')!;
let catalogue: Catalogue | null = null;
let selected: string | null = null;
let preview: { id: string; rows: Array<Record<string, string | number>> } | null = null;
let problem: string | null = null;
const hooks: OpenTestHooks = { ready: false, selected: () => selected, previewRows: () => preview?.rows.length ?? 0 };
(window as unknown as { __openData: OpenTestHooks }).__openData = hooks;

const zh = () => getLanguage() === 'zh';
const title = (d: DatasetListing) => (zh() ? d.titleZh : d.titleEn);
const about = (d: { descriptionZh: string; descriptionEn: string }) => (zh() ? d.descriptionZh : d.descriptionEn);

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

function render(): void {
  const lang = languageToggle('open-lang');
  const header = h(
    'header',
    { class: 'open-header' },
    h('div', {}, h('h1', { class: 'open-title' }, ot('title')), h('p', { class: 'open-subtitle' }, ot('subtitle'))),
    lang,
  );
  if (problem) {
    replaceChildren(root, header, h('p', { class: 'open-error', role: 'alert' }, ot('error', { reason: problem })));
    return;
  }
  if (!catalogue) {
    replaceChildren(root, header, h('p', { class: 'open-muted' }, ot('loading')));
    return;
  }
  const list = h(
    'nav',
    { class: 'open-catalogue', 'aria-label': ot('catalogue') },
    h('h2', {}, ot('catalogue')),
    ...catalogue.datasets.map((d) => {
      const card = h(
        'button',
        {
          type: 'button',
          class: `open-card${d.id === selected ? ' selected' : ''}`,
          'data-dataset': d.id,
          'aria-pressed': String(d.id === selected),
        },
        h('span', { class: 'open-card-title' }, title(d)),
        h('span', { class: 'open-card-meta' }, `${ot(d.updateFrequency)} · ${d.licence}`),
      );
      card.addEventListener('click', () => select(d.id));
      return card;
    }),
  );
  const d = catalogue.datasets.find((x) => x.id === selected);
  replaceChildren(
    root,
    header,
    h('main', { class: 'open-main' }, list, d ? detail(d, catalogue) : h('section', {})),
    h('footer', { class: 'open-footer' }, ot('api', { path: '/api/open/datasets' }), ' · ', ot('times', { zone: catalogue.timeZone })),
  );
}

function detail(d: DatasetListing, cat: Catalogue): HTMLElement {
  const base = `./api/open/datasets/${encodeURIComponent(d.id)}/data`;
  const downloads = h(
    'div',
    { class: 'open-downloads' },
    ...cat.formats.map((f) =>
      h('a', { class: 'open-download', href: `${base}?format=${f}`, download: `${d.id}.${f}`, 'data-format': f }, f.toUpperCase()),
    ),
  );
  // Each cell names its column (`data-label`): on a phone each field is a card of labelled lines (open.css).
  const fieldRows = d.fields.map((f) => {
    // A field whose unit depends on the row's metric lists several units: say so instead.
    const unit = fieldUnit(f, getLanguage(), ot('unitByMetric'));
    return h(
      'tr',
      {},
      h('td', { class: 'mono open-field-name' }, f.name),
      h('td', { 'data-field-type': f.name, 'data-label': ot('type') }, fieldType(f, getLanguage())),
      h('td', { 'data-field-unit': f.name, 'data-label': ot('unit'), ...(unit === '' ? { 'data-empty': '' } : {}) }, unit),
      h('td', { class: 'wrap', 'data-field-about': f.name, 'data-label': ot('description') }, about(f)),
    );
  });
  const previewBlock = previewOf(d, cat);
  return h(
    'section',
    { class: 'open-detail', 'data-testid': 'dataset-detail' },
    h('h2', {}, title(d)),
    h('p', {}, about(d)),
    h(
      'dl',
      { class: 'open-facts' },
      h('dt', {}, ot('licence')),
      h('dd', {}, d.licence),
      h('dt', {}, ot('frequency')),
      h('dd', {}, ot(d.updateFrequency)),
    ),
    h('h3', {}, ot('download')),
    downloads,
    h('h3', {}, ot('fields')),
    h(
      'div',
      { class: 'open-scroll' },
      h(
        'table',
        { class: 'open-table open-fields phone-cards', 'data-testid': 'fields' },
        h(
          'thead',
          {},
          h('tr', {}, h('th', {}, ot('field')), h('th', {}, ot('type')), h('th', {}, ot('unit')), h('th', {}, ot('description'))),
        ),
        h('tbody', {}, ...fieldRows),
      ),
    ),
    h('h3', {}, ot('preview', { n: PREVIEW_ROWS })),
    previewBlock,
  );
}

/** The first rows of a dataset: a table whose cells name their column (on a phone each row is a card of labelled lines). */
function previewOf(d: DatasetListing, cat: Catalogue): HTMLElement {
  const rows = preview?.id === d.id ? preview.rows : null;
  const lang = getLanguage();
  return rows === null
    ? h('p', { class: 'open-muted' }, ot('loading'))
    : rows.length === 0
      ? h('p', { class: 'open-muted', 'data-testid': 'preview-empty' }, ot('noRows'))
      : h(
          'div',
          { class: 'open-scroll' },
          h(
            'table',
            { class: 'open-table open-preview phone-cards', 'data-testid': 'preview' },
            h('thead', {}, h('tr', {}, ...d.fields.map((f) => h('th', { 'data-col': f.name }, columnHead(f, lang))))),
            h(
              'tbody',
              {},
              // Each cell carries its column's name: on a phone a row is a card of labelled lines.
              ...rows.map((r) =>
                h(
                  'tr',
                  {},
                  ...d.fields.map((f) => {
                    const text = cellText(r, f, lang, cat.timeZone, cat.districts);
                    return h(
                      'td',
                      { 'data-col': f.name, 'data-label': columnHead(f, lang), ...(text === '' ? { 'data-empty': '' } : {}) },
                      text,
                    );
                  }),
                ),
              ),
            ),
          ),
        );
}

async function select(id: string): Promise<void> {
  selected = id;
  hooks.ready = false;
  render();
  try {
    const body = await getJson<{ rows: Array<Record<string, string | number>> }>(
      `./api/open/datasets/${encodeURIComponent(id)}/data?format=json&limit=${PREVIEW_ROWS}`,
    );
    if (selected === id) preview = { id, rows: body.rows };
  } catch (err) {
    problem = (err as Error).message;
  }
  render();
  hooks.ready = true;
}

async function start(): Promise<void> {
  loadLanguage();
  onLanguageChange(() => {
    document.title = `CityTwin · ${ot('title')}`;
    render();
  });
  document.title = `CityTwin · ${ot('title')}`;
  render();
  try {
    catalogue = await getJson<Catalogue>('./api/open/datasets');
  } catch (err) {
    problem = (err as Error).message;
    render();
    hooks.ready = true;
    return;
  }
  const first = catalogue.datasets[0];
  if (first) await select(first.id);
  else {
    render();
    hooks.ready = true;
  }
}

void start();
