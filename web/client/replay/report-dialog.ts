/**
 * The after-action report read in the page: a dialog showing the server's HTML report (times
 * on the city's clocks, its map snapshot) in a sandboxed frame, in Chinese or English, with the
 * HTML and Markdown downloads kept beside it.
 */
import { authHeaders } from '../backend/session.ts';
import { getLanguage, t } from '../i18n/language.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';

type ReportLang = 'zh' | 'en';

/** The report's address for `format` and `lang`. */
export function reportUrl(incidentId: string, format: 'html' | 'md', lang: ReportLang): string {
  return `/api/replay/incidents/${encodeURIComponent(incidentId)}/report?lang=${lang}&format=${format}`;
}

export class ReportDialog {
  private readonly titleEl = h('h2', { class: 'rp-dialog-title' });
  private readonly langBox = h('span', { class: 'rp-downloads' });
  private readonly downloads = h('span', { class: 'rp-downloads' });
  private readonly closeButton = h('button', { type: 'button', class: 'rp-button', 'data-testid': 'replay-report-close' });
  private readonly status = h('p', { class: 'rp-muted', 'data-testid': 'replay-report-status' });
  // No scripts, no same origin: the report is a document to read, nothing more.
  private readonly frame = h('iframe', { class: 'rp-report-frame', sandbox: '', 'data-testid': 'replay-report-frame' });
  readonly el = h(
    'dialog',
    { class: 'rp-dialog', 'data-testid': 'replay-report-dialog' },
    h(
      'header',
      { class: 'rp-dialog-head' },
      this.titleEl,
      this.langBox,
      this.downloads,
      h('span', { class: 'rp-spacer' }),
      this.closeButton,
    ),
    this.status,
    this.frame,
  );
  private incidentId = '';
  private lang: ReportLang = 'zh';
  private loaded = 0;

  constructor() {
    this.closeButton.addEventListener('click', () => this.el.close());
  }

  /** Opens the report of `incidentId` in the page's language. */
  open(incidentId: string): void {
    this.incidentId = incidentId;
    if (!this.el.open) this.el.showModal();
    void this.show(getLanguage());
  }

  private async show(lang: ReportLang): Promise<void> {
    const id = this.incidentId;
    this.lang = lang;
    const seq = ++this.loaded;
    this.drawHead();
    setText(this.status, t('replay.reportLoading'));
    this.status.hidden = false;
    this.el.dataset.state = 'loading';
    try {
      const res = await fetch(reportUrl(id, 'html', lang), { headers: { accept: 'text/html', ...authHeaders() } });
      const text = await res.text();
      if (seq !== this.loaded) return;
      if (!res.ok) throw new Error(errorText(text, res.status));
      this.frame.srcdoc = text;
      this.status.hidden = true;
      this.el.dataset.state = 'shown';
      this.el.dataset.lang = lang;
    } catch (err) {
      if (seq !== this.loaded) return;
      setText(this.status, t('replay.failed', { reason: err instanceof Error ? err.message : String(err) }));
      this.el.dataset.state = 'error';
    }
  }

  private drawHead(): void {
    setText(this.titleEl, t('replay.reportTitle', { id: this.incidentId }));
    setText(this.closeButton, t('replay.close'));
    const langButton = (lang: ReportLang, label: string): HTMLElement => {
      const b = h(
        'button',
        { type: 'button', class: 'rp-button', 'data-testid': `replay-report-lang-${lang}`, 'aria-pressed': String(lang === this.lang) },
        label,
      );
      b.addEventListener('click', () => void this.show(lang));
      return b;
    };
    replaceChildren(this.langBox, langButton('zh', '中文'), langButton('en', 'English'));
    replaceChildren(
      this.downloads,
      h(
        'a',
        { class: 'rp-link', href: reportUrl(this.incidentId, 'html', this.lang), download: '', 'data-testid': 'replay-report-dialog-html' },
        t('replay.reportHtml'),
      ),
      h(
        'a',
        { class: 'rp-link', href: reportUrl(this.incidentId, 'md', this.lang), download: '', 'data-testid': 'replay-report-dialog-md' },
        t('replay.reportMd'),
      ),
    );
  }
}

function errorText(body: string, status: number): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : `HTTP ${status}`;
  } catch {
    return `HTTP ${status}`;
  }
}
