/**
 * The replay's data export as people expect a download to behave: a large one (estimated from
 * the range's coverage) asks first with its size; while it runs the bytes and rows so far show,
 * with a cancel button; the file is named after the city and the range on the city's clocks
 * (replay-range.ts). The export streams through `fetch` into a Blob, saved when complete.
 */
import { authHeaders } from '../backend/session.ts';
import { formatCount } from '../i18n/format.ts';
import { getLanguage, t } from '../i18n/language.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import { EXPORT_WARN_BYTES, estimateExportBytes, formatBytes } from './replay-range.ts';

export interface ExportRequest {
  url: string;
  name: string;
  format: 'csv' | 'parquet';
  /** Readings in the range (all classifications: an upper bound). */
  rows: number;
}

/** Counts newlines in a chunk (CSV rows). */
function newlines(chunk: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) n++;
  return n;
}

/** Reads `res` to the end, calling `progress(bytes, lines)` after every chunk. */
async function readAll(res: Response, progress: (bytes: number, lines: number) => void): Promise<Blob> {
  const parts: Uint8Array[] = [];
  let bytes = 0;
  let lines = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    bytes += value.length;
    lines += newlines(value);
    progress(bytes, lines);
  }
  return new Blob(parts as BlobPart[], { type: res.headers.get('content-type') ?? 'application/octet-stream' });
}

/** The export status line under the top bar: the size warning, the progress, the outcome. */
export class ExportBox {
  readonly el = h('div', { class: 'rp-export-box', 'data-testid': 'replay-export-status', hidden: '' });
  /** Exports estimated above this many bytes ask first (a test lowers it). */
  warnBytes = EXPORT_WARN_BYTES;
  /** What the last export did: idle, asking, running, done, cancelled, failed. */
  phase: 'idle' | 'asking' | 'running' | 'done' | 'cancelled' | 'failed' = 'idle';
  /** The shown message, worded again in the page's language when it switches (renderLabels). */
  private text: (() => string) | null = null;
  private textEl: HTMLElement | null = null;

  /** After a language switch: the message and the buttons in the new language. */
  renderLabels(): void {
    if (this.text && this.textEl) setText(this.textEl, this.text());
    for (const el of this.el.querySelectorAll<HTMLElement>('[data-label]')) setText(el, t(el.dataset.label as Parameters<typeof t>[0]));
    for (const el of this.el.querySelectorAll<HTMLElement>('.rp-close')) el.setAttribute('aria-label', t('replay.close'));
  }

  /** Starts `req`, after asking when its estimate is large. */
  request(req: ExportRequest): void {
    if (this.phase === 'running') return;
    const size = estimateExportBytes(req.rows, req.format);
    if (size < this.warnBytes) {
      void this.run(req);
      return;
    }
    this.phase = 'asking';
    const go = h(
      'button',
      { type: 'button', class: 'rp-button', 'data-testid': 'replay-export-go', 'data-label': 'replay.exportGo' },
      t('replay.exportGo'),
    );
    const cancel = h(
      'button',
      { type: 'button', class: 'rp-button', 'data-testid': 'replay-export-cancel', 'data-label': 'replay.cancel' },
      t('replay.cancel'),
    );
    go.addEventListener('click', () => void this.run(req));
    cancel.addEventListener('click', () => this.show('idle', null));
    this.show('asking', () => t('replay.exportLarge', { size: formatBytes(size), rows: formatCount(req.rows, getLanguage()) }), go, cancel);
  }

  private async run(req: ExportRequest): Promise<void> {
    const abort = new AbortController();
    const cancel = h(
      'button',
      { type: 'button', class: 'rp-button', 'data-testid': 'replay-export-cancel', 'data-label': 'replay.cancel' },
      t('replay.cancel'),
    );
    cancel.addEventListener('click', () => abort.abort());
    const line = h('span', { 'data-testid': 'replay-export-progress' });
    const progress = (bytes: number, lines: number): void => {
      const rows = req.format === 'csv' ? formatCount(Math.max(0, lines - 1), getLanguage()) : '—';
      setText(line, t('replay.exporting', { name: req.name, size: formatBytes(bytes), rows }));
      this.el.dataset.bytes = String(bytes);
    };
    this.show('running', null, line, cancel);
    progress(0, 0);
    try {
      const res = await fetch(req.url, { headers: authHeaders(), signal: abort.signal });
      if (!res.ok) throw new Error(await errorOf(res));
      let rows = 0;
      const blob = await readAll(res, (bytes, lines) => {
        rows = Math.max(0, lines - 1);
        progress(bytes, lines);
      });
      save(blob, req.name);
      this.show('done', () =>
        t('replay.exportDone', {
          name: req.name,
          size: formatBytes(blob.size),
          rows: req.format === 'csv' ? formatCount(rows, getLanguage()) : '—',
        }),
      );
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (abort.signal.aborted) this.show('cancelled', () => t('replay.exportCancelled'));
      else this.show('failed', () => t('replay.exportFailed', { reason }));
    }
  }

  private show(phase: ExportBox['phase'], text: (() => string) | null, ...extra: HTMLElement[]): void {
    this.phase = phase;
    this.el.dataset.phase = phase;
    this.el.hidden = phase === 'idle';
    this.text = text;
    this.textEl = text ? h('span', { 'data-testid': 'replay-export-message' }, text()) : null;
    replaceChildren(this.el, ...(this.textEl ? [this.textEl] : []), ...extra);
    if (phase === 'done' || phase === 'cancelled' || phase === 'failed') {
      const close = h('button', { type: 'button', class: 'rp-button rp-close', 'aria-label': t('replay.close') }, '×');
      close.addEventListener('click', () => this.show('idle', null));
      this.el.append(close);
    }
  }
}

async function errorOf(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: unknown };
    return typeof body.error === 'string' ? body.error : `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

/** Hands the finished file to the browser's downloads under `name`. */
function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: '' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
