/**
 * The metrics an unknown device's name-only records are kept under (`value_Cel`, `value_pctRH`):
 * the record's unit is in the metric's name, and read back from it wherever the reading is shown
 * (the vocabulary has no unit for such a metric).
 */
import { SENML_PRIMARY_UNITS, SENML_SECONDARY_UNITS } from '../senml-units.ts';
import { canonicalUnit, conversionUnitNames } from '../unit-conversion.ts';

/**
 * The metric name an unknown device's name-only record is kept under: `value`, with its unit
 * when it has one (`%RH` → `value_pctRH`, `lon` → `value_lon`, `1/min` → `value_1permin`).
 */
export function unitMetricName(unit: string | undefined): string {
  if (!unit) return 'value';
  const part = unit
    .replace(/%/g, 'pct')
    .replace(/\//g, 'per')
    .replace(/[^A-Za-z0-9]/g, '_');
  return `value_${part}`.slice(0, 63);
}

/** Metric name → the unit's canonical name, for every unit SenML registers and the conversion table knows. */
const UNIT_BY_METRIC = new Map<string, string>();
for (const unit of [...SENML_PRIMARY_UNITS, ...SENML_SECONDARY_UNITS, ...conversionUnitNames()]) {
  const metric = unitMetricName(unit);
  if (!UNIT_BY_METRIC.has(metric)) UNIT_BY_METRIC.set(metric, canonicalUnit(unit));
}

/**
 * The unit of a metric named by {@link unitMetricName}, by its canonical name as units are named
 * everywhere (`value_Cel` → `Cel`, `value__C` (sent as `°C`) → `Cel`, `value_pctRH` → `%RH`);
 * null for any other metric, and for a unit neither SenML nor the conversion table knows.
 */
export function unitOfUnitMetric(metric: string): string | null {
  return UNIT_BY_METRIC.get(metric.replace(/:sum$/, '')) ?? null;
}

/** The longest unit string a device's reading may bring along (SenML's longest name is 8). */
export const MAX_SEEN_UNIT = 24;

/**
 * What a unit string may be made of: letters (µ included), digits, the unit signs `% / . ^ * - _`,
 * `°`, `Ω`, `²` `³` and the middle dot — no spaces, no control, markup or bidirectional characters.
 */
const SEEN_UNIT = /^[A-Za-z0-9µΩ°²³·%/.^*_-]+$/u;

/**
 * A unit as a device sent it, to be shown with a metric the vocabulary has no unit for; null
 * when it cannot be shown safely: empty, longer than {@link MAX_SEEN_UNIT} characters, or with
 * a character outside the unit's alphabet. A refused unit is never cut (a cut unit would name
 * another unit) nor stored.
 */
export function seenUnit(unit: string): string | null {
  if (unit.length === 0 || unit.length > MAX_SEEN_UNIT || !SEEN_UNIT.test(unit)) return null;
  return unit;
}

/**
 * The unit a reading of a metric the vocabulary has no unit for came in (SenML `u`/`bu`): `unit`
 * is the unit as {@link seenUnit} keeps it, `''` when the device sent one that was refused (the
 * metric is then shown without a unit, not with an older one).
 */
export interface SeenUnit {
  metric: string;
  unit: string;
}
