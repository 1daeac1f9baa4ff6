import { describe, expect, it } from 'vitest';
import { durationUnit, fieldToMs, msToField } from './rule-durations.ts';

describe('rule durations at the form', () => {
  it('enters the no-data limit in minutes and the other waits in seconds', () => {
    expect(durationUnit('kinds.water_level.staleAfterMs')).toBe('min');
    expect(durationUnit('kinds.water_level.rules.depth.onDelayMs')).toBe('s');
    expect(durationUnit('forMs')).toBe('s');
    expect(durationUnit('kinds.water_level.rules.depth.warning.enter')).toBeNull();
  });

  it('shows stored milliseconds in the unit and stores the entry back as milliseconds', () => {
    expect(msToField(180_000, 'min')).toBe(3);
    expect(msToField(90_000, 'min')).toBe(1.5);
    expect(msToField(1500, 's')).toBe(1.5);
    expect(msToField(undefined, 's')).toBe('');
    expect(fieldToMs('3', 'min')).toBe(180_000);
    expect(fieldToMs('0.5', 's')).toBe(500);
    expect(fieldToMs(' ', 'min')).toBeNull();
    expect(fieldToMs('three', 'min')).toBe('three');
  });
});
