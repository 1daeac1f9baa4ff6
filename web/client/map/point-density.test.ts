import { describe, expect, it } from 'vitest';
import { countInBounds, densityScale, MIN_SCALE } from './point-density.ts';

describe('densityScale', () => {
  it('keeps the normal size while the points in view are few', () => {
    expect(densityScale(3_000, 4.5, 1920, 1080)).toBe(1);
    expect(densityScale(10_000, 4.5, 1920, 1080)).toBe(1);
  });

  it('draws many points smaller, so that they cover about half the map', () => {
    const s = densityScale(30_000, 4.5, 1920, 1080);
    expect(s).toBeGreaterThan(MIN_SCALE);
    expect(s).toBeLessThan(1);
    const r = 4.5 * s;
    expect((30_000 * Math.PI * r * r) / (1920 * 1080)).toBeCloseTo(0.5, 5);
  });

  it('never goes below the smallest size', () => {
    expect(densityScale(1_000_000, 4.5, 1920, 1080)).toBe(MIN_SCALE);
  });

  it('is 1 for nothing in view or a map of no size', () => {
    expect(densityScale(0, 4.5, 1920, 1080)).toBe(1);
    expect(densityScale(100_000, 4.5, 0, 1080)).toBe(1);
  });
});

describe('countInBounds', () => {
  it('counts the pairs within the bounds, edges included, and only the first `length`', () => {
    const positions = new Float32Array([114, 30, 115, 31, 113, 30, 114.5, 30.5, 114.2, 30.2]);
    const bounds = { west: 114, south: 30, east: 115, north: 31 };
    expect(countInBounds(positions, 5, bounds)).toBe(4);
    expect(countInBounds(positions, 2, bounds)).toBe(2);
  });
});
