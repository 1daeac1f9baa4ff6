import { describe, expect, it } from 'vitest';
import { Vocabulary } from './vocabulary-registry.ts';

const noise = { kind: 'noise_level', label: { zh: '噪声', en: 'Noise level' }, metrics: { noise_dba: 'dB' } };
const soil = { kind: 'soil_moisture', label: { zh: '土壤湿度', en: 'Soil moisture' }, metrics: { soil_vwc: '%', soil_temp: 'Cel' } };

describe('the declared kinds replaced while running', () => {
  it('adds, relabels and removes the package kinds; kinds declared otherwise stay', () => {
    const v = Vocabulary.of([noise, soil]);
    v.declare({ kind: 'gate_state', metrics: { gate_open: '/' } }, 'meta');
    const heard: string[] = [];
    v.onDeclared((k) => heard.push(k.kind));
    const removed = v.replaceDeclared([
      { ...noise, label: { zh: '噪声级', en: 'Noise' } },
      { kind: 'wind', label: { zh: '风', en: 'Wind' }, metrics: { wind_ms: 'm/s' } },
    ]);
    expect(removed).toEqual(['soil_moisture']);
    expect(v.kind('soil_moisture')).toBeUndefined();
    expect(v.metric('soil_vwc')).toBeUndefined();
    expect(v.kind('noise_level')!.label.en).toBe('Noise');
    expect(v.unitOf('wind_ms')).toBe('m/s');
    expect(v.kind('gate_state')!.origin).toBe('meta');
    expect(v.kind('temperature')!.origin).toBe('v1');
    expect(heard).toEqual(['noise_level', 'wind']);
  });

  it('a kind that loses a metric or changes a unit is declared again from the new file', () => {
    const v = Vocabulary.of([soil]);
    v.replaceDeclared([{ ...soil, metrics: { soil_vwc: '/' } }]);
    expect(v.kind('soil_moisture')!.metrics).toEqual(['soil_vwc']);
    expect(v.unitOf('soil_vwc')).toBe('/');
    expect(v.metric('soil_temp')).toBeUndefined();
  });

  it('refuses a declaration that breaks the v1 names, quoting it', () => {
    const v = Vocabulary.of([]);
    expect(() => v.replaceDeclared([{ kind: 'x_kind', metrics: { river_level_m: 'cm' } }])).toThrow(/"river_level_m" has the unit "m"/);
  });
});
