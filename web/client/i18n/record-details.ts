/**
 * The details of audit entries and security events as people read them. The server records one
 * wording for every reader (`session 4f1c…`, `display 64b7… "wall" roles display 90 days`,
 * `op-li roles operator`, `audit chain … begins`, a channel's test message and its outcome, an
 * incident change's record text); the known
 * forms are worded here in the page's language, with their codes (roles, token kinds) as labels.
 * A detail of another form (free text, a newer server) is shown as recorded.
 */
import { historyDetailLabel } from './incident-labels.ts';
import { translate, type Language } from './language.ts';
import { STRINGS, type StringKey } from './strings.ts';
import type { ChangeWhat } from '../../../twin-model/incidents/incident-explanations.ts';

function keyed(key: string, raw: string, lang: Language): string {
  return key in STRINGS.zh ? translate(lang, key as StringKey) : raw;
}

const kindOf = (kind: string, lang: Language) => keyed(`record.kind.${kind}`, kind, lang);

function rolesOf(list: string, lang: Language): string {
  return list
    .split(',')
    .filter(Boolean)
    .map((r) => keyed(`role.${r}`, r, lang))
    .join(translate(lang, 'dispatch.listSep'));
}

type Wording = (m: RegExpExecArray, lang: Language) => string;

/** One entity's part of a register change (twin-model/register-diff.ts `describeCounts`). */
const REGISTER_PART = /^(sensor|unit|source)s \+(\d+) ~(\d+) -(\d+) =(\d+)(?: \(([a-z]+ \d+(?:, [a-z]+ \d+)*)\))?$/;
const REGISTER_COUNTS = /^(?:sensor|unit|source)s \+\d+ .*$/;

/** `sensors +3 ~2 -1 =25 (moved 2); units …` in words, or as recorded when a part is of another form. */
function registerCountsLabel(detail: string, lang: Language): string {
  const parts = detail.split('; ').map((part) => REGISTER_PART.exec(part));
  if (parts.some((m) => m === null)) return detail;
  return (parts as RegExpExecArray[])
    .map((m) => {
      const what = (m[6] ?? '')
        .split(', ')
        .filter(Boolean)
        .map((item) => {
          const [change, n] = item.split(' ');
          return `${keyed(`record.registerChange.${change}`, change!, lang)} ${n}`;
        });
      return translate(lang, 'record.registerPart', {
        entity: keyed(`record.registerEntity.${m[1]}`, m[1]!, lang),
        added: m[2]!,
        changed: m[3]!,
        retired: m[4]!,
        unchanged: m[5]!,
        what: what.length > 0 ? ` (${what.join(translate(lang, 'dispatch.listSep'))})` : '',
      });
    })
    .join(translate(lang, 'record.partSep'));
}

const FORMS: ReadonlyArray<readonly [RegExp, Wording]> = [
  [
    /^(display|token|session) (\S+) "(.*)" roles (\S+) (\d+) days$/,
    (m, lang) =>
      translate(lang, 'record.tokenIssued', {
        kind: kindOf(m[1]!, lang),
        id: m[2]!,
        name: m[3]!,
        roles: rolesOf(m[4]!, lang),
        days: m[5]!,
      }),
  ],
  [
    /^(display|token|session) (\S+) of (\S+)$/,
    (m, lang) => translate(lang, 'record.credentialOf', { kind: kindOf(m[1]!, lang), id: m[2]!, owner: m[3]! }),
  ],
  [/^(display|token|session) (\S+)$/, (m, lang) => translate(lang, 'record.credential', { kind: kindOf(m[1]!, lang), id: m[2]! })],
  [/^(\S+) roles (\S+)$/, (m, lang) => translate(lang, 'record.userRoles', { user: m[1]!, roles: rolesOf(m[2]!, lang) })],
  [/^first admin account$/, (_m, lang) => translate(lang, 'record.firstAdmin')],
  [/^audit chain (\S+) begins$/, (m, lang) => translate(lang, 'record.chainBegins', { chain: m[1]! })],
  [/^first start$/, (_m, lang) => translate(lang, 'record.firstStart')],
  // A field or case account's binding removed (`field_unit`, `case_department` with no unit or department).
  [/^\(unbound\)$/, (_m, lang) => translate(lang, 'record.unbound')],
  [REGISTER_COUNTS, (m, lang) => registerCountsLabel(m[0], lang)],
  [
    /^test message through (webhook|email|sms) channel (\S+) to (\S+): delivered$/,
    (m, lang) =>
      translate(lang, 'record.testDelivered', { kind: keyed(`record.channel.${m[1]!}`, m[1]!, lang), channel: m[2]!, to: m[3]! }),
  ],
  [
    /^test message through (webhook|email|sms) channel (\S+) to (\S+): (failed|dead) \((.*)\)$/s,
    (m, lang) =>
      translate(lang, 'record.testFailed', {
        kind: keyed(`record.channel.${m[1]!}`, m[1]!, lang),
        channel: m[2]!,
        to: m[3]!,
        status: keyed(`record.testStatus.${m[4]!}`, m[4]!, lang),
        error: m[5]!,
      }),
  ],
];

/** A recorded detail in `lang`: incident changes through the incident wording, the known forms above, else as recorded. */
export function recordDetailLabel(stream: string, action: string, detail: string, lang: Language): string {
  if (stream === 'incident') return historyDetailLabel(action as ChangeWhat, detail, lang);
  for (const [form, word] of FORMS) {
    const m = form.exec(detail);
    if (m) return word(m, lang);
  }
  return detail;
}

/** Who did it: people by their user name; the twin, the system and the simulator worded. */
export function recordActorLabel(actor: string, lang: Language): string {
  if (actor === 'twin') return translate(lang, 'incident.actor.twin');
  return keyed(`audit.actor.${actor}`, actor, lang);
}
