/**
 * Converting a reading from the unit a device sent (SenML `u`/`bu`) into its metric's unit
 * (contracts.md, "Devices as they come"): a small table by dimension, each unit given as a
 * factor and an offset to the dimension's base unit (`base = value × factor + offset`).
 *
 * Only conversions that are exact by definition are listed (SI prefixes, hours and minutes,
 * kelvin and degrees Celsius, bits and bytes). Units of different dimensions — or the same
 * quantity measured against different references (`%` and `%RH`, `dBm` and `dB`) — are not
 * convertible, and the reading is rejected with a reason naming both units.
 *
 * Unit names are SenML's (RFC 8428 §12.1, RFC 8798 §2–3) plus the v1 vocabulary's own fixed
 * units (`kV`, `1`), which are not in the SenML registry.
 */

import { quoteValue } from './quote-value.ts';

/** One unit of a dimension: `base = value × factor + offset`. */
interface UnitScale {
  dimension: string;
  factor: number;
  offset: number;
}

const SCALES = new Map<string, UnitScale>();

function dimension(name: string, units: Record<string, number | [factor: number, offset: number]>): void {
  for (const [unit, scale] of Object.entries(units)) {
    const [factor, offset] = typeof scale === 'number' ? [scale, 0] : scale;
    SCALES.set(unit, { dimension: name, factor, offset });
  }
}

dimension('length', { m: 1, cm: 0.01, mm: 0.001, km: 1000 });
// Speed and rates of length (rainfall intensity mm/h is a speed: 1 mm/h = 1e-3 m / 3600 s).
dimension('speed', { 'm/s': 1, 'km/h': 1000 / 3600, 'm/h': 1 / 3600, 'mm/h': 0.001 / 3600 });
// Kelvin is the base; 0 °C = 273.15 K (SI brochure, 9th ed., §2.3.1).
dimension('temperature', { K: 1, Cel: [1, 273.15] });
dimension('pressure', { Pa: 1, hPa: 100 });
dimension('time', { s: 1, ms: 0.001, min: 60, h: 3600 });
dimension('frequency', { Hz: 1, MHz: 1e6, '1/s': 1, '1/min': 1 / 60 });
dimension('voltage', { V: 1, mV: 0.001, kV: 1000 });
dimension('current', { A: 1, mA: 0.001 });
dimension('power', { W: 1, kW: 1000 });
dimension('apparent_power', { VA: 1, kVA: 1000 });
dimension('reactive_power', { var: 1, kvar: 1000 });
dimension('energy', { J: 1, Wh: 3600, kWh: 3.6e6 });
dimension('charge', { C: 1, Ah: 3600 });
dimension('mass', { kg: 1, g: 0.001 });
dimension('volume', { m3: 1, l: 0.001 });
dimension('flow', { 'm3/s': 1, 'l/s': 0.001 });
dimension('mass_concentration', { 'kg/m3': 1, 'ug/m3': 1e-9 });
dimension('information', { bit: 1, B: 8, KiB: 8 * 1024, GB: 8e9 });
dimension('data_rate', { 'bit/s': 1, 'B/s': 8, 'Mbit/s': 1e6, 'MB/s': 8e6 });
// A plain ratio: `/` is 1, `%` and `/100` are hundredths, `/1000` thousandths, `ppm` millionths.
dimension('ratio', { '/': 1, '%': 0.01, '/100': 0.01, '/1000': 0.001, ppm: 1e-6 });
// A count of things; `1` is the v1 vocabulary's name for it.
dimension('count', { count: 1, '1': 1 });

/**
 * Spellings that mean the same unit as the SenML name (the v1 contract accepted them before
 * SenML units were checked: `°C`, `µg/m³` …). Only exact equivalents.
 */
const SPELLINGS: Readonly<Record<string, string>> = {
  '°C': 'Cel',
  C: 'Cel',
  'µg/m³': 'ug/m3',
  'µg/m3': 'ug/m3',
  '/min': '1/min',
};

/** The canonical name of a unit spelling (`°C` → `Cel`); other names are returned as they are. */
export function canonicalUnit(unit: string): string {
  return SPELLINGS[unit] ?? unit;
}

/** Every unit name and spelling the conversion table knows (`Cel`, `°C`, `kWh` …). */
export function conversionUnitNames(): string[] {
  return [...SCALES.keys(), ...Object.keys(SPELLINGS)];
}

/** The dimension of a unit (`length`, `temperature` …), or null when the table does not know it. */
export function unitDimension(unit: string): string | null {
  return SCALES.get(canonicalUnit(unit))?.dimension ?? null;
}

/** Whether a value in `from` can be expressed in `to` (same unit, or same dimension). */
export function isConvertible(from: string, to: string): boolean {
  const a = canonicalUnit(from);
  const b = canonicalUnit(to);
  if (a === b) return true;
  const sa = SCALES.get(a);
  const sb = SCALES.get(b);
  return sa !== undefined && sb !== undefined && sa.dimension === sb.dimension;
}

export type Conversion = { ok: true; value: number } | { ok: false; detail: string };

/** Rounds away binary noise (296.25 K → 23.100000000000023 °C): 12 significant digits. */
function clean(value: number): number {
  return value === 0 ? 0 : Number(value.toPrecision(12));
}

/**
 * Converts `value` from unit `from` to unit `to`. A sum (`s`, a value integrated over time)
 * only takes the factor: an offset (kelvin → °C) has no meaning for it, so such a sum is refused.
 */
export function convertUnit(value: number, from: string, to: string, kind: 'value' | 'sum' = 'value'): Conversion {
  const a = canonicalUnit(from);
  const b = canonicalUnit(to);
  if (a === b) return { ok: true, value };
  const sa = SCALES.get(a);
  const sb = SCALES.get(b);
  if (!sa || !sb) {
    const unknown = !sa ? from : to;
    return {
      ok: false,
      detail: `unit ${quoteValue(from)} cannot be converted to ${quoteValue(to)}: ${quoteValue(unknown)} is not a unit the conversion table knows`,
    };
  }
  if (sa.dimension !== sb.dimension) {
    return { ok: false, detail: `unit ${quoteValue(from)} (${sa.dimension}) cannot be converted to ${quoteValue(to)} (${sb.dimension})` };
  }
  if (kind === 'sum') {
    if (sa.offset !== 0 || sb.offset !== 0)
      return { ok: false, detail: `a sum in ${quoteValue(from)} cannot be converted to ${quoteValue(to)} (the units differ by an offset)` };
    return { ok: true, value: clean((value * sa.factor) / sb.factor) };
  }
  return { ok: true, value: clean((value * sa.factor + sa.offset - sb.offset) / sb.factor) };
}
