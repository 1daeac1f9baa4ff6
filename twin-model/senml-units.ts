/**
 * The SenML units registry (IANA "SenML Units", RFC 8428 §12.1, extended by RFC 8798 §2) and
 * the secondary units registry (RFC 8798 §3): the unit names a declared metric may use
 * (contracts.md, "Devices as they come"). Units RFC 8428 marks NOT RECOMMENDED for new
 * producers (`g`, `l`, …) are still registered names and are accepted.
 */

/** Primary unit names (RFC 8428 Table 6, plus RFC 8798 §2). */
export const SENML_PRIMARY_UNITS = [
  'm', 'kg', 'g', 's', 'A', 'K', 'cd', 'mol', 'Hz', 'rad', 'sr', 'N', 'Pa', 'J', 'W', 'C', 'V', 'F', 'Ohm', 'S', 'Wb', 'T', 'H',
  'Cel', 'lm', 'lx', 'Bq', 'Gy', 'Sv', 'kat', 'm2', 'm3', 'l', 'm/s', 'm/s2', 'm3/s', 'l/s', 'W/m2', 'cd/m2', 'bit', 'bit/s',
  'lat', 'lon', 'pH', 'dB', 'dBW', 'Bspl', 'count', '/', '%', '%RH', '%EL', 'EL', '1/s', '1/min', 'beat/min', 'beats', 'S/m',
  // RFC 8798 §2
  'B', 'VA', 'VAs', 'var', 'vars', 'J/m', 'kg/m3', 'deg',
] as const;

/** Secondary unit names: scaled forms of primary units (RFC 8798 §3). */
export const SENML_SECONDARY_UNITS = [
  'ms', 'min', 'h', 'MHz', 'kW', 'kVA', 'kvar', 'Ah', 'Wh', 'kWh', 'varh', 'kvarh', 'kVAh', 'Wh/km', 'KiB', 'GB', 'Mbit/s',
  'B/s', 'MB/s', 'mV', 'mA', 'dBm', 'ug/m3', 'mm/h', 'm/h', 'ppm', '/100', '/1000', 'hPa', 'mm', 'cm', 'km', 'km/h',
] as const;

const ALL = new Set<string>([...SENML_PRIMARY_UNITS, ...SENML_SECONDARY_UNITS]);

/** Whether `unit` is a registered SenML unit name (primary or secondary; case-sensitive). */
export function isSenmlUnit(unit: string): boolean {
  return ALL.has(unit);
}
