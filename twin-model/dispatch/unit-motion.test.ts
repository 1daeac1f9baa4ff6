import { describe, expect, it } from 'vitest';
import { bearingDeg, positionAlong } from './unit-motion.ts';
import type { Route } from './unit-types.ts';

/** East 0.01° in 60 s, then north 0.01° in 120 s. */
const L: Route = {
  fromNode: 1,
  toNode: 3,
  nodes: [1, 2, 3],
  edges: [10, 11],
  lengthM: 2000,
  travelTimeS: 180,
  coords: [
    [114.3, 30.5],
    [114.31, 30.5],
    [114.31, 30.51],
  ],
  cumulativeS: [0, 60, 180],
};

describe('bearingDeg', () => {
  it('gives the compass directions', () => {
    expect(bearingDeg(114.3, 30.5, 114.3, 30.51)).toBeCloseTo(0, 6);
    expect(bearingDeg(114.3, 30.5, 114.31, 30.5)).toBeCloseTo(90, 1);
    expect(bearingDeg(114.3, 30.51, 114.3, 30.5)).toBeCloseTo(180, 6);
    expect(bearingDeg(114.31, 30.5, 114.3, 30.5)).toBeCloseTo(270, 1);
  });
});

describe('positionAlong', () => {
  it('starts at the first coordinate heading along the first segment', () => {
    const p = positionAlong(L, 0);
    expect([p.lng, p.lat]).toEqual([114.3, 30.5]);
    expect(p.heading).toBeCloseTo(90, 1);
    expect(p).toMatchObject({ done: false, remainingS: 180, segment: 0 });
  });

  it('interpolates inside a segment by time', () => {
    const p = positionAlong(L, 30);
    expect(p.lng).toBeCloseTo(114.305, 9);
    expect(p.lat).toBeCloseTo(30.5, 9);
    expect(p.remainingS).toBe(150);
    const q = positionAlong(L, 120);
    expect(q.lng).toBeCloseTo(114.31, 9);
    expect(q.lat).toBeCloseTo(30.505, 9);
    expect(q.heading).toBeCloseTo(0, 6);
    expect(q.segment).toBe(1);
  });

  it('is at the node exactly when its cumulative time is reached', () => {
    const p = positionAlong(L, 60);
    expect([p.lng, p.lat]).toEqual([114.31, 30.5]);
    expect(p.segment).toBe(1);
    expect(p.heading).toBeCloseTo(0, 6);
  });

  it('ends at the last coordinate, done, keeping the last heading', () => {
    for (const t of [180, 500, Number.POSITIVE_INFINITY]) {
      const p = positionAlong(L, t);
      expect([p.lng, p.lat]).toEqual([114.31, 30.51]);
      expect(p).toMatchObject({ done: true, remainingS: 0, segment: 2 });
      expect(p.heading).toBeCloseTo(0, 6);
    }
  });

  it('clamps negative time to the start', () => {
    expect(positionAlong(L, -10)).toMatchObject({ lng: 114.3, lat: 30.5, done: false, remainingS: 180 });
  });

  it('handles a one-point route as already there', () => {
    const here: Route = {
      fromNode: 5,
      toNode: 5,
      nodes: [5],
      edges: [],
      lengthM: 0,
      travelTimeS: 0,
      coords: [[114.2, 30.6]],
      cumulativeS: [0],
    };
    expect(positionAlong(here, 0)).toEqual({ lng: 114.2, lat: 30.6, heading: 0, done: true, remainingS: 0, segment: 0 });
  });

  it('steps over zero-duration segments without dividing by zero', () => {
    const r: Route = {
      ...L,
      coords: [
        [114.3, 30.5],
        [114.3, 30.5],
        [114.31, 30.5],
      ],
      cumulativeS: [0, 0, 60],
      travelTimeS: 60,
    };
    const p = positionAlong(r, 30);
    expect(p.lng).toBeCloseTo(114.305, 9);
    expect(p.segment).toBe(1);
    expect(Number.isFinite(p.heading)).toBe(true);
    expect(p.heading).toBeCloseTo(90, 1);
  });

  it('rejects a route whose times do not match its coordinates', () => {
    expect(() => positionAlong({ ...L, cumulativeS: [0, 60] }, 10)).toThrow(/3 coordinates but 2 cumulative times/);
  });
});
