import { describe, expect, it } from 'vitest';
import { pageOf, parseRotation, parseWallPlan, ringsBounds, stepAt, tileBounds, WallPlanError } from './wall-plan.ts';

describe('wall plan', () => {
  it('reads the rotation, the wall and the timings from the address', () => {
    const plan = parseWallPlan('?kiosk=1&rotate=city:60,district:420102:30,kpi:30&wall=3x1&screen=2&focus=45&stale=20');
    expect(plan.kiosk).toBe(true);
    expect(plan.steps).toEqual([
      { view: { kind: 'city' }, seconds: 60 },
      { view: { kind: 'district', code: '420102' }, seconds: 30 },
      { view: { kind: 'kpi' }, seconds: 30 },
    ]);
    expect(plan.wall).toEqual({ cols: 3, rows: 1, screen: 2 });
    expect(plan.focusS).toBe(45);
    expect(plan.staleS).toBe(20);
    expect(plan.reloadS).toBe(120);
    expect(parseWallPlan('?kiosk=1&reload=600').reloadS).toBe(600);
    expect(parseWallPlan('').kiosk).toBe(false);
    expect(parseWallPlan('?kiosk=1').steps).toEqual([{ view: { kind: 'city' }, seconds: 3600 }]);
  });

  it('names the parameter that is wrong', () => {
    expect(() => parseRotation('city:60,moon:5')).toThrow(/"moon:5" is not/);
    expect(() => parseRotation('city:1')).toThrow(/3 to 86400 seconds/);
    expect(() => parseRotation('district:wuhan:30')).toThrow(WallPlanError);
    expect(() => parseWallPlan('?wall=3by1')).toThrow(/wall=3by1/);
    expect(() => parseWallPlan('?wall=2x1&screen=3')).toThrow(/screen=3/);
    expect(() => parseWallPlan('?stale=1')).toThrow(/stale=1/);
    expect(() => parseWallPlan('?reload=1')).toThrow(/reload=1: expected a whole number from 2 to 3600/);
  });

  it('reads a tilted view for the wall, flat by default', () => {
    expect(parseWallPlan('?kiosk=1&pitch=45&bearing=-20').tilt).toEqual({ pitch: 45, bearing: -20 });
    expect(parseWallPlan('?kiosk=1').tilt).toEqual({ pitch: 0, bearing: 0 });
    expect(() => parseWallPlan('?pitch=75')).toThrow(/pitch=75: expected a whole number from 0 to 60/);
    expect(() => parseWallPlan('?bearing=north')).toThrow(/bearing=north: expected a whole number from -180 to 180/);
  });

  it('times the rotation by the wall clock, so every screen switches together', () => {
    const steps = parseRotation('city:60,district:420102:30,kpi:30');
    const at = (s: number) => stepAt(steps, Date.UTC(2026, 10, 24, 8, 0, 0) + s * 1000);
    // 08:00:00 UTC is a multiple of the 120 s period.
    expect(at(0)).toMatchObject({ index: 0, leftS: 60 });
    expect(at(59.5)).toMatchObject({ index: 0, leftS: 0.5 });
    expect(at(60)).toMatchObject({ index: 1, leftS: 30 });
    expect(at(95)).toMatchObject({ index: 2, leftS: 25 });
    expect(at(120)).toMatchObject({ index: 0 });
    expect(pageOf(at(95).step.view)).toBe('kpi');
    expect(pageOf(at(10).step.view)).toBe('console');
  });

  it('gives each screen of a wall its tile of the view, row by row', () => {
    const city: [number, number, number, number] = [114, 30, 115, 31];
    expect(tileBounds(city, { cols: 1, rows: 1, screen: 1 })).toEqual(city);
    expect(tileBounds(city, { cols: 2, rows: 1, screen: 2 })).toEqual([114.5, 30, 115, 31]);
    const [w, s, e, n] = tileBounds(city, { cols: 2, rows: 2, screen: 3 });
    expect([w, s, e, n]).toEqual([114, 30, 114.5, 30.5]);
  });

  it('bounds a district shape', () => {
    expect(
      ringsBounds([
        [
          [114.1, 30.5],
          [114.3, 30.6],
          [114.2, 30.4],
        ],
      ]),
    ).toEqual([114.1, 30.4, 114.3, 30.6]);
    expect(ringsBounds([])).toBeNull();
  });
});
