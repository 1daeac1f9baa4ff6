import { describe, expect, it } from 'vitest';
import { applyFleetRegister, busyUnitIds, dropFreeRetiring } from './fleet-register.ts';
import { createFleetState } from './unit-state.ts';
import type { ResponseUnit } from './unit-types.ts';

function unit(id: string, over: Partial<ResponseUnit> = {}): ResponseUnit {
  return {
    id,
    kind: 'pump_team',
    nameZh: `排水${id}`,
    nameEn: `Pump ${id}`,
    capabilities: ['pumping'],
    homeStationId: 'pd-1',
    homeDistrict: 'd1',
    homeLng: 15.6,
    homeLat: 48.2,
    homeNodeId: 7,
    shift: { startHour: 0, endHour: 24 },
    status: 'available',
    lng: 15.6,
    lat: 48.2,
    nodeId: 7,
    lastFixAt: 0,
    version: 0,
    ...over,
  };
}

describe('a fleet register put in force while running', () => {
  it('adds new units at home, updates kept ones without losing their live state, retires the free ones', () => {
    const state = createFleetState([unit('a', { status: 'returning', lng: 15.61, lat: 48.21, lastFixAt: 5 }), unit('b'), unit('c')]);
    const retiring = new Set<string>();
    const result = applyFleetRegister(
      state,
      [unit('a', { nameEn: 'Pump A renamed', homeLng: 15.62, homeNodeId: 9 }), unit('b'), unit('d', { kind: 'fire_engine' })],
      retiring,
    );
    expect(result).toEqual({ added: ['d'], updated: ['a'], retired: ['c'], retiring: [] });
    const a = state.units.get('a')!;
    expect(a).toMatchObject({
      nameEn: 'Pump A renamed',
      homeLng: 15.62,
      homeNodeId: 9,
      status: 'returning',
      lng: 15.61,
      lastFixAt: 5,
      version: 1,
    });
    expect(state.units.get('b')!.version).toBe(0);
    expect(state.units.get('d')).toMatchObject({ kind: 'fire_engine', status: 'available' });
    expect(state.units.has('c')).toBe(false);
    expect(state.statusSince.has('c')).toBe(false);
  });

  it('a unit that never sent a fix moves with its home', () => {
    const state = createFleetState([unit('a')]);
    applyFleetRegister(state, [unit('a', { homeLng: 15.7, lng: 15.7, homeNodeId: 3, nodeId: 3 })], new Set());
    expect(state.units.get('a')).toMatchObject({ lng: 15.7, nodeId: 3 });
  });

  it('names the units on an assignment, keeps a retired one until it is free, and forgets it when it comes back', () => {
    const state = createFleetState([unit('a', { status: 'en_route', incidentId: 'INC-1' }), unit('b')]);
    expect([...busyUnitIds(state)]).toEqual([['a', 'INC-1']]);
    const retiring = new Set<string>();
    const result = applyFleetRegister(state, [unit('b')], retiring);
    expect(result.retiring).toEqual(['a']);
    expect(state.units.has('a')).toBe(true);
    expect(dropFreeRetiring(state, retiring)).toEqual([]);
    state.units.set('a', { ...state.units.get('a')!, status: 'returning', incidentId: undefined });
    expect(dropFreeRetiring(state, retiring)).toEqual(['a']);
    expect(state.units.has('a')).toBe(false);

    const again = createFleetState([unit('a', { status: 'on_scene', incidentId: 'INC-2' })]);
    const r2 = new Set<string>();
    applyFleetRegister(again, [], r2);
    applyFleetRegister(again, [unit('a')], r2);
    expect(r2.size).toBe(0);
    expect(again.units.get('a')!.status).toBe('on_scene');
  });
});
