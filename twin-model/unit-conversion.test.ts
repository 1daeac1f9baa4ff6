import { describe, expect, it } from 'vitest';
import { canonicalUnit, convertUnit, isConvertible, unitDimension } from './unit-conversion.ts';
import { SENML_PRIMARY_UNITS, SENML_SECONDARY_UNITS } from './senml-units.ts';

const ok = (value: number) => ({ ok: true, value });

describe('convertUnit', () => {
  it.each([
    // [value, from, to, expected]
    [296.25, 'K', 'Cel', 23.1],
    [0, 'Cel', 'K', 273.15],
    [-40, 'Cel', 'K', 233.15],
    [1.25, 'm', 'cm', 125],
    [87, 'mm', 'cm', 8.7],
    [0.5, 'km', 'm', 500],
    [36, 'km/h', 'm/s', 10],
    [10, 'm/s', 'km/h', 36],
    [1013.25, 'hPa', 'Pa', 101325],
    [101325, 'Pa', 'hPa', 1013.25],
    [90, 's', 'min', 1.5],
    [2, 'h', 'min', 120],
    [120, '1/min', '1/s', 2],
    [10500, 'V', 'kV', 10.5],
    [1500, 'mA', 'A', 1.5],
    [2.5, 'kW', 'W', 2500],
    [1, 'kWh', 'J', 3.6e6],
    [0.42, '/', '%', 42],
    [250, 'ppm', '%', 0.025],
    [1, 'KiB', 'B', 1024],
    [3, 'count', '1', 3],
    [12, 'mm/h', 'mm/h', 12],
  ])('%s %s → %s', (value, from, to, expected) => {
    expect(convertUnit(value, from, to)).toEqual(ok(expected));
  });

  it('accepts the v1 spellings of a unit as the unit itself', () => {
    expect(canonicalUnit('°C')).toBe('Cel');
    expect(convertUnit(21.5, '°C', 'Cel')).toEqual(ok(21.5));
    expect(convertUnit(300, 'K', '°C')).toEqual(ok(26.85));
    expect(convertUnit(35, 'µg/m³', 'ug/m3')).toEqual(ok(35));
  });

  it('rejects units of different dimensions, naming both', () => {
    const r = convertUnit(23, 'Cel', 'cm');
    expect(r).toEqual({ ok: false, detail: 'unit "Cel" (temperature) cannot be converted to "cm" (length)' });
    expect(convertUnit(50, '%', '%RH')).toMatchObject({ ok: false, detail: expect.stringContaining('"%RH"') });
    expect(convertUnit(-60, 'dBm', 'dB')).toMatchObject({ ok: false, detail: expect.stringContaining('"dBm"') });
    expect(convertUnit(24.3, 'lon', 'lat')).toMatchObject({ ok: false });
  });

  it('rejects a unit nobody knows, quoting it', () => {
    expect(convertUnit(1, 'furlong', 'm')).toEqual({
      ok: false,
      detail: 'unit "furlong" cannot be converted to "m": "furlong" is not a unit the conversion table knows',
    });
  });

  it('quotes a unit a device sent cut at 80 characters, a line break and an override escaped', () => {
    const quoted = `"ab\\n\\u202ecd${'x'.repeat(67)}…`;
    expect(convertUnit(1, `ab\n\u202ecd${'x'.repeat(494)}`, 'm')).toEqual({
      ok: false,
      detail: `unit ${quoted} cannot be converted to "m": ${quoted} is not a unit the conversion table knows`,
    });
  });

  it('converts sums by the factor only, and refuses offsets for sums', () => {
    expect(convertUnit(600, 'mm', 'cm', 'sum')).toEqual(ok(60));
    expect(convertUnit(600, 'K', 'Cel', 'sum')).toMatchObject({ ok: false, detail: expect.stringContaining('offset') });
  });

  it('knows the dimension of every convertible unit and nothing else', () => {
    expect(unitDimension('Cel')).toBe('temperature');
    expect(unitDimension('%RH')).toBeNull();
    expect(isConvertible('K', 'Cel')).toBe(true);
    expect(isConvertible('%RH', '%RH')).toBe(true);
    expect(isConvertible('%RH', '%')).toBe(false);
    // Every unit of the table that SenML registers is spelled as SenML spells it.
    const senml = new Set<string>([...SENML_PRIMARY_UNITS, ...SENML_SECONDARY_UNITS]);
    for (const u of ['m', 'cm', 'mm', 'km', 'K', 'Cel', 'Pa', 'hPa', 'km/h', 'm/s', 'mm/h', 'kW', 'Wh', 'kWh', 'ppm']) {
      expect(senml.has(u)).toBe(true);
      expect(unitDimension(u)).not.toBeNull();
    }
  });
});
