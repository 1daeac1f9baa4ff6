import { describe, expect, it } from 'vitest';
import type { LngLat } from './city-types.ts';
import { SegmentGrid } from './segment-grid.ts';

describe('SegmentGrid', () => {
  it('indexes segments for crossing and distance queries', () => {
    const grid = new SegmentGrid();
    grid.add([114.3, 30.5], [114.3, 30.6], 1);
    expect(grid.intersects([114.29, 30.55], [114.31, 30.55])).toBe(true);
    expect(grid.intersects([114.29, 30.55], [114.31, 30.55], (tag) => tag === 1)).toBe(false);
    // 0.01° of longitude at 30.6° N is ~958 m.
    expect(grid.distanceM([114.31, 30.55], 5000)).toBeCloseTo(958, -1);
    expect(grid.distanceM([114.5, 30.55], 5000)).toBe(5000);
  });

  /** The keys of every cell of a box, and how many cells it has. */
  const keysOver = (grid: SegmentGrid, [w, s, e, n]: [number, number, number, number]): { keys: number[]; cells: number } => {
    const keys: number[] = [];
    for (let ix = grid.column(w); ix <= grid.column(e); ix++)
      for (let iy = grid.row(s); iy <= grid.row(n); iy++) keys.push(SegmentGrid.key(ix, iy));
    return { keys, cells: keys.length };
  };

  it('gives distinct cells distinct keys south and west of 0°, near ±180° and over the whole globe', () => {
    const grid = new SegmentGrid({ cellDeg: 0.005 });
    const boxes: [number, number, number, number][] = [
      [-46.9, -23.8, -46.3, -23.3], // São Paulo
      [-0.5, 51.3, 0.3, 51.7], // London, across the prime meridian
      [179.6, -18.3, 180, -16.1], // Fiji, west of the antimeridian
      [-180, -18.3, -179.6, -16.1], // … and east of it
      [-180, 64.5, -179.8, 65.5], // Chukotka
    ];
    const all = boxes.map((box) => keysOver(grid, box));
    const keys = new Set(all.flatMap((k) => k.keys));
    expect(keys.size).toBe(all.reduce((n, k) => n + k.cells, 0));
    // Cells 4096 rows (40.96° at 0.01°) apart one column over are apart too, as are the corners.
    const wuhanLike = new SegmentGrid({ origin: [112, 28] });
    const [ix, iy] = [wuhanLike.column(-46.6), wuhanLike.row(-23.5)];
    const pairs = [
      [ix, iy],
      [ix + 1, iy - 4096],
      [ix - 1, iy + 4096],
      [wuhanLike.column(-180), wuhanLike.row(-90)],
      [wuhanLike.column(180), wuhanLike.row(90)],
      [wuhanLike.column(-180), wuhanLike.row(90)],
      [wuhanLike.column(180), wuhanLike.row(-90)],
    ] as const;
    expect(new Set(pairs.map(([x, y]) => SegmentGrid.key(x, y))).size).toBe(pairs.length);
    const globe = keysOver(new SegmentGrid({ cellDeg: 1 }), [-180, -90, 180, 90]);
    expect(new Set(globe.keys).size).toBe(globe.cells);
    expect(globe.cells).toBe(361 * 181);
  });

  it('reads near a segment only what is filed near it, in São Paulo and by the antimeridian', () => {
    const grid = new SegmentGrid();
    grid.add([-46.634, -23.548], [-46.632, -23.546], 1);
    // 40.96° north, one column west: a cell that shared the first one's key when cells were counted from 112° E, 28° N.
    grid.add([-46.644, 17.412], [-46.642, 17.414], 2);
    grid.add([179.995, -16.505], [179.996, -16.504], 3);
    grid.add([179.985, 24.455], [179.986, 24.456], 4);
    grid.add([-179.995, -16.505], [-179.994, -16.504], 5);
    const near = (a: LngLat, b: LngLat): number[] => {
      const tags: number[] = [];
      grid.forEachNear(a, b, (tag) => tags.push(tag));
      return tags;
    };
    expect(near([-46.635, -23.549], [-46.631, -23.545])).toEqual([1]);
    expect(near([179.994, -16.506], [179.997, -16.503])).toEqual([3]);
    expect(near([-179.996, -16.506], [-179.993, -16.503])).toEqual([5]);
    expect(grid.distanceM([-46.6335, -23.5475], 5000)).toBeLessThan(1);
    expect(grid.intersects([-46.634, -23.546], [-46.632, -23.548])).toBe(true);
  });

  it('answers tagsInBox in the order the segments were added, each once, long ones included', () => {
    const grid = new SegmentGrid({ cellDeg: 0.005 });
    grid.add([-46.5, -23.5], [-46.5, -23.49], 10); // east
    grid.add([-46.7, -23.52], [-46.5, -23.48], 11); // across many cells, west to east
    grid.add([-46.7, -23.5], [-46.69, -23.5], 12); // west
    grid.add([-70, -23.5], [-30, -23.49], 13); // too long to file: a candidate of every query
    grid.add([-43.2, -22.9], [-43.19, -22.9], 14); // Rio, outside the box
    // A walk over the cells meets them west to east (12, 11, 10): the answer is in their own order.
    expect(grid.tagsInBox(-46.71, -23.53, -46.49, -23.47)).toEqual([10, 11, 12, 13]);
    expect(grid.tagsInBox(-46.505, -23.505, -46.495, -23.495)).toEqual([10, 11, 13]);
    expect(grid.tagsInBox(-180, -90, 180, 90)).toEqual([10, 11, 12, 13, 14]);
    expect(grid.tagsInBox(0, 0, 0.001, 0.001)).toEqual([13]);
    expect(grid.tagsInBox(-46.49, -23.47, -46.71, -23.53)).toEqual([]);
  });

  it('files a segment across the antimeridian on both sides of it, not in every query', () => {
    const grid = new SegmentGrid({ cellDeg: 0.005 });
    grid.add([179.998, -16.8], [-179.999, -16.8], 1); // across ±180°, ~300 m long
    grid.add([-179.99, -16.8], [-179.989, -16.8], 2); // ~1 km east of it
    expect(grid.tagsInBox(179.997, -16.801, 180, -16.799)).toEqual([1]);
    expect(grid.tagsInBox(-180, -16.801, -179.998, -16.799)).toEqual([1]);
    expect(grid.tagsInBox(-179.991, -16.801, -179.988, -16.799)).toEqual([2]);
    expect(grid.tagsInBox(114.3, 30.6, 114.31, 30.61)).toEqual([]);
  });

  it('answers each segment once however many queries a long-lived grid has answered', () => {
    const grid = new SegmentGrid();
    grid.add([-46.7, -23.6], [-46.5, -23.4], 7); // filed in ~400 cells
    (grid as unknown as { query: number }).query = 0x7fff_fffd;
    for (let k = 0; k < 5; k++) {
      let visits = 0;
      grid.forEachNear([-46.7, -23.6], [-46.5, -23.4], () => visits++);
      expect(visits).toBe(1);
    }
  });
});
