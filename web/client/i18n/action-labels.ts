/**
 * Operators' actions as the replay page lists them (web/shared/replay-protocol.ts ReplayAction):
 * the change or dispatch action worded, and its detail — an incident change's record text through
 * the shared incident wording, a dispatch entry's `from → to` unit statuses and recommended unit
 * (written by web/server/replay/replay-twin.ts) in the page's language.
 */
import { historyDetailLabel, incidentStepLabel } from './incident-labels.ts';
import { getLanguage, translate, type Language } from './language.ts';
import { unitStatusLabel } from './labels.ts';
import { STRINGS, type StringKey } from './strings.ts';
import type { ChangeWhat } from '../../../twin-model/incidents/incident-explanations.ts';

export function actionWhatLabel(source: 'incident' | 'dispatch', what: string, lang: Language = getLanguage()): string {
  if (source === 'incident') return incidentStepLabel(what, lang);
  const key = `audit.action.dispatch.${what}` as StringKey;
  return key in STRINGS.zh ? translate(lang, key) : what;
}

/** A unit's name by its id, or null when it is not known (the id is shown then). */
export type UnitNamer = (id: string) => string | null;

function dispatchDetailPart(part: string, lang: Language, unitName: UnitNamer): string {
  const move = /^([a-z_]+) → ([a-z_]+)$/.exec(part);
  if (move) return `${unitStatusLabel(move[1]!)} → ${unitStatusLabel(move[2]!)}`;
  const recommended = /^recommended (\S+)$/.exec(part);
  if (recommended) return translate(lang, 'replay.recommendedUnit', { unit: unitName(recommended[1]!) ?? recommended[1]! });
  return part;
}

/** An action's detail in words; a recommended unit by its name when `unitName` knows it. */
export function actionDetailLabel(
  source: 'incident' | 'dispatch',
  what: string,
  detail: string,
  lang: Language = getLanguage(),
  unitName: UnitNamer = () => null,
): string {
  if (source === 'incident') return historyDetailLabel(what as ChangeWhat, detail, lang);
  return detail
    .split('; ')
    .map((part) => dispatchDetailPart(part, lang, unitName))
    .join(translate(lang, 'dispatch.listSep'));
}

/**
 * Who did an action, in words: a person by user name; a unit's own report (`unit:<id>`, a crew
 * setting its status) by the unit's name when `unitName` knows it, else worded with its id.
 */
export function actionActorLabel(actor: string, unitName: UnitNamer, lang: Language = getLanguage()): string {
  const unit = /^unit:(.+)$/.exec(actor);
  if (!unit) return actor;
  return unitName(unit[1]!) ?? translate(lang, 'replay.unitActor', { unit: unit[1]! });
}
