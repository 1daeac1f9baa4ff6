/**
 * Labels for incidents: type names from the rule files (nameZh / nameEn, the one place they
 * are written, listed by twin-model/incidents/rule-files.ts), statuses, history steps, evidence
 * kinds, and the correlator's explanations (codes, worded by web/shared/incident-wording.ts) in
 * the console's language. Unknown values (a newer server) fall back to the raw name.
 */
import { INCIDENT_TYPE_NAMES } from '../../../twin-model/incidents/rule-files.ts';
import type { ChangeWhat, LinkReason } from '../../../twin-model/incidents/incident-explanations.ts';
import { wordChangeDetail, wordLinkReason } from '../../shared/incident-wording.ts';
import { getLanguage, translate, type Language } from './language.ts';
import type { StringKey } from './strings.ts';

export function incidentTypeLabel(type: string, lang: Language = getLanguage()): string {
  const n = INCIDENT_TYPE_NAMES.get(type);
  return n ? (lang === 'en' ? n.en : n.zh) : type;
}

/** Translates `incident.<group>.<value>` if the table has it, else the raw value. */
function keyed(group: string, value: string, lang: Language): string {
  const key = `incident.${group}.${value}` as StringKey;
  const text = translate(lang, key);
  return text === undefined || text === key ? value : text;
}

export const incidentStatusLabel = (status: string, lang: Language = getLanguage()): string => keyed('status', status, lang);
export const incidentStepLabel = (what: string, lang: Language = getLanguage()): string => keyed('what', what, lang);
export const evidenceTypeLabel = (eventType: string, lang: Language = getLanguage()): string => keyed('evtype', eventType, lang);
export const signalLabel = (signal: string, lang: Language = getLanguage()): string => keyed('signal', signal, lang);
export const eventCategoryLabel = (category: string, lang: Language = getLanguage()): string => keyed('category', category, lang);

/**
 * What a report's source is, in words, when the city does not register it: the family its
 * event type belongs to (市民热线, 视频识别, 外勤人员), else "未登记来源" — never the raw id.
 */
export function sourceFamilyLabel(eventType: string | undefined, lang: Language = getLanguage()): string {
  const key = `incident.ev.family.${eventType ?? 'unknown'}` as StringKey;
  return translate(lang, key) ?? translate(lang, 'incident.ev.family.unknown');
}

/** Names the shared incident wording asks the console for (signals by their label). */
const WORDING_NAMES = { signal: (id: string, lang: Language) => signalLabel(id, lang) };

/**
 * Why a piece of evidence was linked, in the console's language (web/shared/incident-wording.ts);
 * a district by `districtName` (in the page's language) when it knows it, else by its code.
 */
export function whyLabel(why: LinkReason, lang: Language = getLanguage(), districtName?: (code: string) => string | null): string {
  return wordLinkReason(why, lang, districtName ? { ...WORDING_NAMES, district: (code) => districtName(code) } : WORDING_NAMES);
}

/**
 * A history entry's detail in the console's language. The store keeps the change's record text
 * (one wording for every reader of the table); it is read back as its code and worded here.
 * Texts that are not a record of ours (a newer server) are shown as stored.
 */
export function historyDetailLabel(what: ChangeWhat, detail: string, lang: Language = getLanguage()): string {
  return wordChangeDetail(what, detail, lang, WORDING_NAMES);
}
