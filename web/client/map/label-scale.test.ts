import { describe, expect, it } from 'vitest';
import { boundedLabelScale, LABEL_SCALE_RANGE, rescaledLabel, scaledTextSize } from './label-scale.ts';

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

  it('scales a layer from its style’s size, never compounding, and leaves one already at the target alone', () => {
    const first = rescaledLabel(undefined, 12, 2);
    expect(first).toEqual({ entry: { base: 12, target: 24, set: '24' }, change: true });
    // The layer now holds what was set here: scaled again from the style's 12, not from 24.
    expect(rescaledLabel(first.entry, 24, 2)).toEqual({ entry: first.entry, change: false });
    expect(rescaledLabel(first.entry, 24, 3)).toMatchObject({ entry: { base: 12, target: 36 }, change: true });
    // Something else in the layer (a new style) is the style's own size.
    expect(rescaledLabel(first.entry, 14, 2)).toMatchObject({ entry: { base: 14, target: 28 }, change: true });
    // Back at a desk: the style's size again; a layer the style never sized stays unset.
    expect(rescaledLabel(first.entry, 24, 1)).toMatchObject({ entry: { base: 12, target: 12 }, change: true });
    expect(rescaledLabel(undefined, undefined, 1)).toEqual({ entry: { base: undefined, target: undefined, set: 'null' }, change: false });
  });
});
