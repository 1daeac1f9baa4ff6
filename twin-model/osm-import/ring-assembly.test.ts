import { describe, expect, it } from 'vitest';
import { pointInRing, polygonFromClosedWay, polygonsFromRelation, signedArea2, type Position } from './ring-assembly.ts';

// Nodes on a unit grid: id = 10·x + y + 1 for x, y in 0..4.
const node = (id: number): Position | undefined => (id >= 1 && id <= 50 ? [Math.floor((id - 1) / 10), (id - 1) % 10] : undefined);
const at = (x: number, y: number): number => 10 * x + y + 1;

describe('polygonFromClosedWay', () => {
  it('orients the ring counter-clockwise', () => {
    const clockwise = [at(0, 0), at(0, 2), at(2, 2), at(2, 0), at(0, 0)];
    const result = polygonFromClosedWay(clockwise, node);
    expect(result.ok).toBe(true);
    if (result.ok) expect(signedArea2(result.polygons[0]![0]!)).toBeGreaterThan(0);
  });

  it('refuses an open way and a way with a missing node', () => {
    expect(polygonFromClosedWay([at(0, 0), at(0, 2), at(2, 2), at(2, 0)], node)).toMatchObject({ ok: false, reason: 'open_ring' });
    expect(polygonFromClosedWay([at(0, 0), 999, at(2, 2), at(0, 0)], node)).toMatchObject({ ok: false, reason: 'missing_nodes' });
  });
});

describe('polygonsFromRelation', () => {
  const ways = new Map<number, number[]>([
    [1, [at(0, 0), at(4, 0), at(4, 4)]], // outer, first half
    [2, [at(0, 0), at(0, 4), at(4, 4)]], // outer, second half, drawn the other way
    [3, [at(1, 1), at(1, 2), at(2, 2), at(2, 1), at(1, 1)]], // a hole
    [4, [at(4, 4), at(3, 4)]], // a dangling piece
  ]);
  const way = (id: number): number[] | undefined => ways.get(id);

  it('chains outer ways (reversing one) and puts the inner ring in as a clockwise hole', () => {
    const result = polygonsFromRelation(
      [
        { type: 'way', ref: 1, role: 'outer' },
        { type: 'node', ref: 5, role: 'admin_centre' },
        { type: 'way', ref: 3, role: 'inner' },
        { type: 'way', ref: 2, role: 'outer' },
      ],
      way,
      node,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.polygons).toHaveLength(1);
    const [outer, hole] = result.polygons[0]!;
    expect(outer).toHaveLength(5);
    expect(signedArea2(outer!)).toBeGreaterThan(0);
    expect(signedArea2(hole!)).toBeLessThan(0);
    expect(Math.abs(signedArea2(outer!)) / 2).toBe(16);
  });

  it('reports a ring that does not close, a missing member and a relation without outer ways', () => {
    expect(
      polygonsFromRelation(
        [
          { type: 'way', ref: 1, role: 'outer' },
          { type: 'way', ref: 4, role: 'outer' },
        ],
        way,
        node,
      ),
    ).toMatchObject({ ok: false, reason: 'open_ring' });
    expect(polygonsFromRelation([{ type: 'way', ref: 77, role: 'outer' }], way, node)).toMatchObject({
      ok: false,
      reason: 'missing_member',
      detail: 'member way 77 is not in the data',
    });
    expect(polygonsFromRelation([{ type: 'way', ref: 3, role: 'inner' }], way, node)).toMatchObject({ ok: false, reason: 'no_outer_ring' });
  });
});

describe('pointInRing', () => {
  it('tells inside from outside', () => {
    const square: Position[] = [
      [0, 0],
      [2, 0],
      [2, 2],
      [0, 2],
      [0, 0],
    ];
    expect(pointInRing([1, 1], square)).toBe(true);
    expect(pointInRing([3, 1], square)).toBe(false);
  });
});
