/**
 * The language switch, one look on every page: a single button showing both names, each in its own
 * language (中文 / EN), the current one highlighted (`.lang-toggle`, styles/console.css, which reads
 * the page's language from `<html lang>`, so the highlight follows every change by itself). A click
 * switches to the other language.
 */
import { getLanguage, setLanguage } from '../i18n/language.ts';
import { h } from './dom.ts';

/** The switch; `extraClass` places or sizes it on a page (e.g. `login-lang`), never gives it another look. */
export function languageToggle(extraClass = ''): HTMLButtonElement {
  const button = h(
    'button',
    {
      type: 'button',
      class: extraClass ? `lang-toggle ${extraClass}` : 'lang-toggle',
      'data-testid': 'language-toggle',
    },
    h('span', { class: 'lang-mark', 'data-lang': 'zh', lang: 'zh-CN' }, '中文'),
    h('span', { class: 'lang-mark', 'data-lang': 'en', lang: 'en' }, 'EN'),
  );
  button.addEventListener('click', () => setLanguage(getLanguage() === 'zh' ? 'en' : 'zh'));
  return button;
}
