import { describe, expect, it } from 'vitest';
import type { CellsMessage, CellSummary } from '../../shared/protocol.ts';
import { cellRadius, cellState, countLabel } from '../map/cell-layer.ts';
import { CellCache, viewportOf } from './viewport-client.ts';

const side = 90 / 2 ** 10;
const cell = (x: number, y: number, n: number, states: number[] = [n, 0, 0, 0, 0]): CellSummary => ({
  key: `10/${x}/${y}`,
  n,
  lng: (x + 0.5) * side,
  lat: (y + 0.5) * side,
  states,
});
const answer = (bbox: [number, number, number, number], cells: CellSummary[], level = 10): CellsMessage => ({
  serverTime: 1,
  level,
  cellDeg: 90 / 2 ** level,
  bbox,
  zoom: level + 0.3,
  total: cells.reduce((a, c) => a + c.n, 0),
  registry: 1000,
  source: 'twin',
  cells,
});

describe('the cell cache', () => {
  it('keeps cells across pans and replaces those inside a newer answer', () => {
    const cache = new CellCache();
    cache.apply(answer([0, 0, 10 * side - 1e-9, 10 * side - 1e-9], [cell(1, 1, 5), cell(8, 8, 7)]));
    // A pan to the right: cell (8, 8) is answered again with a new count; (9, 9) emptied; (1, 1) is outside and kept.
    cache.apply(answer([5 * side, 5 * side, 15 * side - 1e-9, 15 * side - 1e-9], [cell(8, 8, 9), cell(12, 12, 1)]));
    const byKey = new Map(cache.cells().map((c) => [c.key, c.n]));
    expect(byKey).toEqual(
      new Map([
        ['10/1/1', 5],
        ['10/8/8', 9],
        ['10/12/12', 1],
      ]),
    );
    cache.apply(answer([5 * side, 5 * side, 15 * side - 1e-9, 15 * side - 1e-9], [cell(12, 12, 1)]));
    expect(
      cache
        .cells()
        .map((c) => c.key)
        .sort(),
    ).toEqual(['10/1/1', '10/12/12']);
  });

  it('draws the level of the newest answer and keeps at most its limit', () => {
    const cache = new CellCache(3);
    cache.apply(answer([0, 0, 1, 1], [cell(1, 1, 1), cell(2, 2, 1)]));
    cache.apply(
      answer(
        [0, 0, 1, 1],
        [
          { ...cell(0, 0, 4), key: '9/0/0' },
          { ...cell(0, 1, 4), key: '9/0/1' },
        ],
        9,
      ),
    );
    expect(cache.level).toBe(9);
    expect(cache.size).toBe(3);
    expect(cache.cells().map((c) => c.key)).toEqual(['9/0/0', '9/0/1']);
  });
});

describe('cells on the map', () => {
  it('colours a cell by its worst state, else by its commonest', () => {
    expect(cellState(cell(0, 0, 10, [8, 1, 1, 0, 0]))).toBe('alarm');
    expect(cellState(cell(0, 0, 10, [8, 2, 0, 0, 0]))).toBe('warning');
    expect(cellState(cell(0, 0, 10, [3, 0, 0, 7, 0]))).toBe('stale');
    expect(cellState(cell(0, 0, 10, [3, 0, 0, 2, 5]))).toBe('unregistered');
    expect(cellState({ ...cell(0, 0, 10), states: [] })).toBeNull();
  });

  it('labels counts briefly and sizes discs by the log of the count', () => {
    expect([850, 1000, 1250, 35_400, 1_000_000, 1_260_000].map(countLabel)).toEqual(['850', '1k', '1.3k', '35k', '1M', '1.3M']);
    expect(cellRadius(1)).toBeLessThan(cellRadius(100));
    expect(cellRadius(10_000_000)).toBe(30);
  });

  it('sends the map bounds as a valid bbox', () => {
    const map = {
      getBounds: () => ({ getWest: () => -190, getSouth: () => 30, getEast: () => 114, getNorth: () => 95 }),
      getZoom: () => 9.5,
      on: () => undefined,
    };
    expect(viewportOf(map)).toEqual({ bbox: [-180, 30, 114, 90], zoom: 9.5 });
  });
});
