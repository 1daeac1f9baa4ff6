/**
 * The console's language: zh-CN by default, English on request, remembered in localStorage.
 * Modules read it with `getLanguage()` / `t()` and re-render on `onLanguageChange`.
 */
import { STRINGS, type StringKey } from './strings.ts';

export type Language = 'zh' | 'en';

/** localStorage key holding the chosen language. */
export const LANGUAGE_STORAGE_KEY = 'citytwin.language';

let current: Language = 'zh';
const listeners = new Set<(lang: Language) => void>();

/** Parses a stored or requested language; anything but 'en' means the default, 'zh'. */
export function parseLanguage(value: string | null | undefined): Language {
  return value === 'en' ? 'en' : 'zh';
}

/** Reads the persisted choice (call once at start-up). Storage may be unavailable: then zh. */
export function loadLanguage(): Language {
  let stored: string | null = null;
  try {
    stored = window.localStorage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    // Storage blocked (privacy mode, sandboxed iframe): fall back to the default.
  }
  current = parseLanguage(stored);
  applyDocumentLanguage(current);
  return current;
}

export function getLanguage(): Language {
  return current;
}

/** Switches the language, persists it and notifies every listener. */
export function setLanguage(lang: Language): void {
  if (lang === current) return;
  current = lang;
  try {
    window.localStorage.setItem(LANGUAGE_STORAGE_KEY, lang);
  } catch {
    // Not persisted; the switch still applies to this page.
  }
  applyDocumentLanguage(lang);
  for (const listener of listeners) listener(lang);
}

/** Calls `listener` on every change; returns the unsubscribe function. */
export function onLanguageChange(listener: (lang: Language) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Looks up a string in the current language and fills `{name}` placeholders. */
export function t(key: StringKey, params?: Readonly<Record<string, string | number>>): string {
  return translate(current, key, params);
}

/** Like `t`, for an explicit language (pure; used by tests and formatters). */
export function translate(lang: Language, key: StringKey, params?: Readonly<Record<string, string | number>>): string {
  const template = STRINGS[lang][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

/** Picks the label of a bilingual `{ zh, en }` pair. */
export function pick(label: { zh: string; en: string }, lang: Language = current): string {
  return lang === 'en' ? label.en : label.zh;
}

function applyDocumentLanguage(lang: Language): void {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
}
