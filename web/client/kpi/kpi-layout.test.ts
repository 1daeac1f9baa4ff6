import { describe, expect, it } from 'vitest';
import { WallPlanError } from '../kiosk/wall-plan.ts';
import { chooseLayout, isStale, kpiKeptZoom, kpiZoomStep, STALE_AFTER_MS, typeScale, wallCell, wallOf } from './kpi-layout.ts';

describe('big-screen layout', () => {
  it('is standard at 16:9 and wide at 32:9', () => {
    expect(chooseLayout(null, 1920, 1080)).toBe('standard');
    expect(chooseLayout(null, 3840, 2160)).toBe('standard');
    expect(chooseLayout(null, 3840, 1080)).toBe('wide');
    expect(chooseLayout(null, 7680, 2160)).toBe('wide');
  });

  it('follows ?layout= whatever the window', () => {
    expect(chooseLayout('wide', 1920, 1080)).toBe('wide');
    expect(chooseLayout('16:9', 3840, 1080)).toBe('standard');
    expect(chooseLayout('nonsense', 3840, 1080)).toBe('wide');
  });

  it('lays a 3 × 3 wall out one panel per screen, and other walls by their whole shape', () => {
    const wall = wallOf('?wall=3x3&screen=5');
    expect(wall).toEqual({ cols: 3, rows: 3, screen: 5 });
    expect(chooseLayout(null, 1920, 1080, wall)).toBe('grid3x3');
    expect(wallCell(wall)).toEqual({ col: 1, row: 1 });
    expect(wallCell({ cols: 3, rows: 3, screen: 9 })).toEqual({ col: 2, row: 2 });
    expect(chooseLayout(null, 1920, 1080, wallOf('?wall=2x1&screen=2'))).toBe('wide');
    expect(chooseLayout(null, 1920, 1080, wallOf('?wall=2x2&screen=3'))).toBe('standard');
    expect(chooseLayout(null, 1920, 1080, wallOf(''))).toBe('standard');
  });

  it('rejects a bad wall with the value and what is accepted', () => {
    expect(() => wallOf('?wall=3by3')).toThrow(WallPlanError);
    expect(() => wallOf('?wall=3by3')).toThrow(/wall=3by3: expected COLSxROWS/);
    expect(() => wallOf('?wall=3x3&screen=10')).toThrow(/screen=10: expected a whole number from 1 to 9/);
  });

  it('sizes type for the screen: 28 / 72 px at 3840×1080, at least 16 / 48 px at 1920×1080', () => {
    const wide = typeScale(3840, 1080);
    expect(wide.label).toBeGreaterThanOrEqual(28);
    expect(wide.figure).toBeGreaterThanOrEqual(72);
    const hd = typeScale(1920, 1080);
    expect(hd.label).toBeGreaterThanOrEqual(16);
    expect(hd.figure).toBeGreaterThanOrEqual(48);
    expect(typeScale(390, 844).label).toBe(12);
  });
});

describe('staleness of the figures', () => {
  it('turns stale after two missed refreshes, and when nothing has arrived', () => {
    expect(isStale(1000, 1000 + STALE_AFTER_MS)).toBe(false);
    expect(isStale(1000, 1001 + STALE_AFTER_MS)).toBe(true);
    expect(isStale(null, 0)).toBe(true);
  });
});

describe('the map kept in view when its stage changes size', () => {
  it('zooms by the smaller ratio, so what was shown stays shown', () => {
    // The headline band filling in above the map at 3840×1080: the height shrinks, the width stays.
    expect(kpiKeptZoom({ width: 1378, height: 960 }, { width: 1378, height: 794 })).toBeCloseTo(Math.log2(794 / 960), 6);
    expect(kpiKeptZoom({ width: 1000, height: 500 }, { width: 2000, height: 750 })).toBeCloseTo(Math.log2(1.5), 6);
    expect(kpiKeptZoom({ width: 800, height: 600 }, { width: 800, height: 600 })).toBe(0);
  });

  it('leaves the view alone for an empty stage', () => {
    expect(kpiKeptZoom({ width: 0, height: 600 }, { width: 800, height: 600 })).toBe(0);
    expect(kpiKeptZoom({ width: 800, height: 600 }, { width: 800, height: 0 })).toBe(0);
  });

  it('returns to the fitted zoom when the stage shrinks and grows back (no drift)', () => {
    const fitted = { width: 1000, height: 500 };
    const path = [fitted, { width: 800, height: 500 }, { width: 800, height: 400 }, { width: 1000, height: 500 }];
    let zoom = 0;
    for (let i = 1; i < path.length; i++) zoom += kpiZoomStep(fitted, path[i - 1]!, path[i]!);
    expect(zoom).toBeCloseTo(0, 9);
    // Steps taken between the sizes themselves drift out over the same path.
    let drifting = 0;
    for (let i = 1; i < path.length; i++) drifting += kpiKeptZoom(path[i - 1]!, path[i]!);
    expect(drifting).toBeLessThan(-0.1);
  });
});
