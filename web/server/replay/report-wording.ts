/**
 * The words of the after-action report (docs/replay.md): incident types from the rule files,
 * statuses, history steps, evidence kinds, dispatch actions and automatic actors from the words
 * the console shares with the server (web/shared/report-words.ts, the one place they are written), district
 * names from the city's base map. A code the table does not know (a newer store) is shown as is.
 */
import { REPORT_WORDS } from '../../shared/report-words.ts';
import { INCIDENT_TYPE_NAMES } from '../../../twin-model/incidents/rule-files.ts';
import type { CityBasemap } from '../../../twin-model/index.ts';

export type ReportLang = 'zh' | 'en';

function keyed(lang: ReportLang, key: string, raw: string): string {
  return (REPORT_WORDS[lang] as Readonly<Record<string, string>>)[key] ?? raw;
}

export interface ReportWording {
  type(type: string): string;
  status(status: string): string;
  step(what: string): string;
  evidence(kind: string): string;
  action(action: string): string;
  actor(actor: string): string;
  district(code: string | null | undefined): string;
}

/** The report's wording in `lang`; district names from `basemap` (its codes when there is none). */
export function reportWording(lang: ReportLang, basemap: CityBasemap | null): ReportWording {
  const names = new Map<string, string>();
  for (const f of basemap?.districts.features ?? []) {
    const p = f.properties as { code?: string; name_zh?: string; name_en?: string };
    if (p.code) names.set(p.code, (lang === 'en' ? p.name_en : p.name_zh) ?? p.code);
  }
  return {
    type: (type) => INCIDENT_TYPE_NAMES.get(type)?.[lang] ?? type,
    status: (status) => keyed(lang, `incident.status.${status}`, status),
    step: (what) => keyed(lang, `incident.what.${what}`, what),
    evidence: (kind) => keyed(lang, `incident.ev.${kind}`, kind),
    action: (action) => keyed(lang, `audit.action.dispatch.${action}`, action),
    actor: (actor) => keyed(lang, `incident.actor.${actor}`, actor),
    district: (code) => (code ? (names.get(code) ?? code) : '—'),
  };
}
