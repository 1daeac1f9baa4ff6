/** The audit viewer's header (title, the way back, the language) and the refusal for roles without `audit.read`. */
import type { Panel } from '../app/panel.ts';
import { t } from '../i18n/language.ts';
import { h, setText } from '../ui/dom.ts';
import { languageToggle } from '../ui/language-toggle.ts';
import type { AuditState } from './audit-state.ts';

export class AuditHeader implements Panel<AuditState> {
  private readonly title = h('h1', { class: 'audit-title', 'data-testid': 'audit-title' });
  private readonly subtitle = h('p', { class: 'audit-subtitle' });
  private readonly back = h('a', { class: 'audit-back', href: './', 'data-testid': 'audit-back' });
  private readonly lang = languageToggle();
  private readonly el = h(
    'header',
    { class: 'audit-header' },
    h('div', {}, this.title, this.subtitle),
    h('div', { class: 'audit-header-right' }, this.back, this.lang),
  );

  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  render(): void {}

  renderLabels(): void {
    document.title = `CityTwin · ${t('audit.title')}`;
    setText(this.title, t('audit.title'));
    setText(this.subtitle, t('audit.subtitle'));
    setText(this.back, t('audit.back'));
  }

  destroy(): void {
    this.el.remove();
  }
}

/** What a role without `audit.read` sees: the server refuses the routes anyway (403); the page says why. */
export class AuditDenied implements Panel<AuditState> {
  private readonly el = h('p', { class: 'audit-denied', role: 'alert', 'data-testid': 'audit-denied' });

  mount(parent: HTMLElement): void {
    parent.append(this.el);
  }

  render(): void {}

  renderLabels(): void {
    setText(this.el, t('audit.denied'));
  }

  destroy(): void {
    this.el.remove();
  }
}
