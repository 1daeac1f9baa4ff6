import { describe, expect, it } from 'vitest';
import { cellDeg, MAX_QUERY_CELLS, queryLevel } from './sensor-aggregate.ts';

describe('the level a cell query walks (the live grid and the registry)', () => {
  it('takes the zoom level when the bbox needs few cells', () => {
    expect(queryLevel([114.2, 30.5, 114.4, 30.6], 11.7)).toEqual({ level: 11, side: cellDeg(11) });
  });

  it('keeps within the finest and coarsest levels', () => {
    expect(queryLevel([114.3, 30.5, 114.31, 30.51], 20)).toEqual({ level: 13, side: cellDeg(13) });
    expect(queryLevel([114.2, 30.5, 114.4, 30.6], 2)).toEqual({ level: 6, side: cellDeg(6) });
  });

  it('goes coarser until the bbox needs at most the cells a query may walk', () => {
    const bbox: [number, number, number, number] = [100, 20, 120, 40];
    const { level, side } = queryLevel(bbox, 13);
    const cells = (s: number) => (Math.floor(120 / s) - Math.floor(100 / s) + 1) * (Math.floor(40 / s) - Math.floor(20 / s) + 1);
    expect(cells(side)).toBeLessThanOrEqual(MAX_QUERY_CELLS);
    expect(cells(cellDeg(level + 1))).toBeGreaterThan(MAX_QUERY_CELLS);
  });
});
