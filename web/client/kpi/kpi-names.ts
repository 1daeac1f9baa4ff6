/**
 * Names on the KPI screen (pure). A hotline case names its department in Chinese (the routing
 * table's name); the sensor sources name the same departments in both languages, so the English
 * screen takes the English name from them, and shows the Chinese one only for a department no
 * source names.
 */
import type { Language } from '../i18n/language.ts';

export interface DepartmentNames {
  departmentZh: string;
  departmentEn: string;
}

/** `zh` (a department's Chinese name) in `lang`, from the departments the sources name. */
export function departmentLabel(zh: string, known: readonly DepartmentNames[], lang: Language): string {
  if (lang === 'zh') return zh;
  return known.find((d) => d.departmentZh === zh)?.departmentEn || zh;
}
