/**
 * Words of the audit viewer: actions, streams and problems worded in the console's language;
 * a code the table does not know (a newer server) is shown as it is. Pure.
 */
import { incidentStepLabel } from '../i18n/incident-labels.ts';
import { translate, type Language } from '../i18n/language.ts';
import type { StringKey } from '../i18n/strings.ts';

function keyed(key: string, fallback: string, lang: Language): string {
  const text = translate(lang, key as StringKey);
  return text === undefined || text === key ? fallback : text;
}

/** An entry's action: incident changes as the incident history words them, the rest from the table. */
export function auditActionLabel(stream: string, action: string, lang: Language): string {
  if (stream === 'incident') return incidentStepLabel(action, lang);
  return keyed(`audit.action.${stream}.${action}`, action, lang);
}

export function auditStreamLabel(stream: string, lang: Language): string {
  return keyed(`audit.stream.${stream}`, stream, lang);
}

/** "事件历史 · 被改写" / "Incident history · rewritten". */
export function auditProblemLabel(stream: string, kind: string, lang: Language): string {
  return `${keyed(`audit.problem.${stream}`, stream, lang)} · ${keyed(`audit.kind.${kind}`, kind, lang)}`;
}
