/**
 * The warning form's values and what of them changed: the draft dialog (cap-dialog.ts) fills the
 * form from a desk record and sends only the changed fields to `POST /api/cap/alerts/{id}/edit`
 * (or `…/update`). Pure: no DOM, no calls.
 */
import type { CapRecordView } from '../../shared/cap-protocol.ts';

export const CAP_SEVERITY_CHOICES = ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'] as const;
export const CAP_URGENCY_CHOICES = ['Immediate', 'Expected', 'Future', 'Past', 'Unknown'] as const;
export const CAP_CERTAINTY_CHOICES = ['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'] as const;

/** Shortest and longest validity the desk accepts (`expiresInH`, web/server/cap/cap-routes.ts). */
export const CAP_MIN_HOURS = 0.25;
export const CAP_MAX_HOURS = 168;

export interface CapFormValues {
  severity: string;
  urgency: string;
  certainty: string;
  /** Hours from now; empty keeps the validity the record has. */
  expiresInH: string;
  headline: { zh: string; en: string };
  instruction: { zh: string; en: string };
}

/** The changes body of the edit and update routes. */
export interface CapChangesBody {
  severity?: string;
  urgency?: string;
  certainty?: string;
  expiresInH?: number;
  headline?: { zh?: string; en?: string };
  instruction?: { zh?: string; en?: string };
}

export type CapFormCheck = { ok: true; changes: CapChangesBody } | { ok: false; field: 'expiresInH'; value: string };

/** The text of a record in `zh` (zh-CN) or `en` (en-US). */
function textOf(r: CapRecordView, lang: 'zh' | 'en') {
  return r.texts.find((x) => x.language.toLowerCase().startsWith(lang));
}

/** The form as the record stands. */
export function capFormFromRecord(r: CapRecordView): CapFormValues {
  const zh = textOf(r, 'zh');
  const en = textOf(r, 'en');
  return {
    severity: r.severity,
    urgency: r.urgency,
    certainty: r.certainty,
    expiresInH: '',
    headline: { zh: zh?.headline ?? '', en: en?.headline ?? '' },
    instruction: { zh: zh?.instruction ?? '', en: en?.instruction ?? '' },
  };
}

/**
 * What the form changes of the record: only fields that differ (texts trimmed; an emptied text
 * is left as it was, since the desk needs one in each language). A validity that is not a
 * number of hours within the desk's bounds is refused with the value as typed.
 */
export function capFormChanges(r: CapRecordView, v: CapFormValues): CapFormCheck {
  const before = capFormFromRecord(r);
  const changes: CapChangesBody = {};
  if (v.severity !== before.severity) changes.severity = v.severity;
  if (v.urgency !== before.urgency) changes.urgency = v.urgency;
  if (v.certainty !== before.certainty) changes.certainty = v.certainty;
  const hours = v.expiresInH.trim();
  if (hours !== '') {
    const n = Number(hours);
    if (!Number.isFinite(n) || n < CAP_MIN_HOURS || n > CAP_MAX_HOURS) return { ok: false, field: 'expiresInH', value: v.expiresInH };
    changes.expiresInH = n;
  }
  for (const field of ['headline', 'instruction'] as const) {
    const part: { zh?: string; en?: string } = {};
    for (const lang of ['zh', 'en'] as const) {
      const text = v[field][lang].trim();
      if (text !== '' && text !== before[field][lang]) part[lang] = text;
    }
    if (part.zh !== undefined || part.en !== undefined) changes[field] = part;
  }
  return { ok: true, changes };
}

/** Whether `who` drafted or edited the record (the two-person rule keeps them from approving it). */
export function isCapAuthor(r: CapRecordView, who: string): boolean {
  return r.draftedBy === who || r.authors.includes(who);
}
