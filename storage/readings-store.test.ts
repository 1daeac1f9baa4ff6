import { describe, expect, it } from 'vitest';
import { historyPlan, historyPoint, RAW_MAX_RANGE_MS, thinPoints, type HistoryPoint } from './readings-store.ts';

const q = (rangeMs: number, maxPoints?: number) => ({
  sensorId: 'wl-1',
  metric: 'water_level_cm',
  from: 0,
  to: rangeMs,
  ...(maxPoints ? { maxPoints } : {}),
});

describe('history plan', () => {
  it('reads raw readings up to 3 h, four times the points asked so thinning keeps the shape', () => {
    expect(historyPlan(q(3600_000))).toEqual({ source: 'raw', limit: 8000 });
    expect(historyPlan(q(RAW_MAX_RANGE_MS, 100))).toEqual({ source: 'raw', limit: 400 });
  });

  it('reads the per-minute rollup beyond 3 h, in steps that keep within the points asked', () => {
    expect(historyPlan(q(RAW_MAX_RANGE_MS + 1))).toEqual({ source: 'rollup', stepMin: 1 });
    expect(historyPlan(q(7 * 86_400_000))).toEqual({ source: 'rollup', stepMin: 6 });
    expect(historyPlan(q(400 * 86_400_000, 20_000))).toEqual({ source: 'rollup', stepMin: 29 });
  });
});

describe('raw points', () => {
  const points = (n: number): HistoryPoint[] => Array.from({ length: n }, (_, i) => [i * 1000, i]);

  it('keeps raw points within the maximum as they are', () => {
    expect(thinPoints(points(10), 10)).toEqual({ points: points(10), resolution: 'raw' });
  });

  it('thins evenly to the maximum, first point kept', () => {
    const thinned = thinPoints(points(40), 10);
    expect(thinned.resolution).toBe('raw-thinned');
    expect(thinned.points.map(([, v]) => v)).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 36]);
  });

  it('reads a stored point with its quoted 64-bit time as numbers', () => {
    expect(historyPoint({ ms: '1767225600000', v: 12.5 })).toEqual([1_767_225_600_000, 12.5]);
  });
});
