import { describe, expect, it } from 'vitest';
import type { LngLat, PolygonRings } from './city-types.ts';
import { PolygonIndex, PolygonSet, bufferLine, lineLengthM, polygonAreaKm2, segmentsIntersect } from './geometry.ts';

const square = (w: number, s: number, e: number, n: number): LngLat[] => [
  [w, s],
  [e, s],
  [e, n],
  [w, n],
  [w, s],
];

describe('PolygonIndex', () => {
  it('handles holes with the even-odd rule', () => {
    const donut: PolygonRings = [square(114, 30, 115, 31), square(114.4, 30.4, 114.6, 30.6)];
    const index = new PolygonIndex([donut]);
    expect(index.contains(114.2, 30.2)).toBe(true);
    expect(index.contains(114.5, 30.5)).toBe(false);
    expect(index.contains(115.5, 30.5)).toBe(false);
  });
});

describe('PolygonSet', () => {
  it('treats overlapping polygons as a union', () => {
    const set = new PolygonSet([[square(0, 0, 2, 2)], [square(1, 1, 3, 3)]]);
    expect(set.contains(1.5, 1.5)).toBe(true);
    expect(set.contains(2.5, 2.5)).toBe(true);
    expect(set.contains(2.5, 0.5)).toBe(false);
  });
});

describe('segments', () => {
  it('detects crossings and touches, not near misses', () => {
    expect(segmentsIntersect(0, 0, 2, 2, 0, 2, 2, 0)).toBe(true);
    expect(segmentsIntersect(0, 0, 1, 1, 1, 1, 2, 0)).toBe(true);
    expect(segmentsIntersect(0, 0, 1, 0, 0, 0.1, 1, 0.1)).toBe(false);
  });
});

describe('bufferLine', () => {
  it('buffers a straight centreline to about length × width', () => {
    const line: LngLat[] = [
      [114.2, 30.5],
      [114.3, 30.5],
    ];
    const polygon = bufferLine(line, [500, 500]);
    const expected = (lineLengthM(line) * 1000 + Math.PI * 500 * 500) / 1e6;
    expect(polygonAreaKm2(polygon)).toBeCloseTo(expected, 0);
  });
});
