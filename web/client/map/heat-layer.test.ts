import { describe, expect, it } from 'vitest';
import { binHeat, heatCellDeg, heatColor } from './heat-layer.ts';

describe('the alarm heat', () => {
  it('bins weighted points into cells at their weighted mean, skipping weight 0', () => {
    const lng = [114.301, 114.302, 114.302, 114.9];
    const lat = [30.6, 30.6, 30.6, 30.6];
    const w = [1, 0.4, 0, 1];
    const cells = binHeat(4, lng, lat, (i) => w[i]!, 0.01);
    expect(cells).toHaveLength(2);
    const near = cells.find((c) => c.lng < 114.5)!;
    expect(near.weight).toBeCloseTo(1.4);
    expect(near.lng).toBeCloseTo((114.301 + 114.302 * 0.4) / 1.4, 6);
  });

  it('skips points without a position, and refuses a bad cell size quoting it', () => {
    expect(binHeat(1, [Number.NaN], [30], () => 1, 0.01)).toEqual([]);
    expect(() => binHeat(1, [114], [30], () => 1, 0)).toThrow(/cell size 0/);
  });

  it('keeps cells the same size on screen: half the degrees one zoom level in', () => {
    expect(heatCellDeg(11) / heatCellDeg(12)).toBeCloseTo(2);
  });

  it('grows from a light amber to a strong red with the weight', () => {
    const [, gLow, , aLow] = heatColor(0.4);
    const [, gHigh, , aHigh] = heatColor(5);
    expect(gHigh).toBeLessThan(gLow);
    expect(aHigh).toBeGreaterThan(aLow);
  });
});
