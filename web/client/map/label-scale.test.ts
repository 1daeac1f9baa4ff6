import { describe, expect, it } from 'vitest';
import { boundedLabelScale, LABEL_SCALE_RANGE, scaledTextSize } from './label-scale.ts';

describe('the base map labels at a wall’s type scale', () => {
  it('multiplies a fixed size, and maplibre’s default when a layer sets none', () => {
    expect(scaledTextSize(11, 1.5)).toBe(16.5);
    expect(scaledTextSize(undefined, 2)).toBe(32);
  });

  it('multiplies the output sizes of a zoom ramp, not its zoom stops', () => {
    const ramp = ['interpolate', ['exponential', 1.5], ['zoom'], 8, 12, 11, 16, 14, 20];
    expect(scaledTextSize(ramp, 2)).toEqual(['interpolate', ['exponential', 1.5], ['zoom'], 8, 24, 11, 32, 14, 40]);
    expect(scaledTextSize(['step', ['zoom'], 10, 12, 14], 2)).toEqual(['step', ['zoom'], 20, 12, 28]);
  });

  it('wraps any other expression in a product', () => {
    expect(scaledTextSize(['get', 'size'], 1.8)).toEqual(['*', 1.8, ['get', 'size']]);
  });

  it('keeps the scale within its bounds, and a factor that is not a number at 1', () => {
    expect(boundedLabelScale(1.84)).toBe(1.84);
    expect(boundedLabelScale(0.8)).toBe(1);
    expect(boundedLabelScale(40)).toBe(LABEL_SCALE_RANGE.max);
    expect(boundedLabelScale(Number.NaN)).toBe(1);
  });
});
