import { describe, expect, it } from 'vitest';
import { unitOf, unitSuffix } from './rule-overrides.ts';

describe('rule units at the form', () => {
  it("names a threshold's unit, the metric's, in either language; a duration's label names its own", () => {
    expect(unitOf('warning.enter', 'water_level_cm')).toBe('cm');
    expect(unitOf('alarm.exit', 'water_level_cm')).toBe('cm');
    expect(unitOf('onDelayMs', 'water_level_cm')).toBe('');
    expect(unitSuffix('cm', 'zh')).toBe('（cm）');
    expect(unitSuffix('cm', 'en')).toBe(' (cm)');
  });
});
