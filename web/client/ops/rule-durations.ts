/**
 * The durations of a rule as operators think of them: the rule set stores milliseconds (the
 * contract, docs/rules.md), the form shows and takes minutes for the no-data limit and seconds
 * for the other waits, with the unit named at the field. Converted here, at the form only.
 */

/** The unit a stored millisecond field is entered in: `min` or `s`; `null` for a field that is not a duration. */
export type DurationUnit = 'min' | 's';

const FACTOR: Record<DurationUnit, number> = { min: 60_000, s: 1000 };

/** The unit of a field by its JSON key (the last part of its path); `null` when it holds no milliseconds. */
export function durationUnit(path: string): DurationUnit | null {
  const key = path.split('.').at(-1) ?? '';
  if (key === 'staleAfterMs') return 'min';
  return /Ms$/.test(key) ? 's' : null;
}

/** The stored milliseconds as shown in the field (up to 3 decimals, no trailing zeros); non-numbers as they are. */
export function msToField(ms: unknown, unit: DurationUnit): number | '' {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
  return Math.round((ms / FACTOR[unit]) * 1000) / 1000;
}

/**
 * What the field's text stores: whole milliseconds for a number; `null` when empty; the text
 * itself otherwise, so the server's check quotes the bad value back.
 */
export function fieldToMs(text: string, unit: DurationUnit): number | string | null {
  if (text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? Math.round(n * FACTOR[unit]) : text;
}
